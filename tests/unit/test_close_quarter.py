"""The quarter a won deal is booked in: the data block's close date when Deal Desk records the
win, else the day the win was recorded; shown in the hand-off note. Lost deals keep the day."""

import pytest

from triage.planner import plan_issue

from support import at, block, settings, snapshot, with_details, won, workspace

RECORDED = at("2026-02-02T10:00:00Z")  # Monday; FY27-Q1 began on 2026-02-01


def closed_won(**data):
    issue = snapshot(labels=("Services Calculator", "proposal::Closed_Won"), data=block(**data))
    issue_plan = plan_issue(
        workspace().policy, with_details(issue, (), won(RECORDED)), RECORDED, settings()
    )
    [handoff] = [c.body for c in issue_plan.comments if c.template == "handoff.md.j2"]
    [label] = [lb for lb in issue_plan.add_labels if lb.startswith("close_qtr::")]
    return label, handoff


def test_a_deal_signed_in_january_and_recorded_in_february_is_booked_in_the_signed_quarter():
    label, handoff = closed_won(close_date="2026-01-30")
    assert label == "close_qtr::Q426"
    assert (
        '**Booked in FY26-Q4** (~"close_qtr::Q426"): the quarter of the close date in the data'
        " block, Jan 30, 2026." in handoff
    )


@pytest.mark.parametrize(
    "close_date",
    [None, "2026-03-20"],  # none; or still ahead of the day the win was recorded: no signature date
)
def test_without_a_close_date_on_or_before_the_win_the_recorded_day_counts(close_date):
    label, handoff = closed_won(close_date=close_date)
    assert label == "close_qtr::Q127"
    assert (
        '**Booked in FY27-Q1** (~"close_qtr::Q127"): the quarter Deal Desk recorded the win,'
        " Feb 2, 2026 (the data block has no close date on or before it)." in handoff
    )


def test_a_lost_deal_keeps_the_quarter_it_was_lost_in():
    issue = snapshot(
        labels=("Services Calculator", "proposal::SOW_WIP", "Lost::budget"),
        data=block(close_date="2026-01-30"),
    )
    issue_plan = plan_issue(workspace().policy, with_details(issue), RECORDED, settings())
    assert "close_qtr::Q127" in issue_plan.add_labels
