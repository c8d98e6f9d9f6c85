"""EM confidence in one place (issue 24, control 3): the `EM_Confidence::` label is the value,
the data block keeps the rationale; a data block value that disagrees gets one note, and every
output shows the label's value, never with another value's rationale as its own."""

import csv
import io

import yaml

from triage.testing import BOT_TOKEN, Scoping

from support import triage_report

DATA = {
    "customer": "Acme Widgets",
    "close_date": "2026-03-20",
    "opportunity": "006XX0000FAKE09",
    "people": {"sa": "felix", "ae": "imogen"},
    "confidence": {"value": "Amber", "rationale": "Procurement slow"},
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}


def set_data(scoping: Scoping, iid: int, data: dict) -> None:
    issue = scoping.as_person("dana").issues.get(iid)
    head = issue.description.split("<!-- ps-triage:scoping -->")[0]
    block = yaml.safe_dump(data, sort_keys=False)
    issue.description = f"{head}<!-- ps-triage:scoping -->\n```yaml\n{block}```\n"
    issue.save()


def salesforce_row(scoping: Scoping) -> list[str]:
    result = triage_report(
        scoping.emulator.url, BOT_TOKEN, "--quarter", "FY27-Q1", "--format", "salesforce-csv"
    )
    rows = list(csv.reader(io.StringIO(result.stdout)))
    [row] = [r for r in rows[1:] if r and r[0] == "006XX0000FAKE09"]
    return row


def test_the_label_is_the_confidence_and_a_disagreeing_data_block_gets_one_note(scoping):
    iid = scoping.issue(stage="Strawman_WIP", tasks=["Discovery call held"], data=DATA)
    scoping.run()
    assert "EM_Confidence::Amber" in scoping.labels(iid)
    assert salesforce_row(scoping)[2:4] == ["Amber", "Procurement slow"]
    # the EM writes Red in the data block; the label (set on the board) stays Amber
    scoping.emulator.store.clock.advance(600)
    red = {**DATA, "confidence": {"value": "Red", "rationale": "Budget cut"}}
    set_data(scoping, iid, red)
    scoping.run()
    scoping.run()
    assert "EM_Confidence::Amber" in scoping.labels(iid)
    [note] = scoping.comments(iid, "confidence-disagrees")
    assert '~"EM_Confidence::Amber"' in note and "the data block says `Red`" in note
    # the file shows Amber, and no rationale: the Red one is not Amber's (issue 32.6)
    assert salesforce_row(scoping)[2:4] == ["Amber", ""]
    # the EM sets the label: Red with its own rationale everywhere, no further note
    scoping.emulator.store.clock.advance(600)
    scoping.as_person("dana").issues.update(iid, {"add_labels": "EM_Confidence::Red"})
    scoping.run()
    assert salesforce_row(scoping)[2:4] == ["Red", "Budget cut"]
    assert len(scoping.comments(iid, "confidence-disagrees")) == 1
