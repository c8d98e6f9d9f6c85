"""What the PS Director reads in the approval request (issue 24, controls 1 and 4), on the
emulator, and the forecast's "needs action" for a deal whose approval would be refused (2).

The rate card (shipped policy): PSE 2,400 a day, cost 1,040; margin floor 30%; maximum discount
against the rate card 30%. The issue's example, checked by hand: 10 PSE days at an agreed rate of
2,173 are 21,730.00 (24,000.00 at the rate card); 45% off that is 9,778.50, net 11,951.50; against
the rate card the discount is 1 - 11,951.50 / 24,000 = 50.2%, not the 45% the data block says;
COGS 10 x 1,040 = 10,400, margin (11,951.50 - 10,400) / 11,951.50 = 13.0%, below the floor.
"""

import json

from triage.testing import BOT_TOKEN

from support import triage_report

TASKS = [
    "Discovery call held",
    "Customer agreed price and scope",
    "SoW reviewed by account team and customer",
]
OVERRIDDEN = {
    "customer": "Orchard Lane Retail",
    "close_date": "2026-03-20",
    "people": {"sa": "felix", "ae": "imogen"},
    "discount_pct": 45,
    "line_items": [{"activity": "Pipelines", "role": "PSE", "days": 10, "rate": 2173}],
}


def test_the_request_shows_the_discount_against_the_rate_card_and_flags_what_is_outside_policy(
    scoping,
):
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=OVERRIDDEN)
    scoping.run()
    [request] = scoping.comments(iid, "approval-request")
    assert "List price at the rate card: USD 24,000.00 for 10 days" in request
    assert "(with the line items' own rates: USD 21,730.00)" in request
    assert (
        "Discount against the rate card: 50.2% (policy maximum 30%) **above the policy maximum**"
        in request
    )
    assert "Net price: **USD 11,951.50**" in request
    assert "Gross margin: 13% (floor 30%) **below the floor**" in request
    assert "a waiver is needed" in request
    # it states what the issue shows, and nothing it does not
    assert "has been reviewed" not in request
    for task in TASKS:
        assert f"Ticked: {task}" in request


def test_the_request_lists_a_review_task_left_open(scoping):
    """A deal moved to Ready For Approval by hand with the review task open: the request says
    the task is not ticked instead of claiming the review happened."""
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS[:2], data={**OVERRIDDEN})
    scoping.run()
    [request] = scoping.comments(iid, "approval-request")
    assert "**Not ticked**: SoW reviewed by account team and customer" in request
    assert "- Not ticked: SoW reviewed by account team and customer" in request


def test_the_forecast_flags_a_deal_over_the_ta_threshold_without_a_ta_review(scoping):
    """30 PSE days are 72,000 net, over the 50,000 TA threshold: until a TA sets TA::Approved
    the forecast lists it under "Approval blocked", with what is missing; then it does not."""
    data = {
        **OVERRIDDEN,
        "discount_pct": 0,
        "line_items": [{"activity": "Migration", "role": "PSE", "days": 30}],
    }
    iid = scoping.issue(stage="SOW_WIP", tasks=TASKS[:2], data=data)
    scoping.run()

    def blocked():
        result = triage_report(
            scoping.emulator.url, BOT_TOKEN, "--quarter", "FY27-Q1", "--format", "json"
        )
        needs = json.loads(result.output)["needs_action"]
        return needs["approval_blocked"]

    [entry] = blocked()
    assert entry["ref"] == f"{scoping.project_path}#{iid}" and not entry["margin_waiver"]
    assert [text.split(":")[0] for text in entry["missing"]] == ["a TA review"]  # the policy's
    scoping.emulator.store.clock.advance(600)
    ta = scoping.member_of("ps/ps-ta")
    scoping.as_person(ta).issues.update(iid, {"add_labels": "TA::Approved"})
    scoping.run()
    assert blocked() == []
