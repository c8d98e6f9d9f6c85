"""Gated labels count only from the right people, from the right stage: Closed Won only by Deal
Desk and only from Approved, approver groups counted the way GitLab counts members (a minimum
access level, invited groups included), and the bot's own token no way around a gate.

Each test acts through GitLab's API with someone's token and asserts what GitLab shows after
the bot's runs: the stage, the state, the bot's notes and the delivery project's issues."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gitlab
import pytest

from gitlab_emulator.testing import admin
from triage.testing import BOT_TOKEN, Scoping, scoping_gitlab

from support import GATE_DATA, GATE_TASKS

ROOT = Path(__file__).resolve().parents[2]

DATA, TASKS = GATE_DATA, GATE_TASKS  # a deal ready for approval (support.py)
DEAL_DESK = "ps/deal-desk"


def _with_people(extra: Callable[[dict[str, Any]], None]) -> Iterator[Scoping]:
    with scoping_gitlab(ROOT / "policies", ROOT / "templates", seed_with=extra) as harness:
        yield harness


def _person(seed: dict[str, Any], username: str) -> None:
    """A user with a token who is a Developer of the scoping project."""
    seed["users"].append({"username": username, "token": f"{username}-token"})
    seed["projects"][0]["members"].append({"username": username, "access_level": 30})


def _group(seed: dict[str, Any], path: str) -> dict[str, Any]:
    return next(g for g in seed["groups"] if g["path"] == path)


def approved(scoping: Scoping) -> int:
    """An issue the PS Director approved (the label events say `rowan` set the stage)."""
    return scoping.issue(stage="Approved", tasks=TASKS, data=DATA, author="rowan")


def refusals(scoping: Scoping, iid: int, gate: str) -> list[str]:
    return [body for body in scoping.comments(iid, "refused") if f"`{gate}`" in body]


def delivery_issues(scoping: Scoping) -> list[Any]:
    bot = gitlab.Gitlab(scoping.emulator.url, private_token=BOT_TOKEN)
    return bot.projects.get("ps/delivery").issues.list(get_all=True)


def handoffs(scoping: Scoping, iid: int) -> list[str]:
    return [b for b in scoping.comments(iid, "closed-won-wrap-up") if "/handoff.md.j2 " in b]


def set_label(scoping: Scoping, who: str, iid: int, label: str) -> None:
    scoping.as_person(who).issues.update(iid, {"add_labels": label})


def writes_of_a_run(scoping: Scoping) -> int:
    admin(scoping.emulator.url, "stats/reset", {})
    scoping.run()
    routes = admin(scoping.emulator.url, "stats")["routes"]
    # The run lease's award and its removal are every run's; the bot awards no other emoji.
    return sum(
        count
        for route, count in routes.items()
        if not route.startswith("GET ") and "/award_emoji" not in route
    )


def assert_not_won(scoping: Scoping, iid: int, stage: str) -> None:
    assert scoping.stage(iid) == stage and scoping.state(iid) == "opened"
    assert not any(label.startswith("close_qtr::") for label in scoping.labels(iid))
    assert scoping.comments(iid, "closed-won-wrap-up") == [] and delivery_issues(scoping) == []


# --- Closed Won: Deal Desk only, only from Approved --------------------------------------------


def test_closed_won_by_someone_outside_deal_desk_is_moved_back_with_one_note(scoping):
    iid = approved(scoping)
    scoping.run()
    set_label(scoping, "felix", iid, "proposal::Closed_Won")
    scoping.run()
    assert_not_won(scoping, iid, "Approved")
    [note] = refusals(scoping, iid, "deal-desk")
    assert "proposal::Closed_Won was set by [felix](" in note and f"[{DEAL_DESK}](" in note
    assert "@felix" not in note
    assert writes_of_a_run(scoping) == 0  # refused once, said once
    assert_not_won(scoping, iid, "Approved")
    assert len(refusals(scoping, iid, "deal-desk")) == 1


def test_closed_won_by_deal_desk_but_not_from_approved_is_refused(scoping):
    iid = scoping.issue(stage="SOW_WIP", tasks=TASKS[:2], data=DATA)
    scoping.run()
    desk = scoping.member_of(DEAL_DESK)
    set_label(scoping, desk, iid, "proposal::Closed_Won")
    scoping.run()
    assert_not_won(scoping, iid, "SOW_WIP")
    [note] = refusals(scoping, iid, "deal-desk")
    assert f"set by [{desk}](" in note and "from `Approved`" in note
    assert writes_of_a_run(scoping) == 0


def test_the_legacy_closed_won_spelling_is_no_way_around_the_gate(scoping):
    iid = approved(scoping)
    scoping.run()
    set_label(scoping, "felix", iid, "proposal:Closed_Won")
    scoping.run()
    assert_not_won(scoping, iid, "Approved")
    assert "proposal:Closed_Won" not in scoping.labels(iid)
    [note] = refusals(scoping, iid, "deal-desk")
    assert "proposal:Closed_Won was set by [felix](" in note
    assert writes_of_a_run(scoping) == 0


def test_closed_won_by_deal_desk_from_approved_closes_and_hands_off_once(scoping):
    iid = approved(scoping)
    scoping.run()
    set_label(scoping, scoping.member_of(DEAL_DESK), iid, "proposal::Closed_Won")
    scoping.run()
    assert scoping.stage(iid) == "Closed_Won" and scoping.state(iid) == "closed"
    assert len(handoffs(scoping, iid)) == 1
    assert len(delivery_issues(scoping)) == 1
    assert refusals(scoping, iid, "deal-desk") == []
    assert writes_of_a_run(scoping) == 0
    assert len(handoffs(scoping, iid)) == 1 and len(delivery_issues(scoping)) == 1


# --- approver groups: a minimum access level, invited groups counted -------------------------


@pytest.fixture
def guest_of_parent() -> Iterator[Scoping]:
    def extra(seed: dict[str, Any]) -> None:
        _person(seed, "gwen")  # a Developer of the project, only a Guest of the `ps` group
        seed["groups"].append({"path": "ps", "members": [{"username": "gwen", "access_level": 10}]})

    yield from _with_people(extra)


def test_a_guest_inherited_into_the_approver_group_cannot_approve(guest_of_parent):
    scoping = guest_of_parent
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
    scoping.run()
    set_label(scoping, "gwen", iid, "proposal::Approved")
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    [note] = refusals(scoping, iid, "director")
    assert "proposal::Approved was set by [gwen](" in note


def invited(level: int, expires_at: str | None = None) -> Callable[[dict[str, Any]], None]:
    """`vera`, a Maintainer of group `finance-leads`, which is invited into the director group."""

    def extra(seed: dict[str, Any]) -> None:
        _person(seed, "vera")
        seed["groups"].append(
            {
                "path": "finance-leads",
                "visibility": "internal",
                "members": [{"username": "vera", "access_level": 40}],
            }
        )
        _group(seed, "ps/ps-directors")["shared_with_groups"] = [
            {
                "group_full_path": "finance-leads",
                "group_access_level": level,
                "expires_at": expires_at,
            }
        ]

    return extra


def test_a_member_of_a_group_invited_into_the_approver_group_may_approve():
    for scoping in _with_people(invited(30)):
        iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
        scoping.run()
        set_label(scoping, "vera", iid, "proposal::Approved")
        scoping.run()
        assert scoping.stage(iid) == "Approved"
        assert refusals(scoping, iid, "director") == []


def test_a_group_invited_below_the_minimum_access_level_cannot_approve():
    for scoping in _with_people(invited(10)):  # invited as Guest: vera counts as a Guest
        iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
        scoping.run()
        set_label(scoping, "vera", iid, "proposal::Approved")
        scoping.run()
        assert scoping.stage(iid) == "Ready For Approval"
        [note] = refusals(scoping, iid, "director")
        assert "proposal::Approved was set by [vera](" in note


# --- the bot's own token ------------------------------------------------------------------


def test_the_bots_own_token_cannot_approve_without_an_approvers_approval(scoping):
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
    scoping.run()
    bot = gitlab.Gitlab(scoping.emulator.url, private_token=BOT_TOKEN)
    bot.projects.get(scoping.project_path).issues.update(iid, {"add_labels": "proposal::Approved"})
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    assert scoping.comments(iid, "signature-request") == []
    [note] = refusals(scoping, iid, "director")
    assert "proposal::Approved was set by [ps-bot](" in note
    assert writes_of_a_run(scoping) == 0


def test_the_bots_own_closed_won_never_counts(scoping):
    iid = approved(scoping)
    scoping.run()
    bot = gitlab.Gitlab(scoping.emulator.url, private_token=BOT_TOKEN)
    bot.projects.get(scoping.project_path).issues.update(
        iid, {"add_labels": "proposal::Closed_Won"}
    )
    scoping.run()
    assert_not_won(scoping, iid, "Approved")
    assert len(refusals(scoping, iid, "deal-desk")) == 1


def test_the_bots_approval_after_a_directors_thumbsup_counts(scoping):
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
    scoping.run()
    [request] = scoping.comments(iid, "approval-request")
    issue = scoping.as_person("rowan").issues.get(iid, lazy=True)
    note = next(n for n in issue.notes.list(get_all=True) if n.body == request)
    issue.notes.get(note.id, lazy=True).awardemojis.create({"name": "thumbsup"})
    scoping.run()
    assert scoping.stage(iid) == "Approved"
    assert len(scoping.comments(iid, "signature-request")) == 1
    assert writes_of_a_run(scoping) == 0  # the bot's own label counts on later runs
    assert scoping.stage(iid) == "Approved" and scoping.comments(iid, "refused") == []
