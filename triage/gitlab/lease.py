"""The run lease: at most one `triage apply` writes at a time, whatever starts them.

GitLab offers no compare-and-swap on notes or issues. The lease is an award emoji of the bot's
on one confidential issue of the bot's, the lease issue (found by its hidden marker, created
once). A run holds the lease while its award is the only live one there:

1. It reads the lease issue's awards. A live award of the bot's (younger than EXPIRY by GitLab's
   clock: the award's `created_at` against the `Date` of GitLab's answer) means another run
   holds the lease: this run writes nothing.
2. Stale awards (a run killed before it gave the lease back) are deleted, by id.
3. It awards the emoji that follows the newest one it saw in NAMES (the next generation): two
   runs that saw the same awards send the same name, and GitLab saves one user's emoji on one
   issue once; the other gets 404 "has already been taken" and writes nothing.
4. It reads the awards back. GitLab checks that uniqueness before it inserts, without a unique
   index, so two awards sent in the same instant can both be saved: the run holds the lease
   only if no other live award of the bot's is there; otherwise it takes its award back and
   writes nothing. Of two runs that each award then read, the later reader sees the earlier
   award, so at most one of them holds the lease (both may give up: then neither writes).

While it holds the lease a run checks, at most every CHECK_EVERY seconds before it writes, that
its award is still there, and renews it (a new award of the next name, then the old one deleted)
once it is older than RENEW_AFTER, so a long run keeps it and a killed run's lease expires
EXPIRY after its last renewal. The lease is given back (the award deleted) when the run ends,
however it ends. `triage plan` never takes it.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

from ..emoji import canonical
from .adapter import GitLab, GitLabProblem, IssueAward

TOKEN = "ps-triage-run-lease"
MARKER = f"<!-- {TOKEN} -->"
TITLE = "ps-triage run lease"
DESCRIPTION = (
    f"{MARKER}\n"
    "ps-triage's run lease: the bot's award emoji here says a `triage apply` is running, so that "
    'two runs never write at once (docs/operations.md, "Overlapping runs"). Leave it open and '
    "its emoji alone; nothing else happens here.\n"
)
# The lease's generations, in turn: each is the canonical name GitLab stores (an alias such as
# `stop_sign` would come back as `octagonal_sign`: see triage/emoji.py), and awards are read by it.
NAMES = ("hourglass", "construction", "octagonal_sign", "no_entry")
EXPIRY = timedelta(minutes=20)
RENEW_AFTER = timedelta(minutes=5)
CHECK_EVERY = 60.0  # seconds between two checks of a held lease (this machine's monotonic clock)


@dataclass(frozen=True)
class Busy:
    """Another run holds the lease: since when (its award, on GitLab's clock) and until when,
    unless that run renews it."""

    since: datetime
    expires: datetime

    def __str__(self) -> str:
        return (
            f"another run holds the lease since {self.since:%Y-%m-%d %H:%M:%S} UTC "
            f"(until {self.expires:%H:%M:%S} UTC unless that run renews it), nothing written"
        )


class LeaseLost(GitLabProblem):
    """The lease expired while this run held it and another run may hold it now."""

    def __init__(self, message: str) -> None:
        super().__init__(message, fatal=True)


def is_lease_issue(author: str, description: str, bot: str) -> bool:
    """Whether an issue is the bot's lease issue (never triaged as a scoping issue)."""
    return author == bot and description.startswith(MARKER)


class RunLease:
    """A lease this run holds; a context manager that gives it back on exit."""

    def __init__(self, gitlab: GitLab, project: str, iid: int, award: IssueAward) -> None:
        self.gitlab, self.project, self.iid, self.award = gitlab, project, iid, award
        self._checked = time.monotonic()

    @classmethod
    def take(cls, gitlab: GitLab, project: str) -> RunLease | Busy:
        """The lease, or who holds it. Nothing but the lease issue is written before it."""
        found = lease_issues(gitlab, project)
        iid = found[0][0]
        bot = gitlab.bot_username()
        seen = ours(gitlab.issue_awards(project, iid), bot)
        now = gitlab.now()
        live = [a for a in seen if now - a.created_at < EXPIRY]
        if live:
            return busy(live)
        for stale in seen:
            gitlab.delete_issue_award(project, iid, stale.id)
        try:
            award = gitlab.award_issue(project, iid, next_name(seen))
        except GitLabProblem as problem:
            # Saved or not, and whose if another run sent the same name: nobody can tell.
            raise GitLabProblem(
                f"could not take the run lease ({problem}); nothing was written; if GitLab "
                f"saved the award, it expires at {now + EXPIRY:%Y-%m-%d %H:%M} UTC at the latest",
                fatal=True,
            ) from None
        if award is None:  # another run sent the same name first
            return busy(ours(gitlab.issue_awards(project, iid), bot) or [], fallback=now)
        now = gitlab.now()
        others = [
            a
            for a in ours(gitlab.issue_awards(project, iid), bot)
            if a.id != award.id and now - a.created_at < EXPIRY
        ]
        if others:
            gitlab.delete_issue_award(project, iid, award.id)
            return busy(others)
        for extra, state in found[1:]:  # lease issues opened beside this one, once
            if state == "opened":
                gitlab.close_issue(project, extra)
        return cls(gitlab, project, iid, award)

    def keep(self) -> None:
        """Before a write: the award is still this run's and live, and renewed when old enough.
        Raises LeaseLost if not (the run must stop writing)."""
        if time.monotonic() - self._checked < CHECK_EVERY:
            return
        bot = self.gitlab.bot_username()
        seen = ours(self.gitlab.issue_awards(self.project, self.iid), bot)
        now = self.gitlab.now()
        if not any(a.id == self.award.id for a in seen) or now - self.award.created_at >= EXPIRY:
            raise LeaseLost(
                f"this run's lease (issue #{self.iid} of {self.project}) expired and may be "
                "another run's now: stopped before writing more; the next run goes on"
            )
        self._checked = time.monotonic()
        if now - self.award.created_at >= RENEW_AFTER:
            with contextlib.suppress(GitLabProblem):  # kept as it is, renewed at the next check
                renewed = self.gitlab.award_issue(self.project, self.iid, next_name(seen))
                if renewed is not None:
                    old, self.award = self.award, renewed
                    self.gitlab.delete_issue_award(self.project, self.iid, old.id)

    def release(self) -> None:
        self.gitlab.delete_issue_award(self.project, self.iid, self.award.id)

    def __enter__(self) -> RunLease:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.release()
        except GitLabProblem:
            if exc is None:
                raise
            # The run failed already (that error is the one to show); the award expires.


def ours(awards: tuple[IssueAward, ...] | list[IssueAward], bot: str) -> list[IssueAward]:
    """The bot's lease awards, oldest first (names compared as GitLab stores them)."""
    return sorted(
        (a for a in awards if a.user == bot and canonical(a.name) in NAMES),
        key=lambda a: (a.created_at, a.id),
    )


def next_name(seen: list[IssueAward]) -> str:
    """The generation after the newest award seen (the first one if none), skipping names in use."""
    start = (NAMES.index(canonical(seen[-1].name)) + 1) if seen else 0
    used = {canonical(a.name) for a in seen}
    turn = [NAMES[(start + k) % len(NAMES)] for k in range(len(NAMES))]
    return next((name for name in turn if name not in used), turn[0])


def busy(holders: list[IssueAward], *, fallback: datetime | None = None) -> Busy:
    since = min((a.created_at for a in holders), default=fallback)
    newest = max((a.created_at for a in holders), default=fallback)
    assert since is not None and newest is not None
    return Busy(since, newest + EXPIRY)


def lease_issues(gitlab: GitLab, project: str) -> list[tuple[int, str]]:
    """(iid, state) of the lease issues, the one in use first: the bot's issue carrying the
    marker, opened once. Two runs that open one each at the same time both use the lower iid:
    the one that opened the higher saw both (it searched after its own was saved, and the other
    was saved before); the holder of the lease closes the extra one."""
    found = gitlab.own_issues(project, TOKEN)
    if not found:
        with contextlib.suppress(GitLabProblem):  # saved or not (a lost answer): the search says
            gitlab.open_confidential_issue(project, TITLE, DESCRIPTION)
        found = gitlab.own_issues(project, TOKEN)
        if not found:
            raise GitLabProblem(
                f"could not open the run lease issue in {project}; nothing was written",
                fatal=True,
            )
    return found
