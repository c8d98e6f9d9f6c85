"""Assignees GitLab keeps: those who may read the project's issues; on Free, only the first.

Follows GitLab's source `app/services/issuable_base_service.rb` (`filter_assignees_using_checks`,
run by the API's create and update and by quick actions alike): without the
`multiple_issue_assignees` feature (`ee/app/models/ee/issue.rb` `allows_multiple_assignees?`,
Premium) only the first id is kept; of the ids left, those whose user cannot
`read_issue` on the project are dropped without an error; none left, the parameter is
deleted and the assignees stay as they were. `/assign` takes one user without the feature
(`lib/gitlab/quick_actions/issue_and_merge_request_actions.rb`: `users.take(1)`, then
`update(assignee_ids: ids)`).
"""

from __future__ import annotations

from typing import Any

import gitlab
import pytest


def seed(tier: str) -> dict[str, Any]:
    return {
        "tier": tier,
        "users": [
            {"username": "bot", "token": "t"},
            {"username": "dana"},
            {"username": "mateo"},
            {"username": "outsider"},
        ],
        "projects": [
            {
                "path": "g/p",
                "members": [
                    {"username": "bot", "access_level": 40},
                    {"username": "dana", "access_level": 30},
                    {"username": "mateo", "access_level": 10},
                ],
                "issues": [{"iid": 1, "title": "x", "author": "bot", "assignees": ["dana"]}],
            }
        ],
    }


def connect(gitlab_emulator, tier: str = "premium") -> tuple[Any, dict[str, int]]:
    emu = gitlab_emulator(seed(tier))
    client = gitlab.Gitlab(emu.url, private_token="t")
    ids = {u.username: u.id for u in client.users.list(get_all=True)}
    return client.projects.get("g/p"), ids


def assignees(project: Any, iid: int = 1) -> list[str]:
    return [a["username"] for a in project.issues.get(iid).assignees]


def test_an_assignee_who_cannot_read_the_project_is_dropped(gitlab_emulator):
    project, ids = connect(gitlab_emulator)
    answer = project.issues.update(1, {"assignee_ids": [ids["outsider"], ids["mateo"]]})
    assert [a["username"] for a in answer["assignees"]] == ["mateo"]  # a Guest reads issues


def test_with_nobody_left_the_assignees_stay_as_they_were(gitlab_emulator):
    project, ids = connect(gitlab_emulator)
    answer = project.issues.update(1, {"assignee_ids": [ids["outsider"]]})
    assert [a["username"] for a in answer["assignees"]] == ["dana"]
    assert assignees(project) == ["dana"]
    notes = project.issues.get(1, lazy=True).notes.list(get_all=True)
    assert [n.body for n in notes if n.system] == []  # nothing changed: no system note


def test_an_empty_list_or_zero_unassigns(gitlab_emulator):
    project, _ = connect(gitlab_emulator)
    project.issues.update(1, {"assignee_ids": [0]})
    assert assignees(project) == []


def test_a_new_issue_keeps_only_the_readers_it_is_given(gitlab_emulator):
    project, ids = connect(gitlab_emulator)
    issue = project.issues.create({"title": "new", "assignee_ids": [ids["outsider"], ids["dana"]]})
    assert [a["username"] for a in issue.assignees] == ["dana"]
    alone = project.issues.create({"title": "alone", "assignee_ids": [ids["outsider"]]})
    assert alone.assignees == []


def test_assign_quick_action_drops_who_cannot_read(gitlab_emulator):
    project, _ = connect(gitlab_emulator)
    notes = project.issues.get(1, lazy=True).notes
    notes.create({"body": "/assign @outsider"})
    assert assignees(project) == ["dana"]
    notes.create({"body": "/assign @outsider @mateo"})
    assert assignees(project) == ["dana", "mateo"]


@pytest.mark.parametrize("tier", ["free"])
def test_free_keeps_only_the_first_assignee(gitlab_emulator, tier):
    project, ids = connect(gitlab_emulator, tier)
    answer = project.issues.update(1, {"assignee_ids": [ids["mateo"], ids["dana"]]})
    assert [a["username"] for a in answer["assignees"]] == ["mateo"]
    # the first is the one kept, and checked: one who cannot read keeps them as they were
    project.issues.update(1, {"assignee_ids": [ids["outsider"], ids["dana"]]})
    assert assignees(project) == ["mateo"]
    project.issues.get(1, lazy=True).notes.create({"body": "/assign @dana @mateo"})
    assert assignees(project) == ["dana"]  # `/assign` replaces the one assignee
