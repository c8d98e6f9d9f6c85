"""Conditions on time: days since an update, in a stage, to the quarter's end or the close date,
without people acting; the close and revisit dates (registered in `conditions.py`). Each reads
the time only through `facts.moment`, with the thresholds it compares (moment.py)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, model_validator

from .condition import Condition, Outcome
from .facts import Facts, NeedDetail
from .fiscal import business_days_between
from .reasons import reason


class Compare(BaseModel):
    """A number compared: `{gte: 3}`, `{lt: 10}`, or several at once."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None

    @model_validator(mode="after")
    def _one(self) -> Compare:
        if all(v is None for v in (self.gt, self.gte, self.lt, self.lte)):
            raise ValueError("give at least one of gt, gte, lt, lte")
        return self

    def bounds(self) -> list[float]:
        """The values where `holds` can change its answer."""
        return [v for v in (self.gt, self.gte, self.lt, self.lte) if v is not None]

    def holds(self, value: float) -> bool:
        return (
            (self.gt is None or value > self.gt)
            and (self.gte is None or value >= self.gte)
            and (self.lt is None or value < self.lt)
            and (self.lte is None or value <= self.lte)
        )

    def __str__(self) -> str:
        signs = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
        return " and ".join(
            f"{signs[k]} {v:g}" for k, v in self.model_dump().items() if v is not None
        )


class DaysSinceUpdate(Condition):
    key = "days_since_update"
    summary = "calendar days since the issue was last updated"
    example = "{days_since_update: {gte: 45}}"
    days_since_update: Compare

    def evaluate(self, facts: Facts) -> Outcome:
        compare = self.days_since_update
        days = facts.moment.days_since(facts.issue.updated_at, compare.bounds(), places=1)
        why = reason("days_since_update.days", days=days)
        return Outcome(compare.holds(days), f"{days:.1f} days", reasons=why)


class DaysInStage(Condition):
    key = "days_in_stage"
    summary = "business days since the current stage label was added (from label events)"
    example = "{days_in_stage: {gte: 3}}"
    days_in_stage: Compare

    def evaluate(self, facts: Facts) -> Outcome:
        today = facts.moment.today()
        days = business_days_between(
            facts.moment.date_of(facts.stage_started()), today, facts.holidays
        )
        why = reason("days_in_stage.days", days=days)
        return Outcome(self.days_in_stage.holds(days), f"{days} business days", reasons=why)


class DaysToQuarterEnd(Condition):
    key = "days_to_quarter_end"
    summary = "business days left in the current fiscal quarter"
    example = "{days_to_quarter_end: {lte: 10}}"
    days_to_quarter_end: Compare

    def evaluate(self, facts: Facts) -> Outcome:
        today = facts.moment.today()
        quarter = facts.quarter_of(today)
        days = business_days_between(today, quarter.end, facts.holidays)
        return Outcome(
            self.days_to_quarter_end.holds(days),
            f"{days} business days to {quarter.name} end",
            reasons=reason("days_to_quarter_end.days", days=days, quarter=quarter.name),
        )


class BusinessDaysToClose(Condition):
    key = "business_days_to_close"
    summary = "business days from today to the data block's close_date (fails without one)"
    example = "{business_days_to_close: {lt: 10}}"
    business_days_to_close: Compare

    def evaluate(self, facts: Facts) -> Outcome:
        data = facts.issue.scoping.data
        if data is None or data.close_date is None:
            return Outcome(False, "no close date", reasons=reason(f"{self.key}.no_close_date"))
        days = business_days_between(facts.moment.today(), data.close_date, facts.holidays)
        return Outcome(
            self.business_days_to_close.holds(days),
            f"{days} business days to {data.close_date}",
            reasons=reason(f"{self.key}.days", days=days, close_date=str(data.close_date)),
        )


class QuarterEnd(Condition):
    key = "quarter_end"
    summary = "quarter-end mode: the quarter's last N business days, for a deal closing in it"
    example = "{quarter_end: true}"
    quarter_end: bool

    def evaluate(self, facts: Facts) -> Outcome:
        on = facts.deal_in_quarter_end()
        quarter = facts.quarter_of(facts.moment.today())
        return Outcome(
            on == self.quarter_end,
            f"quarter-end mode {'on' if on else 'off'} ({quarter.name})",
            reasons=reason("quarter_end.mode", on=on, quarter=quarter.name),
        )


class DaysWithoutHumanActivity(Condition):
    key = "days_without_human_activity"
    summary = (
        "calendar days since anyone but the bot commented, edited or relabelled the issue (its notes, "
        "system notes included, and label events), or since the data block's close date (or "
        "`revisit_on`) when that is later (a date ahead is activity to come); read only where the "
        "dates in the listing cannot decide"
    )
    example = "{days_without_human_activity: {gte: 45}}"
    days_without_human_activity: Compare

    def evaluate(self, facts: Facts) -> Outcome:
        compare = self.days_without_human_activity
        closes = facts.planned_date()
        planned = facts.moment.start_of(closes) if closes else None
        last = facts.last_human_activity()
        if last is None:
            issue = facts.issue
            lower_bounds_only = compare.lt is None and compare.lte is None
            # Nothing at all happened since updated_at, so people have been away at least that long.
            if lower_bounds_only:
                since_update = facts.moment.days_since(
                    facts.quiet_since(), compare.bounds(), places=0
                )
                if compare.holds(since_update):
                    return Outcome(
                        True,
                        f"{since_update:.0f} days since any update",
                        reasons=reason(f"{self.key}.since_update", days=since_update),
                    )
                # An issue younger than the threshold cannot have been idle that long.
                age = facts.moment.days_since(issue.created_at, compare.bounds(), places=0)
                if not compare.holds(age):
                    return Outcome(
                        False, f"{age:.0f} days old", reasons=reason(f"{self.key}.age", days=age)
                    )
                if planned is not None and closes is not None:
                    to_close = facts.moment.days_since(planned, compare.bounds(), places=0)
                    if not compare.holds(to_close):
                        return _close_date_outcome(False, closes, to_close)
            raise NeedDetail("notes" if issue.notes is None else "label_events")
        quiet = facts.idle_since()
        assert quiet is not None  # the notes and label events are read
        days = facts.moment.days_since(quiet, compare.bounds(), places=0)
        if closes is not None and quiet > last:
            return _close_date_outcome(compare.holds(days), closes, days)
        return Outcome(
            compare.holds(days),
            f"{days:.0f} days since people last acted",
            reasons=reason(f"{self.key}.since_people", days=days),
        )


def _close_date_outcome(met: bool, planned: date, days: float) -> Outcome:
    key = DaysWithoutHumanActivity.key
    if days < 0:
        return Outcome(
            met,
            f"{planned} (close date or revisit date) is ahead: it counts as activity",
            reasons=reason(f"{key}.close_ahead", date=str(planned), days=days),
        )
    return Outcome(
        met,
        f"{days:.0f} days since {planned} (close date or revisit date), after people last acted",
        reasons=reason(f"{key}.since_close", date=str(planned), days=days),
    )


class RevisitDue(Condition):
    key = "revisit_due"
    summary = "the data block's revisit_on date has come (true) or not (false)"
    example = "{revisit_due: true}"
    revisit_due: bool

    def evaluate(self, facts: Facts) -> Outcome:
        data = facts.issue.scoping.data
        when = data.revisit_on if data else None
        due = when is not None and when <= facts.moment.today()
        return Outcome(
            due == self.revisit_due,
            f"revisit_on {when}" if when else "no revisit_on",
            reasons=reason("revisit_due.date", date=str(when), due=due)
            if when
            else reason("revisit_due.none"),
        )


class CloseDatePassed(Condition):
    key = "close_date_passed"
    summary = "the data block's close_date is before today (fails without one)"
    example = "{close_date_passed: true}"
    close_date_passed: bool

    def evaluate(self, facts: Facts) -> Outcome:
        data = facts.issue.scoping.data
        if data is None or data.close_date is None:
            return Outcome(False, "no close date", reasons=reason(f"{self.key}.no_close_date"))
        passed = data.close_date < facts.moment.today()
        quarter = facts.quarter_of(data.close_date)
        return Outcome(
            passed == self.close_date_passed,
            f"close date {data.close_date} ({quarter.name}) "
            + ("has passed" if passed else "is still ahead"),
            reasons=reason(
                f"{self.key}.{'passed' if passed else 'ahead'}",
                close_date=str(data.close_date),
                quarter=quarter.name,
            ),
        )
