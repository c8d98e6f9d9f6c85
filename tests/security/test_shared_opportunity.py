"""Two deals naming one Salesforce opportunity id are named, and neither row is exported.

The data loader updates an opportunity once per row: two rows with one id leave whichever came
last, silently (the forecast of one deal written over another's, by anyone who copies an id
into a data block). The file leaves both out and `triage report` names the id and both deals.
"""

from __future__ import annotations

import csv
import io

from test_hostile_templates import cli

from triage.forecast_report import salesforce_csv
from triage.testing import TASKS

from support import NOW, ROOT, block, snapshot, workspace

POLICY = workspace().policy
AB, XY = "0063000000AbCdE", "0063000000XyZwV"  # opportunity ids (15 characters, the 006 prefix)


def deal(iid: int, opportunity: str):
    return snapshot(
        iid=iid,
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data=block(customer=f"Customer {iid}", opportunity=opportunity, close_date="2026-01-28"),
    )


def test_deals_sharing_an_opportunity_id_get_no_row_and_are_named():
    rows = salesforce_csv(POLICY, [deal(1, AB), deal(2, XY), deal(3, f" {AB}"), deal(4, "")], NOW)
    written = list(csv.reader(io.StringIO(rows.text)))
    assert [r[0] for r in written[1:]] == [XY, ""]
    [(opportunity, refs)] = rows.shared
    assert opportunity == AB and len(refs) == 2
    assert refs[0].endswith("#1") and refs[1].endswith("#3")


def test_report_names_both_deals_of_a_shared_opportunity_on_stderr(scoping):
    data = {
        "customer": "A",
        "opportunity": AB,
        "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
    }
    first = scoping.issue(stage="SOW_WIP", data=data, tasks=TASKS[:2], title="A")
    second = scoping.issue(
        stage="SOW_WIP", data={**data, "customer": "B"}, tasks=TASKS[:2], title="B"
    )
    paths = ["--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")]
    code, output, _ = cli("report", *paths, "--format", "salesforce-csv", url=scoping.emulator.url)
    assert code == 0, output
    assert (
        f"warning: opportunity {AB} is named by 2 deals (ps/ps-plan#{first}, "
        f"ps/ps-plan#{second}): none of their rows is written"
    ) in output
    assert f"{AB}," not in output
