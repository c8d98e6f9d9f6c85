"""The forecast's lists that need action, and its totals, from snapshots (pure)."""

import re
from datetime import date, timedelta
from decimal import Decimal

from triage.forecast import NEEDS, Need, forecast, stage_timers
from triage.issues.snapshot import LabelEvent

from support import NOW, ROOT, block, snapshot, with_details, workspace

POLICY = workspace().policy


def deal(
    iid,
    stage,
    *,
    confidence="Amber",
    rationale="typical",
    updated=None,
    events=None,
    close="2026-01-28",
):
    data = block(
        close_date=close,
        confidence={
            "value": confidence,
            "rationale": rationale,
            **({"updated": updated} if updated else {}),
        },
    )
    issue = snapshot(
        iid=iid,
        labels=("Services Calculator", f"proposal::{stage}"),
        data=data,
        confidence=confidence,
        created="2025-12-01T09:00:00Z",
        updated="2026-01-10T09:00:00Z",
    )
    return with_details(issue, (), events) if events is not None else issue


def test_stage_timers_come_from_the_reminders():
    assert stage_timers(POLICY) == {
        "Awaiting_Discovery": 1,
        "Strawman_WIP": 3,
        "Estimate_Feedback": 3,
        "SOW_WIP": 2,
        "Ready For Approval": 2,  # the approvers' queue (issue 30)
        "Approved": 3,  # the signature reminder
    }


def test_lists_that_need_action():
    sow_started = (
        LabelEvent("dana", "proposal::SOW_WIP", "add", NOW - timedelta(days=7)),
    )  # 5 business days
    issues = [
        deal(1, "SOW_WIP", events=sow_started),
        deal(2, "Estimate_Feedback", confidence="Green", updated="2025-12-20"),
        deal(3, "Approved", rationale=""),
        deal(4, "SOW_WIP", close="2026-01-05"),
    ]
    fc = forecast(POLICY, issues, [], NOW)
    needs = fc.needs_action
    # by stable ids, each issue with its facts: the words are the template's
    assert needs["sla_breached"] == [Need("ps/ps-plan#1", days=5, stage="SOW_WIP", timer=2)]
    assert needs["stale_confidence"] == [Need("ps/ps-plan#2")] and fc.stale_confidence_days == 14
    assert needs["green_before_sow"] == [Need("ps/ps-plan#2")]
    assert needs["no_rationale"] == [Need("ps/ps-plan#3")]
    assert needs["slipped"] == [Need("ps/ps-plan#4", was=date(2026, 1, 5))]
    assert list(needs) == [n for n in NEEDS if n != "salesforce_disagrees"]  # no sync set
    # all four close inside FY26-Q4 (2025-11-01..2026-01-31), #4 on a date already past
    assert [d.ref for d in fc.deals] == [
        "ps/ps-plan#1",
        "ps/ps-plan#2",
        "ps/ps-plan#3",
        "ps/ps-plan#4",
    ]
    assert fc.business_days_left == 13  # to 2026-01-31, Martin Luther King Jr. Day (01-19) off


def test_totals_weights_and_win_rate():
    won = snapshot(
        iid=8,
        labels=("Services Calculator", "proposal::Closed_Won", "close_qtr::Q426"),
        state="closed",
    )
    lost = snapshot(
        iid=9,
        labels=("Services Calculator", "proposal::Closed_Lost", "close_qtr::Q426", "Lost::budget"),
        state="closed",
    )
    other = snapshot(
        iid=10,
        labels=("Services Calculator", "proposal::Closed_Lost", "close_qtr::Q127"),
        state="closed",
    )
    fc = forecast(
        POLICY,
        [deal(1, "SOW_WIP", confidence="Green"), deal(2, "SOW_WIP", confidence="Red")],
        [won, lost, other],
        NOW,
    )
    assert [(c, n, str(t)) for c, n, t in fc.by_confidence()] == [
        ("Green", 1, "7200.00"),
        ("Amber", 0, "0"),
        ("Red", 1, "7200.00"),
        ("Grey", 0, "0"),
    ]
    assert str(fc.weighted()) == "7200.000"  # 0.9 x 7,200 + 0.1 x 7,200
    assert [c.ref for c in fc.won] == ["ps/ps-plan#8"] and [c.ref for c in fc.lost] == [
        "ps/ps-plan#9"
    ]
    assert fc.win_rate == 0.5
    assert fc.lost_reasons == {"budget": 1}


def test_approved_deals_awaiting_signature_show_business_days_since_approval():
    from triage.forecast_report import markdown

    approved = (LabelEvent("rowan", "proposal::Approved", "add", NOW - timedelta(days=7)),)
    issues = [deal(1, "Approved", events=approved), deal(2, "Approved"), deal(3, "SOW_WIP")]
    fc = forecast(POLICY, issues, [], NOW)
    assert [(d.ref, d.days_in_stage) for d in fc.approved] == [
        ("ps/ps-plan#1", 5),  # Mon 01-05 to Mon 01-12
        ("ps/ps-plan#2", None),  # its label events were not read
    ]
    text = markdown(fc, workspace().templates)
    # (up to the next heading, or the hidden marker of the bookings part before it)
    signature = text.split("### Approved, awaiting signature")[1].split("###")[0].split("<!--")[0]
    lines = [line for line in signature.splitlines() if line.startswith("- ")]
    assert len(lines) == 2
    assert lines[0].endswith(", approved 5 business days ago")
    assert "approved" not in lines[1]
    assert signature.endswith("\n\n")  # a blank line still parts the list from the next heading


def test_a_confidence_label_that_names_no_colour_counts_as_the_data_block_says():
    hostile = snapshot(
        iid=3,
        labels=("Services Calculator", "proposal::SOW_WIP", "EM_Confidence::Green @all"),
        data=block(close_date="2026-01-28", confidence={"value": "Red", "rationale": "late"}),
        confidence=None,
    )
    fc = forecast(POLICY, [deal(1, "SOW_WIP", confidence="Green"), hostile], [], NOW)
    rows = {colour: (count, str(net)) for colour, count, net in fc.by_confidence()}
    assert rows["Green"] == (1, "7200.00") and rows["Red"] == (1, "7200.00")
    assert sum(net for _, _, net in fc.by_confidence()) == sum(d.net for d in fc.deals)


def test_spreadsheet_formulas_from_issues_stay_text_in_the_csv_exports():
    import csv
    import io

    from triage.forecast_report import deals_csv, salesforce_csv

    issue = snapshot(
        iid=4,
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data=block(
            customer='=HYPERLINK("http://evil.example","x")',
            opportunity="+cmd|' /C calc'!A0",
            close_date="2026-01-28",
            confidence={"value": "Amber", "rationale": "@SUM(1+1)"},
        ),
    )
    deals = list(csv.reader(io.StringIO(deals_csv(forecast(POLICY, [issue], [], NOW)))))
    assert deals[1][0] == '\'=HYPERLINK("http://evil.example","x")'
    salesforce = list(csv.reader(io.StringIO(salesforce_csv(POLICY, [issue], NOW).text)))
    # a formula is no opportunity id: not exported at all (issue 32.6); the rationale stays text
    assert salesforce[1][0] == "" and salesforce[1][3] == "'@SUM(1+1)"
    assert salesforce[1][4].startswith("http")  # the link the bot built stays as it is


def test_red_and_grey_are_shown_apart_and_not_in_the_forecast_total():
    """Net 7,200 each (3 PSE days x 2,400): forecast = Green + Amber = 14,400; Red and Grey stay
    out of it; the weighted total still counts all four: 0.9 x 7,200 + 0.5 x 7,200 + 0.1 x 7,200
    + 0.25 x 7,200 = 6,480 + 3,600 + 720 + 1,800 = 12,600."""
    from triage.forecast_report import context, markdown

    colours = ("Green", "Amber", "Red", "Grey")
    fc = forecast(
        POLICY, [deal(i, "SOW_WIP", confidence=c) for i, c in enumerate(colours, 1)], [], NOW
    )
    assert str(fc.total()) == "14400.00"
    assert str(fc.total(colours)) == "28800.00"
    assert str(fc.weighted()) == "12600.0000"
    data = context(fc)
    assert [(c["colour"], c["in_forecast"]) for c in data["categories"]] == [
        ("Green", True),
        ("Amber", True),
        ("Red", False),
        ("Grey", False),
    ]
    assert (data["forecast_count"], data["forecast_total"]) == (2, "14400.00")
    text = markdown(fc, workspace().templates)
    assert "| **Forecast** (commit + best case) | 2 | **USD 14,400.00** | |" in text
    assert "| At risk (Red), not in the forecast | 1 | USD 7,200.00 | 0.1 |" in text
    assert "| Unreviewed (Grey), not in the forecast | 1 | USD 7,200.00 | 0.25 |" in text
    assert "| **Weighted** (all four, by weight) | | **USD 12,600.00** | |" in text
    table = text.split("| Category |")[1].split("\n\n")[0]
    assert table.index("**Forecast**") < table.index("At risk") < table.index("Unreviewed")


def test_a_deal_whose_close_date_passed_counts_in_the_current_quarter_marked_slipped():
    """On 2026-01-12 (FY26-Q4, 2025-11-01..2026-01-31): #1 was to close on 2025-10-20 (FY26-Q3)
    and #2 on 2026-01-05 (earlier in FY26-Q4): both slipped, both count in FY26-Q4 with their
    dates; #3 closes on 2026-02-10 (FY27-Q1) and #4 today: neither slipped."""
    from triage.forecast_report import markdown
    from triage.rules.fiscal import fiscal_quarter

    issues = [
        deal(1, "SOW_WIP", close="2025-10-20"),
        deal(2, "SOW_WIP", close="2026-01-05"),
        deal(3, "SOW_WIP", close="2026-02-10"),
        deal(4, "SOW_WIP", close="2026-01-12"),
    ]
    fc = forecast(POLICY, issues, [], NOW)
    assert [(d.ref, d.close_date, d.slipped) for d in fc.deals] == [
        ("ps/ps-plan#1", "2025-10-20", True),
        ("ps/ps-plan#2", "2026-01-05", True),
        ("ps/ps-plan#4", "2026-01-12", False),
    ]
    assert [d.ref for d in fc.slipped] == ["ps/ps-plan#1", "ps/ps-plan#2"]
    assert str(fc.total()) == "21600.00"  # three Amber deals of 7,200
    assert fc.needs_action["slipped"] == [
        Need("ps/ps-plan#1", was=date(2025, 10, 20)),
        Need("ps/ps-plan#2", was=date(2026, 1, 5)),
    ]
    # no quarter but the current one counts a slipped deal: not the one it was to close in
    past = forecast(POLICY, issues, [], NOW, fiscal_quarter(NOW.date() - timedelta(days=90)))
    assert past.quarter.name == "FY26-Q3" and past.deals == ()
    later = forecast(POLICY, issues, [], NOW, fiscal_quarter(NOW.date() + timedelta(days=30)))
    assert [d.ref for d in later.deals] == ["ps/ps-plan#3"]
    text = markdown(fc, workspace().templates)
    assert "| 2025-10-20, slipped | USD 7,200.00 |" in text
    assert "| 2026-01-12 | USD 7,200.00 |" in text
    assert (
        "Slipped: 2 deals, USD 14,400.00, whose close date has passed; counted in FY26-Q4 until"
        " the EM moves the date." in text
    )


def closed(iid, outcome, days, *, quarter="Q426", reason=None):
    labels = ("Services Calculator", f"proposal::{outcome}", f"close_qtr::{quarter}")
    return snapshot(
        iid=iid,
        labels=(*labels, *((f"Lost::{reason}",) if reason else ())),
        data=block(line_items=[{"activity": "Migration", "role": "PSE", "days": days}]),
        state="closed",
    )


def test_bookings_won_and_lost_by_count_and_value_and_attainment_of_the_target():
    """FY26-Q4: won #1 (10 PSE days, 24,000) and #2 (5, 12,000) = 36,000; lost #3 (20 days,
    48,000); #4 was won in FY27-Q1. Win rate 2 of 3 = 67% by count; 36,000 / 84,000 = 43% by
    value; against a target of 120,000: 36,000 / 120,000 = 30% attained."""
    from triage.forecast_report import context, markdown

    config = POLICY.forecast.model_copy(update={"targets": {"FY26-Q4": Decimal(120000)}})
    policy = POLICY.model_copy(update={"forecast": config})
    issues = [
        closed(1, "Closed_Won", 10),
        closed(2, "Closed_Won", 5),
        closed(3, "Closed_Lost", 20, reason="budget"),
        closed(4, "Closed_Won", 50, quarter="Q127"),
    ]
    fc = forecast(policy, [], issues, NOW)
    assert (len(fc.won), str(fc.won_value)) == (2, "36000.00")
    assert (len(fc.lost), str(fc.lost_value)) == (1, "48000.00")
    data = context(fc)
    assert (data["win_rate"], data["win_rate_by_value"], data["attainment"]) == (
        "67%",
        "43%",
        "30%",
    )
    text = markdown(fc, workspace().templates)
    assert "| Won (bookings) | 2 | USD 36,000.00 |" in text
    assert "| Lost | 1 | USD 48,000.00 |" in text
    assert "Win rate: 67% by count, 43% by value." in text
    assert "Target for FY26-Q4: USD 120,000.00; 30% attained (USD 36,000.00 won)." in text
    # no target named for the quarter: no attainment, and none made up
    plain = markdown(forecast(POLICY, [], issues, NOW), workspace().templates)
    assert (
        "Target" not in plain and context(forecast(POLICY, [], issues, NOW))["attainment"] is None
    )


def test_targets_are_named_by_fiscal_quarter_and_more_than_zero():
    import pytest

    from triage.policy.loader import PolicyInvalid, policy_from_texts

    shipped = (ROOT / "policies" / "ps-scoping.yml").read_text()
    given = shipped.replace("forecast:\n", "forecast:\n  targets: {FY27-Q1: 500000.50}\n", 1)
    assert policy_from_texts([("p.yml", given)]).forecast.targets == {
        "FY27-Q1": Decimal("500000.50")
    }
    for targets, problem in (
        ("{Q1-27: 500000}", "`Q1-27` is not a fiscal quarter: name it like FY27-Q1"),
        ("{FY27-Q1: 0}", "the target for FY27-Q1 must be more than 0, not 0"),
    ):
        bad = shipped.replace("forecast:\n", f"forecast:\n  targets: {targets}\n", 1)
        with pytest.raises(PolicyInvalid) as caught:
            policy_from_texts([("p.yml", bad)])
        [found] = [str(p) for p in caught.value.problems]
        assert found.endswith(f": forecast.targets: {problem}"), found


def test_a_won_deal_named_by_its_customer_renders_as_text():
    """The bookings list shows each won deal's customer (from the data block, else the title):
    no mention, no HTML, no link of its own."""
    from triage.forecast_report import markdown

    hostile = "@all <img src=x> [x](http://evil.example) /close"
    named = snapshot(
        iid=1,
        labels=("Services Calculator", "proposal::Closed_Won", "close_qtr::Q426"),
        data=block(customer=hostile),
        state="closed",
    )
    untitled = snapshot(
        iid=2,
        labels=("Services Calculator", "proposal::Closed_Won", "close_qtr::Q426"),
        title=hostile,
        state="closed",
    )
    text = markdown(forecast(POLICY, [], [named, untitled], NOW), workspace().templates)
    lines = [line for line in text.splitlines() if line.startswith("- won:")]
    assert len(lines) == 2
    for line in lines:
        assert "@all" not in line and "<img" not in line and "&lt;img src=x&gt;" in line
        assert not re.search(r"(?<!\\)\]\(http://evil", line)  # the name's brackets are escaped


def test_on_hold_deals_are_in_no_category_or_total_and_shown_apart():
    issues = [deal(1, "SOW_WIP", confidence="Green"), deal(2, "On_hold", confidence="Green")]
    fc = forecast(POLICY, issues, [], NOW)
    assert [d.ref for d in fc.deals] == ["ps/ps-plan#1"]
    assert [d.ref for d in fc.on_hold] == ["ps/ps-plan#2"]
    assert fc.total() == fc.total(("Green",)) == Decimal("7200.00")  # one deal's 3 PSE days
    assert fc.weighted() == Decimal("0.9") * Decimal("7200.00")


def test_deals_without_a_close_date_or_priced_items_are_listed_as_needing_data():
    no_items = snapshot(
        iid=3,
        labels=("Services Calculator", "proposal::Awaiting_Discovery"),
        data=block(line_items=[]),
    )
    no_date = snapshot(
        iid=4,
        labels=("Services Calculator", "proposal::Strawman_WIP"),
        data={k: v for k, v in block().items() if k != "close_date"},
    )
    no_block = snapshot(iid=5, labels=("Services Calculator", "proposal::Awaiting_Discovery"))
    fc = forecast(POLICY, [deal(1, "SOW_WIP"), no_items, no_date, no_block], [], NOW)
    needs = fc.needs_action
    assert needs["no_close_date"] == [Need("ps/ps-plan#4"), Need("ps/ps-plan#5")]
    assert needs["not_priced"] == [Need("ps/ps-plan#3")]


def test_deals_waiting_for_approval_are_shown_with_their_age():
    waiting = (
        LabelEvent("dana", "proposal::Ready For Approval", "add", NOW - timedelta(days=7)),
    )  # 5 business days
    fc = forecast(POLICY, [deal(1, "Ready For Approval", events=waiting)], [], NOW)
    [queued] = fc.awaiting_approval
    assert queued.days_in_stage == 5
    assert (
        Need("ps/ps-plan#1", days=5, stage="Ready For Approval", timer=2)
        in (fc.needs_action["sla_breached"])
    )


def test_a_deal_without_em_segment_or_stage_leaves_the_words_to_the_template():
    """Issue 33.12: no "(none)" fixed in code; the shipped template says it, a team's its own."""
    from triage.forecast_report import markdown
    from triage.render.templates import Templates

    data = {k: v for k, v in block(close_date="2026-01-28").items() if k != "segment"}
    issue = snapshot(iid=9, labels=("Services Calculator",), assignees=(), data=data)
    fc = forecast(POLICY, [issue], [], NOW)
    [d] = fc.deals
    assert (d.em, d.segment, d.stage) == ("", "", "")
    assert fc.by_em()[0][0] == "" and fc.grouped("segment")[0][0] == ""
    shipped = markdown(fc, workspace().templates)
    assert "| (none) | (none) | (none) | 2026-01-28 |" in shipped
    assert "| (none) | 1 |" in shipped  # by segment, and by EM
    korean = Templates(
        {"t.md.j2": "{% for d in categories[1].deals %}{{ d.em or '미정' }}{% endfor %}"}
    )
    assert markdown(fc, korean, "t.md.j2").strip() == "미정"
