"""A Word SoW above the instance's maximum attachment size (the seed's `max_attachment_size`,
1 MB here; a team's template with a large picture): GitLab answers 413. The deal is reported
with a line naming the file, its size and the setting, and skipped: the documents are uploaded
before the issue's first note, so none of its notes is posted (not only no SoW note without its
document), no move to SOW_WIP, nothing stored; the other deals go on."""

from __future__ import annotations

import io
import os
import shutil
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import docx
import pytest

from triage.testing import TASKS, Scoping, scoping_gitlab

from support import ROOT

ACME = {
    "customer": "Acme Widgets",
    "close_date": "2026-02-27",
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}


def _png(padding: bytes) -> bytes:
    """A 1x1 PNG carrying `padding` in a private chunk (python-docx reads only its header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        (
            chunk(b"IHDR", header),
            chunk(b"raNd", padding),
            chunk(b"IDAT", zlib.compress(b"\x00\x00")),
            chunk(b"IEND", b""),
        )
    )


def _one_megabyte(seed: dict[str, Any]) -> None:
    seed["max_attachment_size"] = 1  # MB, the least GitLab allows


@pytest.fixture
def large(tmp_path) -> Iterator[Scoping]:
    """The shipped templates, sow.docx with a 1.2 MB picture that does not compress."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    document = docx.Document(str(templates / "sow.docx"))
    document.add_picture(io.BytesIO(_png(os.urandom(1_200_000))))
    document.save(str(templates / "sow.docx"))
    with scoping_gitlab(ROOT / "policies", templates, seed_with=_one_megabyte) as scoping:
        yield scoping


def test_a_document_above_the_attachment_limit_is_reported_and_its_deal_skipped(large):
    agreed = large.issue(stage="Estimate_Feedback", tasks=TASKS[:2], data=ACME)
    other = large.issue(stage="Strawman_WIP", tasks=TASKS[:1], data={**ACME, "customer": "Other"})
    for _ in range(2):  # and again on the next run: the same line, nothing posted
        result = large.run()
        [failed] = result.errors
        assert failed.plan.iid == agreed and failed.error is not None
        assert "refused Acme-Widgets-SoW-2026-01-12.docx (1,2" in failed.error
        assert "above the instance's maximum attachment size (413)" in failed.error
        assert large.stage(agreed) == "Estimate_Feedback"
        assert large.comments(agreed) == []  # not the SoW note, nor the notes planned before it
        assert not large.emulator.store.project_by_ref(large.project_path).uploads
    assert large.stage(other) == "Estimate_Feedback"  # the other deal went on
    assert large.comments(other, "estimate-summary")
