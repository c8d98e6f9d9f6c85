"""Approvers are people, not usernames (issue 29, item 10).

GitLab frees a username when its holder renames themselves, and anyone may take it. The run
resolves the approvers (the gate's users and its groups' members) to user ids once, and a label
event's or an award's author counts only by id: a username that changed hands during a run (or
since the details cache remembered an event) approves nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from triage.gitlab.adapter import GitLab
from triage.testing import scoping_gitlab

from support import GATE_DATA, GATE_TASKS

ROOT = Path(__file__).resolve().parents[2]
DATA, TASKS = GATE_DATA, GATE_TASKS  # a deal ready for approval (support.py)
DIRECTOR = "ps-directors-member"  # the harness's member of ps/ps-directors


def _mallory(seed: dict[str, Any]) -> None:
    seed["users"].append({"username": "mallory", "token": "mallory-token"})
    seed["projects"][0]["members"].append({"username": "mallory", "access_level": 30})


def test_a_username_taken_over_during_a_run_approves_nothing(monkeypatch):
    with scoping_gitlab(ROOT / "policies", ROOT / "templates", seed_with=_mallory) as scoping:
        iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
        scoping.run()
        scoping.emulator.store.clock.advance(600)
        scoping.as_person("mallory").issues.update(iid, {"add_labels": "proposal::Approved"})
        store = scoping.emulator.store
        read = GitLab.label_events
        renamed: list[str] = []

        def after_the_renames(self: GitLab, project: str, number: int) -> Any:
            if not renamed:  # the director renames themselves; mallory takes the name
                director, mallory = (
                    store.user_by_username(DIRECTOR),
                    store.user_by_username("mallory"),
                )
                assert director is not None and mallory is not None
                director.username, mallory.username = f"{DIRECTOR}-old", DIRECTOR
                renamed.append(DIRECTOR)
            return read(self, project, number)

        monkeypatch.setattr(GitLab, "label_events", after_the_renames)
        scoping.run()
        assert renamed
        assert scoping.stage(iid) == "Ready For Approval"
        assert any("`director`" in b for b in scoping.comments(iid, "refused"))
