"""Approvals that count only when the right person gave them.

A gate is a label (`proposal::Approved`, `TA::Approved`, `proposal::Closed_Won`) with its
approvers, and for a stage label the stages it may be set from. Who set it comes from the
label's last `add` event, never from the label's presence. The bot's own setting counts only
when GitLab's own data shows why it set it, data its token cannot forge: an approver's emoji
on the bot's request awarded before it, a legacy spelling an approver wrote that it
normalised, or a stage it put back when it refused a move (whose earlier setting counted).
Pure functions over snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..issues.snapshot import Award, LabelEvent
from ..policy.model import NO_STAGE, Gate


@dataclass(frozen=True)
class Attempt:
    """The latest setting of a gated label (or of one of its legacy spellings)."""

    label: str
    actor: str | None  # None: GitLab holds no record of who added it
    at: datetime | None
    index: int | None = None  # its place among the issue's label events, in GitLab's order


def spellings(gate: Gate, aliases: dict[str, str]) -> set[str]:
    return {gate.label} | {
        legacy for legacy, canonical in aliases.items() if canonical == gate.label
    }


def in_order(events: tuple[LabelEvent, ...]) -> list[LabelEvent]:
    """GitLab lists events oldest first; of two at the same moment the later one is last."""
    return sorted(events, key=lambda e: e.created_at)


def request_of(ordered: list[LabelEvent], index: int) -> tuple[int, int]:
    """The events one request wrote with the event at `index` (GitLab writes them together:
    the same user, the same moment, next to each other): `ordered[lo:hi]`."""
    event = ordered[index]

    def same(other: LabelEvent) -> bool:
        return other.user == event.user and other.created_at == event.created_at

    lo, hi = index, index + 1
    while lo > 0 and same(ordered[lo - 1]):
        lo -= 1
    while hi < len(ordered) and same(ordered[hi]):
        hi += 1
    return lo, hi


def last_setting(
    present: set[str], events: tuple[LabelEvent, ...], before: Attempt | None = None
) -> Attempt:
    """The last `add` of one of `present`; only of those before the request that made
    `before`, when given."""
    ordered = in_order(events)
    end = len(ordered)
    if before is not None and before.index is not None:
        end = request_of(ordered, before.index)[0]
    adds = [i for i in range(end) if ordered[i].action == "add" and ordered[i].label in present]
    if not adds:
        return Attempt(sorted(present)[0], None, None)
    last = ordered[adds[-1]]
    return Attempt(last.label, last.user, last.created_at, adds[-1])


def stage_when_set(events: tuple[LabelEvent, ...], prefix: str, attempt: Attempt) -> str:
    """The stage the issue was in just before the request that made `attempt`: the stage
    its label was set from."""
    if attempt.index is None:
        return NO_STAGE
    ordered = in_order(events)
    stage = NO_STAGE
    for event in ordered[: request_of(ordered, attempt.index)[0]]:
        if not event.label.startswith(prefix):
            continue
        name = event.label[len(prefix) :]
        if event.action == "add":
            stage = name
        elif stage == name:
            stage = NO_STAGE
    return stage


def removed_with(events: tuple[LabelEvent, ...], attempt: Attempt) -> set[str]:
    """Labels the request that made `attempt` removed."""
    if attempt.index is None:
        return set()
    ordered = in_order(events)
    lo, hi = request_of(ordered, attempt.index)
    return {e.label for e in ordered[lo:hi] if e.action == "remove"}


def emoji_approval(
    awards: tuple[Award, ...], name: str, approvers: frozenset[str]
) -> tuple[Award | None, list[Award]]:
    """(the first award by an approver, the awards by anyone else) of emoji `name`."""
    named = sorted((a for a in awards if a.name == name), key=lambda a: a.created_at)
    valid = next((a for a in named if a.user.lower() in approvers), None)
    return valid, [a for a in named if a.user.lower() not in approvers]
