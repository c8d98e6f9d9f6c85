"""What is left of the shipped team in a team's policy, and tasks its issue template lacks (pure):
`triage validate` warns for each, naming where and the fix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel

from ..issues.tasks import normalise
from ..rules.conditions import CONDITIONS, NetPrice
from ..rules.fiscal import NamedBy, quarter_named
from .checks import GraphProblem
from .model import Policy
from .tasks import named_tasks

# The SoW terms a team writes in its own words (its legal name, its terms).
_SOW_WORDS = {
    "provider": "your legal name",
    "provider_short": "how your SoW names you after that",
    "governing_terms": "your terms for services",
    "billing": "your billing terms",
    "billing_terms": "your billing terms",
    "payment_terms": "your payment terms",
    "fee_types": "your names for the fee types",
    "closing_deliverable": "your SoW's last deliverable",
}
# The policy's words the bot writes on GitLab that the policy file `init` writes does not show
# (the model's defaults, in English): the banners on top of outdated notes and the lines below a
# comment that could not mention someone. A team in another language would meet them only there.
_HIDDEN_WORDS = {
    "banners": ("superseded", "superseded_summary", "resolved", "resolved_summary", "pdf_link"),
    "contacts": ("not_a_member", "em_not_a_member", "mentions_capped"),
}


_PLACEHOLDER = re.compile(r"\{\w+\}")


def _language(locale: str) -> str:
    return locale.replace("-", "_").split("_")[0].lower()


def _conditions(node: Any) -> Iterator[Any]:
    if isinstance(node, BaseModel):
        yield node
        for name in type(node).model_fields:
            yield from _conditions(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _conditions(item)


def condition_keys(policy: Policy) -> set[str]:
    """The keys of the conditions the policy's transitions, rules and approvals name."""
    found = _conditions([policy.lifecycle.transitions, policy.rules, policy.approvals])
    return {node.key for node in found if isinstance(node, CONDITIONS)}


def _money_conditions(policy: Policy) -> Iterator[tuple[tuple[Any, ...], list[float]]]:
    """Each `when` with a `net_price` condition, and its amounts."""
    whens: list[tuple[tuple[Any, ...], Any]] = [
        (("lifecycle", "transitions", i, "when"), move.when)
        for i, move in enumerate(policy.lifecycle.transitions)
    ]
    whens += [(("rules", i, "when"), rule.when) for i, rule in enumerate(policy.rules)]
    whens += [
        (("approvals", i, "requires", j, "when"), need.when)
        for i, gate in enumerate(policy.approvals)
        for j, need in enumerate(gate.requires)
    ]
    for path, when in whens:
        amounts = [
            value
            for found in _conditions(when)
            if isinstance(found, NetPrice)
            for value in found.net_price.bounds()
        ]
        if amounts:
            yield path, amounts


def leftovers(policy: Policy, shipped: Policy) -> list[GraphProblem]:
    """The shipped team's SoW terms under another currency or locale, its English words the policy
    file does not show under another language, its money thresholds under another currency, and a
    UTC calendar with no public holidays."""
    found: list[GraphProblem] = []
    rates, ours = policy.rates, shipped.rates
    if (rates.currency, rates.locale) != (ours.currency, ours.locale):
        for key, what in _SOW_WORDS.items():
            value = getattr(policy.sow, key)
            if value == getattr(shipped.sow, key):
                found.append(
                    GraphProblem(
                        ("sow", key),
                        f"still the shipped team's ({value!r}) under {rates.currency}, "
                        f"{rates.locale}",
                        f"write {what}",
                    )
                )
    if _language(rates.locale) != _language(ours.locale):
        for section, keys in _HIDDEN_WORDS.items():
            for key in keys:
                value = getattr(getattr(policy, section), key)
                if value != getattr(getattr(shipped, section), key):
                    continue
                names = list(dict.fromkeys(_PLACEHOLDER.findall(value)))
                kept = f", keeping {' and '.join(names)}" if names else ""
                found.append(
                    GraphProblem(
                        (section, key),
                        f"still the shipped English under {rates.locale} ({value!r}): the bot "
                        "writes it on GitLab",
                        f"write `{section}: {{{key}: ...}}` in your words{kept}",
                    )
                )
    if rates.currency != ours.currency:
        theirs = {amount for _, amounts in _money_conditions(shipped) for amount in amounts}
        for path, amounts in _money_conditions(policy):
            left = sorted({a for a in amounts if a in theirs})
            if left:
                listed = ", ".join(f"{a:,.0f}" for a in left)
                found.append(
                    GraphProblem(
                        path,
                        f"net_price {listed} is the shipped team's threshold in {ours.currency}; "
                        f"this policy's amounts are in {rates.currency}",
                        f"write the threshold in {rates.currency}",
                    )
                )
    calendar = policy.calendar
    if calendar.time_zone == "UTC" and not calendar.country and not calendar.regions:
        found.append(
            GraphProblem(
                ("calendar", "time_zone"),
                "`time_zone: UTC` and no `country`: a day starts at midnight UTC and no public "
                "holiday is skipped",
                "set your `time_zone` (e.g. Asia/Seoul) and `country` (e.g. KR)",
            )
        )
    return found


def targets_gone(policy: Policy, today: date) -> list[GraphProblem]:
    """Forecast targets of a quarter that never comes: one over before `today`'s began, as the
    calendar names quarters (often a target named by the other way of naming fiscal years)."""
    cal = policy.calendar
    start, named_by = cal.fiscal_year_start_month, cal.fiscal_year_named_by
    other: NamedBy = "start" if named_by == "end" else "end"
    current = cal.quarter(today)
    found: list[GraphProblem] = []
    for name in policy.forecast.targets:
        quarter = quarter_named(name, start, named_by)
        if quarter.end >= current.start:
            continue
        theirs = quarter_named(name, start, other)
        fix = "write the target of a quarter to come, or delete it"
        if theirs.end >= current.start:
            fix += (
                f"; if your team names a fiscal year by the year it {other}s in, set "
                f"`calendar.fiscal_year_named_by: {other}` ({name} is then "
                f"{theirs.start}..{theirs.end})"
            )
        found.append(
            GraphProblem(
                ("forecast", "targets", name),
                f"{name} is {quarter.start}..{quarter.end} (fiscal years named by the year they "
                f"{named_by} in): it ended before this quarter, {current.name}, began, so no "
                "forecast is for it",
                fix,
            )
        )
    return found


def missing_tasks(policy: Policy, checklist: list[str]) -> list[GraphProblem]:
    """`task:` conditions naming a task the issue template's checklist lacks: every issue made
    from it would wait there forever."""
    have = {normalise(text) for text in checklist}
    moves = {move.id: i for i, move in enumerate(policy.lifecycle.transitions)}
    rules = {rule.id: i for i, rule in enumerate(policy.rules)}
    found: list[GraphProblem] = []
    for named in named_tasks(policy):
        if normalise(named.text) in have:
            continue
        kind, owner = named.where[-2], named.where[-1]
        path = (
            ("lifecycle", "transitions", moves[owner], "when")
            if kind == "transitions"
            else ("rules", rules[owner], "when")
        )
        shown = ", ".join(f"'{t}'" for t in checklist) or "none"
        found.append(
            GraphProblem(
                path,
                f"task '{named.text}' is not in the issue template's checklist ({shown})",
                "name a task of the checklist, or add it to the issue template",
            )
        )
    return found
