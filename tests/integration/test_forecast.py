"""The forecast PS leadership reads: the report formats, and the forecast issue kept by apply.

Numbers on the demo issues as of 2026-01-12, FY26-Q4 (checked by hand against the domain research):
Commit = Bramblewood 67,200 + Lantern 88,800 = 156,000; Best case = Corvid 116,800 (44 role-days:
6 TA x 2,800 + 30 PSE x 2,400 + 8 PM x 2,000 = 104,800, plus its System Administration training, a
fixed-price catalog offering: 2 sessions x 6,000 = 12,000); forecast = 156,000 + 116,800 = 272,800
(3 deals); At risk = Orchard Lane 13,200 (45% off 24,000), not in the forecast; weighted
0.9 x 156,000 + 0.5 x 116,800 + 0.1 x 13,200 = 140,400 + 58,400 + 1,320 = 200,120 (the research's
figure); 14 business days left.
"""

import csv
import io
import json
import re

from click.testing import CliRunner

from gitlab_emulator.testing import admin
from triage.cli import main
from triage.testing import BOT_TOKEN
from triage.workspace import load_workspace

from support import ROOT, bot_notes, bot_run, project_as, triage_report

TOKEN = "demo-bot-token"


def report(url, *args):
    return triage_report(url, TOKEN, *args).stdout  # warnings go to stderr


def test_report_markdown_has_the_hand_checked_numbers_and_writes_nothing(demo):
    text = report(demo.url, "--format", "markdown")
    assert (
        "## PS forecast FY26-Q4" in text
        and "13 business days left in FY26-Q4 (ends 2026-01-31)." in text
    )
    assert "| Commit (Green) | 2 | USD 156,000.00 | 0.9 |" in text
    assert "| Best case (Amber) | 1 | USD 116,800.00 | 0.5 |" in text
    assert "| **Forecast** (commit + best case) | 3 | **USD 272,800.00** | |" in text
    assert "| At risk (Red), not in the forecast | 1 | USD 13,200.00 | 0.1 |" in text
    assert "| **Weighted** (all four, by weight) | | **USD 200,120.00** | |" in text
    # needs action by customer name, with the link (issue 32.4)
    lantern = f"[Lantern Health Network]({demo.url}/ps/ps-plan/-/issues/4103)"
    assert f"- Green before the SoW: {lantern}" in text
    assert f"[Bramblewood Financial]({demo.url}/ps/ps-plan/-/issues/4101)" in text
    served = admin(demo.url, "stats")["requests"]
    assert served["POST"] == served["PUT"] == 0


def test_a_report_without_a_gated_deal_reads_no_approver_group(scoping):
    """The approver groups judge the deals that carry a gated label, open or closed (a win or a
    stage counts only when its gate did): with none, `report` reads no group (issue 31.8)."""
    scoping.issue(stage="SOW_WIP", data={"customer": "Acme", "line_items": []})
    scoping.run()
    admin(scoping.emulator.url, "stats/reset", {})
    triage_report(scoping.emulator.url, BOT_TOKEN, "--format", "json")
    routes = admin(scoping.emulator.url, "stats")["routes"]
    assert not [route for route in routes if route.startswith("GET /groups")], routes


def test_report_for_another_quarter_and_as_json(demo):
    data = json.loads(report(demo.url, "--quarter", "FY27-Q1", "--format", "json"))
    assert data["quarter"] == "FY27-Q1"
    customers = sorted(d["customer"] for c in data["categories"] for d in c["deals"])
    assert customers == ["Harbor & Finch Legal", "Meridian Tidewater Utilities"]


def test_report_csv_and_salesforce_csv(demo):
    rows = list(csv.DictReader(io.StringIO(report(demo.url, "--format", "csv"))))
    assert {r["Currency"] for r in rows} == {"USD"}
    assert [(r["Customer"], r["Category"], r["Net"]) for r in rows] == [
        ("Bramblewood Financial", "Commit", "67200.00"),
        ("Corvid Aerospace Systems", "Best case", "116800.00"),
        ("Lantern Health Network", "Commit", "88800.00"),
        ("Orchard Lane Retail", "At risk", "13200.00"),
    ]
    salesforce = list(csv.reader(io.StringIO(report(demo.url, "--format", "salesforce-csv"))))
    assert salesforce[0] == [
        "Opportunity ID",
        "Engagement Manager",
        "EM Confidence",
        "EM Confidence Rationale",
        "Scoping Issue Link",
        "GitLab Stage",
        "GitLab Net Price",
        "Currency",
    ]
    lantern = next(r for r in salesforce if r[4].endswith("/4103"))
    # the EM as the Salesforce user the policy maps harriet to
    assert lantern[1:4] == ["harriet.lindqvist@example.com", "Green", "Customer confirmed budget"]
    assert lantern[6:] == ["88800.00", "USD"]  # a plain number, and its currency apart
    assert (
        len(salesforce) == 1 + 9
    )  # every open scoping issue, with or without a readable data block
    quarry = next(r for r in salesforce if r[4].endswith("/4106"))
    assert quarry[0:3] == [
        "",
        "kaito.mori@example.com",
        "Grey",
    ]  # no data block yet: its EM, a Grey confidence, its link


def forecast_issues(url):
    return [
        i
        for i in project_as(url, "dana").issues.list(get_all=True, search="PS forecast")
        if i.title.startswith("PS forecast")
    ]


def test_the_forecast_issue_is_created_once_updated_in_place_and_left_at_quarter_end(demo):
    url = demo.url
    result, _ = bot_run(url)
    assert result.forecast == "forecast FY26-Q4: created"
    [issue] = forecast_issues(url)
    assert (
        issue.title == "PS forecast FY26-Q4"
        and "| Commit (Green) | 2 | USD 156,000.00 | 0.9 |" in issue.description
    )
    assert bot_run(url)[0].forecast == "forecast FY26-Q4: unchanged"
    idle = bot_run(url)[1]
    assert idle.traffic.writes == 0

    project_as(url, "quinn").issues.update(4101, {"add_labels": "proposal::Closed_Won"})
    project_as(url, "imogen").issues.update(4104, {"add_labels": "Lost::budget"})
    assert bot_run(url)[0].forecast == "forecast FY26-Q4: updated"
    [same] = forecast_issues(url)
    assert same.iid == issue.iid
    # Bramblewood won (67,200), Orchard Lane lost (13,200): 1 of 2; 67,200 / 80,400 = 84% by value
    assert (
        "| Won (bookings) | 1 | USD 67,200.00 |\n| Lost | 1 | USD 13,200.00 |" in same.description
    )
    assert "Win rate: 50% by count, 84% by value." in same.description
    assert "- lost, budget: 1" in same.description
    assert bot_run(url)[1].traffic.writes == 0

    at_quarter_end = project_as(url, "dana").issues.get(same.iid).description
    admin(url, "clock", {"now": "2026-02-02T09:00:00Z"})  # FY27-Q1 begins
    project_as(url, "harriet").issues.update(
        4103, {"add_labels": "Lost::budget"}
    )  # the pipeline moves on
    bot_run(url)
    bot_run(url)
    titles = sorted(i.title for i in forecast_issues(url))
    assert titles == ["PS forecast FY26-Q4", "PS forecast FY27-Q1"]  # exactly one per quarter
    assert (
        project_as(url, "dana").issues.get(same.iid).description == at_quarter_end
    )  # left as it stood
    new = next(i for i in forecast_issues(url) if i.title.endswith("FY27-Q1"))
    # Lantern (88,800), lost in FY27-Q1
    assert "| Won (bookings) | 0 | USD 0.00 |\n| Lost | 1 | USD 88,800.00 |" in new.description
    assert "Win rate: 0% by count, 0% by value." in new.description


def test_plan_as_markdown_is_posted_once_on_the_merge_request_and_updated_in_place():
    from gitlab_emulator.testing import running_emulator
    from triage.commands.demo_data import demo_seed

    seed = demo_seed()
    seed["projects"][0]["merge_requests"] = [
        {"iid": 7, "title": "Raise the TA threshold", "author": "dana"}
    ]
    with running_emulator(seed) as emu:

        def plan():
            return CliRunner().invoke(
                main,
                [
                    "plan",
                    "--policies",
                    str(ROOT / "policies"),
                    "--templates",
                    str(ROOT / "templates"),
                    "--format",
                    "markdown",
                    "--merge-request",
                    "7",
                    "--merge-request-project",
                    "ps/ps-plan",
                ],
                env={"GITLAB_URL": emu.url, "GITLAB_TOKEN": TOKEN},
            )

        first = plan()
        assert first.exit_code == 0, first.output
        assert first.stdout.startswith("### ps-triage plan: 9 of 9 issues would change\n")
        assert (
            "| `estimate-summary` |" in first.stdout
            and "plan note on ps/ps-plan!7: created" in first.stderr
        )
        notes = project_as(emu.url, "dana").mergerequests.get(7, lazy=True).notes.list(get_all=True)
        assert len(notes) == 1 and notes[0].body.startswith(
            "<!-- ps-triage:plan -->\n### ps-triage plan:"
        )
        assert "plan note on ps/ps-plan!7: unchanged" in plan().stderr
        project_as(emu.url, "quinn").issues.update(4101, {"add_labels": "proposal::Closed_Won"})
        assert "plan note on ps/ps-plan!7: updated" in plan().stderr
        assert (
            len(
                project_as(emu.url, "dana").mergerequests.get(7, lazy=True).notes.list(get_all=True)
            )
            == 1
        )
        routes = admin(emu.url, "stats")["routes"]
        assert (
            routes.get("PUT /projects/:id/issues/:issue_iid") == 1
        )  # Quinn's; the plans wrote to no issue
        assert (
            "POST /projects/:id/issues/:noteable_id/notes" not in routes
            and "POST /projects/:id/issues" not in routes
        )


def forecast_text(url, quarter):
    [issue] = [i for i in forecast_issues(url) if i.title == f"PS forecast {quarter}"]
    marker, text = issue.description.split("\n", 1)
    assert re.fullmatch(rf"<!-- ps-triage-forecast-{quarter.lower()} deals=\d+ -->", marker)
    return text


def test_the_report_shows_the_same_lists_as_the_forecast_issue(demo):
    """One computation for both: the SLA breaches need the stage starts (label events), which a
    run reads for its plans and `triage report` read nowhere, so the report said "nothing"."""
    bot_run(demo.url)
    admin(demo.url, "clock", {"now": "2026-01-16T09:00:00Z"})  # Friday: timers have run out
    bot_run(demo.url)
    issue = forecast_text(demo.url, "FY26-Q4")
    assert (
        "- SLA breached (longer in the stage than its timer): [Bramblewood Financial]("
        f"{demo.url}/ps/ps-plan/-/issues/4101) (6 business days in Approved, timer 3)," in issue
    )
    assert report(demo.url, "--format", "markdown") == issue
    data = json.loads(report(demo.url, "--format", "json"))
    needs = data["needs_action"]["sla_breached"]  # by its stable id, with its facts
    assert needs[0] == {"ref": "ps/ps-plan#4101", "days": 6, "stage": "Approved", "timer": 3}


def with_target(tmp_path):
    """The shipped policies, with a bookings target for FY27-Q1."""
    policies = tmp_path / "policies"
    policies.mkdir()
    for path in (ROOT / "policies").iterdir():
        text = path.read_text()
        if path.name == "ps-scoping.yml":
            text = text.replace("forecast:\n", "forecast:\n  targets: {FY27-Q1: 500000}\n", 1)
        (policies / path.name).write_text(text)
    return policies


def move_close_date(url, user, iid, new):
    issue = project_as(url, user).issues.get(iid)
    old = next(line for line in issue.description.splitlines() if line.startswith("close_date:"))
    issue.description = issue.description.replace(old, f"close_date: '{new}'")
    issue.save()


def test_across_the_quarter_boundary_slipped_deals_count_and_bookings_are_reported(demo, tmp_path):
    """The demo from 2026-01-12 (FY26-Q4) into FY27-Q1 (from 2026-02-01), checked by hand:

    - FY26-Q4: Orchard Lane is lost (13,200, budget). Nobody closes anything else.
    - 2026-02-02, FY27-Q1 begins: Bramblewood (Green, 67,200, closing 2026-01-23), Lantern (Green,
      88,800, 2026-01-28) and Corvid (Amber, 116,800 with its 2 training sessions, 2026-01-30)
      are open with passed close dates: slipped, 3 deals, 67,200 + 88,800 + 116,800 = 272,800,
      all counted in FY27-Q1. Commit = 67,200 + 88,800 = 156,000 (2); best case = Corvid 116,800
      + Harbor & Finch 9,600 (4 PSE days, closing 2026-02-20) = 126,400 (2); forecast
      156,000 + 126,400 = 282,400 (4 deals); Grey apart: Meridian 19,600 (2 TA
      days 5,600 + 5 PSE 12,000 + 1 PM 2,000). Before, they were in no quarter's totals.
    - 2026-02-03: Bramblewood is signed; its EM sets the close date to that day and Deal Desk
      records Closed Won: bookings 1 deal, 67,200; win rate 100% by count and by value;
      attainment 67,200 / 500,000 = 13%. Slipped: 2 deals, 88,800 + 116,800 = 205,600.
    - Lantern's EM moves its close date to 2026-03-27: it is no longer slipped (1 deal, 116,800).
    """
    url = demo.url
    policies = with_target(tmp_path)
    ws = load_workspace(policies, ROOT / "templates")

    def run_and_read(quarter):
        bot_run(url, ws=ws)
        return forecast_text(url, quarter)

    project_as(url, "imogen").issues.update(4104, {"add_labels": "Lost::budget"})
    q4 = run_and_read("FY26-Q4")
    assert "| Won (bookings) | 0 | USD 0.00 |\n| Lost | 1 | USD 13,200.00 |" in q4
    assert "Slipped" not in q4

    admin(url, "clock", {"now": "2026-02-02T09:00:00Z"})
    q1 = run_and_read("FY27-Q1")
    assert "| Commit (Green) | 2 | USD 156,000.00 | 0.9 |" in q1
    assert "| Best case (Amber) | 2 | USD 126,400.00 | 0.5 |" in q1
    assert "| **Forecast** (commit + best case) | 4 | **USD 282,400.00** | |" in q1
    assert "| Unreviewed (Grey), not in the forecast | 1 | USD 19,600.00 | 0.25 |" in q1
    assert "Slipped: 3 deals, USD 272,800.00, whose close date has passed; counted in FY27-Q1" in q1
    assert "| Estimate\\_Feedback | 2026-01-28, slipped | USD 88,800.00 |" in q1  # Lantern
    assert "| SOW\\_WIP | 2026-02-20 | USD 9,600.00 |" in q1  # Harbor & Finch: on time
    issues = f"{url}/ps/ps-plan/-/issues"
    assert (
        f"- Slipped (close date passed: move it): [Bramblewood Financial]({issues}/4101) (was "
        f"Jan 23, 2026), [Corvid Aerospace Systems]({issues}/4102) (was Jan 30, 2026), [Lantern "
        f"Health Network]({issues}/4103) (was Jan 28, 2026)" in q1
    )
    assert "Target for FY27-Q1: USD 500,000.00; 0% attained (USD 0.00 won)." in q1
    assert forecast_text(url, "FY26-Q4") == q4  # the past quarter's issue is left as it stood

    admin(url, "clock", {"now": "2026-02-03T10:00:00Z"})
    move_close_date(url, "dana", 4101, "2026-02-03")
    project_as(url, "quinn").issues.update(4101, {"add_labels": "proposal::Closed_Won"})
    q1 = run_and_read("FY27-Q1")
    assert "close_qtr::Q127" in project_as(url, "dana").issues.get(4101).labels
    assert "| Won (bookings) | 1 | USD 67,200.00 |\n| Lost | 0 | USD 0.00 |" in q1
    assert "Win rate: 100% by count, 100% by value." in q1
    assert "Target for FY27-Q1: USD 500,000.00; 13% attained (USD 67,200.00 won)." in q1
    assert "- won: [Bramblewood Financial](" in q1
    assert "Slipped: 2 deals, USD 205,600.00," in q1
    # `triage report` says the same, the past quarter's bookings included
    assert report(url, "--policies", str(policies), "--format", "markdown") == q1
    past = report(url, "--policies", str(policies), "--quarter", "FY26-Q4", "--format", "json")
    data = json.loads(past)
    assert (data["lost_value"], data["slipped"], data["target"]) == ("13200.00", [], None)

    admin(url, "clock", {"now": "2026-02-03T11:00:00Z"})
    move_close_date(url, "harriet", 4103, "2026-03-27")
    q1 = run_and_read("FY27-Q1")
    assert "Slipped: 1 deal, USD 116,800.00," in q1
    assert "| Estimate\\_Feedback | 2026-03-27 | USD 88,800.00 |" in q1
    assert (
        f"- Slipped (close date passed: move it): [Corvid Aerospace Systems]({issues}/4102) "
        "(was Jan 30, 2026)\n" in q1
    )


def test_a_win_recorded_after_the_quarter_ended_is_booked_in_the_quarter_it_was_signed(demo):
    """Bramblewood (67,200, approved) is signed on Friday 2026-01-30, which its EM writes in the
    data block; Deal Desk records Closed Won on Monday 2026-02-02, in FY27-Q1. It is booked in
    FY26-Q4: `close_qtr::Q426`, the hand-off says why, and the FY26-Q4 bookings count it."""
    url = demo.url
    bot_run(url)
    admin(url, "clock", {"now": "2026-02-02T09:00:00Z"})
    move_close_date(url, "dana", 4101, "2026-01-30")
    project_as(url, "quinn").issues.update(4101, {"add_labels": "proposal::Closed_Won"})
    bot_run(url)
    issue = project_as(url, "dana").issues.get(4101)
    assert issue.state == "closed" and "close_qtr::Q426" in issue.labels
    [handoff] = [n.body for n in bot_notes(url, 4101) if "Hand-off to Delivery" in n.body]
    assert (
        '**Booked in FY26-Q4** (~"close_qtr::Q426"): the quarter of the close date in the data'
        " block, Jan 30, 2026." in handoff
    )
    q4 = json.loads(report(url, "--quarter", "FY26-Q4", "--format", "json"))
    assert [(w["customer"], w["net"]) for w in q4["won"]] == [("Bramblewood Financial", "67200.00")]
    assert json.loads(report(url, "--format", "json"))["won"] == []  # FY27-Q1: nothing won yet


def test_the_terminal_report_gives_the_win_rate_by_count_and_by_value(demo):
    """Issue 32.7: Orchard Lane (13,200) is lost in FY26-Q4, nothing won: the terminal says the
    win rate both ways, as the forecast issue does (by value: 0 of 13,200). The numbers of the
    line in a case with both are in the golden `report-bookings.txt` (50% and 70%)."""
    url = demo.url
    project_as(url, "imogen").issues.update(4104, {"add_labels": "Lost::budget"})
    bot_run(url)
    text = report(url, "--format", "terminal")
    assert "Won: 0 (USD 0.00); lost: 1 (USD 13,200.00); win rate 0% by count, 0% by value" in text
