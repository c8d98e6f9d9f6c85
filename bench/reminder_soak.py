"""Soak (not a test): the reminder replay of tests/integration/test_reminder_replay.py at every
hour of the day and night, weekends included.

    .venv/bin/python bench/reminder_soak.py [DAYS]

The demo's nine deals from Mon 2026-01-12 09:00, the demo's people acting after the first run,
then `apply` every hour for DAYS days (default 21: through FY26-Q4's end on 01-31). Prints the
runs, the reminders and escalations per deal and rule, the digest's mentions per person and day,
and the writes of the runs made right after a run that wrote (the goal: 0). Exits 1 if a deal
was reminded twice for one rule, a person mentioned twice a day, or a repeated run wrote.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import gitlab

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo import _human_steps
from triage.commands.demo_data import BOT_TOKEN, PROJECT, demo_seed
from triage.gitlab.adapter import GitLab
from triage.gitlab.cache import DetailsCache
from triage.issues.markers import find_marker
from triage.runner import run
from triage.workspace import load_workspace

ROOT = Path(__file__).resolve().parents[1]


def main(days: int) -> int:
    ws = load_workspace(ROOT / "policies", ROOT / "templates")
    timed = {
        r.id
        for r in ws.policy.rules
        for a in r.actions
        if getattr(getattr(a, "comment", None), "every", None)
        or getattr(getattr(a, "comment", None), "quarter_end_every", None)
    }
    started = time.perf_counter()
    with running_emulator(demo_seed()) as emu:
        url = emu.url
        bot = GitLab(url, BOT_TOKEN).bot_username()
        cache, runs, again_writes = DetailsCache(url, bot), 0, 0
        for hour in range(days * 24):
            client = GitLab(url, BOT_TOKEN, sleep=lambda s: None)
            run(ws.policy, client, ws.templates, mode="apply", cache=cache)
            runs += 1
            if client.traffic.writes:
                again = GitLab(url, BOT_TOKEN, sleep=lambda s: None)
                run(ws.policy, again, ws.templates, mode="apply", cache=cache)
                runs += 1
                again_writes += again.traffic.writes
            if hour == 0:
                for _, step in _human_steps(url):
                    step()
            admin(url, "clock", {"advance_seconds": 3600})
        project = gitlab.Gitlab(url, private_token="dana-token").projects.get(PROJECT)
        per_rule: Counter[tuple[int, str, str]] = Counter()
        mentions: Counter[tuple[str, str]] = Counter()
        for issue in project.issues.list(get_all=True, state="all"):
            for note in issue.notes.list(get_all=True):
                marker = find_marker(note.body or "")
                if note.author["username"] != bot or marker is None:
                    continue
                rule = marker.key.split("/")[0]
                if rule in timed:
                    kind = "escalation" if marker.key.endswith("/escalation") else "reminder"
                    per_rule[(issue.iid, rule, kind)] += 1
                elif rule == "digest":
                    day = marker.key.rsplit("/", 1)[1]
                    for word in note.body.split():
                        if word.startswith("@"):
                            mentions[(word, day)] += 1
    for (iid, rule, kind), count in sorted(per_rule.items()):
        print(f"#{iid} {rule}: {count} {kind}")
    reminders = sum(c for (_, _, k), c in per_rule.items() if k == "reminder")
    print(
        f"{runs} runs in {time.perf_counter() - started:.0f} s: {reminders} reminders, "
        f"{sum(per_rule.values()) - reminders} escalations, {sum(mentions.values())} digest "
        f"mentions (most for one person on one day: {max(mentions.values(), default=0)}), "
        f"{again_writes} writes by runs right after a run that wrote"
    )
    bad = max(per_rule.values(), default=0) > 1 or max(mentions.values(), default=0) > 1
    return 1 if bad or again_writes else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 21))
