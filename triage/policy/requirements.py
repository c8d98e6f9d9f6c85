"""What an approval needs besides its approver (a gate's `requires` and `margin_waiver`), on
one issue: the one computation behind the gates' refusals and the forecast's "needs action".
Pure. It says what is missing as data; the words a reader sees are the policy's (each
requirement's `missing`) and the templates' (the margin waiver's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..rules.facts import Facts
from .model import Gate


@dataclass(frozen=True)
class Missing:
    """What approvals lack on one issue: the policy's words (`missing`) of each unmet
    `requires`, and whether a margin below the floor has no waiver (`margin_waiver`: the
    template words it)."""

    requires: tuple[str, ...] = ()
    margin_waiver: bool = False

    def __bool__(self) -> bool:
        return bool(self.requires) or self.margin_waiver

    def named(self) -> list[str]:
        """For the operator's reasons (`explain`, the plan): the policy's words, and
        `margin_waiver` by its key."""
        return [*self.requires, *(["margin_waiver"] if self.margin_waiver else [])]

    @staticmethod
    def of_all(each: Iterable[Missing]) -> Missing:
        """What several gates lack together, in their order."""
        found = list(each)
        return Missing(
            tuple(text for m in found for text in m.requires),
            any(m.margin_waiver for m in found),
        )


def missing_for(
    gate: Gate, facts: Facts, approvers: Mapping[str, frozenset[str]] | None = None
) -> Missing:
    """What `gate` finds missing on the issue of `facts`: each unmet `requires`, and (with
    `margin_waiver`) a margin below the floor without a waiver named by one of the gate's
    approvers (by anyone, where the approvers are not known, as in the forecast)."""
    requires = tuple(r.missing for r in gate.requires if not r.when.evaluate(facts).met)
    waiver_missing = False
    if gate.margin_waiver:
        priced, _ = facts.estimate()
        data = facts.issue.scoping.data
        waiver = data.margin_waiver if data else None
        named = waiver is not None and (
            approvers is None or waiver.by.lower() in approvers.get(gate.id, frozenset())
        )
        waiver_missing = priced is not None and priced.below_floor and not named
    return Missing(requires, waiver_missing)
