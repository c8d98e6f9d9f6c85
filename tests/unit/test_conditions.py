"""Each condition: what it decides and what it says it saw."""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import TypeAdapter

from triage.issues.snapshot import LabelEvent
from triage.render.markdown import escape
from triage.rules.conditions import AnyCondition
from triage.rules.facts import Facts, NeedDetail
from triage.rules.moment import Moment

from support import NOW, at, block, snapshot, with_details, workspace

PARSE = TypeAdapter(AnyCondition)
SHIPPED = workspace().templates
WORDS = replace(
    SHIPPED,
    sources={
        **SHIPPED.sources,
        "why.md.j2": '{% import "reasons.j2" as r %}{{ r.why(reasons) | trusted }}',
    },
)


def check(spec, issue, stage=None, now=NOW):
    outcome = PARSE.validate_python(spec).evaluate(
        Facts(issue=issue, moment=Moment(now), stage=stage, stage_prefix="proposal")
    )
    # The notes' words for what it saw (the shipped `reasons.j2`) are what it says it saw.
    assert WORDS.render("why.md.j2", {"reasons": outcome.reasons}) == escape(outcome.saw) + "\n"
    return outcome


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


@pytest.mark.parametrize(
    ("close_date", "spec", "met", "saw"),
    [
        (
            "2026-01-09",
            {"close_date_passed": True},
            True,
            "close date 2026-01-09 (FY26-Q4) has passed",
        ),
        (
            "2026-01-12",
            {"close_date_passed": True},
            False,
            "close date 2026-01-12 (FY26-Q4) is still ahead",
        ),
        (
            "2026-01-12",
            {"close_date_passed": False},
            True,
            "close date 2026-01-12 (FY26-Q4) is still ahead",
        ),
        (None, {"close_date_passed": True}, False, "no close date"),
        (None, {"close_date_passed": False}, False, "no close date"),
    ],
)
def test_close_date_passed_compares_with_today_and_fails_without_a_date(close_date, spec, met, saw):
    outcome = check(spec, snapshot(data=block(close_date=close_date)))
    assert (outcome.met, outcome.saw) == (met, saw)


def test_estimate_revision_and_close_quarter_need_the_notes_and_say_so_without_a_note():
    issue = snapshot(labels=("proposal::Approved",), data=block())
    for spec in (
        {"estimate_revised_since": "signature-request"},
        {"close_quarter_later_than": "signature-request"},
    ):
        with pytest.raises(NeedDetail):
            check(spec, issue, "Approved")
        outcome = check(spec, with_details(issue), "Approved")
        assert outcome.met is False


@pytest.mark.parametrize("later", [timedelta(hours=3, minutes=59, seconds=59.9995), timedelta(0)])
def test_a_business_time_bound_is_the_same_instant_whenever_it_is_asked(later):
    """The instant a business-time threshold is passed depends on when the clock started, not on
    when a run asks: a plan made at 09:00 and one made just before 13:00 hold until the same
    instant (found by test_a_plan_holds_until_its_holds_until: they differed by 1 ms)."""
    started = datetime(2026, 1, 12, 6, 37, tzinfo=UTC)
    first, second = (
        Moment(datetime(2026, 1, 13, 9, tzinfo=UTC)),
        Moment(datetime(2026, 1, 13, 9, tzinfo=UTC) + later),
    )
    for moment in (first, second):
        moment.business_days_since(started, (time(9), time(17)), frozenset(), (2.0,))
    assert first.until is not None and first.until == second.until


@pytest.mark.parametrize(
    "spec",
    [
        {"label": "Nope::*"},
        {"no_label": "Nope::*"},
        {"assignee": False},
        {"touched_by": "em"},
        {"line_items": False},
        {"data_block": "invalid"},
        {"estimate": "valid"},
        {"unknown_activities": True},
        {"net_price": {"gt": 1}},
        {"business_days_to_close": {"lt": 10}},
        {"quarter_end": True},
        {"days_without_human_activity": {"gte": 45}},
        {"revisit_due": True},
        {"close_date_passed": True},
        {"estimate_revised_since": "signature-request"},
        {"close_quarter_later_than": "signature-request"},
        {
            "review_outdated": {
                "task": "Discovery call held",
                "given": {"from": "SOW_WIP", "to": "Ready For Approval"},
                "versions_of": "sow-draft",
            }
        },
    ],
)
def test_the_notes_words_say_what_each_condition_saw(spec):
    issue = with_details(
        snapshot(
            labels=("Services Calculator", "proposal::SOW_WIP", "Lost::a_b"),
            done=("Discovery call held",),
            data=block(revisit_on="2026-01-05"),
            created="2026-01-02T09:00:00Z",
        ),
        events=(LabelEvent("dana", "proposal::SOW_WIP", "add", at("2026-01-05T09:00:00Z")),),
    )
    check(spec, issue, stage="SOW_WIP")  # `check` compares the words with what it saw


def test_an_unpriced_estimate_gives_each_problems_kind_and_values():
    """`estimate.unpriced` carries, beside the English, each problem's stable kind and values:
    a team's reasons.j2 words them (issue 33.12)."""
    items = [
        {"activity": "saas_discovery_remote", "role": "Wizard", "days": 2},
        {"activity": "Workshop", "role": "PSE"},
    ]
    policy = workspace().policy
    facts = Facts(
        issue=snapshot(data=block(line_items=items)),
        moment=Moment(NOW),
        stage=None,
        stage_prefix="proposal",
        rates=policy.rates,
        catalog=policy.catalog,
    )
    (why,) = PARSE.validate_python({"estimate": "invalid"}).evaluate(facts).reasons
    assert why["unpriced"] == [
        {"kind": "unknown_role", "item": 0, "role": "Wizard", "roles": ["PM", "PSE", "TA"]},
        {"kind": "days_missing", "item": 1, "activity": "Workshop"},
    ]
    assert why["problems"][1] == "line_items[1].days is missing: 'Workshop' is priced per day"


def test_days_shown_rounded_on_a_half_day_hold_only_that_instant():
    """54.5 days are shown "54" (Python rounds half to even) and 54.5 days and a second "55": an
    answer given on the rounding grid itself holds only at that instant (found by
    test_a_plan_holds_until_its_holds_until: a plan said 54 days where it was planned again at 55)."""
    then = datetime(2025, 11, 18, 21, tzinfo=UTC)
    moment = Moment(datetime(2026, 1, 12, 9, tzinfo=UTC))
    days = moment.days_since(then, (), places=0)
    assert f"{days:.0f}" == "54" and moment.until == datetime(2026, 1, 12, 9, tzinfo=UTC)
    later = Moment(datetime(2026, 1, 12, 9, 0, 1, tzinfo=UTC))
    assert f"{later.days_since(then, (), places=0):.0f}" == "55"
    # 54 days (and 55.5, shown "56" and then "56" still) change nothing at once: they hold on
    for asked, until in (
        (datetime(2026, 1, 11, 21, tzinfo=UTC), datetime(2026, 1, 12, 9, tzinfo=UTC)),
        (datetime(2026, 1, 13, 9, tzinfo=UTC), datetime(2026, 1, 13, 21, tzinfo=UTC)),
    ):
        held = Moment(asked)
        held.days_since(then, (), places=0)
        assert held.until is not None and timedelta(0) < until - held.until <= timedelta(seconds=1)
