"""The task-list items a policy waits for: the texts its `task:` conditions name (pure)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..issues.tasks import normalise
from ..rules.conditions import TaskDone
from .model import Policy


@dataclass(frozen=True)
class NamedTask:
    text: str
    where: tuple[Any, ...]  # the key path of the transition or rule that names it
    to: str | None  # the stage a transition moves to (None for a rule)


def _found(node: Any) -> Iterator[str]:
    if isinstance(node, TaskDone):
        yield node.task
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _found(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _found(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _found(item)


def named_tasks(policy: Policy) -> list[NamedTask]:
    """Every `task:` condition of the transitions and rules, in policy order."""
    found = [
        NamedTask(text, ("lifecycle", "transitions", move.id), move.to)
        for move in policy.lifecycle.transitions
        for text in _found(move)
    ]
    found += [
        NamedTask(text, ("rules", rule.id), None) for rule in policy.rules for text in _found(rule)
    ]
    return found


def unique(texts: list[str]) -> list[str]:
    """The texts once each (case and spacing ignored, as `task:` compares them), first kept."""
    seen: dict[str, str] = {}
    for text in texts:
        seen.setdefault(normalise(text), text)
    return list(seen.values())
