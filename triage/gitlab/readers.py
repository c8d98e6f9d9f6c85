"""How many issues' details a run reads at once: a fixed number (`triage apply --readers N`), or
by default as many as GitLab answers without making them wait.

Across a network a read is mostly the answer's journey, and more reads in flight finish a run
sooner. A small self-managed GitLab (a few Puma workers) makes reads beyond its workers queue:
they are answered no sooner, and its other users wait behind them. The automatic limit tells the
two apart as TCP Vegas does (Brakmo and Peterson, 1994), from the reads' own answer times:

- Every `limit` answers, with `usual` their median and `best` the fastest answer GitLab gave the
  run, `limit * (1 - best / usual)` estimates how many of those reads waited in GitLab's queue.
  The rest of an answer's time, the network and the work itself, does not grow with more reads.
  A run's first requests (who the bot is, the approvers, the listing's first page) go one at a
  time, so `best` is known before any read, even from a GitLab that makes the first reads queue.
- Fewer than one waiting: one reader more, up to CAP.
- More than two waiting: back to the readers that would not have waited, `ceil(limit * best /
  usual)`, plus one; never below FLOOR.
- Otherwise the limit stays.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Reads in flight: at first, at least, at most (with the listing's next page, or a write, one more).
START, FLOOR, CAP = 8, 2, 16


def next_limit(limit: int, best: float, usual: float, floor: int, cap: int) -> int:
    """The limit after a window of answers whose median took `usual` seconds (`best`: the fastest
    answer of the run)."""
    if usual <= 0:
        return limit
    waiting = limit * (1 - best / usual)
    if waiting < 1:
        return min(cap, limit + 1)
    if waiting > 2:
        return max(floor, min(limit, math.ceil(limit * best / usual) + 1))
    return limit


class Readers:
    """Turns to read in: at most `limit` at once. Fixed, or moved between `floor` and `cap` by the
    answer times it is told (`answered`)."""

    def __init__(self, start: int = START, floor: int = FLOOR, cap: int = CAP) -> None:
        if not 1 <= floor <= start <= cap:
            raise ValueError(f"readers: need 1 <= {floor} <= {start} <= {cap}")
        self.limit, self.floor, self.cap = start, floor, cap
        self.most = start  # the highest limit the run reached
        self._busy = 0
        self._changed = threading.Condition()
        self._best = math.inf
        self._window: list[float] = []

    @classmethod
    def fixed(cls, n: int) -> Readers:
        return cls(n, n, n)

    @property
    def adaptive(self) -> bool:
        return self.floor < self.cap

    def __str__(self) -> str:
        if not self.adaptive:
            return str(self.limit)
        return f"auto ({self.floor} to {self.cap}; at most {self.most}, ending at {self.limit})"

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait until fewer than `limit` reads are in flight, and read."""
        with self._changed:
            while self._busy >= self.limit:
                self._changed.wait()
            self._busy += 1
        try:
            yield
        finally:
            with self._changed:
                self._busy -= 1
                self._changed.notify()  # one turn came free: one waiting read may go

    def answered(self, seconds: float, fastest: float = math.inf) -> None:
        """One read's answer took `seconds`, from sending it to its headers; `fastest`: the
        quickest answer of any request so far."""
        if not self.adaptive:
            return
        with self._changed:
            self._best = min(self._best, seconds, fastest)
            self._window.append(seconds)
            if len(self._window) < self.limit:
                return
            usual = sorted(self._window)[len(self._window) // 2]  # the median (upper)
            self._window.clear()
            before = self.limit
            self.limit = next_limit(before, self._best, usual, self.floor, self.cap)
            self.most = max(self.most, self.limit)
            if self.limit > before:
                self._changed.notify(self.limit - before)
