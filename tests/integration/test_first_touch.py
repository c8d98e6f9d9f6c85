"""The EM's first touch (issue 30 item 12): due one business day after intake, counted in the
team's business hours on its business days (the shipped US team skips US public holidays), and
done once the EM acknowledged the issue or scheduled the discovery call. On the emulator, with
its clock moved between the bot's runs."""

from test_gates_and_timers import ESTIMATE, issue, seed

from gitlab_emulator.testing import admin, running_emulator
from triage.issues.markers import find_marker

from support import bot_notes, bot_run, project_as


def _intake(iid, at, **kwargs):
    return issue(
        iid,
        None,
        data=ESTIMATE,
        done=(),
        at=at,
        assignees=("harriet",),
        events_by="imogen",
        **kwargs,
    )


def _reminded(url, iid):
    return [n for n in bot_notes(url, iid) if find_marker(n.body).key.startswith("first-touch/")]


def _run_at(url, when):
    admin(url, "clock", {"now": when})
    bot_run(url)


def test_an_evening_intake_is_reminded_after_one_business_day_of_business_hours_not_overnight():
    quiet = _intake(1, "2026-01-05T20:00:00Z")  # Monday evening, after business hours
    acknowledged = _intake(2, "2026-01-05T20:00:00Z")
    scheduled = _intake(3, "2026-01-05T20:00:00Z")
    scheduled["description"] = scheduled["description"].replace(
        "## Checklist\n\n", "## Checklist\n\n- [x] Discovery call scheduled\n"
    )
    with running_emulator(
        seed([quiet, acknowledged, scheduled], now="2026-01-05T20:00:00Z")
    ) as emu:
        url = emu.url
        bot_run(url)  # triaged: Awaiting_Discovery, the intake checklist
        assert "proposal::Awaiting_Discovery" in project_as(url, "dana").issues.get(1).labels
        # 13 to 15 hours after intake: the business day has only begun.
        for when in ("2026-01-06T09:00:00Z", "2026-01-06T11:00:00Z"):
            _run_at(url, when)
            assert not _reminded(url, 1), when
        project_as(url, "harriet").issues.get(2, lazy=True).notes.create(
            {"body": "Thanks, reaching out to the customer today."}
        )
        _run_at(url, "2026-01-06T16:30:00Z")
        assert not _reminded(url, 1)
        # Tuesday's eight business hours are over by 17:00: reminded on the next morning's run.
        _run_at(url, "2026-01-07T09:00:00Z")
        assert len(_reminded(url, 1)) == 1
        assert _reminded(url, 2) == [] and _reminded(url, 3) == []  # acknowledged; scheduled


def test_the_clock_skips_the_teams_public_holidays():
    """Martin Luther King Jr. Day (Monday 2026-01-19) is no business day for the shipped US team:
    an intake on Friday evening is due on Tuesday at 17:00, reminded on Wednesday morning."""
    with running_emulator(
        seed([_intake(1, "2026-01-16T20:00:00Z")], now="2026-01-16T20:00:00Z")
    ) as emu:
        url = emu.url
        bot_run(url)
        for when in ("2026-01-19T10:00:00Z", "2026-01-20T09:00:00Z", "2026-01-20T16:30:00Z"):
            _run_at(url, when)
            assert not _reminded(url, 1), when
        _run_at(url, "2026-01-21T09:00:00Z")
        assert len(_reminded(url, 1)) == 1
