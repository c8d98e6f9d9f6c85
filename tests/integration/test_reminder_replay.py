"""Three weeks of a team living with the bot: the demo's nine deals, hourly runs through the
business hours of Mon 2026-01-12 to Fri 2026-01-30 (FY26-Q4's quarter-end mode from 01-19) and the
first days of FY27-Q1, the demo's people acting on the first day. Counted against the goal: at
most one reminder and one escalation per deal per missed SLA, no person mentioned more than once a
day by reminders (the digest mentions them; the reminders name them), and a run right after a
run finds nothing to rewrite, the forecast included. `bench/reminder_soak.py` runs the same
replay at every hour of the day and night."""

from collections import Counter, defaultdict
from datetime import date, timedelta

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo import _human_steps
from triage.commands.demo_data import demo_seed
from triage.gitlab.cache import DetailsCache
from triage.issues.markers import find_marker

from support import BOT, bot_notes, bot_run, project_as, workspace

REMINDER_RULES = {
    rule.id
    for rule in workspace().policy.rules
    for action in rule.actions
    if getattr(getattr(action, "comment", None), "every", None)
    or getattr(getattr(action, "comment", None), "quarter_end_every", None)
}


def replay(url, days, hours=range(9, 19)):
    """Runs every hour of `hours` on each weekday of `days` days; the demo's people act after
    the first run. After every run that wrote, the same run again at once must write nothing,
    the forecast included. Returns how many runs were made."""
    cache, runs = DetailsCache(url, BOT), 0
    for n in range(days):
        day = date(2026, 1, 12) + timedelta(days=n)
        if day.weekday() >= 5:
            continue
        for hour in hours:
            admin(url, "clock", {"now": f"{day.isoformat()}T{hour:02d}:00:00Z"})
            result, client = bot_run(url, cache=cache)
            runs += 1
            assert not result.errors, result.errors
            if client.traffic.writes:
                again, client = bot_run(url, cache=cache)
                runs += 1
                assert client.traffic.writes == 0, (day, hour, again.forecast, again.outcomes)
                assert again.forecast.endswith(": unchanged"), again.forecast
            if n == 0 and hour == hours[0]:
                for _, step in _human_steps(url):
                    step()
    return runs


def test_three_weeks_of_hourly_runs_remind_once_per_missed_sla_and_mention_once_a_day():
    with running_emulator(demo_seed()) as emu:
        url = emu.url
        runs = replay(url, 22)  # to Mon 02-02, FY27-Q1
        assert runs >= 16 * 10
        iids = [i.iid for i in project_as(url, "dana").issues.list(get_all=True, state="all")]
        per_sla = Counter()
        reminders = escalations = 0
        for iid in iids:
            for note in bot_notes(url, iid):
                key = find_marker(note.body).key
                if key.split("/")[0] not in REMINDER_RULES:
                    continue
                assert "@" not in note.body.split("\n", 1)[1], note.body  # no mention
                escalation = key.endswith("/escalation")
                reminders += not escalation
                escalations += escalation
                per_sla[(iid, key.split("/")[0], escalation)] += 1
        # People act only on the first morning, so each deal misses each SLA once at most: one
        # reminder and one escalation per deal and rule (before: one per period, every day at
        # quarter end).
        assert per_sla and max(per_sla.values()) == 1, per_sla
        assert reminders >= 5 and escalations >= 3, (reminders, escalations)

        digests = [
            i
            for i in project_as(url, "dana").issues.list(get_all=True, state="all")
            if "ps-triage-digest" in (i.description or "") and i.author["username"] == BOT
        ]
        assert len(digests) >= 3  # one per person: nobody is mailed another's digest
        mentions = defaultdict(int)
        for digest in digests:
            people = set()
            for note in bot_notes(url, digest.iid):
                day = date.fromisoformat(find_marker(note.body).key.rsplit("/", 1)[1])
                assert day.weekday() < 5  # business days only
                for word in note.body.split():
                    if word.startswith("@"):
                        mentions[(word, day)] += 1
                        people.add(word)
            assert len(people) <= 1, people  # a person is mentioned only in their own digest
        assert mentions and max(mentions.values()) == 1, mentions  # once a day per person
        print(f"{runs} runs: {reminders} reminders, {escalations} escalations")
