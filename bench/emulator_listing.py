"""Benchmark (not a test): the emulator serving a 10,000-issue listing, 100 a page, through
python-gitlab, against the bot's own read-only run over the same issues.

    .venv/bin/python bench/emulator_listing.py [N]

Prints one table; results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import gitlab
import requests

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import TASKS, demo_seed, description
from triage.gitlab.adapter import GitLab
from triage.runner import run
from triage.workspace import load_workspace

ROOT = Path(__file__).resolve().parents[1]
STAGES = [
    "Awaiting_Discovery",
    "Strawman_WIP",
    "Estimate_Feedback",
    "SOW_WIP",
    "Ready For Approval",
    "Approved",
]


def seed(n: int) -> dict:
    data = demo_seed()
    # Steady state: every issue sits in a stage whose next move is not yet due.
    data["projects"][0]["issues"] = [
        {
            "iid": i,
            "title": f"Customer {i} - Scope Issue and Write SOW",
            "author": "imogen",
            "assignees": ["dana"],
            "labels": ["Services Calculator", f"proposal::{STAGES[i % len(STAGES)]}"],
            "label_events": [],
            "description": description(
                "Benchmark issue.", TASKS[: min(i % len(STAGES), 3)] if i % len(STAGES) < 2 else ()
            ),
            "created_at": "2025-12-01T09:00:00Z",
            "updated_at": "2026-01-05T09:00:00Z",
        }
        for i in range(1, n + 1)
    ]
    return data


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    workspace = load_workspace(ROOT / "policies", ROOT / "templates")
    started = time.perf_counter()
    with running_emulator(seed(n)) as emu:
        seeded = time.perf_counter() - started
        project = gitlab.Gitlab(emu.url, private_token="demo-bot-token").projects.get(
            "ps/ps-plan", lazy=True
        )
        started = time.perf_counter()
        listed = sum(
            1
            for _ in project.issues.list(
                state="opened", labels="Services Calculator", per_page=100, iterator=True
            )
        )
        listing = time.perf_counter() - started
        pages = admin(emu.url, "stats")["routes"]["GET /projects/:id/issues"]
        session = requests.Session()
        session.headers["PRIVATE-TOKEN"] = "demo-bot-token"
        url: str | None = (
            f"{emu.url}/api/v4/projects/ps%2Fps-plan/issues?state=opened&labels=Services+Calculator&per_page=100"
        )
        started = time.perf_counter()
        while url:
            answer = session.get(url, timeout=30)
            url = answer.links.get("next", {}).get("url")
        raw = time.perf_counter() - started
        settle = 0
        while settle < 3:  # bring every issue to its steady state, as the schedule would
            settle += 1
            settling = run(
                workspace.policy,
                GitLab(emu.url, "demo-bot-token"),
                workspace.templates,
                mode="apply",
            )
            if not settling.outcomes:
                break
        admin(emu.url, "stats/reset", {})
        started = time.perf_counter()
        client = GitLab(emu.url, "demo-bot-token")
        result = run(workspace.policy, client, workspace.templates, mode="apply")
        bot = time.perf_counter() - started
        stats = admin(emu.url, "stats")
        served = sum(stats["requests"].values())
        notes = stats["routes"].get("GET /projects/:id/issues/:noteable_id/notes", 0)
    assert not result.errors
    print(
        f"| issues | seed (s) | emulator serving {pages} pages, raw HTTP (s) | python-gitlab listing (s) "
        "| bot steady-state run (s) | bot requests | of which notes reads | writes |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {listed:,} | {seeded:.2f} | {raw:.2f} | {listing:.2f} | {bot:.2f} | {served} | {notes} "
        f"| {client.traffic.writes} |"
    )


if __name__ == "__main__":
    main()
