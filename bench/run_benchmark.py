"""Benchmark (not a test): one scheduled run of the bot over N scoping issues in steady state.

    .venv/bin/python bench/run_benchmark.py 1000 10000
    .venv/bin/python bench/run_benchmark.py 10000 --summary 4000   # longer descriptions
    .venv/bin/python bench/run_benchmark.py 10000 --latency 30     # each request answered 30 ms late
    .venv/bin/python bench/run_benchmark.py 10000 --latency 100 --readers 8   # `triage apply --readers 8`
    .venv/bin/python bench/run_benchmark.py 10000 --latency 30 --workers 4 --work 20   # a small GitLab
    .venv/bin/python bench/run_benchmark.py 10000 --later 1       # the measured runs an hour later

Seeds the emulator (in this process) with N scoping issues spread over the stages the way a PS
pipeline is (data blocks, ticked tasks, EMs, confidence labels), brings them to steady state with
`triage apply` runs, then measures one more `triage apply` as a subprocess: its API requests (by
kind), wall time, and peak memory; and, in the same run, python-gitlab alone listing the same issues.
With `--latency MS` the emulator answers each request of the measured runs (the bot's and
python-gitlab's) MS milliseconds late, as a GitLab across a network does; it serves requests
concurrently, as GitLab does. With `--workers W --work MS` it works on at most W requests at once,
MS milliseconds each, and the others wait their turn, as a small GitLab (few Puma workers) does.
With `--later H` the emulator's clock moves H hours on before the measured runs, as the next run
of an hourly schedule finds the issues (by default they come right after the settling runs, when
every settled issue's remembered plan still holds). Prints a Markdown table; results are kept in
docs/benchmarks.md.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import TASKS, demo_seed, description
from triage.issues.markers import find_marker
from triage.workspace import load_workspace

ROOT = Path(__file__).resolve().parents[1]
# Share of issues per stage in a PS pipeline (fictional but plausible).
SPREAD = [
    (None, 0.02),
    ("Awaiting_Discovery", 0.18),
    ("Strawman_WIP", 0.15),
    ("Estimate_Feedback", 0.2),
    ("SOW_WIP", 0.15),
    ("Ready For Approval", 0.05),
    ("Approved", 0.15),
    ("On_hold", 0.1),
]
NOW = "2026-01-12T09:00:00Z"


# What an EM writes above the checklist; real summaries run to a few KB.
PROSE = "The customer wants a phased migration of 40 groups with CI templates; see the call notes. "


def seed(n: int, summary: int = 0) -> dict:
    """N issues; each description's summary is `summary` characters of prose (0: one word)."""
    rng = random.Random(7)
    data = demo_seed()
    data["now"] = NOW
    stages = [s for s, _ in SPREAD]
    weights = [w for _, w in SPREAD]
    issues = []
    for iid in range(1, n + 1):
        stage = rng.choices(stages, weights)[0]
        rank = stages.index(stage)
        done = TASKS[: max(0, min(3, rank - 1))]
        block = {
            "customer": f"Customer {iid}",
            "close_date": "2026-03-20",
            "people": {"sa": "felix", "ae": "imogen"},
            "confidence": {"value": "Amber", "rationale": "typical"},
            "line_items": [{"activity": "Discovery", "role": "PSE", "days": rng.choice([2, 4, 8])}],
        }
        labels = [
            "Services Calculator",
            "EM_Confidence::Amber",
            f"Segment::{rng.choice(['Ent_EAST', 'MM_APAC'])}",
        ]
        if stage:
            labels.append(f"proposal::{stage}")
        created = f"2025-12-{rng.randint(1, 28):02d}T09:00:00Z"
        updated = f"2026-01-{rng.randint(1, 11):02d}T09:00:00Z"
        who = "rowan" if stage == "Approved" else "dana"
        issues.append(
            {
                "iid": iid,
                "title": f"Customer {iid} - Scope Issue and Write SOW",
                "author": "imogen",
                "assignees": ["dana"],
                "labels": labels,
                "description": description(
                    (PROSE * (summary // len(PROSE) + 1))[:summary] or "Benchmark.",
                    done,
                    block if rank >= 2 else None,
                ),
                "created_at": created,
                "updated_at": updated,
                "notes": [
                    {
                        "author": "dana",
                        "body": "changed the description",
                        "system": True,
                        "created_at": updated,
                    }
                ],
                "label_events": [
                    {"user": who, "label": label, "action": "add", "created_at": created}
                    for label in labels
                ],
            }
        )
    data["projects"][0]["issues"] = issues
    return data


# The bot in its own process, reporting its own peak resident memory and CPU time when it exits.
# The peak is VmHWM, its address space's high-water mark: Linux carries ru_maxrss across
# fork and exec, so a child's RUSAGE_SELF includes this process's size when it forked it (the
# emulator's 10,000 issues), and a parent's RUSAGE_CHILDREN is the largest of all its children.
CHILD = """
import atexit, resource, sys
def usage():
    own = resource.getrusage(resource.RUSAGE_SELF)
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(f"PEAK_KIB {peak} CPU_S {own.ru_utime + own.ru_stime}", file=sys.stderr)
atexit.register(usage)
from triage.cli import entry
entry()  # what the `triage` command runs
"""


def bot(
    url: str, report: Path, cache: Path | None = None, readers: int | None = None
) -> tuple[float, int, float]:
    """One `triage apply` subprocess: (wall seconds, its peak resident MiB, its CPU seconds)."""
    env = {**os.environ, "GITLAB_URL": url, "GITLAB_TOKEN": "demo-bot-token"}
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            "-q",
            "apply",
            "--policies",
            str(ROOT / "policies"),
            "--templates",
            str(ROOT / "templates"),
            "--max-writes",
            "100000",
            "--report",
            str(report),
            *(["--cache", str(cache)] if cache else []),
            *(["--readers", str(readers)] if readers else []),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    peak, cpu = done.stderr.rsplit("PEAK_KIB ", 1)[1].split()[0:3:2]
    return wall, int(peak) // 1024, float(cpu)


def listing(url: str, awards: list[tuple[int, int]] = ()) -> float:  # type: ignore[assignment]
    """python-gitlab alone, in its own process: the listing, then (if given) the award emoji of
    these (issue, note) pairs one after the other: the requests no bot can do without."""
    script = (
        "import gitlab, json, sys; p=gitlab.Gitlab(sys.argv[1], private_token='demo-bot-token')"
        ".projects.get('ps/ps-plan', lazy=True); "
        "sum(1 for _ in p.issues.list(state='opened', labels='Services Calculator', per_page=100, iterator=True)); "
        "[p.issues.get(i, lazy=True).notes.get(n, lazy=True).awardemojis.list(get_all=True, per_page=100) "
        "for i, n in json.loads(sys.argv[2])]"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script, url, json.dumps(list(awards))], check=True)
    return time.perf_counter() - started


def awaiting_approval(cache: Path) -> list[tuple[int, int]]:
    """(issue, approval request note) of every issue awaiting approval, from the cache file."""
    pairs = []
    for ref, text in json.loads(cache.read_text())["issues"].items():
        entry = json.loads(text)
        if "proposal::Ready For Approval" not in entry["seen"][3]:
            continue
        requests = [
            note[0]
            for note in entry["notes"] or []
            if (m := find_marker(note[2]))
            and m.key.startswith("approval-request/")
            and m.superseded is None
        ]
        if requests:
            pairs.append((int(ref.rsplit("#", 1)[1]), max(requests)))
    return pairs


def measured(url: str, report: Path, cache: Path | None, readers: int | None) -> dict[str, float]:
    """One more scheduled run on the settled issues, and what the emulator served it."""
    admin(url, "stats/reset", {})
    wall, peak, cpu = bot(url, report, cache, readers)
    routes = admin(url, "stats")["routes"]
    return {
        "requests": sum(routes.values()),
        "awards": sum(v for k, v in routes.items() if "award_emoji" in k),
        "details": sum(v for k, v in routes.items() if k.endswith("/notes") or "label_events" in k),
        "writes": json.loads(report.read_text())["writes"],
        "recalled": json.loads(report.read_text())["plans_recalled"],
        "readers": json.loads(report.read_text())["readers"],
        "wall": wall,
        "cpu": cpu,
        "peak": peak,
    }


def shown(readers: dict) -> str:
    """The readers column: a fixed number, or what `auto` went up to and ended at."""
    if not readers["auto"]:
        return str(readers["at_end"])
    return f"auto (up to {readers['most_at_once']}, ending at {readers['at_end']})"


def main() -> None:
    args = sys.argv[1:]
    summary = int(args.pop(args.index("--summary") + 1)) if "--summary" in args else 0
    latency = int(args.pop(args.index("--latency") + 1)) if "--latency" in args else 0
    workers = int(args.pop(args.index("--workers") + 1)) if "--workers" in args else 0
    work = int(args.pop(args.index("--work") + 1)) if "--work" in args else 0
    readers = int(args.pop(args.index("--readers") + 1)) if "--readers" in args else None
    later = float(args.pop(args.index("--later") + 1)) if "--later" in args else 0
    sizes = [int(a) for a in args if not a.startswith("--")] or [1000, 10000]
    rules = load_workspace(ROOT / "policies", ROOT / "templates").policy
    per_rule_listings = len(rules.rules) + len(
        [t for t in rules.lifecycle.transitions if t.by == "bot"]
    )
    print(
        "| issues | latency (ms) | readers | hours later | details cache | plans recalled | bot requests | lower bound | over it | listing pages | "
        "approval emoji reads | notes + label events reads | writes | bot run (s) | bot CPU (s) | "
        "python-gitlab listing alone (s) | ratio | python-gitlab listing + the same emoji reads (s) | "
        "ratio | peak RSS (MiB) | one listing per rule: requests |"
    )
    print(
        "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for n in sizes:
        with running_emulator(seed(n, summary)) as emu, tempfile.TemporaryDirectory() as tmp:
            report, cache = Path(tmp) / "report.json", Path(tmp) / "details.json"
            for _ in range(5):  # bring every issue to its steady state (the cache fills too)
                bot(emu.url, report, cache)
                if json.loads(report.read_text())["writes"] == 0:
                    break
            admin(emu.url, "clock", {"advance_seconds": later * 3600})
            admin(emu.url, "faults", {"latency_ms": latency, "workers": workers, "work_ms": work})
            rows = [
                ("no", measured(emu.url, report, None, readers)),
                ("yes", measured(emu.url, report, cache, readers)),
            ]
            alone = listing(emu.url)
            pairs = awaiting_approval(cache)
            floor = listing(emu.url, pairs)
        pages = math.ceil(n / 100)
        for used, row in rows:
            # What no listing and no memory can answer: a page per 100 issues, and the award
            # emoji of each approval request awaiting a decision (an emoji does not touch the issue).
            bound = pages + row["awards"]
            per_rule = per_rule_listings * pages + row["awards"] + row["details"]
            print(
                f"| {n:,} | {latency} | {shown(row['readers'])} | {later:g} | {used} | {row['recalled']:,} | "
                f"{row['requests']:,.0f} | {bound:,.0f} | "
                f"{(row['requests'] - bound) / bound:.1%} | {pages} | {row['awards']:,.0f} | "
                f"{row['details']:,.0f} | {row['writes']:.0f} | {row['wall']:.1f} | {row['cpu']:.1f} | "
                f"{alone:.2f} | "
                f"{row['wall'] / alone:.1f} | {floor:.2f} ({len(pairs):,} reads) | "
                f"{row['wall'] / floor:.1f} | {row['peak']:.0f} | {per_rule:,.0f} |"
            )


if __name__ == "__main__":
    main()
