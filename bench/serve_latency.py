"""Benchmark (not a test): how soon `triage serve` writes after a person's action.

    .venv/bin/python bench/serve_latency.py [--debounce 3] [--debounce-max 15] [--issues 20]
        [--events 100] [--writes-per-minute 60]

The emulator holds ISSUES scoping issues waiting for approval (the hourly run has posted their
approval requests); serve listens with a project hook delivering to it. EVENTS times, a person
who is no approver sets `proposal::Approved` on one of the issues (in rounds over all of them,
in a shuffled order, one action every 50 ms), and serve reverts it: the event-to-write latency
is the time from the person's request being answered to the label being gone (the emulator's
store polled every 5 ms). The median and the 95th percentile are printed; the results are
recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent / "tests" / "integration")]

from test_gates_and_timers import issue, seed  # noqa: E402

from gitlab_emulator.testing import running_emulator  # noqa: E402
from triage.commands.demo_data import TASKS  # noqa: E402
from triage.gitlab.adapter import GitLab  # noqa: E402
from triage.serve.app import Background  # noqa: E402
from triage.serve.receiver import Secrets  # noqa: E402
from triage.serve.service import build  # noqa: E402

from support import BOT_TOKEN, bot_run, project_as, workspace  # noqa: E402

APPROVED = "proposal::Approved"


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--debounce", type=float, default=3.0)
    options.add_argument("--debounce-max", type=float, default=15.0)
    options.add_argument("--issues", type=int, default=20)
    options.add_argument("--events", type=int, default=100)
    options.add_argument("--writes-per-minute", type=int, default=60)
    args = options.parse_args()
    iids = list(range(1, args.issues + 1))
    with running_emulator(seed([issue(n, "Ready For Approval", done=TASKS) for n in iids])) as emu:
        bot_run(emu.url)
        ws = workspace()
        service = build(
            ws.policy,
            GitLab(emu.url, BOT_TOKEN),
            ws.templates,
            Secrets("bench-secret"),
            lambda line: None,
            quiet=args.debounce,
            most=args.debounce_max,
            writes_per_minute=args.writes_per_minute,
        )
        project = emu.store.project_by_ref("ps/ps-plan")
        assert project is not None
        label = next(lb for lb in emu.store.labels_for(project) if lb.name == APPROVED)

        def has_label(iid: int) -> bool:
            with emu._lock:
                return label.id in project.issues[iid].label_ids

        latencies: list[float] = []
        service.worker.start()
        with Background(service) as web:
            project_as(emu.url, "rowan").hooks.create(
                {
                    "url": f"{web.url}/webhook",
                    "token": "bench-secret",
                    "issues_events": True,
                    "confidential_issues_events": True,
                    "note_events": True,
                    "confidential_note_events": True,
                    "emoji_events": True,
                }
            )
            felix = project_as(emu.url, "felix").issues
            order = random.Random(7)
            started = time.monotonic()
            done = 0
            while done < args.events:
                batch = order.sample(iids, min(len(iids), args.events - done))
                acted: dict[int, float] = {}
                for iid in batch:
                    felix.update(iid, {"add_labels": APPROVED})
                    acted[iid] = time.monotonic()
                    time.sleep(0.05)
                waiting = dict(acted)
                while waiting:
                    now = time.monotonic()
                    for iid in [i for i in waiting if not has_label(i)]:
                        latencies.append(now - waiting.pop(iid))
                    assert now - started < 600, "serve did not keep up"
                    time.sleep(0.005)
                done += len(batch)
            service.worker.stop()
        total = time.monotonic() - started
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(
        f"{len(latencies)} events over {len(iids)} issues, debounce {args.debounce:g} s "
        f"(at most {args.debounce_max:g} s): event-to-write median "
        f"{statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s; "
        f"{len(service.worker.planned)} plans, {service.metrics.total('triage_writes_total'):g} "
        f"writes (at most {args.writes_per_minute} a minute) in {total:.1f} s"
    )
    assert threading.active_count() < 50


if __name__ == "__main__":
    main()
