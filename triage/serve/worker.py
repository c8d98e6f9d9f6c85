"""The worker: one thread that plans again each issue the inbox has ready, one at a time.

Each issue is planned from a fresh read of GitLab, under the run lease the scheduled run takes
(`replan`, in `service.py`); when the lease is busy, GitLab cannot be reached or the minute's
write budget is spent, the issue goes back to the inbox and is tried again a little later. The
hourly run stays the reconciler: whatever is lost here, it catches.

One log line per event handled: the issue, the event, the decision and the time from the event
to the end of its plan.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .inbox import Inbox, Pending
from .metrics import Metrics
from .receiver import Key

WRITES_PER_MINUTE = 60  # GitLab.com: 60 note creations a minute per user (other writes: 2,000
# requests a minute, which the door's pacing keeps to)


@dataclass(frozen=True)
class Planned:
    """What planning one issue again came to."""

    decision: str  # for the log: "applied, 2 writes", "nothing to do", "failed: ...", ...
    writes: int = 0
    notes: int = 0  # of the writes, notes created: what the minute's budget counts
    retry: bool = False  # not done (lease busy, GitLab unreachable, budget spent): try again
    reachable: bool = True  # GitLab answered
    lease_busy: bool = False


Replan = Callable[[Key, "int | None"], Planned]  # (the issue, writes allowed) -> what happened


class WriteBudget:
    """At most `per_minute` notes created in any 60 seconds, counted over what serve wrote:
    GitLab.com's limit on note creation per user. Label updates and the run lease's award emoji
    are not notes (counted as writes, they made a burst wait for the budget: 4 writes a plan,
    1 of them a note)."""

    def __init__(self, per_minute: int | None, clock: Callable[[], float]) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._spent: deque[tuple[float, int]] = deque()

    def left(self) -> int | None:
        if self.per_minute is None:
            return None
        now = self.clock()
        while self._spent and self._spent[0][0] <= now - 60:
            self._spent.popleft()
        return max(0, self.per_minute - sum(n for _, n in self._spent))

    def spend(self, writes: int) -> None:
        if writes:
            self._spent.append((self.clock(), writes))


class Worker:
    def __init__(
        self,
        inbox: Inbox,
        replan: Replan,
        metrics: Metrics,
        log: Callable[[str], None],
        *,
        clock: Callable[[], float] = time.time,
        writes_per_minute: int | None = WRITES_PER_MINUTE,
    ) -> None:
        self.inbox, self.replan, self.metrics, self.log, self.clock = (
            inbox,
            replan,
            metrics,
            log,
            clock,
        )
        self.budget = WriteBudget(writes_per_minute, clock)
        self.planned: list[Key] = []  # every issue planned, in turn (the tests count them)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Worker:
        self._thread = threading.Thread(target=self._loop, name="triage-serve-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Stops after the issue being planned (if any); what is pending stays in the inbox."""
        self._stop.set()
        self.inbox.wake()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.step()
            ready = self.inbox.next_ready()
            wait = 1.0 if ready is None else min(1.0, max(0.0, ready - self.clock()))
            if wait > 0:
                self.inbox.wait(wait)

    def step(self) -> None:
        """Plan again every issue ready now."""
        for key, entry in self.inbox.take_ready(self.clock()):
            if self._stop.is_set():
                self.inbox.put_back(key, entry, self.clock())
                continue
            self._one(key, entry)
        self.metrics.gauges["triage_pending_issues"] = len(self.inbox)

    def _one(self, key: Key, entry: Pending) -> None:
        left = self.budget.left()
        if left == 0:
            self.inbox.put_back(key, entry, self.clock())
            return
        try:
            outcome = self.replan(key, left)
        except Exception as error:  # a bug planning one issue stops neither the others nor serve
            outcome = Planned(f"failed: {type(error).__name__}")
        self.metrics.gauges["triage_gitlab_reachable"] = 1 if outcome.reachable else 0
        self.budget.spend(outcome.notes)
        self.metrics.add("triage_writes_total", outcome.writes)
        if outcome.retry:  # back in the inbox first: whoever reads the counters finds it there
            self.inbox.put_back(key, entry, self.clock())
            self.metrics.add("triage_plans_total", outcome="retried")
            if outcome.lease_busy:
                self.metrics.add("triage_lease_busy_total")
            return
        self.planned.append(key)
        self.metrics.add("triage_plans_total", outcome=outcome.decision.split(":")[0].split(",")[0])
        now = self.clock()
        project, iid = key
        for event, received in entry.events:
            if not math.isfinite(received):  # kept across a restart: when it came is not known
                self.log(f"{project}#{iid} {event}: {outcome.decision}")
                continue
            latency = max(0.0, now - received)
            self.metrics.add("triage_event_to_plan_seconds_sum", latency)
            self.metrics.add("triage_event_to_plan_seconds_count")
            self.log(f"{project}#{iid} {event}: {outcome.decision} ({latency:.2f} s)")
