"""A reminder's own clock (a comment action's `every`, without `repeat`): one reminder when the
SLA is missed, one escalation past the margin after that reminder was posted, then silence until
people act. The clock starts at the stage entry or at people's last edit (a note, a label, the
description), whichever is later: each start is a cycle, named in the reminder's marker key.

The comment action (`actions.Comment`) posts by it, and the daily digest lists a deal as
overdue by it (`digest/overdue.py`): a person is told a deal is late only when its reminder,
or for `escalate_to` its escalation, is due in the current cycle. Pure: read from the facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ..issues.markers import find_marker
from .facts import Facts, NeedDetail
from .fiscal import business_days_between


@dataclass(frozen=True)
class ReminderClock:
    """Where a reminder stands in its current cycle."""

    key: str  # the marker key of this cycle's reminder (`<key>/s<start>`); its escalation's + `/escalation`
    every: int  # the SLA in business days
    idle: float  # business time since the cycle started, in business days
    escalation_due: bool  # the margin has passed since this cycle's reminder was posted

    @property
    def reminder_due(self) -> bool:
        return self.idle >= self.every

    @property
    def late(self) -> int:
        """Whole business days past the SLA on this clock (0 before it is missed)."""
        return max(0, int(self.idle - self.every))


def sla(facts: Facts, every: int | None, quarter_end_every: int | None) -> tuple[int | None, bool]:
    """The SLA that holds now (`quarter_end_every` in the deal's quarter-end mode, when set),
    and whether it is the quarter-end one."""
    quarter_end = facts.deal_in_quarter_end() and quarter_end_every is not None
    return (quarter_end_every if quarter_end else every), quarter_end


def reminder_clock(
    facts: Facts,
    key: str,
    entered: datetime,
    every: int,
    escalate_after: int | None,
    marks: Sequence[float],
) -> ReminderClock:
    """The clock of the reminder whose marker key is `key` for a deal in its stage since
    `entered`; `marks`, the thresholds its caller compares the idle time with (the plan holds
    until the next). Needs the notes and label events (`NeedDetail`)."""
    since = max(entered, last_edit(facts))
    idle = facts.business_days_since(since, marks)
    key = f"{key}/s{since:%Y%m%d%H%M%S}"
    due = False
    if escalate_after and idle >= every + escalate_after:
        # The escalation comes the margin after the reminder was posted, never with it: at
        # rollout a backlog deal long past its SLA is reminded first (issue 32.7).
        reminded = reminded_on(facts, key)
        due = (
            reminded is not None
            and business_days_between(reminded, facts.moment.today(), facts.holidays)
            >= escalate_after
        )
    return ReminderClock(key, every, idle, due)


def reminded_on(facts: Facts, key: str) -> date | None:
    """The day (the team's) the bot posted the reminder `key` on the issue, if it has."""
    posted = [
        n.created_at
        for n in facts.issue.notes or ()
        if n.author == facts.bot and (m := find_marker(n.body)) is not None and m.key == key
    ]
    return facts.moment.date_of(min(posted)) if posted else None


def last_edit(facts: Facts) -> datetime:
    """The newest edit by people (notes, labels, description), once notes and label events are
    read; a reminder waits for them."""
    if facts.issue.notes is None:
        raise NeedDetail("notes")
    if facts.issue.label_events is None:
        raise NeedDetail("label_events")
    last = facts.last_human_activity()
    assert last is not None
    return last
