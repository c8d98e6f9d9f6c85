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

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from ..digest.due import reminders
from ..digest.overdue import overdue
from ..forecast_source import with_stage_starts
from ..gitlab.adapter import GitLab, GitLabProblem
from ..gitlab.cache import DetailsCache
from ..gitlab.lease import Busy, RunLease
from ..gitlab.readers import Readers
from ..issues.snapshot import IssueSnapshot
from ..planner import IssuePlan, Settings, after, assignments_for
from ..planner.assignment import unassignable
from ..policy.model import Policy
from ..render.templates import TemplateProblem, Templates
from .apply import apply_issue
from .approvers import GateApprovers, gated_labels
from .closed import closed_to_gate
from .details import DetailReads, HeadStart, Key, planned_batches
from .digest_issue import keep_digest, members_of
from .forecast_issue import EmptyScope, Weeks, keep_forecast, weeks_ahead
from .memory import run_digest
from .pdfs import PdfCopies

Mode = Literal["plan", "apply"]


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
    digest: str | None = None  # what happened to the daily digest of reminders
    remembered: int = 0  # issues planned from the details cache, without reading them
    recalled: int = 0  # of which not planned again: nothing to do, as an earlier run found
    readers: Readers = field(default_factory=Readers)  # how many issues were read at once
    lease_busy: str | None = None  # another run held the lease: this one did nothing (why)
    # A group's projects where the bot may not write (below Reporter): left as they are (why)
    skipped_projects: dict[str, str] = field(default_factory=dict)
    unassignable: list[str] = field(default_factory=list)  # pool people GitLab would not assign
    pdfs: PdfCopies = field(default_factory=lambda: PdfCopies(None))  # made and skipped

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
    pdfs: PdfCopies | None = None,
    lease_at: str | None = None,
    max_notes: int | None = None,
) -> RunResult:
    """`max_notes`: of the writes, the notes it may create (GitLab.com allows 60 a minute per
    user: `triage serve` shares them out); an issue whose plan posts more is left for later.
    `lease_at`: the project whose run lease an `apply` takes, when not `run_home(policy)`
    (a run narrowed to one project of a group scope takes the group run's). `readers`: issues
    whose details are read at once; None: as many as GitLab answers
    without making them wait (`Readers`). An `apply` first plans without writing (nor taking
    anything): a run with nothing to do ends there, with no write at all. Otherwise it takes the
    run lease (`gitlab/lease.py`) and runs again holding it to its end, from a new listing: what
    changed since it planned (another run's writes, a person's) is read again before anything
    is written (the details cache, or the details this run read, serve what GitLab shows
    unchanged; a plan with writes is always made from fresh reads). While another run holds the
    lease it writes nothing and says so (`lease_busy`). `plan` never takes it. `pdfs`: how the
    PDFs comments ask for are made (None: none made; the CLI gives `PdfCopies.on_this_machine()`)."""
    where = lease_at or run_home(policy)

    def holding(lease: RunLease | None, as_mode: Mode, probe: bool = False) -> RunResult:
        return run_holding(
            policy,
            gitlab,
            templates,
            lease,
            as_mode,
            iid,
            now,
            max_writes,
            progress,
            cache,
            readers,
            pdfs,
            probe=probe,
            max_notes=max_notes,
        )

    if mode == "plan":
        return holding(None, mode)
    own_memory = cache is None and where is not None
    if where is not None:
        if own_memory:  # the details read to plan serve the run that writes (not reported)
            cache = DetailsCache(gitlab.url, gitlab.bot_username())
        planned = holding(None, "plan", probe=True)
        if not writes_planned(planned):
            if own_memory:
                planned.remembered = planned.recalled = 0
            return replace(planned, mode="apply")
    if where is None:
        return holding(None, mode)
    # A token that cannot write stops the run here, before its first write (the lease): a run
    # with nothing to write never asks (one read fewer an idle hour).
    if policy.scope.project:
        gitlab.check_can_write(policy.scope.project)
    lease = RunLease.take(gitlab, where)
    if isinstance(lease, Busy):
        return RunResult(mode, now=gitlab.now(), lease_busy=str(lease))
    with lease:
        result = holding(lease, mode)
    if own_memory:  # what a details cache (`--cache`) saved is reported, not this run's own
        result.remembered = result.recalled = 0
    return result


def run_home(policy: Policy) -> str | None:
    """The project whose run lease every writing run of `policy` takes: its project scope's, or
    for a group scope the forecast's project (None: the group run takes none)."""
    return policy.scope.project or policy.forecast.project


def writes_planned(result: RunResult) -> bool:
    """Whether a run planned without writing found anything to write: an issue's change, the
    forecast issue's text, a digest comment."""
    return (
        any(o.status == "planned" for o in result.outcomes)
        or (result.forecast or "").endswith(("would be created", "would be updated"))
        or result.digest is not None
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
    pdfs: PdfCopies | None = None,
    *,
    probe: bool = False,
    max_notes: int | None = None,
) -> RunResult:
    """The run, with the lease (if any) held: checked before each write. `probe`: a `plan` made
    for an `apply`, which also works out whether the digest has anything new (reading it)."""
    bot = gitlab.bot_username()
    writes_left, notes_left = max_writes, max_notes
    reused_before = cache.reused if cache else 0
    detailed: dict[Key, IssueSnapshot] = {}
    access: dict[str, str | None] = {}  # a group's projects: why the bot may not write there
    limit = Readers.fixed(readers) if readers else Readers()
    # The reads every run makes besides the listing go out with its first page, no more of them
    # at once than the readers (the listing's page is one).
    beside = max(1, min(3, limit.cap - 1))
    # read only once a plan must judge someone against them (a gated label, an emoji)
    approvers = GateApprovers(policy, gitlab)
    with (
        DetailReads(gitlab, limit, approvers) as reads,
        ThreadPoolExecutor(beside, "triage-fixed") as fixed,
    ):
        members_read = fixed.submit(gitlab.scope_members, policy.scope)  # who may be mentioned
        # the closed issues the gates check, planned with the rest
        closed_read = fixed.submit(closed_to_gate, policy, gitlab, now or gitlab.now())
        warmed = {
            project: fixed.submit(lambda p: gitlab.own_issues(p), project)  # again if it failed
            for project in {p for p in (policy.forecast.project, policy.digest.project) if p}
        }

        def weeks_read(project: str) -> Weeks | None:
            wait([warmed[project]])  # submitted before: running or done, never read twice
            return weeks_ahead(policy, gitlab, now or gitlab.now())

        # the forecast issue's weekly snapshots (read again at its turn if this failed)
        forecast = policy.forecast.project
        weeks = fixed.submit(weeks_read, forecast) if forecast and iid is None else None
        made: list[Settings] = []

        def head_start() -> HeadStart:
            """Once the first page is in: all of them are in too, before any detail read (the
            readers' number is the most reads GitLab answers at once for the run)."""
            members = members_read.result()
            closed_read.exception()
            wait(warmed.values())
            # Plans are remembered with the details they were made from: with the cache only.
            digest = run_digest(policy, templates, bot, members) if cache else ""
            made.append(
                Settings(
                    bot=bot,
                    templates=templates,
                    approvers=approvers,
                    ids=approvers.ids,
                    digest=digest,
                    members=members,
                )
            )
            return HeadStart(policy, made[0], reads, cache)

        listed, when, ahead = list_planning_ahead(policy, gitlab, head_start, iid, now)
        settings = made[0]
        closed = closed_read.result()
        result = RunResult(mode, now=when, readers=limit)
        if mode == "apply":
            result.pdfs = pdfs if pdfs is not None else PdfCopies(None)
        settings = replace(
            settings,
            assignments=assignments_for(policy, listed, settings.members),
            # the members' names (the data block's people), and those the listing shows
            names=gitlab.member_names() | {u: n for s in listed for u, n in s.names.items()},
        )
        result.unassignable = unassignable(policy.assignment, settings.members)
        known = {(s.project, s.iid) for s in listed}
        listed += [c for c in closed.to_gate if (c.project, c.iid) not in known]
        chosen = [s for s in listed if iid is None or s.iid == iid]
        batches = planned_batches(policy, chosen, when, settings, reads, detailed, cache, ahead)
        # Issues with a gated label whose plan could not be made (a read failed, the approver
        # groups could not be read): nobody judged who set it, so no forecast may count it.
        unjudged: list[str] = []
        gated = gated_labels(policy)
        unwritten: list[IssuePlan] = []  # plans the bot may not write (below Reporter there)
        for snapshot, issue_plan in batches:
            result.issues_scanned += 1
            if progress:
                progress(result.issues_scanned)
            failed = issue_plan if isinstance(issue_plan, GitLabProblem) else issue_plan.error
            if failed and not gated.isdisjoint(snapshot.labels):
                unjudged.append(f"{snapshot.ref}: its gates could not be checked: {failed}")
            if isinstance(issue_plan, GitLabProblem):
                result.outcomes.append(
                    Outcome(
                        IssuePlan(
                            project=snapshot.project,
                            iid=snapshot.iid,
                            title=snapshot.title,
                            web_url=snapshot.web_url,
                        ),
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
            cost, notes = issue_plan.write_count, len(issue_plan.comments)
            if (writes_left is not None and cost > writes_left) or (
                notes_left is not None and notes > notes_left
            ):
                result.budget_exhausted = True
                result.outcomes.append(
                    Outcome(issue_plan, "skipped", "write budget used up for this run")
                )
                continue
            if policy.scope.group and refused(gitlab, access, snapshot.project):
                result.skipped_projects[snapshot.project] = access[snapshot.project] or ""
                unwritten.append(issue_plan)  # the forecast counts it as its gates leave it
                continue
            try:
                if lease:
                    lease.keep()
                apply_issue(gitlab, issue_plan, templates, result.pdfs)
            except GitLabProblem as problem:
                if problem.fatal:
                    raise
                result.outcomes.append(Outcome(issue_plan, "failed", str(problem)))
                continue
            except TemplateProblem as problem:  # a broken Word template fails its issue only
                result.outcomes.append(Outcome(issue_plan, "failed", str(problem)))
                continue
            if writes_left is not None:
                writes_left -= cost
            if notes_left is not None:
                notes_left -= notes
            result.outcomes.append(Outcome(issue_plan, "applied"))
    if cache:
        result.remembered = cache.reused - reused_before
        if iid is None:
            cache.keep_only({s.ref for s in listed})
    changed = {
        (o.plan.project, o.plan.iid): o.plan
        for o in result.outcomes
        if o.status in ("applied", "planned")
    } | {(p.project, p.iid): p for p in unwritten}
    read = [detailed.get((s.project, s.iid), s) for s in listed]
    final = [
        after(s, changed[(s.project, s.iid)], when, bot) if (s.project, s.iid) in changed else s
        for s in read
    ]
    if policy.digest.project and (mode == "apply" or probe) and not result.budget_exhausted:
        applied = [o.plan for o in result.outcomes if o.status == "applied"]
        try:
            # Everything overdue, from the issues as the run leaves them (their stage starts
            # read where nobody read them yet, as the forecast reads them).
            mine = [s for s in final if iid is None or s.iid == iid]  # `--issue`: that one
            mine = with_stage_starts(policy, gitlab, mine, when)
            if probe:  # planned, not applied: what a writing run would remind of
                applied = [o.plan for o in result.outcomes if o.status == "planned"]
            due = reminders(policy, applied, {s.ref: s for s in final})
            for person, items in overdue(policy, mine, when, settings.members, bot).items():
                due.setdefault(person, []).extend(items)  # after the day's reminders
            kept = keep_digest(
                policy,
                gitlab,
                due,
                when,
                members_of=members_of(policy, gitlab),
                templates=templates,
                writes_left=writes_left,
                write=mode == "apply",
            )
            result.digest = kept.summary
            if writes_left is not None:
                writes_left -= kept.writes
            result.budget_exhausted = kept.exhausted
        except GitLabProblem as problem:
            if problem.fatal:
                raise
            result.digest = f"digest: failed ({problem})"
    if policy.forecast.project and iid is None and unjudged:  # kept as it was: counts nothing
        result.forecast, result.forecast_failed = f"forecast: failed ({unjudged[0]})", True
    elif policy.forecast.project and iid is None:
        may_write = (
            mode == "apply"
            and not result.budget_exhausted
            and (writes_left is None or writes_left >= 1)
        )
        try:
            if lease and may_write:
                lease.keep()
            result.forecast = keep_forecast(
                policy, gitlab, templates, final, when, write=may_write, closed=closed, ahead=weeks
            )
        except GitLabProblem as problem:
            if problem.fatal:
                raise
            result.forecast, result.forecast_failed = f"forecast: failed ({problem})", True
        except TemplateProblem as problem:  # a broken forecast template fails the forecast only
            result.forecast, result.forecast_failed = f"forecast: failed ({problem})", True
        except EmptyScope as problem:  # kept as it was: the run fails, saying why
            result.forecast, result.forecast_failed = str(problem), True
    return result


def refused(gitlab: GitLab, access: dict[str, str | None], project: str) -> bool:
    """Whether the bot may not write in a project of the group it triages: checked once per run
    and project, before its first write there, as a project scope is checked before the run
    (below Reporter, GitLab would keep no label and save the cost estimate public)."""
    if project not in access:
        access[project] = gitlab.write_refusal(project)
    return access[project] is not None


def list_planning_ahead(
    policy: Policy,
    gitlab: GitLab,
    head_start: Callable[[], HeadStart],
    iid: int | None,
    now: datetime | None,
) -> tuple[list[IssueSnapshot], datetime, HeadStart]:
    """One listing of everything in scope (EM loads are balanced across it, even for `--issue`),
    each chosen issue handed to `ahead` as it arrives; and the run's time, GitLab's own clock as
    the listing begins unless `now` is given. A run plans every issue, so each description is
    parsed as it is listed and only the parsed parts are held (`--issue` parses one).
    `head_start` is made once the first page is in (what it needs is read meanwhile)."""
    listed: list[IssueSnapshot] = []
    when = now
    bot = gitlab.bot_username()
    ahead: HeadStart | None = None
    for issue in gitlab.list_issues(policy.scope):
        ahead = ahead or head_start()
        if issue.author == bot:  # the bot's own issues (lease, forecast, digest) are no deals
            continue
        listed.append(issue if iid is not None else issue.parsed())
        if iid is None or issue.iid == iid:
            when = when or gitlab.now()
            ahead.plan(listed[-1], when)
    return listed, when or gitlab.now(), ahead or head_start()
