"""A margin waiver counts only when the approver it names gave it in GitLab (issue 29, item 5).

Anyone who edits the description can write `margin_waiver: {by: rowan}`. Below the margin floor
an approval needs the waiver of the approver the block names, given in GitLab as approvals are:
their own setting of the approval label, their own note on the issue, or their emoji on the
approval request. Another director's approval with rowan's name written in the block is refused.
Prices as in test_approval_controls.py: 10 PSE days at 45% off, a 21.2% margin (floor 30%)."""

from __future__ import annotations

from tests.security.test_approval_controls import TASKS, THIN, approve, set_data, thumbsup

WAIVED = {**THIN, "margin_waiver": {"by": "rowan", "reason": "Strategic account"}}
OTHER = "ps-directors-member"  # a director too, not the one the waiver names


def test_a_waiver_written_in_the_name_of_a_director_who_never_gave_it_does_not_count(scoping):
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=WAIVED)
    scoping.run()
    approve(scoping, iid, OTHER)
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    assert any("a margin waiver" in n for n in scoping.comments(iid, "refused"))
    # rowan says so in a note of their own: the same approval now counts
    scoping.emulator.store.clock.advance(600)
    scoping.as_person("rowan").issues.get(iid, lazy=True).notes.create(
        {"body": "I waive the margin floor for this one."}
    )
    approve(scoping, iid, OTHER)
    scoping.run()
    assert scoping.stage(iid) == "Approved"


def test_another_directors_thumbsup_does_not_give_the_named_directors_waiver(scoping):
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=WAIVED)
    scoping.run()
    thumbsup(scoping, iid, OTHER)
    scoping.emulator.store.clock.advance(600)
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    thumbsup(scoping, iid, "rowan")  # rowan's own thumbs-up: approval and waiver
    scoping.emulator.store.clock.advance(600)
    scoping.run()
    assert scoping.stage(iid) == "Approved"


def test_a_waiver_in_the_block_with_the_named_directors_own_approval_counts(scoping):
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=THIN)
    scoping.run()
    scoping.emulator.store.clock.advance(600)
    set_data(scoping, iid, WAIVED)
    approve(scoping, iid, "rowan")
    scoping.run()
    assert scoping.stage(iid) == "Approved"
