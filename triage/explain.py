"""Why an issue is where it is: every transition and rule, each condition met or not and
the value it saw. Pure, like the planner; the issue must carry its details."""

from __future__ import annotations

import fnmatch
from datetime import datetime

from pydantic import BaseModel

from .issues.snapshot import IssueSnapshot
from .planner import Settings, plan_issue
from .planner.state import PlanState
from .policy.model import ANY_OPEN, NO_STAGE, Policy
from .rules.conditions import (
    All,
    AnyOf,
    Assignee,
    Condition,
    FieldPresent,
    LabelAbsent,
    LabelPresent,
    Not,
    State,
    TaskDone,
)
from .rules.facts import Facts, NeedDetail

YES, NO, UNKNOWN = "✓", "✗", "?"


def _labels(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _value(value: object) -> str:
    """A data-block value as a person writes it (no Python reprs)."""
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, BaseModel):
        return ", ".join(f"{k}: {_value(v)}" for k, v in value.model_dump(mode="json").items() if v)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return str(value)


def _asked(condition: Condition) -> str:
    """What a condition asks, in words: `days in stage >= 3`, `quarter end: yes`."""
    name = condition.key.replace("_", " ")
    value = getattr(condition, condition.key)
    if isinstance(value, bool):
        return f"{name}: {'yes' if value else 'no'}"
    return f"{name} {value}"


def _sentence(condition: Condition, met: bool, saw: str, facts: Facts) -> str:
    """One condition, met or not, as a sentence saying what was seen."""
    issue = facts.issue
    if isinstance(condition, LabelPresent | LabelAbsent):
        pattern = condition.label if isinstance(condition, LabelPresent) else condition.no_label
        found = [name for name in issue.labels if fnmatch.fnmatchcase(name, pattern)]
        said = (
            f"label {_labels(found)} {'is' if len(found) == 1 else 'are'} present"
            if found
            else f"no label matches `{pattern}`"
        )
        if isinstance(condition, LabelAbsent) and found:
            said += f" (wanted none matching `{pattern}`)"
        return said
    if isinstance(condition, TaskDone):
        if saw.startswith("no task"):
            return f"there is no task '{condition.task}'"
        return saw.replace("' ticked", "' is ticked").replace("' not ticked", "' is not ticked")
    if isinstance(condition, Assignee):
        said = f"the issue is {saw}" if issue.assignees else "the issue has no assignee"
        return said if met else f"{said} (wanted {'one' if condition.assignee else 'none'})"
    if isinstance(condition, State):
        return f"the issue is {issue.state}" + ("" if met else f" (wanted {condition.state})")
    if isinstance(condition, FieldPresent):
        value: object = issue.scoping.data
        for part in condition.field.split("."):
            value = getattr(value, part, None) if value is not None else None
        if met:
            return f"field `{condition.field}` is set: {_value(value)}"
        return f"field `{condition.field}` is empty"
    wanted = getattr(condition, condition.key)
    if isinstance(wanted, bool):  # `close_date_passed: true`: what it saw says it
        return saw if met else f"{saw} (wanted: {_asked(condition)})"
    return f"{_asked(condition)}: {saw}"


def _tree(condition: Condition, facts: Facts, depth: int) -> list[str]:
    pad = "    " * depth
    try:
        outcome = condition.evaluate(facts)
    except NeedDetail as need:
        return [f"{pad}{UNKNOWN} {_asked(condition)}: needs the issue's {need.detail}, not read"]
    mark = YES if outcome.met else NO
    if isinstance(condition, All | AnyOf | Not):
        children, heading = (
            (condition.all, "all of these hold")
            if isinstance(condition, All)
            else (condition.any, "at least one of these holds")
            if isinstance(condition, AnyOf)
            else ([condition.not_], "this does not hold")
        )
        lines = [f"{pad}{mark} {heading}:"]
        for child in children:
            lines += _tree(child, facts, depth + 1)
        return lines
    return [f"{pad}{mark} {_sentence(condition, outcome.met, outcome.saw, facts)}"]


def explain_issue(policy: Policy, issue: IssueSnapshot, now: datetime, settings: Settings) -> str:
    life = policy.lifecycle
    prefix = f"{life.label_prefix}::"
    stages = [label.removeprefix(prefix) for label in issue.labels if label.startswith(prefix)]
    stage = stages[0] if len(stages) == 1 else None
    # The facts the planner sees (rates, calendar, bot, members), so explain agrees with the plan.
    facts = PlanState(policy, issue, now, settings).facts(issue, stage)
    lines = [
        f"{issue.ref}  {issue.title}",
        f"  stage: {', '.join(stages) or NO_STAGE}   state: {issue.state}   "
        f"labels: {', '.join(issue.labels) or '-'}",
        f"  data block: {issue.scoping.status}",
    ]
    lines += [f"    problem: {p}" for p in issue.scoping.problems]
    lines.append("")
    lines.append("transitions:")
    for t in life.transitions:
        origin = ", ".join(t.from_)
        here = (stage is None and (NO_STAGE in t.from_ or ANY_OPEN in t.from_)) or (
            stage is not None
            and (stage in t.from_ or (ANY_OPEN in t.from_ and stage not in life.terminal()))
        )
        if t.by == "people":
            lines.append(f"  {t.id}: {origin} -> {t.to}  (made by people)")
        elif not here:
            lines.append(f"  {t.id}: {origin} -> {t.to}  (not from this stage)")
        else:
            lines.append(f"  {t.id}: {origin} -> {t.to}  priority {t.priority}")
            assert t.when is not None
            lines += _tree(t.when, facts, 2)
    lines.append("")
    lines.append("rules:")
    for rule in policy.rules:
        if rule.stages is not None and (stage or NO_STAGE) not in rule.stages:
            lines.append(f"  {rule.id}: only in {', '.join(rule.stages)}")
            continue
        lines.append(f"  {rule.id}:")
        lines += _tree(rule.when, facts, 2)
    result = plan_issue(policy, issue, now, settings)
    lines.append("")
    lines.append("the plan for this issue:")
    if result.error:
        lines.append(f"  cannot plan: {result.error}")
    elif not result.has_changes:
        lines.append("  nothing to do")
    else:
        if result.add_labels or result.remove_labels:
            lines.append(
                "  labels: "
                + " ".join(
                    [
                        *(f"+{a}" for a in result.add_labels),
                        *(f"-{r}" for r in result.remove_labels),
                    ]
                )
            )
        if result.assign is not None:
            lines.append(f"  assign: {', '.join(result.assign) or 'nobody'}")
        if result.state_event:
            lines.append(f"  state: {result.state_event}")
        lines += [
            f"  {'internal note' if c.internal else 'comment'}: {c.key} (rev {c.rev})"
            for c in result.comments
        ]
        lines += [f"  because {reason}" for reason in result.reasons]
    return "\n".join(lines)
