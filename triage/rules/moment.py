"""The run's moment, as a plan may read it: and for how long every answer it gave still holds.

A plan depends on time only through what it asks of its `Moment`: today's date, or the days
since some instant, compared with thresholds and shown to so many decimal places. Each answer
moves `until` back to the first instant at which it could be different: the next midnight for a
date; for days since an instant, the first threshold or rounding step ahead. A plan made from
the same issue at any instant in `[at, until)` is therefore the same plan, which is what lets a
run leave an unchanged issue unplanned (`planner/memory.py`). An answer whose use cannot be
bounded (`exact()`) ends that at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from contextlib import suppress
from datetime import date, datetime, time, timedelta

# Subtracted from every bound: a bound computed in floating point may land a hair late.
MARGIN = timedelta(milliseconds=1)


class Moment:
    def __init__(self, at: datetime) -> None:
        self._at = at
        self.until: datetime | None = None  # None: no answer given depends on the time

    def __repr__(self) -> str:
        return f"Moment({self._at.isoformat()})"

    def _hold(self, until: datetime) -> None:
        if self.until is None or until < self.until:
            self.until = until

    def today(self) -> date:
        """The date (in the moment's time zone: the team's for a run): the same until midnight."""
        day = self._at.date()
        self._hold(datetime.combine(day + timedelta(days=1), time(0), tzinfo=self._at.tzinfo))
        return day

    def date_of(self, instant: datetime) -> date:
        """The date of an instant in the moment's time zone (the team's, for a run)."""
        return instant.astimezone(self._at.tzinfo).date()

    def days_since(
        self, then: datetime, thresholds: Iterable[float] = (), *, places: int | None = None
    ) -> float:
        """Calendar days from `then` to the moment, for a caller that only compares them with
        `thresholds` and shows them rounded to `places` decimals (None: never shows them). The
        count only grows, so each threshold is passed at most once."""
        days = (self._at - then).total_seconds() / 86400
        marks = list(thresholds)
        if places is not None:
            # Every point where a rounding to `places` decimals can change lies on this grid.
            step = 0.5 * 10**-places
            marks.append((math.floor(days / step) + 1) * step)
        ahead = [mark for mark in marks if mark >= days]
        if ahead:
            with suppress(OverflowError):  # a threshold past the year 9999 is never passed
                self._hold(max(self._at, then + timedelta(days=min(ahead)) - MARGIN))
        return days

    def start_of(self, day: date) -> datetime:
        """The first instant of `day` in the moment's time zone (reads no time: no bound)."""
        return datetime.combine(day, time(0), tzinfo=self._at.tzinfo)

    def exact(self) -> datetime:
        """The instant itself, for a use no bound can be given for: the plan holds only now."""
        self._hold(self._at)
        return self._at
