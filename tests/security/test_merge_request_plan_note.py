"""The plan note on a merge request runs no quick action on GitLab (issue 31, item 6).

GitLab runs quick actions in merge request notes as in issue notes (the emulator now does:
tests/contract/test_merge_request_notes.py): a line of the plan note starting with `/close`
would close the merge request. The plan is built from hostile labels and titles here; the
merge request stays open and the note keeps every line the bot wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from test_label_injection import _attack

from triage.cli import main
from triage.testing import BOT_TOKEN, scoping_gitlab

ROOT = Path(__file__).resolve().parents[2]


def with_merge_request(seed: dict[str, Any]) -> None:
    seed["projects"][0]["merge_requests"] = [{"iid": 7, "title": "Policy change", "author": "dana"}]


def test_the_plan_note_on_a_merge_request_closes_nothing_and_keeps_its_text():
    with scoping_gitlab(ROOT / "policies", ROOT / "templates", seed_with=with_merge_request) as s:
        _attack(s)
        args = ["plan", "--policies", str(ROOT / "policies"), "--templates"]
        args += [str(ROOT / "templates"), "--format", "markdown", "--merge-request", "7"]
        args += ["--merge-request-project", s.project_path]
        result = CliRunner().invoke(
            main, args, env={"GITLAB_URL": s.emulator.url, "GITLAB_TOKEN": BOT_TOKEN}
        )
        assert "plan note on ps/ps-plan!7: created" in result.stderr, result.output
        mr = s.emulator.store.project_by_ref(s.project_path).merge_requests[7]
        assert mr.state == "opened" and mr.title == "Policy change"
        (note,) = mr.notes
        assert note.body == "<!-- ps-triage:plan -->\n" + result.stdout.rstrip("\n")
