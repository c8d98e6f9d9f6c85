"""Soak (not a test): the daily digest over a fiscal quarter, runs every hour day and night.

    .venv/bin/python bench/digest_quarter.py [--days N] [--every H] [--repeat-after 7,14,28]

The demo's nine deals for a US team in New York (public holidays of the US, business hours
09:00-17:00 there) from Mon 2026-02-02 (FY27-Q1's first day) for N days (default 91: to May 3,
into FY27-Q2), a run every H hours (default 1; H divides 15), weekends and nights included. People act as the
demo's do on the first morning; then every Monday each deal's EM comments on a third of their
deals in turn (a comment starts the SLA count again, so reminders come back over the quarter).
`--repeat-after` sets the policy's `digest.repeat_after_days` (default: the shipped one).

Prints the digest's comments (in total, per person, on weekends or holidays, and outside business
hours), duplicate copies (two comments for one person on one day, or an item twice in one
comment), mentions per person per business day, and the share of items listed that had been
listed before (repeats: an item whose key the person's earlier digests listed, a reminder's deal
included), split into those within the quarter-end window (daily allowed for this quarter's
deals) and outside it, with how many came back within a week outside it (the rule says none); and,
for comparison with issue 32's trial, the share of lines naming a deal the person's digests named
before in any form. Exits 1 if any comment falls on a weekend or holiday, outside business hours,
or is a duplicate, if an item comes back within a week outside the quarter-end window, or if more
than 20% of the items repeat. Results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import gitlab

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo import _human_steps
from triage.commands.demo_data import BOT_TOKEN, PROJECT, demo_seed
from triage.digest.items import listed_in
from triage.gitlab.adapter import GitLab
from triage.gitlab.cache import DetailsCache
from triage.issues.markers import find_marker
from triage.rules.fiscal import fiscal_quarter
from triage.runner import run
from triage.workspace import Workspace, load_workspace

ROOT = Path(__file__).resolve().parents[1]
ZONE = ZoneInfo("America/New_York")
START = datetime(2026, 2, 2, 0, tzinfo=UTC)


def us_team(folder: Path, repeat_after: list[int] | None = None) -> Workspace:
    """The shipped policies for a team in New York with the US public holidays (and, if given,
    the digest's `repeat_after_days` instead of the shipped one)."""
    shutil.copytree(ROOT / "policies", folder / "policies")
    policy = folder / "policies" / "ps-scoping.yml"
    text = policy.read_text().replace("  time_zone: UTC ", "  time_zone: America/New_York ", 1)
    # The shipped policy names its country since 331acd9: one `country:`, the US's.
    text, named = re.subn(r"^  country: [A-Z]{2}\b", "  country: US", text, count=1, flags=re.M)
    if not named:
        text = text.replace("  time_zone: ", "  country: US\n  time_zone: ", 1)
    if repeat_after:
        text = re.sub(r"^  repeat_after_days: .*\n", "", text, flags=re.M)
        text = text.replace("\ndigest:\n", f"\ndigest:\n  repeat_after_days: {repeat_after}\n", 1)
    policy.write_text(text)
    return load_workspace(folder / "policies", ROOT / "templates")


def people_act(url: str, monday: int) -> int:
    """Each EM comments on every third of their open deals, in turn by week."""
    acted = 0
    bot = gitlab.Gitlab(url, private_token=BOT_TOKEN)
    for issue in bot.projects.get(PROJECT).issues.list(get_all=True, state="opened"):
        if not issue.assignees or "Services Calculator" not in issue.labels:
            continue
        if (issue.iid + monday) % 3:
            continue
        em = issue.assignees[0]["username"]
        as_em = gitlab.Gitlab(url, private_token=f"{em}-token").projects.get(PROJECT, lazy=True)
        as_em.issues.get(issue.iid, lazy=True).notes.create(
            {"body": "Chased the customer; waiting on their procurement."}
        )
        acted += 1
    return acted


def in_quarter_end(day: date, ws: Workspace, days_off: frozenset[date]) -> bool:
    """The calendar's quarter-end mode on `day`: the fiscal quarter's last business days."""
    cal = ws.policy.calendar
    end = fiscal_quarter(day, cal.fiscal_year_start_month).end
    start, counted = end, 0
    while True:
        if start.weekday() < 5 and start not in days_off:
            counted += 1
            if counted == cal.quarter_end_business_days:
                return start <= day <= end
        start -= timedelta(days=1)


def main(days: int, every: int, repeat_after: list[int] | None = None) -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        ws = us_team(Path(folder), repeat_after)
    days_off = ws.policy.days_off(None)
    seed = demo_seed()
    seed["now"] = START.isoformat()
    runs = acted = failed = 0
    with running_emulator(seed) as emu:
        url = emu.url
        bot = GitLab(url, BOT_TOKEN).bot_username()
        cache = DetailsCache(url, bot)
        for hour in range(0, days * 24, every):
            now = START + timedelta(hours=hour)
            admin(url, "clock", {"now": now.isoformat()})
            client = GitLab(url, BOT_TOKEN, sleep=lambda s: None)
            result = run(ws.policy, client, ws.templates, mode="apply", cache=cache)
            failed += bool(result.errors)  # a loaded machine: a template's time limit; retried
            runs += 1
            if hour == 15:  # the first morning in New York: the demo's people act
                for _, step in _human_steps(url):
                    step()
            elif now.weekday() == 0 and now.hour == 15:  # Mondays, morning in New York
                acted += people_act(url, hour // (24 * 7))
        project = gitlab.Gitlab(url, private_token="dana-token").projects.get(PROJECT)
        comments: Counter[str] = Counter()
        per_day: Counter[tuple[str, date]] = Counter()
        off_days = off_hours = duplicates = items = repeats = 0
        window = soon = deals_again = 0  # repeats in the quarter-end window; within a week outside
        for issue in project.issues.list(get_all=True, state="all"):
            if "ps-triage-digest" not in (issue.description or ""):
                continue
            seen: dict[str, dict[str, date]] = defaultdict(dict)  # item hash: last listed
            named: dict[str, set[str]] = defaultdict(set)  # the deals (issue links) named
            notes = issue.notes.list(get_all=True, sort="asc", order_by="created_at")
            for note in notes:
                marker = find_marker(note.body or "")
                if note.author["username"] != bot or marker is None:
                    continue
                _, person, day = marker.key.split("/")
                posted = datetime.fromisoformat(note.created_at.replace("Z", "+00:00"))
                local = posted.astimezone(ZONE)
                comments[person] += 1
                per_day[(person, local.date())] += 1
                off_days += local.weekday() >= 5 or local.date() in days_off
                off_hours += not (9 <= local.hour < 17)
                when = date.fromisoformat(day)
                listed = listed_in(note.body, when)
                duplicates += len(listed.items) != len(set(listed.items))
                items += len(listed.items)
                again = [seen[person][h] for h in listed.items if h in seen[person]]
                repeats += len(again)
                if in_quarter_end(when, ws, days_off):
                    window += len(again)
                else:
                    soon += sum(1 for last in again if (when - last).days < 7)
                seen[person].update(dict.fromkeys(listed.keys, when))
                links = re.findall(r"^- [a-z]+: \[[^\n]*?\]\((http[^)\s]+)\)", note.body, re.M)
                deals_again += sum(1 for link in links if link in named[person])
                named[person].update(links)
        duplicates += sum(1 for c in per_day.values() if c > 1)
    business_days = sum(
        1
        for n in range(days)
        if (d := (START + timedelta(days=n)).astimezone(ZONE).date()).weekday() < 5
        and d not in days_off
    )
    share = repeats / items if items else 0.0
    print(
        f"{runs} runs over {days} days ({business_days} business days) in "
        f"{time.perf_counter() - started:.0f} s ({failed} with an issue failed, retried by the "
        f"next); people commented {acted} times on Mondays; digest repeats after "
        f"{ws.policy.digest.repeat_after_days} days"
    )
    print(
        f"digest comments: {sum(comments.values())} ({', '.join(f'{p} {c}' for p, c in sorted(comments.items()))})"
    )
    print(
        f"on weekends or holidays: {off_days}; outside business hours: {off_hours}; "
        f"duplicate copies: {duplicates}"
    )
    most = max(per_day.values(), default=0)
    mean = {p: c / business_days for p, c in comments.items()}
    print(
        f"mentions per person per business day: at most {most}; on average "
        + ", ".join(f"{p} {m:.2f}" for p, m in sorted(mean.items()))
    )
    print(
        f"items listed: {items}, of which repeats: {repeats} ({share:.1%}): {window} in the "
        f"quarter-end window, {repeats - window} outside it, of which within a week of their "
        f"last listing: {soon}"
    )
    print(
        f"lines naming a deal named before in any form (reminder, escalation, overdue): "
        f"{deals_again} ({deals_again / items if items else 0:.0%})"
    )
    bad = off_days or off_hours or duplicates or soon or share > 0.20
    return 1 if bad else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=91)
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument(
        "--repeat-after",
        type=lambda text: [int(n) for n in text.split(",")],
        help="the digest's repeat_after_days, e.g. 7 (weekly) or 7,14,28; default: the shipped",
    )
    args = parser.parse_args()
    sys.exit(main(args.days, args.every, args.repeat_after))
