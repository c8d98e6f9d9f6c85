"""The SoW version a customer reads and signs: a number counting the SoW's revisions on the issue
(1 for the first draft, 2 for the next revision of the estimate, ...), in the SoW note and in the
Word document, stable across runs; the estimate revision hash stays a small reference."""

from __future__ import annotations

import io
import re
from typing import Any

import docx
import requests

from gitlab_emulator.testing import admin
from triage.issues.markers import find_marker
from triage.testing import TASKS, Scoping

from support import MAINTAINER, ROOT

ACME = {
    "customer": "Acme Widgets",
    "close_date": "2026-02-27",
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}
LINK = re.compile(r"\]\(/uploads/([0-9a-f]{32})/([^)]+\.docx)\)")
SHOWN = re.compile(r"\*\*Version\*\* (\d+) \(ref ([0-9a-f]{8})\)")


def _days(scoping: Scoping, iid: int, days: int) -> None:
    """The EM re-estimates: the data block's one line item now takes `days`."""
    issue = scoping.as_person("dana").issues.get(iid)
    issue.description = re.sub(r"days: \d+", f"days: {days}", issue.description)
    issue.save()


def _document(scoping: Scoping, note: str) -> Any:
    """The Word document a SoW note links, downloaded by a Maintainer, opened with python-docx."""
    [(secret, filename)] = LINK.findall(note)
    project = scoping.project_path.replace("/", "%2F")
    answer = requests.get(
        f"{scoping.emulator.url}/api/v4/projects/{project}/uploads/{secret}/{filename}",
        headers={"PRIVATE-TOKEN": f"{MAINTAINER}-token"},
        timeout=10,
    )
    answer.raise_for_status()
    return docx.Document(io.BytesIO(answer.content))


def _shown(scoping: Scoping, note: str) -> tuple[int, str, str, str]:
    """What the customer reads as the version: in the note's header line, and in the Word
    document's title block and footer."""
    [(number, ref)] = SHOWN.findall(note)
    document = _document(scoping, note)
    version = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}["Version"]
    footer = document.sections[0].footer.paragraphs[0].text
    return int(number), ref, version, footer


def test_the_first_sow_draft_is_version_1_with_the_revision_as_a_reference(word):
    iid = word.issue(stage="Estimate_Feedback", tasks=TASKS[:2], data=ACME)
    word.run()
    [note] = word.comments(iid, "sow-draft")
    revision = find_marker(note).sow
    number, ref, version, footer = _shown(word, note)
    assert (number, ref) == (1, revision[:8])
    assert version == f"1 of Jan 12, 2026 (ref {revision[:8]})"
    assert "· Version 1 ·" in footer
    assert revision not in footer  # the hash is a reference in the title block only
    # People inside keep the full hash: the EM's part names it (the Director approves it).
    assert f"estimate revision `{revision}`" in note.split("**Internal:")[1]


def test_a_revised_estimate_is_version_2_and_the_first_is_superseded(word):
    iid = word.issue(stage="Estimate_Feedback", tasks=TASKS[:2], data=ACME)
    word.run()
    _days(word, iid, 5)
    word.run()
    first, second = word.comments(iid, "sow-draft")
    assert find_marker(first).superseded is not None and find_marker(second).superseded is None
    assert "**Superseded: do not use this revision.**" in first
    assert _shown(word, first)[0] == 1
    number, ref, version, footer = _shown(word, second)
    revision = find_marker(second).sow
    assert (number, ref) == (2, revision[:8]) and revision != find_marker(first).sow
    assert version.startswith("2 of ") and "· Version 2 ·" in footer


def test_a_run_with_nothing_new_posts_nothing_once_the_version_is_2(word):
    iid = word.issue(stage="Estimate_Feedback", tasks=TASKS[:2], data=ACME)
    word.run()
    _days(word, iid, 5)
    word.run()
    before = admin(word.emulator.url, "stats")["requests"]
    again = word.run()
    after = admin(word.emulator.url, "stats")["requests"]
    assert again.errors == [] and not [o for o in again.outcomes if o.status == "applied"]
    assert after["POST"] - before["POST"] <= 2 and after.get("PUT") == before.get("PUT")
    assert len(word.comments(iid, "sow-draft")) == 2


def test_an_estimate_changed_back_is_a_new_version_never_an_older_number(word):
    """A -> B -> A: the customer last read Version 2, so the draft that replaces it is Version 3
    (the ref shows it is revision A again), never "Version 1" a second time."""
    iid = word.issue(stage="Estimate_Feedback", tasks=TASKS[:2], data=ACME)
    word.run()
    _days(word, iid, 5)
    word.run()
    _days(word, iid, 3)
    word.run()
    first, second, third = word.comments(iid, "sow-draft")
    assert [_shown(word, note)[0] for note in (first, second, third)] == [1, 2, 3]
    assert find_marker(third).sow == find_marker(first).sow
    assert find_marker(second).superseded is not None
    word.run()  # and it stays Version 3: nothing new
    assert len(word.comments(iid, "sow-draft")) == 3


def test_render_of_a_live_issue_shows_the_version_a_run_would_post(word, tmp_path):
    from click.testing import CliRunner

    from triage.cli import main
    from triage.testing import BOT_TOKEN

    iid = word.issue(stage="Estimate_Feedback", tasks=TASKS[:2], data=ACME)
    word.run()
    _days(word, iid, 5)
    word.run()
    [_, posted] = word.comments(iid, "sow-draft")
    env = {"GITLAB_URL": word.emulator.url, "GITLAB_TOKEN": BOT_TOKEN, "TRIAGE_PROJECT": None}
    paths = ["--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")]
    where = ["--project", word.project_path, "--issue", str(iid)]
    out = tmp_path / "acme.docx"
    shown = []
    for args in (["sow-draft.md.j2"], ["sow", "--docx", str(out)]):
        result = CliRunner().invoke(main, ["render", *paths, *args, *where], env=env)
        assert result.exit_code == 0, result.output
        shown.append(result.output)
    assert SHOWN.findall(shown[0]) == SHOWN.findall(posted)  # Version 2, the same ref
    document = docx.Document(str(out))
    version = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}["Version"]
    assert version.startswith("2 of ")
