"""What an approval needs besides its approver (a gate's `requires` and `margin_waiver`), on
one issue: the one computation behind the gates' refusals and the forecast's "needs action".
Pure."""

from __future__ import annotations

from collections.abc import Mapping

from ..rules.facts import Facts
from .model import Gate

WAIVER_MISSING = (
    "a margin waiver: below the floor, `margin_waiver: {by: <approver>, reason: ...}` in the "
    "data block"
)


def missing_for(
    gate: Gate, facts: Facts, approvers: Mapping[str, frozenset[str]] | None = None
) -> list[str]:
    """What `gate` finds missing on the issue of `facts`: each unmet `requires`, and (with
    `margin_waiver`) a margin below the floor without a waiver named by one of the gate's
    approvers (by anyone, where the approvers are not known, as in the forecast)."""
    missing = [r.missing for r in gate.requires if not r.when.evaluate(facts).met]
    if gate.margin_waiver:
        priced, _ = facts.estimate()
        data = facts.issue.scoping.data
        waiver = data.margin_waiver if data else None
        named = waiver is not None and (
            approvers is None or waiver.by.lower() in approvers.get(gate.id, frozenset())
        )
        if priced is not None and priced.below_floor and not named:
            missing.append(WAIVER_MISSING)
    return missing
