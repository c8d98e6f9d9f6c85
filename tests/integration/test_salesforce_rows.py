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
    assert needs["no_opportunity"] == [{"ref": ref}]


def test_an_id_that_is_no_opportunity_is_never_exported_and_each_deal_is_named(scoping):
    """Issue 32.6: the template's placeholder, a reference from another system and an 18-character
    id with a wrong checksum are no opportunity ids (`salesforce/ids.py`, as the sync checks them):
    their rows are written without an id, each deal named on stderr on its own line with why. A
    valid 18-character id is kept. GitLab's stage and net price are named as GitLab's, so that an
    importer does not map them over the opportunity's own Stage and Net Price."""
    bad = {
        "Placeholder Co": "006XXXXXXXXXXXXXXX",
        "Other System Co": "OPP-2291",
        "Checksum Co": "006XX0000FAKE10AAA",
    }
    made = {
        customer: scoping.issue(
            stage="Strawman_WIP",
            tasks=["Discovery call held"],
            data={**DATA, "customer": customer, "opportunity": value},
        )
        for customer, value in bad.items()
    }
    good = scoping.issue(
        stage="Strawman_WIP",
        tasks=["Discovery call held"],
        data={**DATA, "customer": "Valid Co", "opportunity": "006XX0000FAKE10YQH"},
    )
    scoping.run()
    result = report(scoping, "salesforce-csv")
    header, *body = list(csv.reader(io.StringIO(result.stdout)))
    assert header[5:7] == ["GitLab Stage", "GitLab Net Price"]
    assert "Stage" not in header and "Net Price" not in header
    rows = {r[4].rsplit("/", 1)[1]: r for r in body}
    assert rows[str(good)][0] == "006XX0000FAKE10YQH"
    for customer, value in bad.items():
        assert rows[str(made[customer])][0] == ""
        assert value not in result.stdout
        ref = f"{scoping.project_path}#{made[customer]}"
        [line] = [ln for ln in result.stderr.splitlines() if ref in ln]
        assert value in line and "no Opportunity ID" in line
    assert "placeholder" in result.stderr and "checksum" in result.stderr
