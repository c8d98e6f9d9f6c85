"""Approvals only the right people can give, EM assignment, and the timers, on the emulator with
its clock moved. People act through python-gitlab as themselves."""

from datetime import UTC, date, datetime, timedelta

import pytest

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import TASKS, demo_seed, description
from triage.gitlab.cache import DetailsCache
from triage.issues.markers import find_marker

from support import BOT, bot_notes, bot_run, project_as

ESTIMATE = {
    "customer": "Juniper Rail",
    "close_date": "2026-03-20",
    "people": {"sa": "felix", "ae": "imogen"},
    "confidence": {"value": "Amber", "rationale": "procurement"},
    "line_items": [{"activity": "Migration waves", "role": "PSE", "days": 10}],
}


def seed(issues, now="2026-01-05T09:00:00Z", extra_directors=()):
    data = demo_seed()
    data["now"] = now
    data["users"] += [{"username": name, "token": f"{name}-token"} for name in extra_directors]
    for group in data["groups"]:
        if group["path"] == "ps/ps-directors":
            group["members"] += [{"username": name, "access_level": 30} for name in extra_directors]
    data["projects"][0]["members"] += [
        {"username": name, "access_level": 30} for name in extra_directors
    ]
    data["projects"][0]["issues"] = issues
    return data


def issue(
    iid,
    stage,
    *,
    data=ESTIMATE,
    done=TASKS[:1],
    labels=(),
    assignees=("harriet",),
    at="2026-01-05T09:00:00Z",
    events_by="harriet",
    notes=(),
):
    labels = [
        "Services Calculator",
        "EM_Confidence::Amber",
        *([f"proposal::{stage}"] if stage else []),
        *labels,
    ]
    return {
        "iid": iid,
        "title": f"Customer {iid} - Scope Issue and Write SOW",
        "author": "imogen",
        "assignees": list(assignees),
        "labels": labels,
        "description": description("Summary.", done, data),
        "created_at": at,
        "updated_at": at,
        "notes": list(notes),
        "label_events": [
            {"user": events_by, "label": label, "action": "add", "created_at": at}
            for label in labels
        ],
    }


def labels_of(url, iid):
    return project_as(url, "dana").issues.get(iid).labels


def keys(url, iid):
    return [find_marker(n.body).key for n in bot_notes(url, iid)]


# Runs with the details cache remember each issue's plan while nothing it was made from changes
# (planner/memory.py); the tests that run over days run both ways and expect the same.
REMEMBERING = pytest.mark.parametrize("remembering", [False, True], ids=["fresh", "remembering"])


def cache_for(url, remembering):
    return DetailsCache(url, BOT) if remembering else None


# --- approvals -------------------------------------------------------------------------------


def test_an_approval_by_a_non_approver_is_refused_and_the_same_by_the_director_passes():
    with running_emulator(seed([issue(1, "Ready For Approval", done=TASKS)])) as emu:
        url = emu.url
        bot_run(url)
        project_as(url, "felix").issues.update(1, {"add_labels": "proposal::Approved"})
        bot_run(url)
        assert "proposal::Ready For Approval" in labels_of(
            url, 1
        ) and "proposal::Approved" not in labels_of(url, 1)
        refusals = [n for n in bot_notes(url, 1) if find_marker(n.body).key == "refused/director"]
        assert len(refusals) == 1 and "proposal::Approved was set by [felix](" in refusals[0].body
        assert "@felix" not in refusals[0].body and "[rowan](" in refusals[0].body
        assert bot_run(url)[1].traffic.writes == 0  # refused once, said once

        project_as(url, "rowan").issues.update(1, {"add_labels": "proposal::Approved"})
        bot_run(url)
        assert "proposal::Approved" in labels_of(url, 1)
        assert bot_run(url)[1].traffic.writes == 0


def test_a_member_of_an_approver_group_may_approve():
    with running_emulator(
        seed([issue(1, "Ready For Approval", done=TASKS)], extra_directors=("sam",))
    ) as emu:
        bot_run(emu.url)
        project_as(emu.url, "sam").issues.update(1, {"add_labels": "proposal::Approved"})
        bot_run(emu.url)
        assert "proposal::Approved" in labels_of(emu.url, 1)
        assert not any(k.startswith("refused/") for k in keys(emu.url, 1))


@REMEMBERING
def test_the_directors_thumbsup_on_the_approval_request_approves(remembering):
    with running_emulator(seed([issue(1, "Ready For Approval", done=TASKS)])) as emu:
        url = emu.url
        cache = cache_for(url, remembering)
        bot_run(url, cache=cache)
        assert bot_run(url, cache=cache)[0].recalled == 0  # details read again after its writes
        assert bot_run(url, cache=cache)[0].recalled == int(remembering)
        request = next(
            n for n in bot_notes(url, 1) if find_marker(n.body).key.startswith("approval-request/")
        )
        project_as(url, "felix").issues.get(1, lazy=True).notes.get(
            request.id, lazy=True
        ).awardemojis.create({"name": "thumbsup"})
        bot_run(url, cache=cache)
        assert "proposal::Approved" not in labels_of(url, 1)
        assert "refused/director" in keys(url, 1)
        bot_run(url, cache=cache)
        assert bot_run(url, cache=cache)[0].recalled == int(remembering)
        project_as(url, "rowan").issues.get(1, lazy=True).notes.get(
            request.id, lazy=True
        ).awardemojis.create({"name": "thumbsup"})  # the issue's updated_at does not move
        bot_run(url, cache=cache)
        assert "proposal::Approved" in labels_of(url, 1)
        events = (
            project_as(url, "dana").issues.get(1, lazy=True).resourcelabelevents.list(get_all=True)
        )
        assert [
            (e.user["username"], e.action)
            for e in events
            if e.label["name"] == "proposal::Approved"
        ] == [(BOT, "add")]
        # the bot's own setting counts on the next runs
        assert bot_run(url, cache=cache)[1].traffic.writes == 0


def test_the_50k_technical_architect_gate():
    big = {
        **ESTIMATE,
        "line_items": [{"activity": "Migration waves", "role": "PSE", "days": 25}],
    }  # 60,000
    with running_emulator(seed([issue(1, "Estimate_Feedback", data=big, done=TASKS[:2])])) as emu:
        url = emu.url
        bot_run(url)
        assert "proposal::Estimate_Feedback" in labels_of(
            url, 1
        ) and "TA::Needs-Review" in labels_of(url, 1)
        ta_notes = [
            n for n in bot_notes(url, 1) if find_marker(n.body).key.startswith("ta-review/")
        ]
        assert len(ta_notes) == 1 and "@ps/ps-ta" in ta_notes[0].body

        project_as(url, "harriet").issues.update(1, {"add_labels": "TA::Approved"})  # not a TA
        bot_run(url)
        assert "TA::Approved" not in labels_of(
            url, 1
        ) and "proposal::Estimate_Feedback" in labels_of(url, 1)
        assert "refused/technical-architect" in keys(url, 1)

        project_as(url, "ravi").issues.update(1, {"add_labels": "TA::Approved"})
        bot_run(url)
        assert "TA::Approved" in labels_of(url, 1) and "proposal::SOW_WIP" in labels_of(url, 1)


def test_a_deal_waiting_for_the_ta_review_nudges_the_ta_group_then_escalates_once():
    """Over 50k, in Estimate_Feedback from Thu 2026-01-15 09:00 with TA::Needs-Review: the TA
    group is reminded when the 3-business-day SLA is missed (three days of business hours: Thu,
    Fri and Tue 01-20, Mon 01-19 being Martin Luther King Jr. Day; so on Wed 01-21, the first run
    in business hours after), the triage lead 2 business days later (Fri 01-23); a deal closing
    in FY26-Q4 is in quarter-end mode (its last 10 business days) from Fri 01-16 (SLA 1: reminded
    01-16, escalated 01-21: 3 business days in, and 2 business days after its reminder, never
    with it or sooner, issue 32.7). Runs every two hours until 01-28: nothing more."""
    big = [{"activity": "Migration waves", "role": "PSE", "days": 25}]  # 60,000
    at = "2026-01-15T09:00:00Z"
    issues = [
        issue(1, "Estimate_Feedback", data={**ESTIMATE, "line_items": big}, done=TASKS[:2], at=at),
        issue(
            2,
            "Estimate_Feedback",
            data={**ESTIMATE, "close_date": "2026-01-28", "line_items": big},
            done=TASKS[:2],
            at=at,
        ),
    ]
    with running_emulator(seed(issues, now=at)) as emu:
        url = emu.url
        for _ in range(13 * 12):
            bot_run(url)
            admin(url, "clock", {"advance_seconds": 7200})
        assert all("TA::Needs-Review" in labels_of(url, iid) for iid in (1, 2))

        def timeline(iid):
            return [(kind, day) for kind, day, _ in reminders_of(url, iid, "ta-review-nudge")]

        assert timeline(1) == [("reminder", date(2026, 1, 21)), ("escalation", date(2026, 1, 23))]
        assert timeline(2) == [("reminder", date(2026, 1, 16)), ("escalation", date(2026, 1, 21))]
        [reminder, escalation] = [b for _, _, b in reminders_of(url, 1, "ta-review-nudge")]
        assert reminder.splitlines()[1].startswith("reminder for ps/ps-ta (in today's digest)")
        assert escalation.splitlines()[1].startswith("escalation for dana (in today's digest)")
        digests = digest_notes(url)  # the TA group's members, each in their own digest
        assert digests[("@ravi", date(2026, 1, 16))].count(deal(2)) == 1
        assert digests[("@ravi", date(2026, 1, 21))].count(deal(1)) == 1


@REMEMBERING
def test_time_in_stage_counts_from_the_bots_own_move_into_the_stage(remembering):
    """Created on 2025-11-10 and moved by the bot into Ready For Approval on Tue 2026-01-20 at
    09:00 (quarter-end mode, the deal closes 01-28; Mon 01-19 is Martin Luther King Jr. Day): the
    approval nudge of the next business day says 1 business day in the stage, counted from the
    bot's label event, not from the creation."""
    data = {**ESTIMATE, "close_date": "2026-01-28"}
    created = "2025-11-10T09:00:00Z"
    entered = issue(1, "SOW_WIP", data=data, done=TASKS, at=created)
    entered["label_events"][-1]["created_at"] = "2026-01-16T09:00:00Z"  # SOW_WIP since Friday
    entered["updated_at"] = "2026-01-16T09:00:00Z"
    with running_emulator(seed([entered], now="2026-01-20T09:00:00Z")) as emu:
        url, cache = emu.url, cache_for(emu.url, remembering)
        bot_run(url, cache=cache)
        assert "proposal::Ready For Approval" in labels_of(url, 1)
        for _ in range(30):
            admin(url, "clock", {"advance_seconds": 3600})
            bot_run(url, cache=cache)
        [(kind, day, body)] = reminders_of(url, 1, "approval-nudge")
        assert (kind, day) == ("reminder", date(2026, 1, 21))
        assert 'in ~"proposal::Ready For Approval" for 1 business day.' in body


def test_a_legacy_spelling_is_normalised_but_not_a_way_around_the_gate():
    issues = [
        issue(1, "Estimate_Feedback", labels=("TA:Approved",), events_by="ravi"),
        issue(2, "Estimate_Feedback", labels=("TA:Approved",), events_by="harriet"),
    ]
    with running_emulator(seed(issues)) as emu:
        bot_run(emu.url)
        assert "TA::Approved" in labels_of(emu.url, 1) and "TA:Approved" not in labels_of(
            emu.url, 1
        )
        assert "TA::Approved" not in labels_of(emu.url, 2) and "TA:Approved" not in labels_of(
            emu.url, 2
        )
        assert "TA::Needs-Review" in labels_of(emu.url, 2)


# --- people ----------------------------------------------------------------------------------


def test_assignment_balances_a_segment_pool_by_open_issues():
    # Ent_EAST's pool is [dana, mateo]; dana already has two open issues, mateo none.
    existing = [
        issue(i, "SOW_WIP", labels=("Segment::Ent_EAST",), assignees=("dana",)) for i in (1, 2)
    ]
    new = [
        issue(i, None, labels=("Segment::Ent_EAST",), assignees=(), done=()) for i in (3, 4, 5, 6)
    ]
    nowhere = [issue(7, None, assignees=(), done=())]
    with running_emulator(seed(existing + new + nowhere)) as emu:
        bot_run(emu.url)
        project = project_as(emu.url, "dana")
        chosen = {i: [a["username"] for a in project.issues.get(i).assignees] for i in range(3, 8)}
        # loads dana 2, mateo 0 -> #3 mateo (1), #4 mateo (2), #5 dana (3: tie broken by pool order), #6 mateo (3)
        assert chosen == {
            3: ["mateo"],
            4: ["mateo"],
            5: ["dana"],
            6: ["mateo"],
            7: ["dana"],
        }  # 7: the triage lead
        assert all(
            "proposal::Awaiting_Discovery" in project.issues.get(i).labels for i in range(3, 8)
        )


# --- time ------------------------------------------------------------------------------------


def business_days(start, end):
    days, d = 0, start
    while d < end:
        d += timedelta(days=1)
        days += d.weekday() < 5
    return days


def reminders_of(url, iid, rule):
    """(reminder or escalation, the day it was posted, its text) of one rule's reminders."""
    return [
        (
            "escalation" if key.endswith("/escalation") else "reminder",
            date.fromisoformat(n.created_at[:10]),
            n.body,
        )
        for n in bot_notes(url, iid)
        if (key := find_marker(n.body).key).startswith(f"{rule}/")
    ]


def digest_notes(url):
    """The daily digest's comments by (person, day), from every person's digest issue: never two
    for one person on one day, each mentioning its person once."""
    project = project_as(url, "dana")
    found = {}
    for digest in project.issues.list(get_all=True, state="all"):
        if "ps-triage-digest" not in (digest.description or "") or digest.author["username"] != BOT:
            continue
        for note in bot_notes(url, digest.iid):
            day = date.fromisoformat(find_marker(note.body).key.rsplit("/", 1)[1])
            person = note.body.splitlines()[1].split()[0]
            assert (person, day) not in found
            assert note.body.count("@") == 1 and person.startswith("@")
            found[(person, day)] = note.body
    return found


def deal(iid):
    """How a digest links a deal: by its customer, to its issue."""
    return f"/ps/ps-plan/-/issues/{iid})"


@REMEMBERING
def test_one_reminder_and_one_escalation_per_missed_sla_then_silence_until_an_edit(remembering):
    """Estimate_Feedback from Mon 2026-01-05 09:00 (SLA 3 business days of business hours,
    escalated to the triage lead 2 business days later): reminded Thu 01-08, escalated Mon 01-12,
    then silent over hourly runs, until felix comments on Tue 01-20 10:00: the count starts again
    (reminder Fri 01-23 10:00, escalation Tue 01-27 10:00). Quarter-end mode (FY26-Q4's last 10
    business days, from Fri 01-16: Mon 01-19 is Martin Luther King Jr. Day) shortens the SLA to 1
    only for the deal closing in FY26-Q4 (issue 2 from Thu 01-15: reminded 01-16, escalated
    01-21), not for issue 3 (from Tue 01-13, closes 03-20: reminded 01-16 too, escalated 01-21).
    The people are mentioned by the daily digest, once a day each."""
    closing_now = {**ESTIMATE, "close_date": "2026-01-28"}
    issues = [
        issue(1, "Estimate_Feedback", events_by="ps-bot"),
        issue(2, "Estimate_Feedback", data=closing_now, at="2026-01-15T09:00:00Z"),
        issue(3, "Estimate_Feedback", at="2026-01-13T09:00:00Z"),
    ]
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    with running_emulator(seed(issues)) as emu:
        url = emu.url
        cache, recalled = cache_for(url, remembering), 0
        for hour in range(24 * 24):
            if start + timedelta(hours=hour) == datetime(2026, 1, 20, 10, tzinfo=UTC):
                notes = project_as(url, "felix").issues.get(1, lazy=True).notes
                notes.create({"body": "Chasing the customer's procurement today."})
            recalled += bot_run(url, cache=cache)[0].recalled
            admin(url, "clock", {"advance_seconds": 3600})
        assert (recalled > 24 * 24 * 0.7) if remembering else recalled == 0, recalled

        def timeline(iid):
            return [(kind, day) for kind, day, _ in reminders_of(url, iid, "account-team-reminder")]

        assert timeline(1) == [
            ("reminder", date(2026, 1, 8)),
            ("escalation", date(2026, 1, 12)),
            ("reminder", date(2026, 1, 23)),
            ("escalation", date(2026, 1, 27)),
        ]
        # issue 2's escalation comes the margin (2 business days) after its reminder, not the
        # next day (issue 32.7)
        assert timeline(2) == [("reminder", date(2026, 1, 16)), ("escalation", date(2026, 1, 21))]
        assert timeline(3) == [("reminder", date(2026, 1, 16)), ("escalation", date(2026, 1, 21))]
        for kind, _, body in reminders_of(url, 1, "account-team-reminder"):
            if kind == "reminder":
                assert body.splitlines()[1].startswith("reminder for felix, imogen (in today's")
            else:
                assert body.splitlines()[1].startswith("escalation for dana (in today's digest)")
                assert "SLA of 3 business days" in body
            assert "@" not in body  # the digest mentions them
        digests = digest_notes(url)
        assert digests[("@dana", date(2026, 1, 12))].count("@dana") == 1
        dana = digests[("@dana", date(2026, 1, 12))]
        assert "- escalation: [Juniper Rail](" in dana and deal(1) in dana
        for day in (date(2026, 1, 8), date(2026, 1, 23)):
            assert "- reminder: [Juniper Rail](" in digests[("@felix", day)]
            assert deal(1) in digests[("@felix", day)]
        # Issues 2 and 3 both remind felix on 01-16: one comment that day, listing both. Issue 1,
        # reminded on 01-08 and still overdue, is not listed again only 8 days after its news: a
        # deal nobody acted on comes back 14 days after it (`digest.repeat_after_days`, issue 32.1).
        felix = digests[("@felix", date(2026, 1, 16))]
        assert felix.count("/ps/ps-plan/-/issues/") == 2 and felix.count("@felix") == 1
        assert deal(2) in felix and deal(3) in felix and deal(1) not in felix
        assert not any(("@felix", date(2026, 1, d)) in digests for d in (9, 12, 13, 14, 15))
        # Issue 2 closes in this quarter: in its quarter-end mode it may come every business day,
        # but only beside news (issue 32.1): nothing is new for felix from 01-19 (a holiday) to
        # 01-22, so no digest; on 01-23 issue 1's new reminder is, and issue 2 rides beside it.
        assert not any(("@felix", date(2026, 1, d)) in digests for d in (19, 20, 21, 22))
        assert deal(2) in digests[("@felix", date(2026, 1, 23))]


@REMEMBERING
def test_from_approval_to_signature_over_a_month_of_hourly_runs_across_quarter_end(remembering):
    """Approved by the director on Mon 2026-01-05 with a close date of Wed 01-28 (FY26-Q4, which
    ends Sat 01-31). The EM moves the close date into FY27-Q1 on 01-30 and revises the estimate on
    Tue 02-03; the director approves the revision on 02-05."""
    data = {**ESTIMATE, "close_date": "2026-01-28"}
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    edits = {
        datetime(2026, 1, 30, 10, tzinfo=UTC): {**data, "close_date": "2026-02-13"},
        datetime(2026, 2, 3, 10, tzinfo=UTC): {
            **data,
            "close_date": "2026-02-13",
            "line_items": [{"activity": "Migration waves", "role": "PSE", "days": 12}],
        },
    }
    issues = [issue(1, "Approved", data=data, done=TASKS, events_by="rowan")]
    with running_emulator(seed(issues)) as emu:
        url = emu.url
        cache, recalled = cache_for(url, remembering), 0
        for hour in range(31 * 24):
            if (now := start + timedelta(hours=hour)) in edits:
                update = {"description": description("Summary.", TASKS, edits[now])}
                project_as(url, "dana").issues.update(1, update)
            recalled += bot_run(url, cache=cache)[0].recalled
            admin(url, "clock", {"advance_seconds": 3600})
        assert (recalled > 31 * 24 * 0.75) if remembering else recalled == 0, recalled

        def posted(rule):
            return [
                (find_marker(n.body).key, date.fromisoformat(n.created_at[:10]), n.body)
                for n in bot_notes(url, 1)
                if find_marker(n.body).key.startswith(f"{rule}/")
            ]

        [(_, requested_on, request)] = posted("signature-request")
        assert requested_on == date(2026, 1, 5) and "@felix @imogen" in request
        assert "- [ ] Stamped SoW sent to the customer" in request

        # One reminder 3 business days after the approval, one escalation to the approvers 2 later;
        # the close-date edit of 01-30 starts the count again, but the revision of 02-03 sends
        # the SoW back for approval before it runs out.
        reminded = [(kind, day) for kind, day, _ in reminders_of(url, 1, "signature-reminder")]
        assert reminded == [("reminder", date(2026, 1, 8)), ("escalation", date(2026, 1, 12))]
        [escalation] = [
            b for k, _, b in reminders_of(url, 1, "signature-reminder") if k != "reminder"
        ]
        assert escalation.splitlines()[1].startswith("escalation for rowan, ps/ps-directors (in")
        assert digest_notes(url)[("@rowan", date(2026, 1, 12))].count("@rowan") == 1

        [(_, warned_on, warning)] = posted("close-date-slipped")  # not again for the new date
        assert (
            warned_on == date(2026, 1, 29)
            and "close date 2026-01-28 (FY26-Q4) has passed" in warning
        )

        [(_, withdrawn_on, withdrawal)] = posted("sow-revised-after-approval")
        assert withdrawn_on == date(2026, 2, 3) and "approval no longer holds" in withdrawal
        assert labels_of(url, 1).count("proposal::Ready For Approval") == 1
        revision = withdrawal.split("revision `")[1].split("`")[0]
        [(_, asked_on, asking)] = posted("approval-request")
        assert (
            asked_on == date(2026, 2, 3)
            and f'(revision `{revision}`): set ~"proposal::Approved"' in asking
        )

        # The director approves the revision and the EM edits the close date before the next run
        # (the edit lifts the hold on people's move): the revision approved is the one asked for.
        project_as(url, "rowan").issues.update(1, {"add_labels": "proposal::Approved"})
        admin(url, "clock", {"advance_seconds": 600})
        later = {**edits[datetime(2026, 2, 3, 10, tzinfo=UTC)], "close_date": "2026-02-20"}
        update = {"description": description("Summary.", TASKS, later)}
        project_as(url, "dana").issues.update(1, update)
        bot_run(url, cache=cache)
        assert "proposal::Approved" in labels_of(url, 1)
        assert bot_run(url, cache=cache)[1].traffic.writes == 0
        requests = posted("signature-request")
        assert len(requests) == 2 and f"revision `{revision}`" in requests[1][2]
        assert len(posted("sow-revised-after-approval")) == 1
        events = project_as(url, "dana").issues.get(1).resourcelabelevents.list(get_all=True)
        sent_back = [
            e
            for e in events
            if e.user["username"] == BOT
            and e.action == "add"
            and e.label["name"] == "proposal::Ready For Approval"
        ]
        assert len(sent_back) == 1


def test_quarter_end_mode_switches_on_the_monday_of_the_last_ten_business_days():
    from triage.rules.facts import Facts
    from triage.rules.moment import Moment

    from support import NOW, snapshot

    def mode(day):
        return Facts(
            issue=snapshot(),
            moment=Moment(datetime(*day, 12, tzinfo=UTC)),
            stage=None,
            stage_prefix="proposal",
        ).in_quarter_end()

    assert [mode((2026, 1, d)) for d in (15, 16, 19, 30)] == [False, False, True, True]
    assert mode((2026, 2, 2)) is False  # FY27-Q1 has begun
    assert [mode((2026, 4, d)) for d in (16, 17)] == [
        False,
        True,
    ]  # FY27-Q1 ends Thu 04-30: from Fri 04-17
    assert NOW.date() == date(2026, 1, 12) and not mode((2026, 1, 12))


def test_stale_deals_are_warned_at_45_days_and_closed_as_lost_at_60():
    dana_edit = [
        {
            "author": "dana",
            "body": "changed the description",
            "system": True,
            "created_at": "2026-01-05T09:00:00Z",
        }
    ]
    # Its close date passed before people last acted (a close date ahead is activity to come).
    passed = {**ESTIMATE, "close_date": "2026-01-02"}
    quiet = issue(1, "SOW_WIP", data=passed, done=TASKS[:2], notes=dana_edit)
    with running_emulator(seed([quiet])) as emu:
        url = emu.url
        bot_run(url)
        admin(url, "clock", {"now": "2026-02-18T10:00:00Z"})  # 44 days
        bot_run(url)
        assert not any(k.startswith("stale-warning/") for k in keys(url, 1))
        admin(url, "clock", {"now": "2026-02-19T10:00:00Z"})  # 45 days
        bot_run(url)
        bot_run(url)
        warnings = [
            n for n in bot_notes(url, 1) if find_marker(n.body).key.startswith("stale-warning/")
        ]
        assert (
            len(warnings) == 1
            and "since 2026-01-05" in warnings[0].body
            and "@harriet" in warnings[0].body
        ), [n.body for n in bot_notes(url, 1)]
        admin(
            url, "clock", {"now": "2026-03-06T10:00:00Z"}
        )  # 60 days: the bot's own notes were no activity
        bot_run(url)
        final = project_as(url, "dana").issues.get(1)
        assert final.state == "closed"
        assert {"proposal::Closed_Lost", "Lost::unknown", "close_qtr::Q127"} <= set(final.labels)
        assert bot_run(url)[1].traffic.writes == 0


def test_a_move_the_lifecycle_does_not_make_is_flagged_once_and_left_alone():
    with running_emulator(
        seed([issue(1, "Awaiting_Discovery", done=()), issue(2, "Estimate_Feedback")])
    ) as emu:
        url = emu.url
        bot_run(url)
        admin(url, "clock", {"advance_seconds": 3600})
        project_as(url, "dana").issues.update(
            1, {"add_labels": "proposal::SOW_WIP"}
        )  # skips three stages
        project_as(url, "harriet").issues.update(
            2, {"add_labels": "proposal::Strawman_WIP"}
        )  # re-estimate: allowed
        bot_run(url)
        bot_run(url)
        flagged = [n for n in bot_notes(url, 1) if find_marker(n.body).key == "unexpected-move"]
        assert (
            len(flagged) == 1
            and 'dana moved this issue from ~"proposal::Awaiting_Discovery"' in flagged[0].body
        )
        assert "proposal::SOW_WIP" in labels_of(url, 1)  # not reverted
        assert "unexpected-move" not in keys(url, 2)
        admin(url, "clock", {"advance_seconds": 3 * 86400})
        assert not any(
            o.plan.iid == 1 and "unexpected" in " ".join(o.plan.reasons)
            for o in bot_run(url)[0].outcomes
        )


def test_a_re_estimate_move_by_people_is_not_undone_until_the_issue_is_edited():
    with running_emulator(seed([issue(2, "Estimate_Feedback")])) as emu:
        url = emu.url
        bot_run(url)
        project_as(url, "harriet").issues.update(2, {"add_labels": "proposal::Strawman_WIP"})
        bot_run(url)
        bot_run(url)
        assert "proposal::Strawman_WIP" in labels_of(url, 2)  # the bot waits
        admin(url, "clock", {"advance_seconds": 60})
        item = project_as(url, "harriet").issues.get(2)
        item.description = item.description.replace("days: 10", "days: 12")  # the new estimate
        item.save()
        bot_run(url)
        assert "proposal::Estimate_Feedback" in labels_of(url, 2)


def test_at_rollout_a_backlog_deal_past_its_sla_is_reminded_first_and_escalated_later():
    """Issue 32.7: in Estimate_Feedback since Mon 2025-12-01, untouched, when the bot first runs
    on Mon 2026-01-05 (far past the 3-business-day SLA and the 2-day margin): the reminder is
    posted that morning, alone; the escalation, which says the owners were reminded, comes 2
    business days after it (Wed 01-07), not in the same minute. Hourly runs to Fri 01-09."""
    issues = [issue(1, "Estimate_Feedback", at="2025-12-01T09:00:00Z")]
    with running_emulator(seed(issues, now="2026-01-05T09:00:00Z")) as emu:
        url = emu.url
        bot_run(url)
        assert [kind for kind, _, _ in reminders_of(url, 1, "account-team-reminder")] == [
            "reminder"
        ]
        for _ in range(4 * 24):
            admin(url, "clock", {"advance_seconds": 3600})
            bot_run(url)
        timeline = [(kind, day) for kind, day, _ in reminders_of(url, 1, "account-team-reminder")]
        assert timeline == [("reminder", date(2026, 1, 5)), ("escalation", date(2026, 1, 7))]
