"""Soak (not a test): many seeded fault schedules, each compared with a clean run.

    .venv/bin/python bench/soak.py [SEEDS] [--cache]

For each seed: the demo's nine issues, `apply` repeated with 5xx answers, dropped answers after
writes and latency injected, people's steps in between, until a run succeeds and writes nothing;
then the end state (labels, open/closed, every bot comment by key) must equal a clean run's, with no
comment posted twice. With `--cache` every run uses the details cache, kept between the runs of a
schedule as the scheduled job keeps its file (a run that fails leaves it as the last good run did).
Prints one row per seed and a summary; results in docs/benchmarks.md.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import gitlab

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import BOT_TOKEN, PROJECT, demo_seed
from triage.gitlab.adapter import GitLab
from triage.gitlab.cache import DetailsCache
from triage.issues.markers import find_marker
from triage.runner import run
from triage.workspace import load_workspace

ROOT = Path(__file__).resolve().parents[1]
WORKSPACE = load_workspace(ROOT / "policies", ROOT / "templates")


def people_act(url: str) -> None:
    def project(user: str) -> object:
        return gitlab.Gitlab(url, private_token=f"{user}-token").projects.get(PROJECT, lazy=True)

    project("quinn").issues.update(4101, {"add_labels": "proposal::Closed_Won"})  # type: ignore[attr-defined]
    project("imogen").issues.update(4104, {"add_labels": "Lost::budget"})  # type: ignore[attr-defined]
    project("ravi").issues.update(4103, {"add_labels": "TA::Approved"})  # type: ignore[attr-defined]


def state(url: str) -> dict[int, tuple[list[str], str, list[str]]]:
    project = gitlab.Gitlab(url, private_token=BOT_TOKEN).projects.get(PROJECT)
    out = {}
    for issue in project.issues.list(get_all=True):
        keys = [
            find_marker(n.body).key
            for n in issue.notes.list(get_all=True, sort="asc")
            if n.author["username"] == "ps-bot" and not n.system and find_marker(n.body)
        ]
        out[issue.iid] = (sorted(issue.labels), issue.state, sorted(keys))
    return out


def settle(url: str, cache: DetailsCache | None, limit: int = 40) -> tuple[int, int]:
    """apply until a run succeeds and writes nothing: (runs, failed runs)."""
    runs = failed = 0
    while runs < limit:
        runs += 1
        saved = dict(cache.entries) if cache else {}
        try:
            result = run(
                WORKSPACE.policy,
                client := GitLab(url, BOT_TOKEN, sleep=lambda s: None),
                WORKSPACE.templates,
                mode="apply",
                cache=cache,
            )
        except Exception:
            failed += 1
            if cache:
                cache.entries = saved  # the job saves its file only after a run that ends
            continue
        if not result.errors and client.traffic.writes == 0:
            return runs, failed
    raise SystemExit(f"did not settle in {limit} runs")


FAULTS = {"error_rate": 0.15, "drop_after_write_rate": 0.3, "latency_ms": 2}
CALM = {"error_rate": 0.0, "drop_after_write_rate": 0.0, "latency_ms": 0}


def scenario(
    url: str, faults: dict[str, float] | None = None, *, cached: bool = False
) -> tuple[int, int]:
    """The bot under `faults`; people act in a calm moment between its runs."""
    cache = DetailsCache(url, "ps-bot") if cached else None
    if faults:
        admin(url, "faults", faults)
    runs, failed = settle(url, cache)
    admin(url, "faults", CALM)
    people_act(url)
    if faults:
        admin(url, "faults", faults)
    more, more_failed = settle(url, cache)
    admin(url, "faults", CALM)
    return runs + more, failed + more_failed


def main() -> None:
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    seeds = int(numbers[0]) if numbers else 20
    cached = "--cache" in sys.argv[1:]
    with running_emulator(demo_seed()) as clean:
        scenario(clean.url)
        expected = state(clean.url)
    print(
        "| seed | runs to settle | runs that gave up | requests | end state as clean | duplicate comments |"
    )
    print("|---:|---:|---:|---:|---|---:|")
    equal = 0
    started = time.perf_counter()
    for seed in range(1, seeds + 1):
        with running_emulator(demo_seed()) as chaos:
            runs, failed = scenario(chaos.url, {"seed": seed, **FAULTS}, cached=cached)
            requests = sum(admin(chaos.url, "stats")["requests"].values())
            got = state(chaos.url)
        duplicates = sum(
            n - 1 for _, _, keys in got.values() for n in Counter(keys).values() if n > 1
        )
        same = got == expected
        equal += same
        print(
            f"| {seed} | {runs} | {failed} | {requests} | {'yes' if same else 'NO'} | {duplicates} |"
        )
    print(
        f"\n{equal}/{seeds} fault schedules ended exactly as the clean run ({time.perf_counter() - started:.0f} s)"
    )
    if equal != seeds:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
