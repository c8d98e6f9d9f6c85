"""The emulator's clock: real time, or pinned at a start and moved forward on request."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class ClockError(ValueError):
    """A clock move that GitLab time could never make (backwards)."""


class Clock:
    """Pinned when given a start; otherwise follows real time until first moved."""

    def __init__(self, start: datetime | None = None) -> None:
        self._pinned = start.astimezone(UTC) if start else None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._pinned or datetime.now(UTC)

    def set(self, when: datetime) -> datetime:
        with self._lock:
            current = self._pinned or datetime.now(UTC)
            when = when.astimezone(UTC)
            if when < current:
                raise ClockError(
                    f"the clock never moves backwards: {when.isoformat()} is before {current.isoformat()}"
                )
            self._pinned = when
            return when

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ClockError("advance_seconds must be zero or more")
        return self.set(self.now() + timedelta(seconds=seconds))


def iso(when: datetime | None) -> str | None:
    """GitLab's timestamp form: UTC, milliseconds, 'Z' (2024-09-27T09:01:06.710Z)."""
    if when is None:
        return None
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_time(value: str) -> datetime:
    """ISO 8601 with 'Z' or an offset; a date alone is midnight UTC."""
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
