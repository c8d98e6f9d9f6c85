"""The daily digest: each person's reminders on a digest issue of their own (created once by the
bot, found again by its exact marker), one comment per business day of the team's calendar and in
its business hours, only when something is new for them; a person's second reminder of the day
extends that day's comment (an edit: no second mention); a deal still overdue comes back after
`digest.repeat_after_days` (weekly at the most), or daily in its quarter-end mode; a group's
members each in their own digest."""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from test_gates_and_timers import ESTIMATE, issue, seed

from gitlab_emulator.testing import admin, running_emulator
from triage.digest.items import key_hash, listed_in
from triage.issues.markers import find_marker

from support import BOT, bot_notes, bot_run, project_as, workspace

WS = workspace()
ROOT = Path(__file__).resolve().parents[2]


def with_digest(**update):
    digest = WS.policy.digest.model_copy(update={"title": "Reminders for {person}", **update})
    return replace(WS, policy=WS.policy.model_copy(update={"digest": digest}))


PER_PERSON = with_digest()
OTHER = {**ESTIMATE, "customer": "Harbor & Finch", "people": {"sa": "felix", "ae": "mateo"}}


def digests(url):
    """The bot's digest issues, by title."""
    return {
        i.title: i
        for i in project_as(url, "dana").issues.list(get_all=True, state="all")
        if "ps-triage-digest" in (i.description or "") and i.author["username"] == BOT
    }


def digest_notes(url, person):
    found = digests(url).get(f"Reminders for {person}")
    return [] if found is None else bot_notes(url, found.iid)


def test_one_digest_issue_per_person_and_one_comment_a_day_extended_by_later_reminders():
    """Thu 01-15 09:00: issue 1 (sa felix, ae imogen) and issue 2 (sa felix, ae mateo) enter
    Estimate_Feedback: both are due on Tue 01-20 at 17:00 (three business days of business hours;
    Mon 01-19 is Martin Luther King Jr. Day). A run for issue 1 alone (`--issue 1`) on Wed 01-21
    at 09:00 reminds felix of it in his digest; the scheduled run at 10:00 adds issue 2 to the
    same comment: one comment, one mention. The deals are named by customer, with their links."""
    other = {**ESTIMATE, "customer": "Harbor & Finch", "people": {"sa": "felix", "ae": "mateo"}}
    issues = [
        issue(1, "Estimate_Feedback", at="2026-01-15T09:00:00Z"),
        issue(2, "Estimate_Feedback", data=other, at="2026-01-15T09:00:00Z"),
    ]
    with running_emulator(seed(issues, now="2026-01-21T09:00:00Z")) as emu:
        url = emu.url
        bot_run(url, ws=PER_PERSON, iid=1)
        [first] = digest_notes(url, "felix")
        assert "[Juniper Rail](" in first.body and "Harbor" not in first.body
        felix_iid = digests(url)["Reminders for felix"].iid
        for _ in range(7):
            admin(url, "clock", {"advance_seconds": 3600})
            bot_run(url, ws=PER_PERSON)
        assert set(digests(url)) == {
            "Reminders for felix",
            "Reminders for imogen",
            "Reminders for mateo",
        }
        assert digests(url)["Reminders for felix"].iid == felix_iid
        [felix] = digest_notes(url, "felix")
        assert felix.id == first.id
        assert find_marker(felix.body).key == "digest/felix/2026-01-21"
        assert felix.body.count("@felix") == 1 and felix.body.count("@") == 1
        assert "[Juniper Rail](http" in felix.body and "[Harbor & Finch](http" in felix.body
        assert "ps/ps-plan#" not in felix.body  # deals by customer, not by reference
        [imogen] = digest_notes(url, "imogen")
        assert "@felix" not in imogen.body and "@mateo" not in imogen.body  # only their own


KOREAN = """\
{% if part == "issue" %}
ps-triage 알림 모음: 새 소식이 있는 영업일마다 댓글 하나.
{% elif part == "team" %}
우리 팀
{% else %}
{% if part == "comment" %}
{{ person }} 오늘({{ today | day }})의 새 알림:

{% endif %}
{% for i in items %}
- {{ {"reminder": "알림", "escalation": "에스컬레이션", "overdue": "기한 초과"}[i.kind] }}: \
[{{ i.customer }}]({{ i.url }}){% if i.kind == "overdue" %} ({{ i.stage }}, \
{{ i.late | plural("영업일") }} 초과){% else %}: {{ i.what }}{% endif +%}
{% endfor %}
{% endif %}
"""


def test_the_digest_is_in_the_words_of_the_teams_template():
    """Issue 33.12: the digest issue's text, a day's comment and the items a later run adds to it
    come from `digest.md.j2`, each item as data (its kind, deal, rule, stage, days late), the date
    as the locale writes it; no English fixed in code."""
    templates = replace(WS.templates, sources={**WS.templates.sources, "digest.md.j2": KOREAN})
    korean = replace(PER_PERSON, templates=templates)
    issues = [
        issue(1, "Estimate_Feedback", at="2026-01-15T09:00:00Z"),
        issue(2, "Estimate_Feedback", data=OTHER, at="2026-01-15T09:00:00Z"),
    ]
    with running_emulator(seed(issues, now="2026-01-21T09:00:00Z")) as emu:
        bot_run(emu.url, ws=korean, iid=1)
        admin(emu.url, "clock", {"advance_seconds": 3600})
        bot_run(emu.url, ws=korean)
        felix = digests(emu.url)["Reminders for felix"]
        assert felix.description.endswith(
            "\nps-triage 알림 모음: 새 소식이 있는 영업일마다 댓글 하나.\n"
        )
        [note] = digest_notes(emu.url, "felix")
        text = note.body.split("\n", 1)[1]
        assert text.startswith("@felix 오늘(Jan 21, 2026)의 새 알림:\n\n- 알림: [Juniper Rail](")
        assert "\n- 알림: [Harbor & Finch](" in text  # added by the later run, in its words
        for english in ("new for you", "reminder:", "overdue:", "business day"):
            assert english not in note.body, english


def test_a_teams_one_digest_is_titled_in_its_templates_words():
    """`per: team`: the `{person}` of the title is who the team's template says it is for (its
    "team" part), not English fixed in code (issue 33.12)."""
    templates = replace(WS.templates, sources={**WS.templates.sources, "digest.md.j2": KOREAN})
    korean = replace(with_digest(per="team"), templates=templates)
    with running_emulator(
        seed([issue(1, "Estimate_Feedback", at="2026-01-15T09:00:00Z")], now="2026-01-21T09:00:00Z")
    ) as emu:
        bot_run(emu.url, ws=korean)
        assert list(digests(emu.url)) == ["Reminders for 우리 팀"]


@pytest.mark.parametrize("weekly", [True, False], ids=["repeat_after_days-7", "shipped-14-28"])
def test_a_deal_already_listed_comes_back_with_news_never_alone_nor_on_a_weekend(weekly):
    """Wed 01-21 felix is reminded of issues 1 and 2 (both due Tue 01-20 at 17:00, three business
    days of business hours: Mon 01-19 is Martin Luther King Jr. Day). Fri 01-23 felix comments on
    issue 2: its count starts again. From Thu 01-22 to Tue 01-27 nothing is new for him: no
    digest comment, whatever the hour of the runs; Sat and Sun none either. On Wed 01-28 issue
    2's new reminder is news. Issue 1, still overdue and listed a week before, rides along with
    `repeat_after_days: [7]` (weekly); with the shipped backoff (14, then 28) it waits for the
    second week. Issue 1 alone (on the days with no news) makes no comment."""
    ws = with_digest(repeat_after_days=[7]) if weekly else PER_PERSON
    issues = [
        issue(1, "Estimate_Feedback", at="2026-01-15T09:00:00Z"),
        issue(2, "Estimate_Feedback", data=OTHER, at="2026-01-15T09:00:00Z"),
    ]
    with running_emulator(seed(issues, now="2026-01-20T09:00:00Z")) as emu:
        url = emu.url
        for day in range(20, 30):
            for hour in (0, 9, 13, 22) if day > 20 else (9, 13, 22):
                admin(url, "clock", {"now": f"2026-01-{day:02d}T{hour:02d}:00:00Z"})
                bot_run(url, ws=ws)
                if (day, hour) == (23, 9):
                    notes = project_as(url, "felix").issues.get(2, lazy=True).notes
                    notes.create({"body": "Chasing their procurement."})
        notes = digest_notes(url, "felix")
        days = [find_marker(n.body).key.rsplit("/", 1)[1] for n in notes]
        assert days == ["2026-01-21", "2026-01-28"], days
        again = notes[1].body
        assert "- reminder: [Harbor & Finch](" in again
        listed = listed_in(again, None)
        if weekly:
            assert again.count("[Juniper Rail](") == 1 and "- overdue: [Juniper Rail](" in again
            assert listed.items[-1] == key_hash("o:ps/ps-plan#1")  # the repeat, after the news
        else:
            assert "Juniper Rail" not in again and key_hash("o:ps/ps-plan#1") not in listed.keys
        assert "@" + "felix" in again and again.count("@") == 1
        _, client = bot_run(url, ws=ws)
        assert client.traffic.writes == 0


def test_in_quarter_end_a_deal_of_this_quarter_comes_daily_beside_news_never_alone():
    """FY26-Q4 ends Sat 01-31; its quarter-end mode is the last 10 business days (from Fri 01-16:
    Mon 01-19 is Martin Luther King Jr. Day). Issue 1 closes in it (01-30), issue 2 next quarter
    (03-20); both were reminded on Fri 01-16 (felix is their sa). Issue 3 (next quarter) enters
    the stage on Wed 01-14 10:00, so its three business days of business hours are up on Tue
    01-20 at 10:00: news for felix then. Mon 01-19 to Thu 01-22 (issue 32.1): on 01-20 issue 1
    rides beside that news (daily: listed four days before), issue 2 does not (weekly); on the
    days with nothing new there is no comment at all, not even for the quarter's deal."""
    this = {**ESTIMATE, "customer": "Quill Bank", "close_date": "2026-01-30"}
    news = {**ESTIMATE, "customer": "Bolt Mills"}
    issues = [
        issue(1, "Estimate_Feedback", data=this, at="2026-01-13T09:00:00Z"),
        issue(2, "Estimate_Feedback", at="2026-01-13T09:00:00Z"),
        issue(3, "Estimate_Feedback", data=news, at="2026-01-14T10:00:00Z"),
    ]
    with running_emulator(seed(issues, now="2026-01-16T09:00:00Z")) as emu:
        url = emu.url
        bot_run(url, ws=PER_PERSON)
        [first] = digest_notes(url, "felix")
        assert "[Quill Bank](" in first.body and "[Juniper Rail](" in first.body
        assert "Bolt Mills" not in first.body
        for day in (19, 20, 21, 22):
            admin(url, "clock", {"now": f"2026-01-{day}T10:00:00Z"})
            bot_run(url, ws=PER_PERSON)
        later = digest_notes(url, "felix")[1:]
        assert [find_marker(n.body).key.rsplit("/", 1)[1] for n in later] == ["2026-01-20"]
        [note] = later
        assert "- reminder: [Bolt Mills](" in note.body
        assert "- overdue: [Quill Bank](" in note.body and "Juniper" not in note.body


def test_after_a_comment_the_lead_gets_the_deal_only_with_its_escalation_on_the_reminder_clock():
    """Issue 32.1: in Estimate_Feedback since Mon 02-02 (reminder 3 business days, escalation to
    the triage lead dana 2 more), felix (its sa) comments on Tue 02-17 at 10:00, before the bot's
    first run: the reminder's clock starts again there (Mon 02-16 is Presidents' Day). The
    digest follows that clock, not the days in the stage: nobody gets the deal as overdue on
    02-18 or 02-19; felix's reminder is due on Fri 02-20 at 10:00, news in his digest; the
    escalation 2 business days after it (Tue 02-24), news in dana's, her first: never the deal
    as "overdue" before its escalation was due."""
    issues = [issue(1, "Estimate_Feedback", at="2026-02-02T09:00:00Z")]
    with running_emulator(seed(issues, now="2026-02-17T10:00:00Z")) as emu:
        url = emu.url
        project_as(url, "felix").issues.get(1, lazy=True).notes.create(
            {"body": "Their procurement answers on Friday."}
        )
        for day in (18, 19, 20, 23, 24, 25):
            for hour in (10, 15):
                admin(url, "clock", {"now": f"2026-02-{day}T{hour}:00:00Z"})
                bot_run(url, ws=PER_PERSON)
        days = {
            person: [find_marker(n.body).key.rsplit("/", 1)[1] for n in digest_notes(url, person)]
            for person in ("dana", "felix", "imogen")
        }
        assert days == {
            "dana": ["2026-02-24"],
            "felix": ["2026-02-20"],
            "imogen": ["2026-02-20"],
        }, days
        [dana] = digest_notes(url, "dana")
        assert "- escalation: [Juniper Rail](" in dana.body and "overdue" not in dana.body
        [felix] = digest_notes(url, "felix")
        assert "- reminder: [Juniper Rail](" in felix.body and "overdue" not in felix.body


def test_no_digest_on_the_teams_public_holiday(tmp_path):
    """Mon 2026-01-19 is Martin Luther King Jr. Day in the US: the shipped US team's digest (and
    reminder) waits for Tue (issue 33, item 5)."""
    us = PER_PERSON  # the shipped calendar: `country: US`
    assert date(2026, 1, 19) in us.policy.days_off(None)
    with running_emulator(seed([issue(1, "Estimate_Feedback", at="2026-01-13T09:00:00Z")])) as emu:
        url = emu.url
        for day in (17, 18, 19, 20):
            admin(url, "clock", {"now": f"2026-01-{day}T10:00:00Z"})
            bot_run(url, ws=us)
        days = [find_marker(n.body).key.rsplit("/", 1)[1] for n in digest_notes(url, "felix")]
        assert days == ["2026-01-20"], days


def test_a_person_in_an_approver_group_is_listed_once_never_again_through_the_group():
    """rowan is an approver by name and a member of ps/ps-directors (with sam): the approval
    nudge in quarter-end mode goes to both; rowan's digest has it once, sam's once, and no digest
    issue is kept for the group."""
    late = {**ESTIMATE, "close_date": "2026-01-30", "people": {"sa": "felix", "ae": "imogen"}}
    from triage.commands.demo_data import TASKS

    issues = [issue(1, "Ready For Approval", data=late, done=TASKS, at="2026-01-20T09:00:00Z")]
    with running_emulator(
        seed(issues, now="2026-01-22T10:00:00Z", extra_directors=("sam",))
    ) as emu:
        url = emu.url
        bot_run(url, ws=PER_PERSON)
        titles = set(digests(url))
        assert "Reminders for rowan" in titles and "Reminders for sam" in titles, titles
        assert not any("ps-directors" in t for t in titles), titles
        [rowan] = digest_notes(url, "rowan")
        assert rowan.body.count("[Juniper Rail](") == 1, rowan.body
        assert rowan.body.count("@") == 1


def test_a_digest_for_dan_never_lands_on_danas_issue():
    """With `per: person`, `dan`'s digest issue is found by its exact marker: `dana`'s issue,
    whose marker starts with `dan`'s, is not his (issue 29, item 15)."""
    dan = {**ESTIMATE, "people": {"sa": "dan", "ae": "dana"}}
    seeded = seed([issue(1, "Estimate_Feedback", data=dan)], now="2026-01-08T10:00:00Z")
    seeded["users"].append({"username": "dan", "token": "dan-token"})
    seeded["projects"][0]["members"].append({"username": "dan", "access_level": 30})
    seeded["projects"][0]["issues"].append(  # dana's, kept since an earlier day
        {
            "iid": 40,
            "title": "Reminders for dana",
            "author": BOT,
            "description": "<!-- ps-triage-digest-dana -->\nReminders.",
            "created_at": "2026-01-02T10:00:00Z",
        }
    )
    with running_emulator(seeded) as emu:
        url = emu.url
        bot_run(url, ws=PER_PERSON)
        mine = digests(url)
        assert {"Reminders for dan", "Reminders for dana"} <= set(mine), set(mine)
        assert mine["Reminders for dana"].iid == 40
        [dans] = digest_notes(url, "dan")
        [danas] = digest_notes(url, "dana")
        assert "@dan " in dans.body and "@dana" in danas.body
        assert "@dana" not in dans.body


@pytest.mark.parametrize("budget", [0, 1, 2, 3])
def test_the_digests_writes_count_against_max_writes(budget):
    """Issue 29, item 11: a run with `--max-writes N` makes at most N writes, the digest's
    included (two people: two new digest issues and two comments); what is left waits, and the
    run says so."""
    issues = [issue(1, "Estimate_Feedback", at="2026-01-05T09:00:00Z")]
    with running_emulator(seed(issues, now="2026-01-08T10:00:00Z")) as emu:
        first, _ = bot_run(emu.url, ws=PER_PERSON)
        assert first.digest == "digest: 2 posted, 0 extended"  # felix and imogen
        issue_writes = sum(o.plan.write_count for o in first.outcomes)
    with running_emulator(seed(issues, now="2026-01-08T10:00:00Z")) as emu:
        limit = issue_writes + budget  # the reminder's writes, and `budget` for the digest
        result, client = bot_run(emu.url, ws=PER_PERSON, max_writes=limit)
        assert client.traffic.writes <= limit
        assert result.budget_exhausted
        assert "write budget used up" in result.digest
