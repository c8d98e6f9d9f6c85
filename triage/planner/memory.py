"""A plan memory across runs (this half: the planner's; the runner's is `runner/memory.py`): an issue whose last plan had nothing to do is not planned again
while everything that plan was made from is unchanged and its time-based answers still hold.

A settled issue is planned every run only to find, again, nothing to do: most of a settled run's
work. What a plan is made from is the issue (the listing, the details read for it), the time,
and what is the same for every issue of a run (the code, the policy, the templates, the bot, the
project's members; the approvers, for a plan that judged someone against them). So a run remembers, with the issue's details
(`gitlab/cache.py`), a fingerprint of all of it but the time, and until when the plan's answers about the time hold
(`IssuePlan.holds_until`, from `rules/moment.py`). The next run recalls "nothing to do" only for
the same fingerprint at a time in `[since, until)`; anything else is planned afresh.

What keeps it safe:
- Only "nothing to do" is remembered, never a write: a plan that writes is made afresh each run.
- The details an issue was planned from live in the same cache entry as its memory: reading
  them again writes a new entry. Award emoji are never remembered: the ones the plan read are
  read again and are part of the fingerprint. So are the approvers, for a plan that judged
  someone against them (`Quiet.judged`): read again before it is recalled, never taken on trust.
- A property test plans issues again at random times before `holds_until` and finds the very
  same plan (tests/unit/test_plan_properties.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from ..issues.snapshot import IssueSnapshot
from ..rules.facts import NeedDetail
from .records import Settings


def fingerprint(issue: IssueSnapshot, digest: str, em: str | None, awards: tuple[int, ...]) -> str:
    """The issue as a plan sees it (its details stand for themselves: see the module's notes),
    with the run's digest, the EM the run would give it, and the award emoji of `awards`."""
    seen = (
        digest,
        em,
        issue.project,
        issue.iid,
        issue.title,
        issue.description_digest,
        issue.labels,
        issue.assignees,
        issue.author,
        issue.state,
        issue.created_at.isoformat(),
        issue.updated_at.isoformat(),
        issue.web_url,
        issue.due_date,
        issue.user_notes_count,
        None if issue.notes is None else len(issue.notes),
        None if issue.label_events is None else len(issue.label_events),
        [
            (note, [(a.name, a.user, a.created_at.isoformat()) for a in issue.note_awards[note]])
            for note in awards
        ],
    )
    return hashlib.blake2b(repr(seen).encode(), digest_size=16).hexdigest()


def with_approvers(
    digest: str, approvers: Mapping[str, frozenset[str]], ids: Mapping[str, int]
) -> str:
    """The run's digest with who approves each gate (by name and user id): what a plan that
    judged someone against the gates was made from too."""
    seen = (
        digest,
        sorted((g, sorted(names)) for g, names in approvers.items()),
        sorted(ids.items()),
    )
    return hashlib.blake2b(repr(seen).encode(), digest_size=16).hexdigest()


def recall(issue: IssueSnapshot, now: datetime, settings: Settings) -> bool | frozenset[str]:
    """True: the issue's remembered plan (nothing to do) holds now. False: plan it afresh. Or
    what to read first, as a plan asks for it: the award emoji it read (`awards:<note id>`), the
    approvers it judged someone against (`approvers`)."""
    quiet, digest = issue.quiet, settings.digest
    if quiet is None or not digest or now < quiet.since:
        return False
    if quiet.until is not None and now >= quiet.until:
        return False
    unread = frozenset(f"awards:{note}" for note in quiet.awards if note not in issue.note_awards)
    if quiet.judged:
        try:
            digest = with_approvers(digest, settings.approvers, settings.ids)
        except NeedDetail as need:
            unread |= need.details
    em = settings.assignments.get((issue.project, issue.iid))
    return unread or fingerprint(issue, digest, em, quiet.awards) == quiet.fingerprint
