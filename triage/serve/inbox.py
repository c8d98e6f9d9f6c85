"""The issues waiting to be planned again, and the deliveries already seen.

- **Debounce per issue.** An issue is ready once no event came for `quiet` seconds, or `most`
  seconds after its first event, whichever is first: a person ticking three tasks gives one plan.
- **Repeats.** A delivery whose id (`Idempotency-Key`) was seen in the last `remember` seconds is
  a repeat (GitLab's retry, a manual resend, a duplicate); at most `capacity` ids are kept.
- **Retries.** An issue that could not be planned (the run lease busy, GitLab unreachable, the
  write budget used up) stays pending and is ready again `retry` seconds later.
- **Restarts.** The pending issues are kept in a small JSON file, written when an issue is added
  or taken; a restart finds them ready at once. A missing or damaged file is an empty inbox (the
  hourly run catches up with whatever it held).

Times are seconds from one clock (`time.time` in the service; any number in tests). Thread-safe:
the web server adds, the worker takes.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from .receiver import Key

QUIET = 3.0
MOST = 15.0
RETRY = 5.0
REMEMBER = 24 * 3600.0
CAPACITY = 10_000
UNKNOWN = float("-inf")  # the time of an event kept across a restart


@dataclass
class Pending:
    first: float  # the first event's time
    last: float  # the latest event's time
    events: list[tuple[str, float]] = field(default_factory=list)  # (event name, received at)
    not_before: float = 0.0  # a retry waits until then

    def ready_at(self, quiet: float, most: float) -> float:
        return max(min(self.last + quiet, self.first + most), self.not_before)


class Inbox:
    def __init__(
        self,
        path: Path | None = None,
        *,
        quiet: float = QUIET,
        most: float = MOST,
        retry: float = RETRY,
        remember: float = REMEMBER,
        capacity: int = CAPACITY,
    ) -> None:
        self.path, self.quiet, self.most, self.retry = path, quiet, max(most, quiet), retry
        self.remember, self.capacity = remember, capacity
        self._pending: dict[Key, Pending] = {}
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self.changed = threading.Condition(self._lock)  # notified when an issue is added
        self.problem: str | None = None  # why the file could not be read or written
        self._load()

    # the web server's side ---------------------------------------------------------------

    def repeat(self, delivery_id: str | None, now: float) -> bool:
        """Whether this delivery was seen already (and remember it if not)."""
        if not delivery_id:
            return False
        with self._lock:
            while self._seen and (
                len(self._seen) >= self.capacity
                or next(iter(self._seen.values())) < now - self.remember
            ):
                self._seen.popitem(last=False)
            if delivery_id in self._seen:
                return True
            self._seen[delivery_id] = now
            return False

    def add(self, key: Key, event: str, now: float) -> None:
        with self._lock:
            entry = self._pending.get(key)
            if entry is None:
                self._pending[key] = Pending(now, now, [(event, now)])
                self._save()
            else:
                entry.last = max(entry.last, now)
                entry.events.append((event, now))
            self.changed.notify_all()

    # the worker's side -------------------------------------------------------------------

    def next_ready(self) -> float | None:
        """When the next pending issue is ready (None: nothing pending)."""
        with self._lock:
            times = [p.ready_at(self.quiet, self.most) for p in self._pending.values()]
        return min(times, default=None)

    def take_ready(self, now: float) -> list[tuple[Key, Pending]]:
        """The issues ready now, taken out (oldest first event first). Events arriving while
        one is planned make it pending again: the plan running may have read before them."""
        with self._lock:
            ready = sorted(
                (
                    (k, p)
                    for k, p in self._pending.items()
                    if p.ready_at(self.quiet, self.most) <= now
                ),
                key=lambda item: item[1].first,
            )
            for key, _ in ready:
                del self._pending[key]
            if ready:
                self._save()
        return ready

    def put_back(self, key: Key, entry: Pending, now: float) -> None:
        """An issue that could not be planned: pending again, ready `retry` seconds from now
        (with any events that came meanwhile)."""
        with self._lock:
            newer = self._pending.get(key)
            if newer is not None:
                entry.events += newer.events
                entry.last = max(entry.last, newer.last)
            entry.not_before = now + self.retry
            self._pending[key] = entry
            self._save()

    def wait(self, timeout: float) -> None:
        """Sleep until an issue is added or `timeout` seconds pass."""
        with self._lock:
            self.changed.wait(timeout)

    def wake(self) -> None:
        with self._lock:
            self.changed.notify_all()

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def keys(self) -> list[Key]:
        with self._lock:
            return list(self._pending)

    # the file ----------------------------------------------------------------------------

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            items = data["pending"]
            assert isinstance(items, list)
            for item in items:
                project, iid = item["project"], item["iid"]
                if (
                    not isinstance(project, str)
                    or not isinstance(iid, int)
                    or isinstance(iid, bool)
                ):
                    continue
                # When its events came is not kept: ready at once (its quiet time passed while
                # the service was down), and no latency is told for them.
                events = [(str(e), UNKNOWN) for e in item.get("events", [])][:1000]
                self._pending[(project, iid)] = Pending(
                    UNKNOWN, UNKNOWN, events or [("restart", UNKNOWN)]
                )
        except (OSError, ValueError, KeyError, TypeError, AssertionError) as error:
            self.problem = f"pending issues in {self.path} could not be read ({type(error).__name__}); starting empty"

    def _save(self) -> None:
        """Written to a temporary file first, then renamed: a crash leaves the old or the new."""
        if self.path is None:
            return
        data = {
            "pending": [
                {"project": p, "iid": i, "events": [e for e, _ in entry.events][-100:]}
                for (p, i), entry in self._pending.items()
            ]
        }
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            temporary.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as error:
            self.problem = f"pending issues could not be written to {self.path}: {error.strerror}"
            with contextlib.suppress(OSError):
                temporary.unlink()
