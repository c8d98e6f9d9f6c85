"""Frozen records of GitLab data, built by the adapter; python-gitlab objects never leave it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .markers import Marker, find_marker
from .tasks import Task, normalise, parse_tasks

if TYPE_CHECKING:
    from .scoping import ScopingBlock


@dataclass(frozen=True)
class Note:
    id: int
    author: str
    body: str
    created_at: datetime
    system: bool = False
    internal: bool = False
    # When GitLab last saved its text (an edit; None: as created). An approval given on it
    # before then was given on other text.
    updated_at: datetime | None = None

    @property
    def edited_at(self) -> datetime:
        return max(self.created_at, self.updated_at or self.created_at)

    def bots_words(self, marker: Marker) -> bool:
        """Whether a marked note of the bot's still says what the bot wrote. The bot edits its
        notes only to mark them superseded or resolved; anyone else's edit (a Maintainer may
        edit any note, and GitLab's API names no editor) leaves a live note edited after it was
        posted: its words are no longer the bot's, and it counts as no note of the bot's."""
        edited = self.edited_at > self.created_at
        return not edited or marker.superseded is not None or marker.resolved


@dataclass(frozen=True)
class LabelEvent:
    user: str | None
    label: str
    action: str  # "add" | "remove"
    created_at: datetime
    user_id: int | None = None  # who, as GitLab knows them for good (a username can change hands)


@dataclass(frozen=True)
class Award:
    name: str
    user: str
    created_at: datetime
    user_id: int | None = None


@dataclass(frozen=True)
class Quiet:
    """What an earlier run remembered of an issue's plan: nothing to do, for the issue with this
    fingerprint, from `since` until `until` (None: no time-based answer), after reading the award
    emoji of these notes; `judged`: the plan judged someone against the gates' approvers, who are
    part of the fingerprint. See planner/memory.py."""

    fingerprint: str
    since: datetime
    until: datetime | None
    awards: tuple[int, ...] = ()
    judged: bool = False


Names = tuple[str, ...]  # usernames


def profile_names(users: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """username -> profile name, from the users of an issue listing (assignees, author)."""
    return {u["username"]: u["name"] for u in users if u.get("username") and u.get("name")}


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
    quiet: Quiet | None = None  # the remembered plan (details cache), if any
    # username -> the name on the GitLab profile, for the assignees and the author (the listing
    # carries them): what a customer-facing comment calls people.
    names: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def ref(self) -> str:  # asked ~10 times an issue a run: made once
        return f"{self.project}#{self.iid}"

    @cached_property
    def tasks(self) -> tuple[Task, ...]:
        return parse_tasks(self.description)

    @cached_property
    def scoping(self) -> ScopingBlock:
        # Loaded when first asked (its models, ~15 ms): the adapter that lists issues is
        # opened, and asks GitLab, before a run has loaded anything else.
        from .scoping import parse_scoping

        return parse_scoping(self.description)

    @cached_property
    def description_digest(self) -> str:
        return hashlib.blake2b(self.description.encode(), digest_size=16).hexdigest()

    def compact(self, bot: str) -> IssueSnapshot:
        """The same issue holding only what a plan decides from: the bot's notes keep their
        marker, everyone else's notes their author and time; bodies are dropped. (Writing needs
        the whole bodies: a run reads them again before it writes.)"""
        if self.notes is None:
            return self
        return self.changed(notes=tuple(compact_note(n, bot) for n in self.notes))

    def changed(self, **fields: Any) -> IssueSnapshot:
        """A copy with `fields` replaced. What was parsed from the description comes along
        unless the description is among them: one issue is planned from many such copies."""
        return self._copy(fields)

    def _copy(self, fields: dict[str, Any]) -> IssueSnapshot:
        """`dataclasses.replace` for this frozen record without its cost (it builds the copy
        field by field through `__init__`: a quarter of a settled 3,000-issue run's planning):
        the instance's dictionary copied, `fields` set, and what was parsed from the
        description dropped when the description is among them."""
        if unknown := fields.keys() - _FIELDS:
            raise TypeError(f"IssueSnapshot has no field {', '.join(sorted(unknown))}")
        new = object.__new__(IssueSnapshot)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(fields)
        if "description" in fields:
            for name in PARSED:
                new.__dict__.pop(name, None)
        if "project" in fields or "iid" in fields:
            new.__dict__.pop("ref", None)
        return new

    def parsed(self) -> IssueSnapshot:
        """The same issue holding what is parsed from its description (task list, data block)
        instead of the text, which is all anything reads it for: a run holds every listed issue
        until its forecast, and the descriptions would be most of its memory. An issue whose
        description cannot be parsed keeps it, for its plan to report."""
        known = self.__dict__
        try:
            for name in PARSED:  # parsed now, while the text is here (as `cached_property`
                if name not in known:  # does, without its lock: every listed issue is parsed)
                    known[name] = getattr(IssueSnapshot, name).func(self)
        except Exception:  # a bug met on one issue's description: its plan reports it
            return self
        new = self._copy({"description": ""})
        new.__dict__.update({name: self.__dict__[name] for name in PARSED})
        return new

    def edited(
        self, labels: Iterable[str], state: str, assignees: tuple[str, ...]
    ) -> IssueSnapshot:
        """The issue with these labels, state and assignees (itself when they are its own)."""
        ordered = tuple(sorted(labels))
        if (ordered, state, assignees) == (self.labels, self.state, self.assignees):
            return self
        return self.changed(labels=ordered, state=state, assignees=assignees)

    def unticked(self, texts: Iterable[str]) -> IssueSnapshot:
        """The issue as it reads once these task items are unticked (itself if none is ticked)."""
        wanted = {normalise(text) for text in texts}
        tasks = tuple(Task(t.text, False) if normalise(t.text) in wanted else t for t in self.tasks)
        if tasks == self.tasks:
            return self
        new = self.changed()
        new.__dict__["tasks"] = tasks
        return new


# What IssueSnapshot makes of its description, once.
PARSED = ("tasks", "scoping", "description_digest")
_FIELDS = frozenset(f.name for f in dataclass_fields(IssueSnapshot))


def compact_note(note: Note, bot: str) -> Note:
    marker = find_marker(note.body) if note.author == bot else None
    # `dataclasses.replace` without its cost (it builds the copy through `__init__`): a run
    # compacts every note it reads or remembers.
    compact = object.__new__(Note)
    compact.__dict__.update(note.__dict__, body=str(marker) if marker else "")
    return compact
