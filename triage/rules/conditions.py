"""Conditions: a registry of small, typed tests over one issue.

In a policy a condition is a one-key mapping: `{task: Discovery call held}`, composed with
`all`, `any` and `not`. Adding one is one class and one entry in `CONDITIONS`. Each evaluation
says whether it was met and what it saw, for `triage explain`. A condition that needs data the
listing does not carry (notes, label events) raises `NeedDetail` until it has been fetched.
A condition reads the time only through `facts.moment` (today's date, or days since an instant
with the thresholds it compares them to): its answers say how long a plan holds (moment.py).
"""

from __future__ import annotations

import fnmatch
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..catalog import unknown
from ..issues.tasks import normalise
from .condition import Condition as Condition
from .condition import Outcome as Outcome
from .facts import Facts, NeedDetail
from .fiscal import business_days_between
from .registry import tagged_union
from .revisions import CloseQuarterLater, EstimateRevisedSince, ReviewOutdated


class Compare(BaseModel):
    """A number compared: `{gte: 3}`, `{lt: 10}`, or several at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)
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


class LabelPresent(Condition):
    key = "label"
    summary = "a label is present; `*` matches any text (`Lost::*`)"
    example = "{label: 'Lost::*'}"
    label: str

    def evaluate(self, facts: Facts) -> Outcome:
        found = [name for name in facts.issue.labels if fnmatch.fnmatchcase(name, self.label)]
        return Outcome(
            bool(found), "label " + ", ".join(found) if found else f"no label matching {self.label}"
        )


class LabelAbsent(Condition):
    key = "no_label"
    summary = "no label matches; `*` matches any text"
    example = "{no_label: 'EM_Confidence::*'}"
    no_label: str

    def evaluate(self, facts: Facts) -> Outcome:
        found = [name for name in facts.issue.labels if fnmatch.fnmatchcase(name, self.no_label)]
        return Outcome(
            not found,
            "label " + ", ".join(found) if found else f"no label matching {self.no_label}",
        )


class Assignee(Condition):
    key = "assignee"
    summary = "the issue has an assignee (true) or has none (false)"
    example = "{assignee: true}"
    assignee: bool

    def evaluate(self, facts: Facts) -> Outcome:
        people = facts.issue.assignees
        return Outcome(
            bool(people) == self.assignee,
            "assigned to " + ", ".join(people) if people else "no assignee",
        )


class TaskDone(Condition):
    key = "task"
    summary = "a task-list item with this text is ticked (case and spacing ignored)"
    example = "{task: Discovery call held}"
    task: str = Field(min_length=1)

    def evaluate(self, facts: Facts) -> Outcome:
        wanted = normalise(self.task)
        matching = [t for t in facts.issue.tasks if normalise(t.text) == wanted]
        if not matching:
            return Outcome(False, f"no task '{self.task}'")
        done = any(t.done for t in matching)
        return Outcome(done, f"task '{matching[0].text}' {'ticked' if done else 'not ticked'}")


class TouchedBy(Condition):
    key = "touched_by"
    summary = (
        "the issue's EM (its first assignee) acted on it since it entered its stage: a comment, "
        "a description edit, assigning themselves, a label change (their notes, system notes "
        "included, and label events); an EM's first touch (`em`, the only role)"
    )
    example = "{touched_by: em}"
    touched_by: Literal["em"]

    def evaluate(self, facts: Facts) -> Outcome:
        issue = facts.issue
        em = issue.assignees[0] if issue.assignees else None
        if em is None:
            return Outcome(False, "no EM assigned")
        if issue.notes is None:
            raise NeedDetail("notes")
        since = facts.stage_started()  # reads the label events
        assert issue.label_events is not None
        times = [n.created_at for n in issue.notes if n.author == em]
        times += [e.created_at for e in issue.label_events if e.user == em]
        touched = [at for at in times if at >= since]
        return Outcome(
            bool(touched),
            f"@{em} acted on {facts.moment.date_of(max(touched))}"
            if touched
            else f"no action by @{em} in this stage yet",
        )


class LineItems(Condition):
    key = "line_items"
    summary = (
        "the scoping data block is valid and has at least one line item (true), or not (false)"
    )
    example = "{line_items: true}"
    line_items: bool

    def evaluate(self, facts: Facts) -> Outcome:
        block = facts.issue.scoping
        count = len(block.data.line_items) if block.data else 0
        saw = (
            f"{count} line item{'s' if count != 1 else ''} in the data block"
            if block.status == "valid"
            else f"data block {block.status}"
        )
        return Outcome((count > 0) == self.line_items, saw)


class DataBlock(Condition):
    key = "data_block"
    summary = "the scoping data block is valid, invalid or missing"
    example = "{data_block: invalid}"
    data_block: Literal["valid", "invalid", "missing"]

    def evaluate(self, facts: Facts) -> Outcome:
        block = facts.issue.scoping
        saw = (
            "data block "
            + block.status
            + (
                f" ({len(block.problems)} problem{'s' if len(block.problems) != 1 else ''})"
                if block.problems
                else ""
            )
        )
        return Outcome(block.status == self.data_block, saw)


class FieldPresent(Condition):
    key = "field"
    summary = "a field of the scoping data block has a value (dotted for nested: `people.sa`)"
    example = "{field: close_date}"
    field: str

    def evaluate(self, facts: Facts) -> Outcome:
        data = facts.issue.scoping.data
        value: Any = data
        for part in self.field.split("."):
            value = getattr(value, part, None) if value is not None else None
        present = value not in (None, "", [], {})
        return Outcome(present, repr(value) if present else "empty")


class EstimateState(Condition):
    key = "estimate"
    summary = (
        "the estimate can be priced from the data block and the rate card (valid), cannot "
        "(invalid: a broken block, an unknown role, another currency), or has no line items (missing)"
    )
    example = "{estimate: valid}"
    estimate: Literal["valid", "invalid", "missing"]

    def evaluate(self, facts: Facts) -> Outcome:
        block = facts.issue.scoping
        if block.status == "invalid":
            state, saw = "invalid", "data block invalid"
        elif block.data is None or not block.data.line_items:
            state, saw = "missing", "no line items"
        else:
            priced, problems = facts.estimate()
            if priced is None:
                state, saw = "invalid", "; ".join(problems)
            else:
                days = f"{priced.total_days.normalize():f}"
                state, saw = "valid", f"{days} days, net {facts.amount(priced.net_price)}"
        return Outcome(state == self.estimate, saw)


class UnknownActivities(Condition):
    key = "unknown_activities"
    summary = (
        "a line item of the scoping data block names an activity the service catalog "
        "(`catalog`) does not know, by id or alias (true), or none does (false)"
    )
    example = "{unknown_activities: true}"
    unknown_activities: bool

    def evaluate(self, facts: Facts) -> Outcome:
        data = facts.issue.scoping.data
        names = unknown(facts.catalog, [item.activity for item in data.line_items] if data else [])
        saw = (
            "not in the service catalog: " + ", ".join(f"'{name}'" for name in names)
            if names
            else "every line item's activity is in the service catalog"
        )
        return Outcome(bool(names) == self.unknown_activities, saw)


class State(Condition):
    key = "state"
    summary = "the issue is opened or closed"
    example = "{state: opened}"
    state: Literal["opened", "closed"]

    def evaluate(self, facts: Facts) -> Outcome:
        return Outcome(facts.issue.state == self.state, f"issue {facts.issue.state}")


class DaysSinceUpdate(Condition):
    key = "days_since_update"
    summary = "calendar days since the issue was last updated"
    example = "{days_since_update: {gte: 45}}"
    days_since_update: Compare

    def evaluate(self, facts: Facts) -> Outcome:
        compare = self.days_since_update
        days = facts.moment.days_since(facts.issue.updated_at, compare.bounds(), places=1)
        return Outcome(compare.holds(days), f"{days:.1f} days")


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
        return Outcome(self.days_in_stage.holds(days), f"{days} business days")


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
            self.days_to_quarter_end.holds(days), f"{days} business days to {quarter.name} end"
        )


class NetPrice(Condition):
    key = "net_price"
    summary = "the estimate's net price (the condition fails when it cannot be priced)"
    example = "{net_price: {gt: 50000}}"
    net_price: Compare

    def evaluate(self, facts: Facts) -> Outcome:
        priced, _ = facts.estimate()
        if priced is None:
            return Outcome(False, "no priced estimate")
        return Outcome(
            self.net_price.holds(float(priced.net_price)),
            f"net {facts.amount(priced.net_price)}",
        )


class BusinessDaysToClose(Condition):
    key = "business_days_to_close"
    summary = "business days from today to the data block's close_date (fails without one)"
    example = "{business_days_to_close: {lt: 10}}"
    business_days_to_close: Compare

    def evaluate(self, facts: Facts) -> Outcome:
        data = facts.issue.scoping.data
        if data is None or data.close_date is None:
            return Outcome(False, "no close date")
        days = business_days_between(facts.moment.today(), data.close_date, facts.holidays)
        return Outcome(
            self.business_days_to_close.holds(days), f"{days} business days to {data.close_date}"
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
            on == self.quarter_end, f"quarter-end mode {'on' if on else 'off'} ({quarter.name})"
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
                    return Outcome(True, f"{since_update:.0f} days since any update")
                # An issue younger than the threshold cannot have been idle that long.
                age = facts.moment.days_since(issue.created_at, compare.bounds(), places=0)
                if not compare.holds(age):
                    return Outcome(False, f"{age:.0f} days old")
                if planned is not None and closes is not None:
                    to_close = facts.moment.days_since(planned, compare.bounds(), places=0)
                    if not compare.holds(to_close):
                        return Outcome(False, _close_date_saw(closes, to_close))
            raise NeedDetail("notes" if issue.notes is None else "label_events")
        quiet = facts.idle_since()
        assert quiet is not None  # the notes and label events are read
        days = facts.moment.days_since(quiet, compare.bounds(), places=0)
        if closes is not None and quiet > last:
            return Outcome(compare.holds(days), _close_date_saw(closes, days))
        return Outcome(compare.holds(days), f"{days:.0f} days since people last acted")


def _close_date_saw(planned: date, days: float) -> str:
    if days < 0:
        return f"{planned} (close date or revisit date) is ahead: it counts as activity"
    return f"{days:.0f} days since {planned} (close date or revisit date), after people last acted"


class RevisitDue(Condition):
    key = "revisit_due"
    summary = "the data block's revisit_on date has come (true) or not (false)"
    example = "{revisit_due: true}"
    revisit_due: bool

    def evaluate(self, facts: Facts) -> Outcome:
        data = facts.issue.scoping.data
        when = data.revisit_on if data else None
        due = when is not None and when <= facts.moment.today()
        return Outcome(due == self.revisit_due, f"revisit_on {when}" if when else "no revisit_on")


class CloseDatePassed(Condition):
    key = "close_date_passed"
    summary = "the data block's close_date is before today (fails without one)"
    example = "{close_date_passed: true}"
    close_date_passed: bool

    def evaluate(self, facts: Facts) -> Outcome:
        data = facts.issue.scoping.data
        if data is None or data.close_date is None:
            return Outcome(False, "no close date")
        passed = data.close_date < facts.moment.today()
        quarter = facts.quarter_of(data.close_date)
        return Outcome(
            passed == self.close_date_passed,
            f"close date {data.close_date} ({quarter.name}) "
            + ("has passed" if passed else "is still ahead"),
        )


def _short_circuit(conditions: list[Condition], facts: Facts, *, stop_on: bool) -> Outcome:
    """Evaluate in order and stop at the first outcome equal to `stop_on`, so a cheap
    condition listed first can spare the fetch a later one would need."""
    seen: list[str] = []
    found: dict[str, Any] = {}
    for condition in conditions:
        outcome = condition.evaluate(facts)
        seen.append(outcome.saw)
        found.update(outcome.found)
        if outcome.met == stop_on:
            return Outcome(stop_on, "; ".join(seen), found)
    return Outcome(not stop_on, "; ".join(seen), found)


class All(Condition):
    key = "all"
    summary = "every condition in the list holds"
    example = "{all: [{assignee: true}, {task: Discovery call held}]}"
    all: list[AnyCondition] = Field(min_length=1)

    def evaluate(self, facts: Facts) -> Outcome:
        return _short_circuit(self.all, facts, stop_on=False)

    def found_samples(self) -> dict[str, Any]:
        return {k: v for c in self.all for k, v in c.found_samples().items()}


class AnyOf(Condition):
    key = "any"
    summary = "at least one condition in the list holds"
    example = "{any: [{label: 'Lost::*'}, {days_since_update: {gte: 60}}]}"
    any: list[AnyCondition] = Field(min_length=1)

    def evaluate(self, facts: Facts) -> Outcome:
        return _short_circuit(self.any, facts, stop_on=True)

    def found_samples(self) -> dict[str, Any]:
        return {k: v for c in self.any for k, v in c.found_samples().items()}


class Not(Condition):
    key = "not"
    summary = "the condition does not hold"
    example = "{not: {label: 'On_hold'}}"
    not_: AnyCondition = Field(alias="not")

    def evaluate(self, facts: Facts) -> Outcome:
        inner = self.not_.evaluate(facts)
        return Outcome(not inner.met, inner.saw, inner.found)

    def found_samples(self) -> dict[str, Any]:
        return self.not_.found_samples()


CONDITIONS: tuple[type[Condition], ...] = (
    LabelPresent,
    LabelAbsent,
    Assignee,
    TaskDone,
    TouchedBy,
    LineItems,
    DataBlock,
    EstimateState,
    UnknownActivities,
    FieldPresent,
    State,
    DaysSinceUpdate,
    DaysInStage,
    DaysToQuarterEnd,
    NetPrice,
    BusinessDaysToClose,
    QuarterEnd,
    DaysWithoutHumanActivity,
    RevisitDue,
    EstimateRevisedSince,
    ReviewOutdated,
    CloseDatePassed,
    CloseQuarterLater,
    All,
    AnyOf,
    Not,
)
CONDITION_KEYS = tuple(c.key for c in CONDITIONS)


if TYPE_CHECKING:  # to a type checker, the tagged union is its base class
    AnyCondition = Condition
else:
    AnyCondition = tagged_union(CONDITIONS, kind="condition")

for _model in (All, AnyOf, Not):
    _model.model_rebuild()
