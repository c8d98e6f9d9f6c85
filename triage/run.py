"""One scheduled run: list once, plan each issue (reading only what its plan needs), apply.

Each issue is first planned as soon as the listing shows it, and the reads its plan needs start
then, in the background, while the listing goes on (GitLab answers pages and reads meanwhile).
Nothing is written until the whole listing is in: the EMs of unassigned issues are chosen from
all of it, and those issues are planned again with their EM. Issues are then finished a batch at
a time (their reads waited for, planned again with them) and each batch is written before the
next. What a run keeps of each issue for the forecast is its listing (with the description
parsed, not the text) and its label events, not its notes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from .forecast_report import markdown
from .forecast_source import quarter_forecast
from .gitlab.adapter import GitLab, GitLabProblem
from .gitlab.cache import DetailsCache
from .gitlab.lease import Busy, RunLease, is_lease_issue
from .gitlab.readers import Readers
from .issues.snapshot import IssueSnapshot
from .plan import IssuePlan, Settings, after, assignments_for, plan_issue
from .plan_memory import remember, run_digest
from .policy.model import Policy
from .render.markers import Marker, revision, supersede
from .render.templates import TemplateProblem, Templates
from .rules.assignment import pool_for
from .rules.fiscal import fiscal_quarter

Mode = Literal["plan", "apply"]
MAX_DETAIL_ROUNDS = 6  # label events, notes, award emoji: each round reads what plans asked for
BATCH = 100  # issues planned, then written, at a time: a plan is written soon after its reads
# Issues planned while the listing arrives whose reads were started then: their answers wait in
# memory until their batch. Once there are this many, later issues wait for their batch to be
# planned. This bounds the answers held in memory (a first run reads every issue's notes); a settled
# run of 10,000 issues needs ~2,000 reads, all started while its 100 pages arrive.
AHEAD = 2_000
Key = tuple[str, int]  # an issue: (project path, iid)


@dataclass
class Outcome:
    plan: IssuePlan
    status: str  # planned | applied | failed | skipped
    error: str | None = None


@dataclass
class RunResult:
    mode: Mode
    now: datetime | None = None
    issues_scanned: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    budget_exhausted: bool = False
    forecast: str | None = None  # what happened to the quarter's forecast issue
    forecast_failed: bool = False
    remembered: int = 0  # issues planned from the details cache, without reading them
    recalled: int = 0  # of which not planned again: nothing to do, as an earlier run found
    readers: Readers = field(default_factory=Readers)  # how many issues were read at once
    lease_busy: str | None = None  # another run held the lease: this one did nothing (why)

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]


def run(
    policy: Policy,
    gitlab: GitLab,
    templates: Templates,
    *,
    mode: Mode,
    iid: int | None = None,
    now: datetime | None = None,
    max_writes: int | None = None,
    progress: Callable[[int], None] | None = None,
    cache: DetailsCache | None = None,
    readers: int | None = None,
) -> RunResult:
    """`readers`: issues whose details are read at once; None: as many as GitLab answers
    without making them wait (`Readers`). An `apply` holds the run lease (`gitlab/lease.py`)
    from before its first read to its end; while another run holds it, it reads and writes
    nothing and says so (`lease_busy`). `plan` never takes it."""
    if mode == "apply" and policy.scope.project:
        gitlab.check_can_write(policy.scope.project)
    where = policy.scope.project or policy.forecast.project
    if mode == "plan" or where is None:
        return run_holding(
            policy, gitlab, templates, None, mode, iid, now, max_writes, progress, cache, readers
        )
    lease = RunLease.take(gitlab, where)
    if isinstance(lease, Busy):
        return RunResult(mode, now=gitlab.now(), lease_busy=str(lease))
    with lease:
        return run_holding(
            policy, gitlab, templates, lease, mode, iid, now, max_writes, progress, cache, readers
        )


def run_holding(
    policy: Policy,
    gitlab: GitLab,
    templates: Templates,
    lease: RunLease | None,
    mode: Mode,
    iid: int | None,
    now: datetime | None,
    max_writes: int | None,
    progress: Callable[[int], None] | None,
    cache: DetailsCache | None,
    readers: int | None,
) -> RunResult:
    """The run, with the lease (if any) held: checked before each write."""
    bot = gitlab.bot_username()
    approvers = approvers_of(policy, gitlab)
    members = gitlab.scope_members(policy.scope)  # who may be mentioned from a data block
    # Plans are remembered with the details they were made from: only by a run with the cache.
    digest = run_digest(policy, templates, bot, approvers, members) if cache else ""
    settings = Settings(bot, templates, approvers, digest=digest, members=members)
    writes_left = max_writes
    reused_before = cache.reused if cache else 0
    detailed: dict[Key, IssueSnapshot] = {}
    limit = Readers.fixed(readers) if readers else Readers()
    with DetailReads(gitlab, limit) as reads:
        ahead = HeadStart(policy, settings, reads, cache)
        listed, when = list_planning_ahead(policy, gitlab, ahead, iid, now)
        result = RunResult(mode, now=when, readers=limit)
        settings = replace(settings, assignments=assignments_for(policy, listed))
        chosen = [s for s in listed if iid is None or s.iid == iid]
        batches = planned_batches(policy, chosen, when, settings, reads, detailed, cache, ahead)
        for snapshot, issue_plan in batches:
            result.issues_scanned += 1
            if progress:
                progress(result.issues_scanned)
            if isinstance(issue_plan, GitLabProblem):
                result.outcomes.append(
                    Outcome(
                        IssuePlan(snapshot.project, snapshot.iid, snapshot.title, snapshot.web_url),
                        "failed",
                        str(issue_plan),
                    )
                )
                continue
            if issue_plan.error:
                result.outcomes.append(Outcome(issue_plan, "failed", issue_plan.error))
                continue
            result.recalled += issue_plan.recalled
            if not issue_plan.has_changes:
                continue
            if mode == "plan":
                result.outcomes.append(Outcome(issue_plan, "planned"))
                continue
            if cache:
                cache.forget(snapshot.ref)  # what it is after the writes is read next time
            cost = issue_plan.write_count
            if writes_left is not None and cost > writes_left:
                result.budget_exhausted = True
                result.outcomes.append(
                    Outcome(issue_plan, "skipped", "write budget used up for this run")
                )
                continue
            try:
                if lease:
                    lease.keep()
                apply_issue(gitlab, issue_plan)
            except GitLabProblem as problem:
                if problem.fatal:
                    raise
                result.outcomes.append(Outcome(issue_plan, "failed", str(problem)))
                continue
            if writes_left is not None:
                writes_left -= cost
            result.outcomes.append(Outcome(issue_plan, "applied"))
    if cache:
        result.remembered = cache.reused - reused_before
        if iid is None:
            cache.keep_only({s.ref for s in listed})
    if policy.forecast.project and iid is None:
        changed = {
            (o.plan.project, o.plan.iid): o.plan
            for o in result.outcomes
            if o.status in ("applied", "planned")
        }
        read = [detailed.get((s.project, s.iid), s) for s in listed]
        final = [
            after(s, changed[(s.project, s.iid)], when, bot) if (s.project, s.iid) in changed else s
            for s in read
        ]
        may_write = (
            mode == "apply"
            and not result.budget_exhausted
            and (writes_left is None or writes_left >= 1)
        )
        try:
            if lease and may_write:
                lease.keep()
            result.forecast = keep_forecast(policy, gitlab, templates, final, when, write=may_write)
        except GitLabProblem as problem:
            if problem.fatal:
                raise
            result.forecast, result.forecast_failed = f"forecast: failed ({problem})", True
        except TemplateProblem as problem:  # a broken forecast template fails the forecast only
            result.forecast, result.forecast_failed = f"forecast: failed ({problem})", True
    return result


def list_planning_ahead(
    policy: Policy, gitlab: GitLab, ahead: HeadStart, iid: int | None, now: datetime | None
) -> tuple[list[IssueSnapshot], datetime]:
    """One listing of everything in scope (EM loads are balanced across it, even for `--issue`),
    each chosen issue handed to `ahead` as it arrives; and the run's time, GitLab's own clock as
    the listing begins unless `now` is given. A run plans every issue, so each description is
    parsed as it is listed and only the parsed parts are held (`--issue` parses one)."""
    listed: list[IssueSnapshot] = []
    when = now
    bot = gitlab.bot_username()
    for issue in gitlab.list_issues(policy.scope):
        if is_lease_issue(issue.author, issue.description, bot):
            continue
        listed.append(issue if iid is not None else issue.parsed())
        if iid is None or issue.iid == iid:
            when = when or gitlab.now()
            ahead.plan(listed[-1], when)
    return listed, when or gitlab.now()


def keep_forecast(
    policy: Policy,
    gitlab: GitLab,
    templates: Templates,
    issues: list[IssueSnapshot],
    now: datetime,
    *,
    write: bool,
) -> str:
    """The quarter's forecast issue: created once, found again by its marker, rewritten only when
    its text changed. Computed from the issues as this run leaves them, so a second run is idle."""
    config = policy.forecast
    assert config.project is not None
    quarter = fiscal_quarter(
        policy.calendar.local(now).date(), policy.calendar.fiscal_year_start_month
    )
    text = markdown(
        quarter_forecast(policy, gitlab, issues, now, quarter), templates, config.template
    )
    token = f"ps-triage-forecast-{quarter.name.lower()}"
    description = f"<!-- {token} -->\n{text}"
    found = gitlab.find_own_issue(config.project, token)
    if found is None:
        if write:
            gitlab.create_issue(config.project, f"PS forecast {quarter.name}", description, ())
        return f"forecast {quarter.name}: {'created' if write else 'would be created'}"
    if found[1] == description:
        return f"forecast {quarter.name}: unchanged"
    if write:
        gitlab.set_description(config.project, found[0], description)
    return f"forecast {quarter.name}: {'updated' if write else 'would be updated'}"


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
        self.first: dict[Key, tuple[IssueSnapshot, datetime | None, First]] = {}
        self.reading = 0  # issues planned ahead whose reads were started

    def plan(self, issue: IssueSnapshot, now: datetime) -> None:
        """Plan `issue` now, unless it may get an EM or AHEAD issues already wait for reads."""
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
        if key in seen:  # the forecast needs the label events (stage starts), not the notes
            seen[key] = seen[key].changed(notes=None, note_awards={})
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

    def __init__(self, gitlab: GitLab, readers: Readers) -> None:
        self.gitlab, self.readers = gitlab, readers
        self.pool = ThreadPoolExecutor(max_workers=readers.cap, thread_name_prefix="triage-read")
        self._switch = sys.getswitchinterval()

    def __enter__(self) -> DetailReads:
        if self.gitlab.traffic.fastest > self._switch:
            sys.setswitchinterval(self.SWITCH)
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.pool.shutdown(wait=True, cancel_futures=True)
        finally:
            sys.setswitchinterval(self._switch)

    def start(
        self, issue: IssueSnapshot, needs: frozenset[str]
    ) -> Future[IssueSnapshot | GitLabProblem]:
        """The issue with the details it needs, or the problem met reading them."""
        return self.pool.submit(self._read, issue, needs)

    def _read(self, issue: IssueSnapshot, needs: frozenset[str]) -> IssueSnapshot | GitLabProblem:
        try:
            with self.readers.turn(), self.gitlab.timed(self._answered):
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


def apply_issue(gitlab: GitLab, issue_plan: IssuePlan) -> None:
    """Comments, then the edits marking older revisions superseded, then issues opened in
    other projects, and last the one label/state update. A run cut short anywhere leaves what
    the next run finds by its markers, never a move (or a close) without its comments."""
    project, iid = issue_plan.project, issue_plan.iid
    posted: dict[str, int] = {}
    for comment in issue_plan.comments:
        posted[comment.key] = gitlab.create_note(
            project,
            iid,
            comment.body,
            marker_key=comment.key,
            marker_rev=comment.rev,
            internal=comment.internal,
        )
    for edit in issue_plan.edits:
        newer = edit.superseded_by or posted.get(edit.key)
        if newer is not None:
            gitlab.edit_note(
                project,
                iid,
                edit.note_id,
                supersede(edit.body, newer, f"{issue_plan.web_url}#note_{newer}"),
                internal=edit.internal,
            )
    for new in issue_plan.new_issues:
        url = gitlab.find_issue(new.project, new.token) or gitlab.create_issue(
            new.project, new.title, new.description, new.labels
        )
        marker = Marker(new.link_key, revision(new.token))
        gitlab.create_note(
            project,
            iid,
            f"{marker}\nOpened the delivery hand-off issue: {url}",
            marker_key=marker.key,
            marker_rev=marker.rev,
        )
    gitlab.update_issue(
        issue_plan.project,
        issue_plan.iid,
        add=issue_plan.add_labels,
        remove=issue_plan.remove_labels,
        state_event=issue_plan.state_event,
        assignees=issue_plan.assign,
    )


def approvers_of(policy: Policy, gitlab: GitLab) -> dict[str, frozenset[str]]:
    """Each gate's approvers: its users, and its groups' members at or above the gate's
    `min_access_level` (members read once per run)."""
    members: dict[str, dict[str, int]] = {}
    found = {}
    for gate in policy.approvals:
        for group in gate.groups:
            if group not in members:
                members[group] = gitlab.group_members(group)
        found[gate.id] = frozenset(u.lower() for u in gate.users).union(
            *(
                (name for name, level in members[g].items() if level >= gate.min_access_level)
                for g in gate.groups
            )
        )
    return found
