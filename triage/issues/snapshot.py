"""Frozen records of GitLab data, built by the adapter; python-gitlab objects never leave it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from ..render.markers import find_marker
from .scoping import ScopingBlock, parse_scoping
from .tasks import Task, parse_tasks


@dataclass(frozen=True)
class Note:
    id: int
    author: str
    body: str
    created_at: datetime
    system: bool = False
    internal: bool = False


@dataclass(frozen=True)
class LabelEvent:
    user: str | None
    label: str
    action: str  # "add" | "remove"
    created_at: datetime


@dataclass(frozen=True)
class Award:
    name: str
    user: str
    created_at: datetime


@dataclass(frozen=True)
class IssueSnapshot:
    """One issue as the listing showed it; details are None until fetched."""

    project: str  # path_with_namespace
    iid: int
    title: str
    description: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    author: str
    state: str
    created_at: datetime
    updated_at: datetime
    web_url: str
    due_date: str | None = None
    user_notes_count: int | None = None  # comments (not system notes), from the listing
    notes: tuple[Note, ...] | None = None
    label_events: tuple[LabelEvent, ...] | None = None
    note_awards: Mapping[int, tuple[Award, ...]] = field(
        default_factory=dict
    )  # note id -> awards, once fetched

    @property
    def ref(self) -> str:
        return f"{self.project}#{self.iid}"

    @cached_property
    def tasks(self) -> tuple[Task, ...]:
        return parse_tasks(self.description)

    @cached_property
    def scoping(self) -> ScopingBlock:
        return parse_scoping(self.description)

    def compact(self, bot: str) -> IssueSnapshot:
        """The same issue holding only what a plan decides from: the bot's notes keep their
        marker, everyone else's notes their author and time; bodies are dropped. (Writing needs
        the whole bodies: a run reads them again before it writes.)"""
        if self.notes is None:
            return self
        return replace(self, notes=tuple(compact_note(n, bot) for n in self.notes))

    def with_labels(self, labels: tuple[str, ...]) -> IssueSnapshot:
        return replace(self, labels=tuple(sorted(labels)))

    def with_state(self, state: str) -> IssueSnapshot:
        return replace(self, state=state)

    def with_assignees(self, assignees: tuple[str, ...]) -> IssueSnapshot:
        return replace(self, assignees=assignees)


def compact_note(note: Note, bot: str) -> Note:
    marker = find_marker(note.body) if note.author == bot else None
    return replace(note, body=str(marker) if marker else "")
