"""Why an issue is where it is: every transition and rule, each condition met or not and
the value it saw. Pure, like the planner; the issue must carry its details."""

from __future__ import annotations

from datetime import datetime

from .issues.snapshot import IssueSnapshot
from .planner import Settings, plan_issue
from .policy.model import ANY_OPEN, NO_STAGE, Policy
from .rules.conditions import All, AnyOf, Condition, Facts, NeedDetail, Not
from .rules.moment import Moment


def _tree(condition: Condition, facts: Facts, depth: int) -> list[str]:
    pad = "    " * depth
    try:
        outcome = condition.evaluate(facts)
    except NeedDetail as need:
        return [f"{pad}?  {condition.key}: needs {need.detail}"]
    mark = "yes" if outcome.met else "no "
    if isinstance(condition, All | AnyOf | Not):
        children = (
            condition.all
            if isinstance(condition, All)
            else condition.any
            if isinstance(condition, AnyOf)
            else [condition.not_]
        )
        lines = [f"{pad}{mark} {condition.key}:"]
        for child in children:
            lines += _tree(child, facts, depth + 1)
        return lines
    spec = condition.model_dump(by_alias=True, mode="json")[condition.key]
    return [f"{pad}{mark} {condition.key}: {spec}  (saw: {outcome.saw})"]


def explain_issue(policy: Policy, issue: IssueSnapshot, now: datetime, settings: Settings) -> str:
    life = policy.lifecycle
    prefix = f"{life.label_prefix}::"
    stages = [label.removeprefix(prefix) for label in issue.labels if label.startswith(prefix)]
    stage = stages[0] if len(stages) == 1 else None
    cal = policy.calendar
    facts = Facts(
        issue=issue,
        moment=Moment(cal.local(now)),
        stage=stage,
        stage_prefix=life.label_prefix,
        fiscal_start_month=cal.fiscal_year_start_month,
        holidays=policy.days_off(issue.assignees[0] if issue.assignees else None),
        rates=policy.rates,
        quarter_end_days=cal.quarter_end_business_days,
    )
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
        if result.state_event:
            lines.append(f"  state: {result.state_event}")
        lines += [
            f"  {'internal note' if c.internal else 'comment'}: {c.key} (rev {c.rev})"
            for c in result.comments
        ]
        lines += [f"  because {reason}" for reason in result.reasons]
    return "\n".join(lines)
