"""The Word SoW on GitLab: uploaded to the scoping project (`POST /projects/:id/uploads`) and
linked from the SoW note, once per revision of the estimate, never twice, never deleted."""

from __future__ import annotations

import io
import re
from typing import Any

import docx
import requests

from gitlab_emulator.testing import admin
from triage.gitlab.adapter import GitLab
from triage.issues.markers import find_marker
from triage.report import changes_of
from triage.testing import TASKS, Scoping

from support import MAINTAINER

ACME = {
    "customer": "Acme Widgets",
    "close_date": "2026-02-27",
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}
LINK = re.compile(r"\[[^\]]*\]\((/uploads/([0-9a-f]{32})/(Acme-Widgets-SoW-2026-01-12\.docx))\)")


def agreed(scoping: Scoping) -> int:
    """A deal whose customer just agreed price and scope: the next run moves it to SOW_WIP."""
    return scoping.issue(stage="Estimate_Feedback", tasks=TASKS[:2], data=ACME)


def _api(scoping: Scoping, path: str) -> requests.Response:
    project = scoping.project_path.replace("/", "%2F")
    answer = requests.get(
        f"{scoping.emulator.url}/api/v4/projects/{project}{path}",
        headers={"PRIVATE-TOKEN": f"{MAINTAINER}-token"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer


def uploads(scoping: Scoping) -> list[dict[str, Any]]:
    """The project's uploads, as a Maintainer lists them."""
    return list(_api(scoping, "/uploads").json())


def download(scoping: Scoping, secret: str, filename: str) -> Any:
    """An uploaded document, downloaded by a Maintainer and opened with python-docx."""
    return docx.Document(io.BytesIO(_api(scoping, f"/uploads/{secret}/{filename}").content))


def sow_notes(scoping: Scoping, iid: int) -> list[str]:
    return scoping.comments(iid, "sow-draft")


def test_entering_sow_wip_uploads_one_document_and_links_it(word):
    iid = agreed(word)
    result = word.run()
    assert word.stage(iid) == "SOW_WIP" and not result.errors
    [note] = sow_notes(word, iid)
    [(path, secret, filename)] = LINK.findall(note)
    assert f"**Word document for signature:** [{filename}]({path})" in note
    [upload] = uploads(word)
    assert upload["filename"] == filename
    document = download(word, secret, filename)
    assert document.paragraphs[1].text == "Acme Widgets"
    rows = [[c.text for c in row.cells] for row in document.tables[1].rows]
    assert rows[1][2:] == ["PSE", "3", "USD 7,200.00"]
    # The upload is a write like the note: counted in the run's writes and its report.
    kinds = [entry["kind"] for o in result.outcomes for entry in changes_of(o.plan)]
    assert kinds.count("upload") == 1


def test_a_revised_estimate_uploads_a_second_document_and_supersedes_the_first_note(word):
    iid = agreed(word)
    word.run()
    issue = word.as_person("dana").issues.get(iid)
    issue.description = issue.description.replace("days: 3", "days: 5")
    issue.save()
    word.run()
    first, second = sow_notes(word, iid)
    links = [LINK.findall(note) for note in (first, second)]
    assert len(links[0]) == len(links[1]) == 1 and links[0] != links[1]
    assert find_marker(first).superseded is not None and find_marker(second).superseded is None
    assert "**Superseded: do not use this revision.**" in first
    assert len(uploads(word)) == 2  # no upload is deleted
    days = []
    for [(_, secret, filename)] in links:  # both still download and open
        rows = [[c.text for c in r.cells] for r in download(word, secret, filename).tables[1].rows]
        days.append(rows[1][3])
    assert days == ["3", "5"]


def test_a_run_with_nothing_new_uploads_nothing(word):
    iid = agreed(word)
    word.run()
    before = admin(word.emulator.url, "stats")["requests"]["POST"]
    again = word.run()
    assert again.errors == [] and not [o for o in again.outcomes if o.status == "applied"]
    assert admin(word.emulator.url, "stats")["requests"]["POST"] - before <= 2  # the run lease
    assert len(uploads(word)) == 1 and len(sow_notes(word, iid)) == 1


def test_a_lost_upload_answer_posts_no_note_then_one_note_with_one_link(word, monkeypatch):
    iid = agreed(word)
    url = word.emulator.url
    upload_file = GitLab.upload_file

    def answer_lost(self: GitLab, *args: Any, **kwargs: Any) -> Any:
        admin(url, "faults", {"drop_after_write_rate": 1.0})  # GitLab keeps it; the answer is lost
        try:
            return upload_file(self, *args, **kwargs)
        finally:
            admin(url, "faults", {"drop_after_write_rate": 0.0})

    monkeypatch.setattr(GitLab, "upload_file", answer_lost)
    failed = word.run()
    monkeypatch.undo()
    assert [o.plan.iid for o in failed.errors] == [iid]  # reported
    assert sow_notes(word, iid) == []  # no note without its document
    lost = uploads(word)
    assert len(lost) >= 1  # GitLab has it; nothing links it

    word.run()
    word.run()
    [note] = sow_notes(word, iid)
    [(_, secret, filename)] = LINK.findall(note)
    assert note.count("/uploads/") == 1
    assert len(uploads(word)) == len(lost) + 1
    assert download(word, secret, filename).paragraphs[1].text == "Acme Widgets"


def test_plan_says_it_would_upload_the_document_and_uploads_nothing(word):
    from triage.report import table
    from triage.runner import run
    from triage.testing import BOT_TOKEN

    agreed(word)
    client = GitLab(word.emulator.url, BOT_TOKEN)
    result = run(word.workspace.policy, client, word.workspace.templates, mode="plan")
    changes = [row[1].plain for row in _rows(table(result))]
    assert (  # the shipped policy asks for a PDF beside it: made only where LibreOffice is
        "would upload Acme-Widgets-SoW-2026-01-12.docx and Acme-Widgets-SoW-2026-01-12.pdf "
        "(if LibreOffice is installed)" in changes
    )
    assert uploads(word) == [] and client.traffic.writes == 0


def _rows(view: Any) -> list[list[Any]]:
    """The cells of a rich table, row by row."""
    columns = [list(column._cells) for column in view.columns]
    return [list(row) for row in zip(*columns, strict=True)]
