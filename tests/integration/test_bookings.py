"""Bookings a PS leader can take to the bank (issue 30): every approval recorded, no approved
deal lost to inactivity, late bookings restated into their quarter. On the emulator, people
acting through python-gitlab as themselves."""

import json

from test_gates_and_timers import ESTIMATE, issue, keys, labels_of, seed

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import BOT_TOKEN, TASKS, description
from triage.issues.markers import find_marker

from support import bot_notes, bot_run, project_as, triage_report


def _revise(url, iid, days, done=TASKS):
    data = {
        **ESTIMATE,
        "line_items": [{"activity": "Migration waves", "role": "PSE", "days": days}],
    }
    project_as(url, "harriet").issues.update(
        iid, {"description": description("Summary.", done, data)}
    )


def _award_on_latest_request(url, iid, user="rowan"):
    request = [
        n for n in bot_notes(url, iid) if find_marker(n.body).key.startswith("approval-request/")
    ][-1]
    project_as(url, user).issues.get(iid, lazy=True).notes.get(
        request.id, lazy=True
    ).awardemojis.create({"name": "thumbsup"})
    return request


def test_a_thumbsup_on_the_new_approval_request_after_a_revision_approves_and_deal_desk_wins():
    with running_emulator(seed([issue(1, "Ready For Approval", done=TASKS)])) as emu:
        url = emu.url
        bot_run(url)
        _award_on_latest_request(url, 1)
        bot_run(url)
        assert "proposal::Approved" in labels_of(url, 1)
        admin(url, "clock", {"advance_seconds": 86400})
        _revise(url, 1, 12)
        bot_run(url)
        assert "proposal::Ready For Approval" in labels_of(url, 1)  # withdrawn: a new revision
        admin(url, "clock", {"advance_seconds": 3600})
        _award_on_latest_request(url, 1)
        bot_run(url)
        assert "proposal::Approved" in labels_of(url, 1), keys(url, 1)
        assert bot_run(url)[1].traffic.writes == 0
        admin(url, "clock", {"advance_seconds": 86400})
        project_as(url, "quinn").issues.update(1, {"add_labels": "proposal::Closed_Won"})
        bot_run(url)
        assert "proposal::Closed_Won" in labels_of(url, 1)
        assert project_as(url, "dana").issues.get(1).state == "closed"


def _quiet(stage, close_date, done=TASKS, events_by="rowan"):
    edit = [
        {
            "author": "dana",
            "body": "changed the description",
            "system": True,
            "created_at": "2026-01-05T09:00:00Z",
        }
    ]
    return issue(
        1,
        stage,
        data={**ESTIMATE, "close_date": close_date},
        done=done,
        events_by=events_by,
        notes=edit,
    )


def test_an_approved_deal_is_never_lost_for_inactivity_the_em_and_the_approvers_are_asked():
    with running_emulator(seed([_quiet("Approved", "2026-01-02")])) as emu:
        url = emu.url
        bot_run(url)
        admin(url, "clock", {"now": "2026-02-19T10:00:00Z"})  # 45 days without people
        bot_run(url)
        asked = [
            n for n in bot_notes(url, 1) if find_marker(n.body).key.startswith("quiet-approval/")
        ]
        assert len(asked) == 1 and "@harriet" in asked[0].body and "@rowan" in asked[0].body
        assert "since 2026-01-05" in asked[0].body
        assert not any(k.startswith("stale-warning/") for k in keys(url, 1))
        for when in ("2026-03-06T10:00:00Z", "2026-05-06T10:00:00Z"):  # 60 and 121 days
            admin(url, "clock", {"now": when})
            bot_run(url)
            now = project_as(url, "dana").issues.get(1)
            assert now.state == "opened" and "proposal::Approved" in now.labels
            assert "Lost::unknown" not in now.labels
        project_as(url, "quinn").issues.update(1, {"add_labels": "proposal::Closed_Won"})
        bot_run(url)
        won = project_as(url, "dana").issues.get(1)
        assert won.state == "closed" and "proposal::Closed_Won" in won.labels


def test_a_deal_waiting_for_approval_is_never_lost_for_inactivity_either():
    with running_emulator(
        seed([_quiet("Ready For Approval", "2026-01-02", events_by="dana")])
    ) as emu:
        url = emu.url
        admin(url, "clock", {"now": "2026-03-20T10:00:00Z"})  # 74 days
        bot_run(url)
        now = project_as(url, "dana").issues.get(1)
        assert now.state == "opened" and "proposal::Ready For Approval" in now.labels
        assert any(k.startswith("quiet-approval/") for k in keys(url, 1))


def test_a_close_date_ahead_counts_as_activity_the_clock_starts_on_that_day():
    red = _quiet("Strawman_WIP", "2026-04-30", done=TASKS[:1], events_by="dana")
    with running_emulator(seed([red])) as emu:
        url = emu.url
        for when in ("2026-03-06T10:00:00Z", "2026-04-29T10:00:00Z", "2026-06-13T10:00:00Z"):
            admin(url, "clock", {"now": when})  # 60 and 114 days after people; 44 after the date
            bot_run(url)
            assert project_as(url, "dana").issues.get(1).state == "opened", when
        assert not any(k.startswith("stale-warning/") for k in keys(url, 1))
        admin(url, "clock", {"now": "2026-06-14T10:00:00Z"})  # 45 days after the close date
        bot_run(url)
        warned = [
            n for n in bot_notes(url, 1) if find_marker(n.body).key.startswith("stale-warning/")
        ]
        assert len(warned) == 1 and "since 2026-04-30" in warned[0].body
        admin(url, "clock", {"now": "2026-06-29T10:00:00Z"})  # 60 days after it
        bot_run(url)
        lost = project_as(url, "dana").issues.get(1)
        assert lost.state == "closed" and "Lost::unknown" in lost.labels


def _forecast(url, quarter):
    issues = project_as(url, "dana").issues.list(get_all=True, state="all")
    return next(i for i in issues if i.title == f"PS forecast {quarter}").description


def _won_row(text):
    return next(line for line in text.splitlines() if line.startswith("| Won (bookings) |"))


def test_a_late_booking_restates_its_quarters_forecast_and_the_report_agrees():
    approved = issue(
        1,
        "Approved",
        data={**ESTIMATE, "close_date": "2026-04-29"},
        done=TASKS,
        events_by="rowan",
        at="2026-04-20T09:00:00Z",
    )
    with running_emulator(seed([approved], now="2026-04-29T09:00:00Z")) as emu:
        url = emu.url
        bot_run(url)
        admin(url, "clock", {"now": "2026-04-30T17:00:00Z"})
        bot_run(url)  # the quarter's last run
        stood = _forecast(url, "FY27-Q1")
        assert _won_row(stood) == "| Won (bookings) | 0 | USD 0.00 |"
        admin(url, "clock", {"now": "2026-05-04T10:00:00Z"})  # signed on 04-29, recorded now
        project_as(url, "quinn").issues.update(1, {"add_labels": "proposal::Closed_Won"})
        result, _ = bot_run(url)
        assert "forecast FY27-Q1: restated" in result.forecast
        restated = _forecast(url, "FY27-Q1")
        assert _won_row(restated) == "| Won (bookings) | 1 | USD 24,000.00 |"
        assert (
            "> **Restated on 2026-05-04**: 1 win recorded after FY27-Q1 ended, closing in it "
            "([Juniper Rail](" in restated
        )
        assert "won (bookings) 0, USD 0.00 before, now 1, USD 24,000.00." in restated
        # The rest of the issue stands as the quarter left it.
        assert (
            restated.split("<!-- ps-triage:bookings -->")[0].split("> **Restated")[0]
            == (stood.split("<!-- ps-triage:bookings -->")[0])
        )
        assert "Juniper Rail" not in _won_row(_forecast(url, "FY27-Q2"))
        report = triage_report(url, BOT_TOKEN, "--quarter", "FY27-Q1", "--format", "json")
        assert json.loads(report.stdout)["won_value"] == "24000.00"
        again, client = bot_run(url)
        assert client.traffic.writes == 0 and "restated" not in again.forecast
