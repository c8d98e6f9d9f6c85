"""Approvals that need more than an approver (issue 24, controls 1, 2 and 4): each attack made
through GitLab's API as the person who would make it, then the bot's run, then what GitLab shows.

Prices from the shipped rate card (PSE 2,400 a day, cost 1,040): 30 PSE days are 72,000 net, over
the 50,000 TA threshold; 10 PSE days at 45% off are 13,200 net against 10,400 COGS, a 21.2% margin,
below the 30% floor."""

from __future__ import annotations

from typing import Any

import yaml

from triage.testing import Scoping

TASKS = [
    "Discovery call held",
    "Customer agreed price and scope",
    "SoW reviewed by account team and customer",
]
SMALL = {
    "customer": "Acme Widgets",
    "close_date": "2026-03-20",
    "people": {"sa": "felix", "ae": "imogen"},
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}
LARGE = {**SMALL, "line_items": [{"activity": "Migration", "role": "PSE", "days": 30}]}
THIN = {
    **SMALL,
    "discount_pct": 45,
    "line_items": [{"activity": "Pipelines", "role": "PSE", "days": 10}],
}


def set_data(scoping: Scoping, iid: int, data: dict[str, Any], who: str = "dana") -> None:
    issue = scoping.as_person(who).issues.get(iid)
    head = issue.description.split("<!-- ps-triage:scoping -->")[0]
    block = yaml.safe_dump(data, sort_keys=False)
    issue.description = f"{head}<!-- ps-triage:scoping -->\n```yaml\n{block}```\n"
    issue.save()


def approve(scoping: Scoping, iid: int, who: str = "rowan") -> None:
    scoping.emulator.store.clock.advance(600)
    scoping.as_person(who).issues.update(iid, {"add_labels": "proposal::Approved"})


def thumbsup(scoping: Scoping, iid: int, who: str = "rowan") -> None:
    [request] = scoping.comments(iid, "approval-request")
    person = scoping.as_person(who).issues.get(iid, lazy=True)
    note = next(n for n in person.notes.list(get_all=True) if n.body == request)
    person.notes.get(note.id, lazy=True).awardemojis.create({"name": "thumbsup"})


def test_a_refused_approval_returns_the_deal_to_the_stage_it_came_from(scoping):
    """Issue 24's scenario: SOW_WIP, "SoW reviewed" not ticked; an SA who is no approver sets
    Approved. Refused, the deal is back in SOW_WIP (not Ready For Approval) and no approval
    request tells the director the SoW was reviewed."""
    iid = scoping.issue(stage="SOW_WIP", tasks=TASKS[:2], data=SMALL)
    scoping.run()
    assert scoping.stage(iid) == "SOW_WIP"
    approve(scoping, iid, who="felix")
    scoping.run()
    assert scoping.stage(iid) == "SOW_WIP"
    assert scoping.comments(iid, "approval-request") == []
    [note] = scoping.comments(iid, "refused")
    assert "set by [felix](" in note and 'back in ~"proposal::SOW_WIP"' in note
    scoping.run()  # and it stays there: nothing moves it on while the task is open
    assert scoping.stage(iid) == "SOW_WIP" and len(scoping.comments(iid, "refused")) == 1


def test_no_approval_over_the_ta_threshold_without_a_ta_review(scoping):
    """The director approves a 72,000 deal that no TA reviewed (it reached Ready For Approval by
    people's moves): refused like an unauthorised approval, saying the TA review is missing.
    A TA::Approved set by someone who is no TA does not help; one set by a TA does."""
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=LARGE)
    scoping.run()
    approve(scoping, iid)
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    assert scoping.comments(iid, "signature-request") == []
    [note] = scoping.comments(iid, "refused")
    assert "set by [rowan](" in note and "a TA review" in note
    scoping.emulator.store.clock.advance(600)
    scoping.as_person("felix").issues.update(iid, {"add_labels": "TA::Approved"})
    approve(scoping, iid)
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    assert "TA::Approved" not in scoping.labels(iid)
    scoping.emulator.store.clock.advance(600)
    ta = scoping.member_of("ps/ps-ta")
    scoping.as_person(ta).issues.update(iid, {"add_labels": "TA::Approved"})
    approve(scoping, iid)
    scoping.run()
    assert scoping.stage(iid) == "Approved"


def test_a_thumbsup_over_the_ta_threshold_without_a_ta_review_does_not_approve(scoping):
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=LARGE)
    scoping.run()
    thumbsup(scoping, iid)
    scoping.emulator.store.clock.advance(600)
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    assert any("a TA review" in note for note in scoping.comments(iid, "refused"))
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"


def test_no_approval_below_the_margin_floor_without_a_waiver_named_by_an_approver(scoping):
    """A 21.2% margin (floor 30%): the director's approval is refused without a margin waiver;
    a waiver the EM names for someone who is no approver does not count; one naming the
    director does."""
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=THIN)
    scoping.run()
    approve(scoping, iid)
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    assert any("a margin waiver" in note for note in scoping.comments(iid, "refused"))
    scoping.emulator.store.clock.advance(600)
    set_data(scoping, iid, {**THIN, "margin_waiver": {"by": "felix", "reason": "Strategic"}})
    approve(scoping, iid)
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    scoping.emulator.store.clock.advance(600)
    set_data(scoping, iid, {**THIN, "margin_waiver": {"by": "rowan", "reason": "Strategic"}})
    approve(scoping, iid)
    scoping.run()
    assert scoping.stage(iid) == "Approved"
