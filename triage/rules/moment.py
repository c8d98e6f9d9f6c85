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
from datetime import date, datetime, time, timedelta, tzinfo

# Business time is counted over at most this many days ahead: a calendar with no business day
# in ten years has no instant at which a threshold is passed.
_HORIZON_DAYS = 3660

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

    def within(self, start: time, end: time) -> bool:
        """Whether the moment's time of day (the team's, for a run) is in `[start, end)`: the
        same answer until the next of these hours."""
        day, now = self._at.date(), self._at.time()
        if now < start:
            at, inside = datetime.combine(day, start), False
        elif now < end:
            at, inside = datetime.combine(day, end), True
        else:
            at, inside = datetime.combine(day + timedelta(days=1), start), False
        self._hold(at.replace(tzinfo=self._at.tzinfo))
        return inside

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
            on = math.floor(days / step) * step
            # On a point of the grid whose shown value changes right after it (54.5 days, shown
            # "54" as Python rounds half to even, then "55"), the answer holds only now.
            turns = on == days and round(days, places) != round(days + step / 2, places)
            marks.append(days if turns else on + step)
        ahead = [mark for mark in marks if mark >= days]
        if ahead:
            with suppress(OverflowError):  # a threshold past the year 9999 is never passed
                self._hold(max(self._at, then + timedelta(days=min(ahead)) - MARGIN))
        return days

    def business_days_since(
        self,
        then: datetime,
        hours: tuple[time, time] | None,
        days_off: frozenset[date],
        thresholds: Iterable[float] = (),
    ) -> float:
        """Business time from `then` to the moment, in business days of `hours` (the team's, in
        the moment's time zone; None: whole days): only the hours within them, on weekdays that
        are not `days_off`, count, so 1.0 is one full business day whenever it started (an
        issue opened after hours starts its clock the next business morning). For a caller that
        compares it with `thresholds`: the same answer until the next one is passed."""
        start, end = hours or (time(0), time(0))
        zone = self._at.tzinfo
        day = _length(start, end)
        done = _business_seconds(then.astimezone(zone), self._at, start, end, days_off) / day
        ahead = [mark for mark in thresholds if mark > done]
        if ahead:
            # Counted from `then`, not from the moment: the bound is one instant whenever it is
            # asked (floating point from the moment made it move by a hair between plans).
            passed = _after(then.astimezone(zone), min(ahead) * day, start, end, days_off)
            self._hold(max(self._at, passed - MARGIN) if passed else self._at)
        return done

    def start_of(self, day: date) -> datetime:
        """The first instant of `day` in the moment's time zone (reads no time: no bound)."""
        return datetime.combine(day, time(0), tzinfo=self._at.tzinfo)

    def exact(self) -> datetime:
        """The instant itself, for a use no bound can be given for: the plan holds only now."""
        self._hold(self._at)
        return self._at


def _length(start: time, end: time) -> float:
    """Seconds in a business day from `start` to `end` (`end` 00:00: until midnight)."""
    day = datetime.combine(date.min, start)
    until = datetime.combine(date.min + timedelta(days=end <= start), end)
    return (until - day).total_seconds()


def _window(day: date, start: time, end: time, zone: tzinfo | None) -> tuple[datetime, datetime]:
    opens = datetime.combine(day, start, tzinfo=zone)
    return opens, opens + timedelta(seconds=_length(start, end))


def _business_seconds(
    since: datetime, until: datetime, start: time, end: time, days_off: frozenset[date]
) -> float:
    """Seconds within business hours on business days, from `since` to `until`."""
    total, day, zone = 0.0, since.date(), until.tzinfo
    while day <= until.date():
        if day.weekday() < 5 and day not in days_off:
            opens, closes = _window(day, start, end, zone)
            lo, hi = max(opens, since), min(closes, until)
            total += max((hi - lo).total_seconds(), 0.0)
        day += timedelta(days=1)
    return total


def _after(
    since: datetime, seconds: float, start: time, end: time, days_off: frozenset[date]
) -> datetime | None:
    """The instant `seconds` of business time after `since` (None: beyond the horizon)."""
    day, zone = since.date(), since.tzinfo
    for _ in range(_HORIZON_DAYS):
        if day.weekday() < 5 and day not in days_off:
            opens, closes = _window(day, start, end, zone)
            lo = max(opens, since)
            left = (closes - lo).total_seconds()
            if left > 0 and left >= seconds:
                return lo + timedelta(seconds=seconds)
            seconds -= max(left, 0.0)
        day += timedelta(days=1)
    return None
