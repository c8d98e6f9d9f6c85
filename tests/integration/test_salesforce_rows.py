"""The Salesforce file PS operations loads (issue 24, item 10): every deal touched in the quarter,
closed ones included with their stage, the EM as the Salesforce user the policy maps them to,
rows without an opportunity id reported on stderr, and flagged in the forecast's needs action."""

import csv
import io
import json

from triage.testing import BOT_TOKEN, Scoping

from support import triage_report

DATA = {
    "customer": "Acme Widgets",
    "close_date": "2026-01-30",
    "opportunity": "006XX0000FAKE10",
    "people": {"sa": "felix", "ae": "imogen"},
    "confidence": {"value": "Amber", "rationale": "Procurement slow"},
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}


def report(scoping: Scoping, fmt: str):
    return triage_report(scoping.emulator.url, BOT_TOKEN, "--format", fmt)


def test_every_deal_touched_in_the_quarter_with_its_stage_and_salesforce_user(scoping):
    with_id = scoping.issue(stage="Strawman_WIP", tasks=["Discovery call held"], data=DATA)
    without = scoping.issue(
        stage="Strawman_WIP",
        tasks=["Discovery call held"],
        data={**DATA, "customer": "Bolt Mills", "opportunity": None},
        assignee="mateo",
    )
    lost = scoping.issue(
        stage="Estimate_Feedback",
        tasks=["Discovery call held"],
        data={**DATA, "customer": "Cobalt Ltd", "opportunity": "006XX0000FAKE11"},
    )
    scoping.run()
    scoping.emulator.store.clock.advance(600)
    scoping.as_person("dana").issues.update(lost, {"add_labels": "Lost::Budget"})
    scoping.run()
    assert scoping.state(lost) == "closed"

    result = report(scoping, "salesforce-csv")
    rows = {r[4].rsplit("/", 1)[1]: r for r in list(csv.reader(io.StringIO(result.stdout)))[1:]}
    assert rows[str(with_id)][:4] == [
        "006XX0000FAKE10",
        "dana.okafor@example.com",
        "Amber",
        "Procurement slow",
    ]
    assert rows[str(with_id)][5] == "Estimate_Feedback"
    assert rows[str(lost)][0] == "006XX0000FAKE11" and rows[str(lost)][5] == "Closed_Lost"
    assert rows[str(without)][0] == ""
    # the row without an opportunity id is said on stderr, not silently written
    ref = f"{scoping.project_path}#{without}"
    assert "without an opportunity id" in result.stderr and ref in result.stderr
    assert "without an opportunity id" not in result.stdout

    needs = json.loads(report(scoping, "json").stdout)["needs_action"]
    assert needs["No opportunity id (`opportunity` in the data block)"] == [ref]
