"""The PDF beside the Word SoW in the scheduled run (`pdf: true`, on in the shipped policy):
uploaded and linked beside the .docx when the runner has LibreOffice; otherwise, or when the
conversion fails or hangs, the .docx is linked alone, the issue does not fail, and the run says
why in one line and in its report. No LibreOffice needed: a stand-in `soffice` script."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests
from click.testing import CliRunner

from triage import pdf
from triage.cli import main
from triage.report import as_json, table
from triage.testing import BOT_TOKEN, TASKS, Scoping

from support import MAINTAINER, ROOT

DAY = "2026-01-12"
BOTH = re.compile(
    r"\*\*Word document for signature:\*\* \[(?P<docx>[\w.-]+\.docx)\]\((?P<docx_url>/uploads/"
    r"[0-9a-f]{32}/[\w.-]+)\) · \*\*PDF:\*\* \[(?P<pdf>[\w.-]+\.pdf)\]\((?P<pdf_url>/uploads/"
    r"[0-9a-f]{32}/[\w.-]+)\) \(the sections below are its preview\)"
)
DOCX_ONLY = re.compile(
    r"\*\*Word document for signature:\*\* \[([\w.-]+\.docx)\]\((/uploads/[0-9a-f]{32}/"
    r"[\w.-]+)\) \(the sections below are its preview\)"
)
# Like LibreOffice: `--outdir DIR FILE.docx` writes DIR/FILE.pdf (shell built-ins only: the
# tests run it with a PATH holding nothing else).
MAKES_PDF = """#!/bin/sh
echo called >> "{calls}"
while [ $# -gt 0 ]; do
  case "$1" in --outdir) shift; out="$1";; *.docx) doc="$1";; esac
  shift
done
name=${{doc##*/}}
printf '%%PDF-1.7\\n%% stand-in for %s\\n%%%%EOF\\n' "$name" > "$out/${{name%.docx}}.pdf"
"""
FAILS = """#!/bin/sh
echo called >> "{calls}"
echo "Error: source file could not be loaded" >&2
exit 1
"""
HANGS = """#!/bin/sh
echo called >> "{calls}"
sleep 30
"""


def soffice(folder: Path, script: str) -> tuple[Path, Path]:
    """A stand-in `soffice` in `folder`, and the file each of its calls adds a line to."""
    calls = folder / "calls"
    program = folder / "soffice"
    program.write_text(script.format(calls=calls))
    program.chmod(0o755)
    return program, calls


def agreed(scoping: Scoping, customer: str = "Acme Widgets") -> int:
    """A deal whose customer just agreed price and scope: the next run moves it to SOW_WIP."""
    data = {
        "customer": customer,
        "close_date": "2026-02-27",
        "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
    }
    return scoping.issue(stage="Estimate_Feedback", tasks=TASKS[:2], data=data)


def download(scoping: Scoping, url: str) -> bytes:
    """An upload as a Maintainer downloads it (`/uploads/<secret>/<name>` of the project)."""
    project = scoping.project_path.replace("/", "%2F")
    answer = requests.get(
        f"{scoping.emulator.url}/api/v4/projects/{project}{url}",
        headers={"PRIVATE-TOKEN": f"{MAINTAINER}-token"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.content


def uploaded(scoping: Scoping) -> list[str]:
    project = scoping.project_path.replace("/", "%2F")
    answer = requests.get(
        f"{scoping.emulator.url}/api/v4/projects/{project}/uploads",
        headers={"PRIVATE-TOKEN": f"{MAINTAINER}-token"},
        timeout=10,
    )
    answer.raise_for_status()
    return sorted(upload["filename"] for upload in answer.json())


def report(scoping: Scoping) -> dict[str, Any]:
    assert scoping.last is not None
    return as_json(scoping.last, Counter(), 0, {})


def test_with_libreoffice_the_note_links_the_word_document_and_its_pdf(word, tmp_path):
    program, _ = soffice(tmp_path, MAKES_PDF)
    word.soffice = str(program)
    iid = agreed(word)
    result = word.run()
    assert not result.errors and word.stage(iid) == "SOW_WIP"
    [note] = word.comments(iid, "sow-draft")
    found = BOTH.search(note)
    assert found, note
    assert found["docx"] == f"Acme-Widgets-SoW-{DAY}.docx"
    assert found["pdf"] == f"Acme-Widgets-SoW-{DAY}.pdf"
    assert download(word, found["docx_url"])[:2] == b"PK"  # the Word document
    made = download(word, found["pdf_url"])
    assert made.startswith(b"%PDF-") and f"Acme-Widgets-SoW-{DAY}.docx".encode() in made
    assert uploaded(word) == [found["docx"], found["pdf"]]
    assert result.pdfs.line() is None
    data = report(word)
    assert data["pdf"] == {"made": [found["pdf"]], "skipped": [], "said": None}
    [upload] = [c for c in data["changes"] if c["kind"] == "upload"]
    assert upload["pdf"] == found["pdf"] and upload["status"] == "applied"
    # nothing new: the next run converts and uploads nothing
    again = word.run()
    assert not again.outcomes and len(uploaded(word)) == 2


def test_the_pdfs_link_is_in_the_policys_words(word, tmp_path):
    """`banners.pdf_link` words what follows the Word document's link (issue 33.12): no fixed
    English (`· **PDF:**`) in a team's notes."""
    program, _ = soffice(tmp_path, MAKES_PDF)
    word.soffice = str(program)
    policy = word.workspace.policy
    banners = policy.banners.model_copy(update={"pdf_link": " / PDF 사본: {link}"})
    word.workspace = replace(word.workspace, policy=policy.model_copy(update={"banners": banners}))
    iid = agreed(word)
    assert not word.run().errors
    [note] = word.comments(iid, "sow-draft")
    assert re.search(
        rf"\.docx\) / PDF 사본: \[Acme-Widgets-SoW-{DAY}\.pdf\]\(/uploads/[0-9a-f]{{32}}/", note
    ), note
    assert "**PDF:**" not in note


def test_a_failing_libreoffice_links_the_word_document_alone_and_says_why_once(word, tmp_path):
    program, calls = soffice(tmp_path, FAILS)
    word.soffice = str(program)
    first, second = agreed(word), agreed(word, "Bramblewood Financial")
    result = word.run()
    assert not result.errors and word.stage(first) == word.stage(second) == "SOW_WIP"
    for iid in (first, second):
        [note] = word.comments(iid, "sow-draft")
        assert DOCX_ONLY.search(note) and ".pdf" not in note
    assert [name.endswith(".docx") for name in uploaded(word)] == [True, True]
    # tried once: a LibreOffice that failed is not started again in the same run
    assert calls.read_text().splitlines() == ["called"]
    line = result.pdfs.line()
    assert line == (
        "PDF skipped for 2 Word documents (linked without it): LibreOffice did not convert "
        f"Acme-Widgets-SoW-{DAY}.docx (exit 1: Error: source file could not be loaded)"
    )
    data = report(word)
    assert data["pdf"]["made"] == [] and data["pdf"]["said"] == line
    assert [s["document"] for s in data["pdf"]["skipped"]] == [
        f"{word.project_path}#{first} Acme-Widgets-SoW-{DAY}.docx",
        f"{word.project_path}#{second} Bramblewood-Financial-SoW-{DAY}.docx",
    ]
    rows = [str(row) for row in table(result).columns[1]._cells]
    assert f"upload Acme-Widgets-SoW-{DAY}.docx (PDF skipped)" in rows


def test_a_hanging_libreoffice_is_cut_short_once_and_the_issues_go_on(word, tmp_path, monkeypatch):
    program, calls = soffice(tmp_path, HANGS)
    word.soffice = str(program)
    monkeypatch.setattr(pdf, "SECONDS", 1)
    first, second = agreed(word), agreed(word, "Bramblewood Financial")
    result = word.run()
    assert not result.errors and [o.status for o in result.outcomes] == ["applied"] * 2
    for iid in (first, second):
        [note] = word.comments(iid, "sow-draft")
        assert DOCX_ONLY.search(note)
    assert calls.read_text().splitlines() == ["called"]  # one timeout per run, not one per SoW
    line = result.pdfs.line()
    assert line is not None and line.startswith("PDF skipped for 2 Word documents")
    assert f"did not convert Acme-Widgets-SoW-{DAY}.docx within 1 s" in line


def _apply(scoping: Scoping, path: str, report_file: Path) -> Any:
    """`triage apply --report` as the schedule runs it, with PATH as given."""
    return CliRunner().invoke(
        main,
        [
            "apply",
            "--policies",
            str(ROOT / "policies"),
            "--templates",
            str(ROOT / "templates"),
            "--project",
            scoping.project_path,
            "--report",
            str(report_file),
        ],
        env={"GITLAB_URL": scoping.emulator.url, "GITLAB_TOKEN": BOT_TOKEN, "PATH": path},
    )


def test_without_libreoffice_the_run_links_the_word_document_and_says_the_pdf_was_skipped(
    word, tmp_path
):
    empty = tmp_path / "bin"
    empty.mkdir()
    iid = agreed(word)
    written = tmp_path / "report.json"
    result = _apply(word, str(empty), written)
    assert result.exit_code == 0, result.output
    [note] = word.comments(iid, "sow-draft")
    assert DOCX_ONLY.search(note) and ".pdf" not in note
    assert uploaded(word) == [f"Acme-Widgets-SoW-{DAY}.docx"]
    said = [line for line in result.stderr.splitlines() if "PDF" in line]
    assert said == [
        "warning: PDF skipped for 1 Word document (linked without it): LibreOffice is not "
        "installed on the runner (no `soffice` on PATH); install libreoffice-writer-nogui in "
        "the job's image for a PDF"
    ]
    data = json.loads(written.read_text())
    assert data["pdf"]["said"] == said[0].removeprefix("warning: ")
    [upload] = [c for c in data["changes"] if c["kind"] == "upload"]
    assert upload["pdf"] is None and upload["pdf_skipped"].startswith("LibreOffice is not")


def test_the_scheduled_run_finds_libreoffice_on_path(word, tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    soffice(folder, MAKES_PDF)
    iid = agreed(word)
    written = tmp_path / "report.json"
    result = _apply(word, str(folder), written)
    assert result.exit_code == 0, result.output
    assert "PDF" not in result.stderr
    [note] = word.comments(iid, "sow-draft")
    assert BOTH.search(note)
    assert json.loads(written.read_text())["pdf"]["made"] == [f"Acme-Widgets-SoW-{DAY}.pdf"]
