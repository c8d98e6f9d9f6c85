"""Closing an issue is no way around a gate.

The bot's listing is of open issues; a Reporter who closed an open deal adding
`proposal::Closed_Won` and a `close_qtr::` label in the same update had the forecast book it as
won and the Salesforce file export it as Closed Won, with no gate looked at. Gated labels set on
closed issues, and issues closed by people with a terminal label, pass the same gate as on open
ones: refused, the deal is reopened (or, put back to a terminal stage, left closed) with one note
and counted nowhere; accepted, the wrap-up runs (hand-off, delivery issue). The forecast and the
Salesforce file count a win only when its gate counted."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import gitlab

from gitlab_emulator.testing import admin
from triage.rules.fiscal import fiscal_quarter
from triage.testing import BOT_TOKEN, Scoping

from support import triage_report

DATA = {
    "customer": "Acme Widgets",
    "close_date": "2026-01-20",
    "opportunity": "006XX0000FAKE10",
    "people": {"sa": "felix", "ae": "imogen"},
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}
TASKS = [
    "Discovery call held",
    "Customer agreed price and scope",
    "SoW reviewed by account team and customer",
]
DEAL_DESK = "ps/deal-desk"


def quarter_label(scoping: Scoping) -> str:
    now = scoping.emulator.store.clock.now()
    return f"close_qtr::{fiscal_quarter(now.date(), 2).label}"


def close_as_won(scoping: Scoping, who: str, iid: int) -> None:
    """`who` closes the issue adding Closed Won and this quarter's close label: one update."""
    labels = f"proposal::Closed_Won,{quarter_label(scoping)}"
    scoping.as_person(who).issues.update(iid, {"add_labels": labels, "state_event": "close"})


def refusals(scoping: Scoping, iid: int) -> list[str]:
    return [b for b in scoping.comments(iid, "refused") if "`deal-desk`" in b]


def delivery_issues(scoping: Scoping) -> list[Any]:
    bot = gitlab.Gitlab(scoping.emulator.url, private_token=BOT_TOKEN)
    return bot.projects.get("ps/delivery").issues.list(get_all=True)


def handoffs(scoping: Scoping, iid: int) -> list[str]:
    return [b for b in scoping.comments(iid, "closed-won-wrap-up") if "/handoff.md.j2 " in b]


def writes_of_a_run(scoping: Scoping) -> int:
    admin(scoping.emulator.url, "stats/reset", {})
    scoping.run()
    routes = admin(scoping.emulator.url, "stats")["routes"]
    return sum(
        count
        for route, count in routes.items()
        if not route.startswith("GET ") and "/award_emoji" not in route
    )


def won_in_report(scoping: Scoping) -> tuple[list[str], dict[str, str]]:
    """The forecast's won deals and each Salesforce row's stage, by issue iid."""
    fc = json.loads(triage_report(scoping.emulator.url, BOT_TOKEN, "--format", "json").stdout)
    rows = csv.reader(
        io.StringIO(
            triage_report(scoping.emulator.url, BOT_TOKEN, "--format", "salesforce-csv").stdout
        )
    )
    stages = {r[4].rsplit("/", 1)[1]: r[5] for r in list(rows)[1:]}
    return [w["ref"] for w in fc["won"]], stages


def approved(scoping: Scoping) -> int:
    iid = scoping.issue(stage="Approved", tasks=TASKS, data=DATA, author="rowan")
    scoping.run()
    scoping.emulator.store.clock.advance(600)
    return iid


def test_a_reporter_closing_a_deal_as_won_is_reopened_and_counted_nowhere(scoping):
    iid = approved(scoping)
    close_as_won(scoping, "felix", iid)
    scoping.run()
    assert scoping.state(iid) == "opened" and scoping.stage(iid) == "Approved"
    [note] = refusals(scoping, iid)
    assert "proposal::Closed_Won was set by [felix](" in note
    assert handoffs(scoping, iid) == [] and delivery_issues(scoping) == []
    won, stages = won_in_report(scoping)
    assert won == [] and stages[str(iid)] == "Approved"
    assert writes_of_a_run(scoping) == 0  # refused once, said once
    assert scoping.state(iid) == "opened" and len(refusals(scoping, iid)) == 1


def test_a_win_closed_by_a_reporter_counts_nowhere_before_the_bot_runs(scoping):
    iid = approved(scoping)
    close_as_won(scoping, "felix", iid)
    won, stages = won_in_report(scoping)
    assert won == [] and stages.get(str(iid)) != "Closed_Won"


def test_deal_desk_closing_an_approved_deal_as_won_gets_the_wrap_up_once(scoping):
    iid = approved(scoping)
    close_as_won(scoping, scoping.member_of(DEAL_DESK), iid)
    scoping.run()
    assert scoping.state(iid) == "closed" and scoping.stage(iid) == "Closed_Won"
    assert refusals(scoping, iid) == []
    assert len(handoffs(scoping, iid)) == 1 and len(delivery_issues(scoping)) == 1
    won, stages = won_in_report(scoping)
    assert won == [f"{scoping.project_path}#{iid}"] and stages[str(iid)] == "Closed_Won"
    assert writes_of_a_run(scoping) == 0
    assert len(handoffs(scoping, iid)) == 1 and len(delivery_issues(scoping)) == 1


def test_closed_won_set_on_an_issue_closed_as_lost_is_refused_with_a_note(scoping):
    """Issue 30: Deal Desk's Closed Won the day after, on an issue the bot had closed as lost,
    was ignored. A gated label set on a closed issue is acted on or refused, never ignored."""
    iid = scoping.issue(stage="Estimate_Feedback", tasks=TASKS[:1], data=DATA)
    scoping.run()
    scoping.as_person("dana").issues.update(iid, {"add_labels": "Lost::Budget"})
    scoping.run(days=0.01)
    assert scoping.state(iid) == "closed" and scoping.stage(iid) == "Closed_Lost"
    desk = scoping.member_of(DEAL_DESK)
    scoping.as_person(desk).issues.update(iid, {"add_labels": "proposal::Closed_Won"})
    scoping.run(days=1)
    assert scoping.state(iid) == "closed" and scoping.stage(iid) == "Closed_Lost"
    [note] = refusals(scoping, iid)
    assert f"set by [{desk}](" in note and "from `Approved`" in note
    assert handoffs(scoping, iid) == [] and delivery_issues(scoping) == []
    assert writes_of_a_run(scoping) == 0


def test_a_closed_issue_not_updated_since_the_lookback_costs_no_read(scoping):
    iid = scoping.issue(stage="Estimate_Feedback", tasks=TASKS[:1], data=DATA)
    scoping.run()
    scoping.as_person("dana").issues.update(iid, {"add_labels": "Lost::Budget"})
    scoping.run(days=0.01)
    assert scoping.state(iid) == "closed"
    scoping.run(days=1)  # within the lookback (2 days): read, nothing to do
    scoping.run(days=5)
    admin(scoping.emulator.url, "stats/reset", {})
    scoping.run()
    routes = admin(scoping.emulator.url, "stats")["routes"]
    # the one notes read is the forecast issue's (its weekly snapshots, issue 32.4): none of
    # the closed issue's
    assert routes.get("GET /projects/:id/issues/:noteable_id/notes") == 1, routes
    assert not any(
        "/issues/:issue_iid/" in r or ("/notes" in r and ":noteable_id/notes" not in r)
        for r in routes
        if r.startswith("GET ") and "award_emoji" not in r
    ), routes
