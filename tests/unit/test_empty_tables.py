"""After the quarter's last open deal closes, the forecast shows no empty "By segment" / "By
Engagement Manager" tables; a delivery issue without a region says so without escaped backticks
(issue 33.19)."""

from test_golden import CORVID, EARLIER, stage

from triage.forecast import forecast
from triage.forecast_report import markdown
from triage.planner import plan_issue

from support import NOW, settings, snapshot, with_details, won, workspace

WS = workspace()


def test_no_empty_tables_once_every_deal_closed():
    closed = snapshot(
        labels=("Services Calculator", "proposal::Closed_Won", "close_qtr::Q426"),
        state="closed",
        data={**CORVID, "close_date": "2026-01-09"},
    )
    text = markdown(forecast(WS.policy, [], [closed], NOW), WS.templates)
    assert "### By segment" not in text and "### By Engagement Manager" not in text
    assert "| Segment | Deals | Net |" not in text


def test_a_delivery_issue_without_a_region_names_the_key_plainly():
    data = {key: value for key, value in CORVID.items() if key != "region"}
    case = with_details(stage("Closed_Won", data=data), EARLIER, won(NOW))
    issue_plan = plan_issue(WS.policy, case, NOW, settings(WS))
    description = issue_plan.new_issues[0].description
    assert "- Region: not given in the data block (`region`)\n" in description
