"""Stage moves replayed from label events: to spot a move by people the lifecycle does not make,
and to find when a review was given (the move it was given with).

Scoped labels make GitLab write the old stage's `remove` and the new one's `add` together, by
the same person at the same moment; that pair is one move. Pure functions over snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..issues.snapshot import LabelEvent

NO_STAGE = "none"  # `from: none` in a policy: the issue has no stage label yet


@dataclass(frozen=True)
class Move:
    source: str  # a stage id, or `none`
    target: str
    user: str | None
    at: datetime


def stage_moves(events: tuple[LabelEvent, ...], prefix: str) -> list[Move]:
    stage = NO_STAGE
    removed: LabelEvent | None = None
    moves = []
    for event in sorted(events, key=lambda e: e.created_at):  # stable: GitLab's order for ties
        if not event.label.startswith(prefix):
            continue
        name = event.label[len(prefix) :]
        if event.action == "remove":
            if stage == name:
                stage = NO_STAGE
            removed = event
            continue
        source = stage
        if (
            source == NO_STAGE
            and removed is not None
            and removed.created_at == event.created_at
            and removed.user == event.user
        ):
            source = removed.label[len(prefix) :]
        moves.append(Move(source, name, event.user, event.created_at))
        stage = name
    return moves


def last_move_by_people(
    events: tuple[LabelEvent, ...], prefix: str, bot: str, created: datetime
) -> Move | None:
    """The latest stage move by people; labels set when the issue was created are no move."""
    people = [m for m in stage_moves(events, prefix) if m.user and m.user != bot and m.at > created]
    return people[-1] if people else None
