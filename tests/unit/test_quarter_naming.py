"""Quarters named by the year the fiscal year starts in, when the policy says so (issue 33.7:
they were always named by the year it ends in), everywhere a quarter is named: the close_qtr
label, the hand-off note, `report --quarter` (validate's warning about a target of a quarter that
never comes: integration/test_validate_targets.py)."""

from datetime import date

import pytest
from pydantic import ValidationError
from test_close_quarter import RECORDED

from triage.commands.report import parse_quarter
from triage.errors import UserError
from triage.planner import plan_issue
from triage.policy.model import Calendar
from triage.rules.fiscal import fiscal_quarter, quarter_named

from support import block, settings, snapshot, with_details, won, workspace

WS = workspace()


def named_by(how):
    calendar = WS.policy.calendar.model_copy(update={"fiscal_year_named_by": how})
    return WS.policy.model_copy(update={"calendar": calendar})


@pytest.mark.parametrize(
    ("day", "start_month", "end_name", "start_name"),
    [
        (date(2026, 1, 12), 2, "FY26-Q4", "FY25-Q4"),  # GitLab's FY26 began on 2025-02-01
        (date(2026, 2, 1), 2, "FY27-Q1", "FY26-Q1"),
        (date(2026, 7, 1), 4, "FY27-Q2", "FY26-Q2"),  # a fiscal year from April
        (date(2026, 5, 15), 1, "FY26-Q2", "FY26-Q2"),  # the calendar year: one name either way
    ],
)
def test_a_quarter_is_named_by_the_year_its_fiscal_year_ends_or_starts_in(
    day, start_month, end_name, start_name
):
    ends, starts = fiscal_quarter(day, start_month), fiscal_quarter(day, start_month, "start")
    assert (ends.name, starts.name) == (end_name, start_name)
    assert (ends.start, ends.end) == (starts.start, starts.end)
    assert quarter_named(start_name, start_month, "start") == starts
    assert quarter_named(end_name, start_month, "end") == ends


def test_the_policy_chooses_and_the_default_is_the_end_year():
    assert Calendar.model_validate({"fiscal_year_named_by": "start"}).quarter(
        date(2026, 1, 12)
    ) == fiscal_quarter(date(2026, 1, 12), 2, "start")
    assert Calendar().fiscal_year_named_by == "end"
    with pytest.raises(ValidationError):
        Calendar.model_validate({"fiscal_year_named_by": "middle"})


def test_a_won_deal_is_booked_in_the_quarter_as_the_team_names_it():
    issue = snapshot(
        labels=("Services Calculator", "proposal::Closed_Won"),
        data=block(close_date="2026-01-30"),
    )
    plan = plan_issue(
        named_by("start"), with_details(issue, (), won(RECORDED)), RECORDED, settings()
    )
    assert "close_qtr::Q425" in plan.add_labels
    [handoff] = [c.body for c in plan.comments if c.template == "handoff.md.j2"]
    assert "**Booked in FY25-Q4**" in handoff and "FY26" not in handoff


def test_report_reads_a_quarter_as_the_team_names_it():
    quarter = parse_quarter("FY26-Q1", named_by("start").calendar)
    assert (quarter.start, quarter.end) == (date(2026, 2, 1), date(2026, 4, 30))
    quarter = parse_quarter("FY26-Q1", WS.policy.calendar)
    assert (quarter.start, quarter.end) == (date(2025, 2, 1), date(2025, 4, 30))
    with pytest.raises(UserError, match="'FY26-Q5' is not a fiscal quarter"):
        parse_quarter("FY26-Q5", WS.policy.calendar)
