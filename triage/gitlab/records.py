"""What leaves the adapter besides snapshots: its problems, what a run asked of GitLab, and an
issue's award emoji."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import TriageError


class GitLabProblem(TriageError):
    """GitLab could not be reached or refused a request; the message is for a person.
    `fatal`: the run cannot go on (no connection, bad token); otherwise only one issue failed."""

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


@dataclass
class Traffic:
    """What the run asked of GitLab."""

    by_method: Counter[str] = field(default_factory=Counter)
    writes: int = 0
    notes: int = 0  # of the writes, notes created: GitLab.com allows 60 a minute per user
    server_time: datetime | None = None
    rate_remaining: int | None = None
    rate_reset: float | None = None
    fastest: float = math.inf  # seconds: the quickest successful answer, from sending to headers


@dataclass(frozen=True)
class IssueAward:
    """An award emoji on an issue, as GitLab holds it."""

    id: int
    name: str
    user: str
    created_at: datetime


@dataclass(frozen=True)
class Upload:
    """A file uploaded to a project (GitLab's Markdown uploads): `url` is project-relative
    (`/uploads/<secret>/<file name>`, as GitLab stored the name), `markdown` the link GitLab
    made for it (`[alt](url)`, `![alt](url)` for an image), `alt` its text."""

    url: str
    markdown: str
    alt: str


def kept_assignees(answer: dict[str, Any], asked: tuple[str, ...], where: str) -> None:
    """GitLab answers 200 and drops, without a word, assignees who cannot read the project's
    issues (only the first is kept on Free): what its answer shows is what was done. Someone
    asked for and not assigned fails the issue loudly (its other changes were made)."""
    kept = {str((a or {}).get("username", "")).lower() for a in answer.get("assignees") or []}
    dropped = [name for name in asked if name.lower() not in kept]
    if dropped:
        raise GitLabProblem(
            f"GitLab did not assign {', '.join('@' + n for n in dropped)} to {where}: it drops "
            "assignees who cannot read the project's issues (and keeps only the first on Free); "
            "the other changes were made. Fix: make them members of the project"
        )
