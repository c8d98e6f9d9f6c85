"""The bot's own issues (its run lease, the quarter's forecast, the daily digest), told apart
without GitLab's search.

GitLab's `search` is full text (`IssuableFinder#by_search`, `PgFullTextSearchable`): it matches
words, not substrings, and text inside `<!-- ... -->` is indexed only since gitlab-org/gitlab#428428
(16.6): on an older GitLab a search for a hidden marker finds nothing. So the bot lists the issues
its own user opened (`author_id`, which GitLab filters exactly on every version, and which nobody
can edit) and tells them apart here by what it gave them: its label, its marker line, its title.
A Developer may edit any of these (title, description and labels), so each kind of issue is
recognised by any one of them that still holds, and the bot puts back what it owns when it
writes there anyway (the forecast's text and title)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# The bot's own labels, one per kind of issue (created by GitLab with the first issue that
# carries them).
LEASE_LABEL = "ps-triage::lease"
FORECAST_LABEL = "ps-triage::forecast"
DIGEST_LABEL = "ps-triage::digest"

_MARKER = re.compile(r"<!-- (ps-triage-[a-z0-9-]+)(?: [^<>\n]*)? -->")


@dataclass(frozen=True)
class OwnIssue:
    """An issue the bot's user opened, as GitLab lists it (every field but the author editable
    by people)."""

    iid: int
    title: str
    description: str
    labels: tuple[str, ...]
    state: str
    created_at: datetime
    web_url: str


def marker_token(description: str) -> str | None:
    """The token of the marker line a description starts with (`<!-- ps-triage-x ... -->`)."""
    found = _MARKER.match(description)
    return found.group(1) if found else None


def lease_issues(issues: tuple[OwnIssue, ...], token: str, title: str) -> list[OwnIssue]:
    """The run lease issues, lowest iid first: the bot's issues with the lease label, the lease
    marker, or the lease's title."""
    return sorted(
        (
            i
            for i in issues
            if LEASE_LABEL in i.labels or marker_token(i.description) == token or i.title == title
        ),
        key=lambda i: i.iid,
    )


def kept_issue(
    issues: tuple[OwnIssue, ...],
    *,
    token: str,
    label: str,
    title: str,
    since: datetime | None = None,
    alone: bool = False,
) -> OwnIssue | None:
    """The bot's issue for `token` (a quarter's forecast, a digest): the one whose marker line
    names it, else one with the kind's `label` and the `title` the bot gave it (or, with
    `since`, opened since then: the quarter's forecast is opened in its quarter; with `alone`,
    the label is enough: the kind has one issue), lowest iid."""
    marked = [i for i in issues if marker_token(i.description) == token]
    if marked:
        return min(marked, key=lambda i: i.iid)
    labelled = [
        i
        for i in issues
        if label in i.labels
        and (alone or i.title == title or (since is not None and i.created_at >= since))
    ]
    return min(labelled, key=lambda i: i.iid) if labelled else None
