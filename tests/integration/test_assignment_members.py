"""EMs are given issues only where GitLab will keep them as assignees (issue 31, item 2).

GitLab silently drops an assignee who cannot read the project's issues and keeps the assignees
as they were when none is left (app/services/issuable_base_service.rb
`filter_assignees_using_checks`): a pool member who is not a member of the project was sent the
same PUT on every run and never assigned. The run leaves such people out of the pools and says
who they are; GitLab's answer is checked, so a write it did not take is never silent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from triage.cli import main
from triage.gitlab.adapter import GitLabProblem, kept_assignees
from triage.testing import BOT_TOKEN, Scoping, scoping_gitlab

ROOT = Path(__file__).resolve().parents[2]
WARNING = (
    "warning: @mateo cannot be assigned: not members of ps/ps-plan, and GitLab silently drops "
    "such assignees; fix: add them to it, or take them out of `assignment` in the policy"
)


def without_mateo(seed: dict[str, Any]) -> None:
    plan = seed["projects"][0]
    plan["members"] = [m for m in plan["members"] if m["username"] != "mateo"]


def apply(scoping: Scoping) -> Any:
    return CliRunner().invoke(
        main,
        ["apply", "--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")],
        env={"GITLAB_URL": scoping.emulator.url, "GITLAB_TOKEN": BOT_TOKEN, "NO_COLOR": "1"},
    )


def test_a_pool_member_who_is_not_a_project_member_is_never_sent_and_is_named():
    with scoping_gitlab(ROOT / "policies", ROOT / "templates", seed_with=without_mateo) as scoping:
        # Ent_WEST's pool is [mateo, harriet]: mateo first, with as few open issues
        iid = scoping.issue(labels=["Segment::Ent_WEST"], assignee=None)
        first = apply(scoping)
        assert first.exit_code == 0, first.output
        assert first.output.splitlines().count(WARNING) == 1
        issue = scoping.as_person("dana").issues.get(iid)
        assert [a["username"] for a in issue.assignees] == ["harriet"]
        again = apply(scoping)
        assert again.exit_code == 0 and WARNING in again.output.splitlines()
        assert "0 writes" in again.output, again.output


def test_an_assignee_gitlab_did_not_keep_fails_the_issue_loudly():
    answer = {"assignees": [{"username": "dana"}]}
    kept_assignees(answer, ("dana",), "ps/ps-plan#1")
    with pytest.raises(GitLabProblem) as caught:
        kept_assignees(answer, ("mateo",), "ps/ps-plan#1")
    assert str(caught.value).startswith(
        "GitLab did not assign @mateo to ps/ps-plan#1: it drops assignees who cannot read"
    )
