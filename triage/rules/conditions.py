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
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ..catalog import unknown
from ..issues.tasks import normalise
from .condition import Condition as Condition
from .condition import Outcome as Outcome
from .facts import Facts, NeedDetail
from .reasons import Reason, reason
from .registry import tagged_union
from .revisions import CloseQuarterLater, EstimateRevisedSince, ReviewOutdated
from .timing import (
    BusinessDaysToClose,
    CloseDatePassed,
    Compare,
    DaysInStage,
    DaysSinceUpdate,
    DaysToQuarterEnd,
    DaysWithoutHumanActivity,
    QuarterEnd,
    RevisitDue,
)


class LabelPresent(Condition):
    key = "label"
    summary = "a label is present; `*` matches any text (`Lost::*`)"
    example = "{label: 'Lost::*'}"
    label: str

    def evaluate(self, facts: Facts) -> Outcome:
        found = [name for name in facts.issue.labels if fnmatch.fnmatchcase(name, self.label)]
        return Outcome(
            bool(found),
            "label " + ", ".join(found) if found else f"no label matching {self.label}",
            reasons=_labels(self.key, found, self.label),
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
            reasons=_labels(self.key, found, self.no_label),
        )


def _labels(key: str, found: list[str], pattern: str) -> tuple[Reason, ...]:
    return reason(f"{key}.found", labels=found) if found else reason(f"{key}.none", label=pattern)


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
            reasons=reason("assignee.assigned", assignees=list(people))
            if people
            else reason("assignee.none"),
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
            return Outcome(
                False, f"no task '{self.task}'", reasons=reason("task.missing", task=self.task)
            )
        done = any(t.done for t in matching)
        return Outcome(
            done,
            f"task '{matching[0].text}' {'ticked' if done else 'not ticked'}",
            reasons=reason(
                "task.ticked" if done else "task.not_ticked", task=matching[0].text, ticked=done
            ),
        )


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
            return Outcome(False, "no EM assigned", reasons=reason("touched_by.no_em"))
        if issue.notes is None:
            raise NeedDetail("notes")
        since = facts.stage_started()  # reads the label events
        assert issue.label_events is not None
        times = [n.created_at for n in issue.notes if n.author == em]
        times += [e.created_at for e in issue.label_events if e.user == em]
        touched = [at for at in times if at >= since]
        day = facts.moment.date_of(max(touched)) if touched else None
        return Outcome(
            bool(touched),
            f"@{em} acted on {day}" if touched else f"no action by @{em} in this stage yet",
            reasons=reason("touched_by.acted", user=em, date=str(day))
            if touched
            else reason("touched_by.not_yet", user=em),
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
        why = (
            reason("line_items.count", count=count)
            if block.status == "valid"
            else reason("line_items.block", status=block.status)
        )
        return Outcome((count > 0) == self.line_items, saw, reasons=why)


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
        why = reason("data_block.status", status=block.status, problems=len(block.problems))
        return Outcome(block.status == self.data_block, saw, reasons=why)


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
        return Outcome(
            present,
            repr(value) if present else "empty",
            reasons=reason("field.present", field=self.field, value=repr(value))
            if present
            else reason("field.empty", field=self.field),
        )


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
            state, saw, why = "invalid", "data block invalid", reason("estimate.block_invalid")
        elif block.data is None or not block.data.line_items:
            state, saw, why = "missing", "no line items", reason("estimate.no_line_items")
        else:
            priced, problems = facts.estimate()
            if priced is None:
                state, saw = "invalid", "; ".join(problems)
                unpriced = [{"kind": p.kind, **p.values} for p in problems]
                why = reason(
                    "estimate.unpriced", problems=[str(p) for p in problems], unpriced=unpriced
                )
            else:
                days, net = f"{priced.total_days.normalize():f}", facts.amount(priced.net_price)
                state, saw = "valid", f"{days} days, net {net}"
                why = reason("estimate.priced", days=days, net=net)
        return Outcome(state == self.estimate, saw, reasons=why)


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
        why = (
            reason("unknown_activities.found", activities=list(names))
            if names
            else reason("unknown_activities.none")
        )
        return Outcome(bool(names) == self.unknown_activities, saw, reasons=why)


class State(Condition):
    key = "state"
    summary = "the issue is opened or closed"
    example = "{state: opened}"
    state: Literal["opened", "closed"]

    def evaluate(self, facts: Facts) -> Outcome:
        state = facts.issue.state
        return Outcome(
            state == self.state, f"issue {state}", reasons=reason("state.is", state=state)
        )


class NetPrice(Condition):
    key = "net_price"
    summary = "the estimate's net price (the condition fails when it cannot be priced)"
    example = "{net_price: {gt: 50000}}"
    net_price: Compare

    def evaluate(self, facts: Facts) -> Outcome:
        priced, _ = facts.estimate()
        if priced is None:
            return Outcome(False, "no priced estimate", reasons=reason("net_price.unpriced"))
        net = facts.amount(priced.net_price)
        return Outcome(
            self.net_price.holds(float(priced.net_price)),
            f"net {net}",
            reasons=reason("net_price.net", net=net),
        )


def _short_circuit(conditions: list[Condition], facts: Facts, *, stop_on: bool) -> Outcome:
    """Evaluate in order and stop at the first outcome equal to `stop_on`, so a cheap
    condition listed first can spare the fetch a later one would need."""
    seen: list[str] = []
    found: dict[str, Any] = {}
    reasons: list[Reason] = []
    for condition in conditions:
        outcome = condition.evaluate(facts)
        seen.append(outcome.saw)
        found.update(outcome.found)
        reasons += outcome.reasons
        if outcome.met == stop_on:
            return Outcome(stop_on, "; ".join(seen), found, tuple(reasons))
    return Outcome(not stop_on, "; ".join(seen), found, tuple(reasons))


class All(Condition):
    key = "all"
    summary = "every condition in the list holds"
    example = "{all: [{assignee: true}, {task: Discovery call held}]}"
    all: list[AnyCondition] = Field(min_length=1)

    def evaluate(self, facts: Facts) -> Outcome:
        return _short_circuit(self.all, facts, stop_on=False)

    def found_samples(self) -> dict[str, Any]:
        return {k: v for c in self.all for k, v in c.found_samples().items()}

    def reason_samples(self) -> list[Reason]:
        return [r for c in self.all for r in c.reason_samples()]


class AnyOf(Condition):
    key = "any"
    summary = "at least one condition in the list holds"
    example = "{any: [{label: 'Lost::*'}, {days_since_update: {gte: 60}}]}"
    any: list[AnyCondition] = Field(min_length=1)

    def evaluate(self, facts: Facts) -> Outcome:
        return _short_circuit(self.any, facts, stop_on=True)

    def found_samples(self) -> dict[str, Any]:
        return {k: v for c in self.any for k, v in c.found_samples().items()}

    def reason_samples(self) -> list[Reason]:
        return [r for c in self.any for r in c.reason_samples()]


class Not(Condition):
    key = "not"
    summary = "the condition does not hold"
    example = "{not: {label: 'On_hold'}}"
    not_: AnyCondition = Field(alias="not")

    def evaluate(self, facts: Facts) -> Outcome:
        inner = self.not_.evaluate(facts)
        return Outcome(not inner.met, inner.saw, inner.found, inner.reasons)

    def found_samples(self) -> dict[str, Any]:
        return self.not_.found_samples()

    def reason_samples(self) -> list[Reason]:
        return self.not_.reason_samples()


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
