"""Broken and huge Word templates: the team's `sow.docx` is trusted policy, reviewed in merge
requests, but a damaged one (XML that does not parse, a part that unpacks to gigabytes) must give
`validate` a clear error naming it, quickly and in bounded memory, never a traceback."""

from __future__ import annotations

import copy
import shutil
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from triage.cli import main
from triage.render.document import MAX_TEMPLATE_UNPACKED

from support import ROOT

Change = Callable[[str, bytes], bytes]


def _part(name: str, change: Callable[[bytes], bytes]) -> Change:
    return lambda member, data: change(data) if member == name else data


ATTACKS: dict[str, tuple[Change, str]] = {
    # an unclosed element in the body: lxml refuses it when docxtpl opens the document
    "body XML broken": (
        _part("word/document.xml", lambda d: d.replace(b"<w:body>", b"<w:body><w:p>", 1)),
        "word/document.xml",
    ),
    "content types not XML": (_part("[Content_Types].xml", lambda d: b"<not xml"), "XML"),
    "relationships not XML": (
        _part("word/_rels/document.xml.rels", lambda d: b"<w:x>&"),
        "XML",
    ),
    # 150 MB of spaces in the body, 150 KB zipped: past the bound (MAX_TEMPLATE_UNPACKED), which
    # is checked on the sizes the zip declares before anything is unpacked, so a bomb of any size
    # is refused as fast (one of 1.5 GB took 13 s and 3 GB to refuse before the check; this one
    # is kept small so that the test itself does not need gigabytes to build it)
    "zip bomb": (
        _part(
            "word/document.xml",
            lambda d: d.replace(
                b"<w:body>", b"<w:body>" + b" " * (MAX_TEMPLATE_UNPACKED * 3 // 2), 1
            ),
        ),
        "unpacks to",
    ),
}


def broken_templates(tmp_path: Path, change: Change) -> Path:
    """The shipped templates, sow.docx rewritten member by member through `change`."""
    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", folder)
    source = zipfile.ZipFile(ROOT / "templates" / "sow.docx")
    with zipfile.ZipFile(folder / "sow.docx", "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(copy.copy(info), change(info.filename, source.read(info.filename)))
    return folder


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_broken_or_huge_word_template_fails_validate_naming_it_without_a_traceback(
    tmp_path, attack
):
    change, expected = ATTACKS[attack]
    templates = broken_templates(tmp_path, change)
    started = time.monotonic()
    result = CliRunner().invoke(
        main, ["validate", "--policies", str(ROOT / "policies"), "--templates", str(templates)]
    )
    seconds = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "hit a bug" not in result.output
    assert "error: sow.docx: " in result.output and expected in result.output
    assert seconds < 5
