"""Approvals that count only when the right person gave them.

A gate is a label (`proposal::Approved`, `TA::Approved`) with its approvers. Who set it comes
from the label's last `add` event, never from the label's presence. The bot's own user counts
too: it sets a gated label only after checking an approver's emoji, or when it normalises a
legacy spelling whose adder it checked. Pure functions over snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..issues.snapshot import Award, LabelEvent
from ..policy.model import Gate


@dataclass(frozen=True)
class Attempt:
    """The latest setting of a gated label (or of one of its legacy spellings)."""

    label: str
    actor: str | None  # None: GitLab holds no record of who added it
    at: datetime | None


def spellings(gate: Gate, aliases: dict[str, str]) -> set[str]:
    return {gate.label} | {
        legacy for legacy, canonical in aliases.items() if canonical == gate.label
    }


def last_setting(present: set[str], events: tuple[LabelEvent, ...]) -> Attempt:
    adds = [e for e in events if e.action == "add" and e.label in present]
    if not adds:
        return Attempt(sorted(present)[0], None, None)
    # GitLab lists events oldest first; of two at the same moment the later one is last.
    last = sorted(adds, key=lambda e: e.created_at)[-1]
    return Attempt(last.label, last.user, last.created_at)


def allowed(attempt: Attempt, approvers: frozenset[str], bot: str) -> bool:
    return attempt.actor is not None and (
        attempt.actor == bot or attempt.actor.lower() in approvers
    )


def emoji_approval(
    awards: tuple[Award, ...], name: str, approvers: frozenset[str]
) -> tuple[Award | None, list[Award]]:
    """(the first award by an approver, the awards by anyone else) of emoji `name`."""
    named = sorted((a for a in awards if a.name == name), key=lambda a: a.created_at)
    valid = next((a for a in named if a.user.lower() in approvers), None)
    return valid, [a for a in named if a.user.lower() not in approvers]
