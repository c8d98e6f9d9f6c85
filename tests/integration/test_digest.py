"""The daily digest with `per: person`: each person's reminders go to a digest issue of their
own, created once by the bot and found again; a person's second reminder of the day extends
that day's comment (an edit: no second mention)."""

from dataclasses import replace
from datetime import date

from test_gates_and_timers import ESTIMATE, issue, seed

from gitlab_emulator.testing import admin, running_emulator
from triage.issues.markers import find_marker

from support import BOT, bot_notes, bot_run, project_as, workspace

WS = workspace()
PER_PERSON = replace(
    WS,
    policy=WS.policy.model_copy(
        update={
            "digest": WS.policy.digest.model_copy(
                update={"per": "person", "title": "Reminders for {person}"}
            )
        }
    ),
)


def test_one_digest_issue_per_person_and_one_comment_a_day_extended_by_later_reminders():
    """Thu 01-15: issue 1 (sa felix, ae imogen) and issue 2 (sa felix, ae mateo) enter
    Estimate_Feedback: both are due on Tue 01-20. A run for issue 1 alone (`--issue 1`) at 08:00
    reminds felix of it in his digest; the scheduled run at 09:00 adds issue 2 to the same
    comment: one comment, one mention."""
    other = {**ESTIMATE, "people": {"sa": "felix", "ae": "mateo"}}
    issues = [
        issue(1, "Estimate_Feedback", at="2026-01-15T09:00:00Z"),
        issue(2, "Estimate_Feedback", data=other, at="2026-01-15T09:00:00Z"),
    ]
    with running_emulator(seed(issues, now="2026-01-20T08:00:00Z")) as emu:
        url = emu.url
        bot_run(url, ws=PER_PERSON, iid=1)
        [felix_iid] = [
            i.iid
            for i in project_as(url, "dana").issues.list(get_all=True, state="all")
            if i.title == "Reminders for felix" and i.author["username"] == BOT
        ]
        [first] = bot_notes(url, felix_iid)
        assert "[ps/ps-plan#1](" in first.body and "[ps/ps-plan#2](" not in first.body
        for _ in range(10):
            admin(url, "clock", {"advance_seconds": 3600})
            bot_run(url, ws=PER_PERSON)
        project = project_as(url, "dana")
        digests = {
            i.title: i
            for i in project.issues.list(get_all=True, state="all")
            if "ps-triage-digest" in (i.description or "") and i.author["username"] == BOT
        }
        assert set(digests) == {
            "Reminders for felix",
            "Reminders for imogen",
            "Reminders for mateo",
        }
        assert digests["Reminders for felix"].iid == felix_iid
        [felix] = bot_notes(url, felix_iid)
        assert felix.id == first.id
        assert find_marker(felix.body).key == f"digest/felix/{date(2026, 1, 20)}"
        assert felix.body.count("@felix") == 1 and felix.body.count("@") == 1
        assert "[ps/ps-plan#1](" in felix.body and "[ps/ps-plan#2](" in felix.body


def test_a_deal_reminded_yesterday_is_still_in_todays_digest_and_one_on_time_is_not():
    """Thu 01-15: issue 1 (sa felix) enters Estimate_Feedback, due Tue 01-20; issue 2 (sa felix)
    enters it on Mon 01-19, due later. Tue 01-20 felix is reminded of issue 1; on Wed 01-21 there
    is no new reminder (one per missed SLA), yet his digest of the day lists issue 1, overdue,
    with its link, and not issue 2; a rerun the same day writes nothing."""
    other = {**ESTIMATE, "people": {"sa": "felix", "ae": "mateo"}}
    issues = [
        issue(1, "Estimate_Feedback", at="2026-01-15T09:00:00Z"),
        issue(2, "Estimate_Feedback", data=other, at="2026-01-19T09:00:00Z"),
    ]
    with running_emulator(seed(issues, now="2026-01-20T09:00:00Z")) as emu:
        url = emu.url
        bot_run(url, ws=PER_PERSON)
        admin(url, "clock", {"now": "2026-01-21T09:00:00Z"})
        bot_run(url, ws=PER_PERSON)
        [felix_iid] = [
            i.iid
            for i in project_as(url, "dana").issues.list(get_all=True, state="all")
            if i.title == "Reminders for felix" and i.author["username"] == BOT
        ]
        notes = bot_notes(url, felix_iid)
        [today] = [n for n in notes if find_marker(n.body).key == "digest/felix/2026-01-21"]
        assert today.body.count("@felix") == 1 and today.body.count("@") == 1
        [line] = [li for li in today.body.splitlines() if "ps/ps-plan#1" in li]
        assert "[ps/ps-plan#1](http" in line and "/-/issues/1)" in line
        assert "overdue" in line and "business day" in line
        assert "ps/ps-plan#2" not in today.body
        _, client = bot_run(url, ws=PER_PERSON)
        assert client.traffic.writes == 0
