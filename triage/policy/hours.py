"""The team's business hours (`calendar.business_hours`)."""

from __future__ import annotations

from datetime import time

from pydantic import BaseModel, ConfigDict, Field, model_validator


class BusinessHours(BaseModel):
    """The team's working hours, in its time zone (`calendar.business_hours`): reminders,
    escalations and the digest are posted only within them; a run outside them leaves them to
    the first run within."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    start: time = Field(time(9), description="the hour reminders may be posted from, e.g. 09:00")
    end: time = Field(time(17), description="the hour they are no longer posted, e.g. 17:00")

    @model_validator(mode="after")
    def _start_before_end(self) -> BusinessHours:
        if self.start.tzinfo or self.end.tzinfo:
            raise ValueError("give the hours without a zone: they are in `calendar.time_zone`")
        if self.start >= self.end:
            raise ValueError(
                f"start ({self.start:%H:%M}) must be before end ({self.end:%H:%M}), "
                "e.g. {start: '09:00', end: '17:00'}"
            )
        return self
