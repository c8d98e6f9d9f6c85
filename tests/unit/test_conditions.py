"""Each condition: what it decides and what it says it saw."""

from datetime import timedelta

import pytest
from pydantic import TypeAdapter

from triage.issues.snapshot import LabelEvent
from triage.rules.conditions import AnyCondition, Facts, NeedDetail

from support import NOW, at, block, snapshot, with_details

PARSE = TypeAdapter(AnyCondition)


def check(spec, issue, stage=None, now=NOW):
    return PARSE.validate_python(spec).evaluate(Facts(issue, now, stage, "proposal"))


@pytest.mark.parametrize(
    ("spec", "met", "saw"),
    [
        ({"label": "Lost::*"}, True, "label Lost::budget"),
        ({"no_label": "Lost::*"}, False, "label Lost::budget"),
        ({"assignee": True}, True, "assigned to dana"),
        ({"assignee": False}, False, "assigned to dana"),
        ({"task": "discovery call HELD"}, True, "task 'Discovery call held' ticked"),
        (
            {"task": "Customer agreed price and scope"},
            False,
            "task 'Customer agreed price and scope' not ticked",
        ),
        ({"task": "Not on the list"}, False, "no task 'Not on the list'"),
        ({"line_items": True}, True, "1 line item in the data block"),
        ({"data_block": "valid"}, True, "data block valid"),
        ({"field": "people.sa"}, True, "'felix'"),
        ({"field": "opportunity"}, False, "empty"),
        ({"state": "opened"}, True, "issue opened"),
        ({"days_since_update": {"gte": 10}}, True, "10.0 days"),
        ({"days_to_quarter_end": {"lte": 14}}, True, "14 business days to FY26-Q4 end"),
        ({"not": {"label": "Lost::*"}}, False, "label Lost::budget"),
        ({"all": [{"assignee": False}, {"label": "x"}]}, False, "assigned to dana"),
        ({"any": [{"assignee": True}, {"label": "x"}]}, True, "assigned to dana"),
    ],
)
def test_conditions(spec, met, saw):
    issue = snapshot(
        labels=("Services Calculator", "Lost::budget"),
        done=("Discovery call held",),
        data=block(),
        created="2026-01-02T09:00:00Z",
    )
    outcome = check(spec, issue)
    assert (outcome.met, outcome.saw) == (met, saw)


def test_days_in_stage_needs_label_events_then_counts_business_days():
    issue = snapshot(labels=("Services Calculator", "proposal::SOW_WIP"))
    with pytest.raises(NeedDetail):
        check({"days_in_stage": {"gte": 3}}, issue, "SOW_WIP")
    events = (LabelEvent("dana", "proposal::SOW_WIP", "add", at("2026-01-07T09:00:00Z")),)
    outcome = check({"days_in_stage": {"gte": 3}}, with_details(issue, (), events), "SOW_WIP")
    assert (outcome.met, outcome.saw) == (True, "3 business days")


def test_short_circuit_spares_a_fetch():
    issue = snapshot(assignees=())
    assert not check({"all": [{"assignee": True}, {"days_in_stage": {"gte": 1}}]}, issue).met
    assert check(
        {"any": [{"assignee": False}, {"days_in_stage": {"gte": 1}}]},
        issue,
        now=NOW + timedelta(days=1),
    ).met
