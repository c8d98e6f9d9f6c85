"""What a condition may look at about one issue (`Facts`), and the signal that it needs more
(`NeedDetail`: notes or label events the listing does not carry). The time is read only through
`Facts.moment`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from ..catalog import Offering
from ..issues.markers import find_marker
from ..issues.scoping import ScopingData
from ..issues.snapshot import IssueSnapshot
from ..pricing import Estimate, PriceProblem, Rates, estimate
from .fiscal import FiscalQuarter, NamedBy, fiscal_quarter
from .moment import Moment
from .moves import stage_moves


class NeedDetail(Exception):
    """Raised when a condition needs data that has not been fetched yet."""

    def __init__(self, detail: str, *more: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.details = frozenset({detail, *more})  # all asked at once: one round of reads


@dataclass(frozen=True, kw_only=True)
class Facts:
    """Everything a condition may look at: the issue and the moment, nothing else. The time is
    read only through `moment` (its answers say how long the plan holds)."""

    issue: IssueSnapshot
    moment: Moment
    stage: str | None
    stage_prefix: str
    fiscal_start_month: int = 2
    fiscal_named_by: NamedBy = "end"  # a fiscal year is named by the year it ends (or starts) in
    holidays: frozenset[date] = frozenset()
    rates: Rates = field(default_factory=Rates)
    quarter_end_days: int = 10
    bot: str = ""
    members: frozenset[str] | None = None  # who may be mentioned from the data block
    digest: bool = False  # reminders leave their mentions to the daily digest
    hours: tuple[time, time] | None = None  # business hours (local): reminders wait for them
    # How the estimate is priced: the planner hands in its run's remembering one (`context.Memo`).
    catalog: tuple[Offering, ...] | list[Offering] = ()  # the policy's service catalog
    estimator: Callable[
        [ScopingData, Rates, tuple[Offering, ...] | list[Offering]],
        tuple[Estimate | None, list[PriceProblem]],
    ] = estimate
    # How an amount is written for a person (the policy's currency and locale: `₩5,130,000`);
    # None: the currency's code and two decimals.
    money: Callable[[Decimal], str] | None = None

    def amount(self, value: Decimal) -> str:
        """An amount of the rate card's currency, as the policy's locale writes it."""
        return self.money(value) if self.money else f"{self.rates.currency} {value:,.2f}"

    def quarter_of(self, day: date) -> FiscalQuarter:
        """The fiscal quarter of `day`, named as the policy's calendar names them."""
        return fiscal_quarter(day, self.fiscal_start_month, self.fiscal_named_by)

    def in_quarter_end(self) -> bool:
        """The calendar's quarter-end mode: the fiscal quarter's last `quarter_end_days` days."""
        today = self.moment.today()
        quarter = self.quarter_of(today)
        start, counted = quarter.end, 0
        while True:
            if start.weekday() < 5 and start not in self.holidays:
                counted += 1
                if counted == self.quarter_end_days:
                    break
            start -= timedelta(days=1)
        return start <= today <= quarter.end

    def deal_in_quarter_end(self) -> bool:
        """Quarter-end mode for this deal: only if its close date is in the current quarter."""
        data = self.issue.scoping.data
        quarter = self.quarter_of(self.moment.today())
        closes = data.close_date if data else None
        return bool(closes and quarter.start <= closes <= quarter.end and self.in_quarter_end())

    def business_day(self) -> bool:
        today = self.moment.today()
        return today.weekday() < 5 and today not in self.holidays

    def business_days_since(self, then: datetime, thresholds: Iterable[float] = ()) -> float:
        """Business time since `then` in business days: the team's business hours on its
        business days (see `Moment.business_days_since`)."""
        return self.moment.business_days_since(then, self.hours, self.holidays, thresholds)

    def business_hours(self) -> bool:
        """Within the team's business hours (always, when the facts have none)."""
        return self.hours is None or self.moment.within(*self.hours)

    def last_human_activity(self) -> datetime | None:
        """The newest note or label change by anyone but the bot, once both are fetched;
        before that, None. (People's description edits show as their system notes.)"""
        notes, events = self.issue.notes, self.issue.label_events
        if notes is None or events is None:
            return None
        times = [n.created_at for n in notes if n.author != self.bot]
        times += [e.created_at for e in events if e.user and e.user != self.bot]
        return max([self.issue.created_at, *times])

    def idle_since(self) -> datetime | None:
        """When the deal went quiet: people's last action, or the data block's close date (or an
        on-hold deal's `revisit_on`) when that is later: a date ahead is activity to come. None
        until notes and label events are read."""
        last = self.last_human_activity()
        if last is None:
            return None
        planned = self.planned_date()
        return max(last, self.moment.start_of(planned)) if planned else last

    def quiet_since(self) -> datetime:
        """`idle_since`, or before the details are read what the listing shows: its last update
        (anyone's, the bot's included), or a later close or revisit date."""
        found = self.idle_since()
        if found is not None:
            return found
        planned = self.planned_date()
        updated = self.issue.updated_at
        return max(updated, self.moment.start_of(planned)) if planned else updated

    def planned_date(self) -> date | None:
        """The later of the data block's close date and its `revisit_on`, if it has either."""
        data = self.issue.scoping.data
        dates = [d for d in (data.close_date, data.revisit_on) if d] if data else []
        return max(dates, default=None)

    def estimate(self) -> tuple[Estimate | None, list[PriceProblem]]:
        data = self.issue.scoping.data
        return self.estimator(data, self.rates, self.catalog) if data else (None, [])

    def close_quarter(self) -> str | None:
        """The fiscal quarter of the data block's close date (`FY26-Q4`), if it has one."""
        data = self.issue.scoping.data
        if data is None or data.close_date is None:
            return None
        return self.quarter_of(data.close_date).name

    def stage_started(self) -> datetime:
        """When the current stage label was last added (label events), else issue creation."""
        events = self.issue.label_events
        if events is None:
            raise NeedDetail("label_events")
        label = f"{self.stage_prefix}::{self.stage}" if self.stage else None
        adds = [e.created_at for e in events if e.action == "add" and e.label == label]
        if label is None:  # no stage: since the last stage label was removed
            adds = [
                e.created_at
                for e in events
                if e.action == "remove" and e.label.startswith(f"{self.stage_prefix}::")
            ]
        return max(adds, default=self.issue.created_at)

    def last_move(self, source: str, target: str) -> datetime | None:
        """When the issue last moved from stage `source` to `target` (label events; the bot's
        moves and people's alike), if it ever did."""
        events = self.issue.label_events
        if events is None:
            raise NeedDetail("label_events")
        moves = stage_moves(events, f"{self.stage_prefix}::")
        return max((m.at for m in moves if (m.source, m.target) == (source, target)), default=None)

    def _shown(self) -> list[tuple[datetime, str, str, str | None]]:
        """(when, marker key, SoW revision, net price) of the bot's notes that showed an
        estimate, oldest first (markers on anyone else's notes, or on notes someone else
        edited, are no record)."""
        notes = self.issue.notes
        if notes is None:
            raise NeedDetail("notes")
        found = []
        for note in sorted(notes, key=lambda n: (n.created_at, n.id)):
            marker = find_marker(note.body) if note.author == self.bot else None
            if marker and marker.sow and note.bots_words(marker):
                found.append((note.created_at, marker.key, marker.sow, marker.net))
        return found

    def net_shown_at(self, when: datetime) -> Decimal | None:
        """The net price the bot's newest note up to `when` showed (None: no note recorded one)."""
        net = next((net for at, _, _, net in reversed(self._shown()) if at <= when), None)
        return Decimal(net) if net else None

    def shown_at(self, when: datetime) -> str | None:
        """The SoW revision the bot's newest note up to `when` showed (a run writes its notes
        before its label change, so the notes of the run that moved the issue count)."""
        return next((sow for at, _, sow, _ in reversed(self._shown()) if at <= when), None)

    def revisions_shown(self, rule: str) -> list[str]:
        """The SoW revisions the notes of `rule` showed, oldest first (what numbers versions)."""
        return [sow for _, key, sow, _ in self._shown() if key.startswith(f"{rule}/")]
