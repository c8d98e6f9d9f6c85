"""Approver and Deal Desk groups count their own members, not everyone of their parent group.

In a real organisation the parent group (`ps`) holds everyone in PS. GitLab's members/all of
`ps/ps-directors` lists every member of `ps` (inherited), so counting it made any Developer of
`ps` a director and a Deal Desk clerk. A gate counts its groups' direct members and the members
of groups invited into them (GitLab's `GET /groups/:id/members` and the group's
`shared_with_groups`); inherited members count only where the policy says `inherited: true`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from triage.testing import Scoping, scoping_gitlab

from support import GATE_DATA, GATE_TASKS

ROOT = Path(__file__).resolve().parents[2]
DATA, TASKS = GATE_DATA, GATE_TASKS  # a deal ready for approval (support.py)


def _parent_member(seed: dict[str, Any]) -> None:
    """`pia`: a Developer of the parent group `ps`, in neither ps/ps-directors nor ps/deal-desk."""
    seed["users"].append({"username": "pia", "token": "pia-token"})
    seed["groups"].insert(0, {"path": "ps", "members": [{"username": "pia", "access_level": 30}]})


def _harness(policies: Path) -> Iterator[Scoping]:
    with scoping_gitlab(policies, ROOT / "templates", seed_with=_parent_member) as harness:
        yield harness


def _inheriting(tmp_path: Path) -> Path:
    """The shipped policies with `inherited: true` on the director and Deal Desk gates."""
    folder = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", folder)
    path = folder / "ps-scoping.yml"
    text = path.read_text()
    for group in ("ps/ps-directors]", "ps/deal-desk]"):
        assert text.count(f"groups: [{group}") == 1
        text = text.replace(f"groups: [{group}", f"groups: [{group}\n    inherited: true")
    path.write_text(text)
    return folder


def test_a_member_of_the_parent_group_is_no_director(tmp_path):
    for scoping in _harness(ROOT / "policies"):
        iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
        scoping.run()
        scoping.as_person("pia").issues.update(iid, {"add_labels": "proposal::Approved"})
        scoping.run()
        assert scoping.stage(iid) == "Ready For Approval"
        [note] = [b for b in scoping.comments(iid, "refused") if "`director`" in b]
        assert "proposal::Approved was set by [pia](" in note


def test_a_member_of_the_parent_group_cannot_record_closed_won(tmp_path):
    for scoping in _harness(ROOT / "policies"):
        iid = scoping.issue(stage="Approved", tasks=TASKS, data=DATA, author="rowan")
        scoping.run()
        scoping.as_person("pia").issues.update(iid, {"add_labels": "proposal::Closed_Won"})
        scoping.run()
        assert scoping.stage(iid) == "Approved" and scoping.state(iid) == "opened"
        [note] = [b for b in scoping.comments(iid, "refused") if "`deal-desk`" in b]
        assert "proposal::Closed_Won was set by [pia](" in note


def test_inherited_members_count_where_the_policy_says_so(tmp_path):
    for scoping in _harness(_inheriting(tmp_path)):
        iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
        scoping.run()
        scoping.as_person("pia").issues.update(iid, {"add_labels": "proposal::Approved"})
        scoping.run()
        assert scoping.stage(iid) == "Approved"
        assert [b for b in scoping.comments(iid, "refused") if "`director`" in b] == []
