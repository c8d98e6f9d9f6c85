"""Detail reads and re-planning: each issue planned, the notes, label events, award emoji or
approvers its plan asks for read in the background, and the issue planned again with them; first
plans made while the listing still arrives (`HeadStart`); issues finished a batch at a time."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from ..gitlab.adapter import GitLab, GitLabProblem
from ..gitlab.cache import DetailsCache
from ..gitlab.readers import Readers
from ..issues.snapshot import IssueSnapshot
from ..planner import IssuePlan, Settings, plan_issue
from ..planner.assignment import pool_for
from ..policy.model import Policy
from .approvers import GateApprovers, gated_labels
from .memory import remember

# label events, notes, award emoji, approvers: each round reads what plans asked for
MAX_DETAIL_ROUNDS = 7
BATCH = 100  # issues planned, then written, at a time: a plan is written soon after its reads
# Issues planned while the listing arrives whose reads were started then: their answers wait in
# memory until their batch. Once there are this many, later issues wait for their batch to be
# planned. This bounds the answers held in memory (a first run reads every issue's notes); a settled
# run of 10,000 issues needs ~2,000 reads, all started while its 100 pages arrive.
AHEAD = 2_000
Key = tuple[str, int]  # an issue: (project path, iid)


def planned_batches(
    policy: Policy,
    chosen: list[IssueSnapshot],
    now: datetime,
    settings: Settings,
    reads: DetailReads,
    seen: dict[Key, IssueSnapshot],
    cache: DetailsCache | None,
    ahead: HeadStart | None = None,
) -> Iterator[tuple[IssueSnapshot, IssuePlan | GitLabProblem]]:
    """Each chosen issue with its plan, finished BATCH issues at a time: the caller writes a
    batch before the next one is finished, so a write follows its last reads closely."""
    for start in range(0, len(chosen), BATCH):
        batch = chosen[start : start + BATCH]
        planned = plan_batch(policy, batch, now, settings, reads, seen, cache, ahead)
        for issue in batch:
            yield issue, planned[(issue.project, issue.iid)]


# An issue's plan, or the reads that plan asked for (it is planned again with them).
First = IssuePlan | Future["IssueSnapshot | GitLabProblem"]


def plan_or_read(
    policy: Policy, issue: IssueSnapshot, now: datetime, settings: Settings, reads: DetailReads
) -> First:
    """The issue's plan, or, if that plan needs details, the reads of them, started now."""
    issue_plan = plan_issue(policy, issue, now, settings)
    return reads.start(issue, issue_plan.needs) if issue_plan.needs else issue_plan


class HeadStart:
    """First plans made while the listing is still arriving, with the reads they ask for started
    at once: GitLab answers them while the listing goes on. The EMs of unassigned issues are
    chosen from the whole listing, so an issue that may get one waits for its batch. Planning
    ahead stops once AHEAD issues wait for reads (a first run reads every issue's notes)."""

    def __init__(
        self, policy: Policy, settings: Settings, reads: DetailReads, cache: DetailsCache | None
    ) -> None:
        assert not settings.assignments
        self.policy, self.settings, self.reads, self.cache = policy, settings, reads, cache
        self.gated = gated_labels(policy)
        self.first: dict[Key, tuple[IssueSnapshot, datetime | None, First]] = {}
        self.reading = 0  # issues planned ahead whose reads were started

    def plan(self, issue: IssueSnapshot, now: datetime) -> None:
        """Plan `issue` now, unless it may get an EM or AHEAD issues already wait for reads. An
        issue with a gated label starts reading the approvers: its plan will judge who set it."""
        if not self.gated.isdisjoint(issue.labels):
            self.reads.prefetch_approvers()
        if self.reading >= AHEAD or pool_for(self.policy.assignment, issue):
            return
        filled, read = self.cache.fill(issue, now) if self.cache else (issue, None)
        first = plan_or_read(self.policy, filled, now, self.settings, self.reads)
        if isinstance(first, Future):
            self.reading += 1
        self.first[(issue.project, issue.iid)] = (filled, read, first)

    def take(self, key: Key) -> tuple[IssueSnapshot, datetime | None, First] | None:
        """The issue as first planned (with what the cache gave it), and its first plan or the
        reads that plan started; None if it was not planned ahead."""
        return self.first.pop(key, None)


def plan_batch(
    policy: Policy,
    issues: list[IssueSnapshot],
    now: datetime,
    settings: Settings,
    reads: DetailReads,
    seen: dict[Key, IssueSnapshot],
    cache: DetailsCache | None,
    ahead: HeadStart | None = None,
) -> dict[Key, IssuePlan | GitLabProblem]:
    """Plan some issues, each from the details remembered for it when GitLab shows it unchanged,
    else from what is read for it. A plan from remembered details that would change anything
    is made again from fresh reads: writes are only ever planned from what GitLab says now.
    Each issue with its label events, if read, is left in `seen` (the forecast's stage starts).
    An issue planned ahead (`HeadStart`) continues from its first plan."""
    listed = {(i.project, i.iid): i for i in issues}
    filled: dict[Key, tuple[IssueSnapshot, datetime | None]] = {}
    first: dict[Key, First] = {}
    for key, issue in listed.items():
        taken = ahead.take(key) if ahead else None
        if taken is not None:
            filled[key], first[key] = taken[:2], taken[2]
        else:
            filled[key] = cache.fill(issue, now) if cache else (issue, None)
    plans = plan_with_details(
        policy,
        {key: issue for key, (issue, _) in filled.items()},
        now,
        settings,
        reads,
        seen,
        first,
    )
    stale = {
        key: listed[key]
        for key, (_, read) in filled.items()
        if read is not None
        and (isinstance(plan := plans[key], GitLabProblem) or plan.has_changes or plan.error)
    }
    plans |= plan_with_details(policy, stale, now, settings, reads, seen)
    for key, plan in plans.items():
        if cache:
            if isinstance(plan, GitLabProblem) or key not in seen:
                cache.forget(listed[key].ref)
            else:
                read = None if key in stale else filled[key][1]
                cache.keep(seen[key], read or now, remember(plan, seen[key], now, settings))
        if key in seen:
            # The forecast needs the label events (stage starts); the digest, the notes' authors
            # and times and the bot's markers (a reminder's clock, rules/clock.py), not their text.
            issue = seen[key]
            kept = (
                issue.compact(settings.bot) if policy.digest.project else issue.changed(notes=None)
            )
            seen[key] = kept.changed(note_awards={})
    return plans


def plan_with_details(
    policy: Policy,
    issues: dict[Key, IssueSnapshot],
    now: datetime,
    settings: Settings,
    reads: DetailReads,
    seen: dict[Key, IssueSnapshot],
    first: Mapping[Key, First] | None = None,
) -> dict[Key, IssuePlan | GitLabProblem]:
    """Plan each issue; read the notes, label events or award emoji its plan says it needs (each
    read starts at once and runs while the other issues are planned), and plan it again, until
    no plan needs more. An issue already planned once (`first`: that plan, or the reads it
    started) continues from there. An issue whose reads fail gets its problem instead of a plan;
    a fatal one stops all."""
    done: dict[Key, IssuePlan | GitLabProblem] = {}
    pending = dict(issues)
    earlier = dict(first or {})
    for _ in range(MAX_DETAIL_ROUNDS):
        started: dict[Key, Future[IssueSnapshot | GitLabProblem]] = {}
        for key, issue in pending.items():
            seen[key] = issue
            step = earlier.pop(key, None) or plan_or_read(policy, issue, now, settings, reads)
            if isinstance(step, Future):
                started[key] = step
            else:
                done[key] = step
        earlier = {}
        if not started:
            return done
        pending = {}
        for key, got in reads.wait(started):
            if isinstance(got, GitLabProblem):
                done[key] = got
            else:
                pending[key] = got
    for key, issue in pending.items():
        issue_plan = plan_issue(policy, issue, now, settings)
        done[key] = replace(
            issue_plan,
            error=f"still needs {', '.join(sorted(issue_plan.needs))} after fetching it (a bug)",
        )
    return done


class DetailReads:
    """Reads of issues' details in the background, as many at once as `readers` gives turns (on
    a real GitLab a read is mostly waiting for the answer, and the run plans other issues
    meanwhile). Each read's answer times are told to `readers`.

    Meanwhile, from a GitLab whose answers take longer than the interpreter's switch interval
    (5 ms), threads switch every SWITCH seconds: a reader whose answer has arrived takes it, and
    sends the next read, that much sooner while the main thread plans; and the answer times that
    pace the readers are then GitLab's, not time spent waiting for the planner. A GitLab that
    answers faster (on the same machine) leaves the run bound by its CPU, which more switches
    would only spend."""

    SWITCH = 0.001
    # The switch interval is the process's: runs in threads of one process (tests, a service)
    # share it, so the first to shorten it keeps what it was and the last to end puts it back.
    _shortened: ClassVar[list[float]] = []  # what it was, while any run has it shortened
    _holders: ClassVar[int] = 0
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self, gitlab: GitLab, readers: Readers, approvers: GateApprovers | None = None
    ) -> None:
        """`approvers`: the run's, read once the first plan asks for them (`"approvers"`)."""
        self.gitlab, self.readers, self.approvers = gitlab, readers, approvers
        self._prefetched = False
        self.pool = ThreadPoolExecutor(max_workers=readers.cap, thread_name_prefix="triage-read")
        self._holding = False

    def __enter__(self) -> DetailReads:
        cls = DetailReads
        with cls._lock:
            usual = cls._shortened[0] if cls._shortened else sys.getswitchinterval()
            if self.gitlab.traffic.fastest > usual:
                if not cls._shortened:
                    cls._shortened.append(usual)
                    sys.setswitchinterval(self.SWITCH)
                cls._holders += 1
                self._holding = True
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.pool.shutdown(wait=True, cancel_futures=True)
        finally:
            cls = DetailReads
            with cls._lock:
                if self._holding:
                    self._holding = False
                    cls._holders -= 1
                    if cls._holders == 0:
                        sys.setswitchinterval(cls._shortened.pop())

    def prefetch_approvers(self) -> None:
        """Start reading the approvers now, in the background (once): a plan will ask for them.
        What it meets is met again, and reported, by the plan that asks."""
        if self.approvers is None or self._prefetched:
            return
        self._prefetched = True
        self.pool.submit(self._prefetch, self.approvers)

    def _prefetch(self, approvers: GateApprovers) -> None:
        with (
            contextlib.suppress(GitLabProblem),
            self.readers.turn(),
            self.gitlab.timed(self._answered),
        ):
            approvers.read()

    def start(
        self, issue: IssueSnapshot, needs: frozenset[str]
    ) -> Future[IssueSnapshot | GitLabProblem]:
        """The issue with the details it needs, or the problem met reading them."""
        return self.pool.submit(self._read, issue, needs)

    def _read(self, issue: IssueSnapshot, needs: frozenset[str]) -> IssueSnapshot | GitLabProblem:
        try:
            with self.readers.turn(), self.gitlab.timed(self._answered):
                if "approvers" in needs:
                    assert self.approvers is not None, "a plan asked for approvers nobody reads"
                    self.approvers.read()  # once a run: the other plans asking wait for it
                return with_details(self.gitlab, issue, needs)
        except GitLabProblem as problem:
            return problem

    def _answered(self, seconds: float) -> None:
        self.readers.answered(seconds, self.gitlab.traffic.fastest)

    @staticmethod
    def wait(
        started: dict[Key, Future[IssueSnapshot | GitLabProblem]],
    ) -> list[tuple[Key, IssueSnapshot | GitLabProblem]]:
        """What each started read found, once all of them have ended. A fatal problem (GitLab
        unreachable, the token refused) is raised then, with no read left running behind it."""
        found = [(key, future.result()) for key, future in started.items()]
        fatal = next(
            (got for _, got in found if isinstance(got, GitLabProblem) and got.fatal), None
        )
        if fatal is not None:
            raise fatal
        return found


def with_details(gitlab: GitLab, issue: IssueSnapshot, needs: frozenset[str]) -> IssueSnapshot:
    if "notes" in needs and issue.notes is None:
        issue = issue.changed(notes=gitlab.notes(issue.project, issue.iid))
    for need in sorted(needs):
        if need.startswith("awards:"):
            note_id = int(need.split(":", 1)[1])
            awards = gitlab.note_awards(issue.project, issue.iid, note_id)
            issue = issue.changed(note_awards={**issue.note_awards, note_id: awards})
    if "label_events" in needs and issue.label_events is None:
        issue = issue.changed(label_events=gitlab.label_events(issue.project, issue.iid))
    return issue
