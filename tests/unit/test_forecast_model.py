"""The forecast's lists that need action, and its totals, from snapshots (pure)."""

from datetime import timedelta

from triage.forecast import forecast, stage_timers
from triage.issues.snapshot import LabelEvent

from support import NOW, block, snapshot, with_details, workspace

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
    assert needs["SLA breached (longer in the stage than its timer)"] == [
        "ps/ps-plan#1 (5 business days in SOW_WIP, timer 2)"
    ]
    assert needs["Stale confidence (14+ days since `confidence.updated`)"] == ["ps/ps-plan#2"]
    assert needs["Green before the SoW"] == ["ps/ps-plan#2"]
    assert needs["No rationale"] == ["ps/ps-plan#3"]
    assert needs["Close date in the past"] == ["ps/ps-plan#4"]
    # all four close inside FY26-Q4 (2025-11-01..2026-01-31), #4 on a date already past
    assert [d.ref for d in fc.deals] == [
        "ps/ps-plan#1",
        "ps/ps-plan#2",
        "ps/ps-plan#3",
        "ps/ps-plan#4",
    ]
    assert fc.business_days_left == 14


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
    assert fc.won == ("ps/ps-plan#8",) and fc.lost == ("ps/ps-plan#9",) and fc.win_rate == 0.5
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
    signature = text.split("### Approved, awaiting signature")[1].split("###")[0]
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
    salesforce = list(csv.reader(io.StringIO(salesforce_csv(POLICY, [issue], NOW))))
    assert salesforce[1][0] == "'+cmd|' /C calc'!A0" and salesforce[1][3] == "'@SUM(1+1)"
    assert salesforce[1][4].startswith("http")  # the link the bot built stays as it is
