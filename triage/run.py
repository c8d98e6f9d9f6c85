"""One scheduled run: list once, plan each issue (fetching only what its plan needs), apply.

Issues are streamed: each is planned (and, in apply mode, written) as the listing yields it,
so memory stays flat however many issues are in scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from .forecast import forecast
from .forecast_report import markdown
from .gitlab.adapter import GitLab, GitLabProblem
from .gitlab.cache import DetailsCache
from .issues.snapshot import IssueSnapshot
from .plan import IssuePlan, Settings, after, assignments_for, plan_issue
from .policy.model import Policy
from .render.markers import Marker, revision, supersede
from .render.templates import Templates
from .rules.fiscal import fiscal_quarter

Mode = Literal["plan", "apply"]
MAX_DETAIL_ROUNDS = (
    6  # label events, notes, award emoji: each round fetches what the last plan asked for
)


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
) -> RunResult:
    bot = gitlab.bot_username()
    if mode == "apply" and policy.scope.project:
        gitlab.check_can_write(policy.scope.project)
    # One listing of everything in scope: EM loads are balanced across it, even for `--issue`.
    listed = list(gitlab.list_issues(policy.scope))
    when = now or gitlab.now()  # GitLab's own clock, from the listing's answer
    result = RunResult(mode, now=when)
    settings = Settings(
        bot, templates, approvers_of(policy, gitlab), assignments_for(policy, listed)
    )
    writes_left = max_writes
    reused_before = cache.reused if cache else 0
    detailed: dict[tuple[str, int], IssueSnapshot] = {}
    for snapshot in listed:
        if iid is not None and snapshot.iid != iid:
            continue
        result.issues_scanned += 1
        if progress:
            progress(result.issues_scanned)
        try:
            issue_plan = plan_remembering(policy, snapshot, when, settings, gitlab, detailed, cache)
        except GitLabProblem as problem:
            if cache:
                cache.forget(snapshot.ref)
            if problem.fatal:
                raise
            result.outcomes.append(
                Outcome(
                    IssuePlan(snapshot.project, snapshot.iid, snapshot.title, snapshot.web_url),
                    "failed",
                    str(problem),
                )
            )
            continue
        if issue_plan.error:
            result.outcomes.append(Outcome(issue_plan, "failed", issue_plan.error))
            continue
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
            result.forecast = keep_forecast(policy, gitlab, templates, final, when, write=may_write)
        except GitLabProblem as problem:
            if problem.fatal:
                raise
            result.forecast, result.forecast_failed = f"forecast: failed ({problem})", True
    return result


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
    quarter = fiscal_quarter(now.date(), policy.calendar.fiscal_year_start_month)
    closed_scope = policy.scope.model_copy(
        update={"state": "closed", "labels": [*policy.scope.labels, f"close_qtr::{quarter.label}"]}
    )
    closed = {(i.project, i.iid): i for i in gitlab.list_issues(closed_scope)}
    closed |= {(i.project, i.iid): i for i in issues if i.state == "closed"}
    text = markdown(
        forecast(policy, issues, list(closed.values()), now, quarter), templates, config.template
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


def plan_remembering(
    policy: Policy,
    snapshot: IssueSnapshot,
    now: datetime,
    settings: Settings,
    gitlab: GitLab,
    seen: dict[tuple[str, int], IssueSnapshot],
    cache: DetailsCache | None,
) -> IssuePlan:
    """Plan one issue from the details remembered for it when GitLab shows it unchanged, else
    from what it reads. A plan from remembered details that would change anything is made again
    from fresh reads: writes are only ever planned from what GitLab says now."""
    key = (snapshot.project, snapshot.iid)
    remembered, read = cache.fill(snapshot, now) if cache else (snapshot, None)
    issue_plan = plan_with_details(policy, remembered, now, settings, gitlab, seen)
    if read is not None and (issue_plan.has_changes or issue_plan.error):
        read = None
        issue_plan = plan_with_details(policy, snapshot, now, settings, gitlab, seen)
    if cache:
        cache.keep(seen[key], read or now)
    seen[key] = seen[key].compact(settings.bot)  # the forecast needs no note bodies
    return issue_plan


def plan_with_details(
    policy: Policy,
    snapshot: IssueSnapshot,
    now: datetime,
    settings: Settings,
    gitlab: GitLab,
    seen: dict[tuple[str, int], IssueSnapshot] | None = None,
) -> IssuePlan:
    """Plan one issue; fetch notes or label events only if its plan says it needs them. The issue
    with what was fetched is left in `seen` (the forecast reads stage starts from it)."""
    issue_plan = plan_issue(policy, snapshot, now, settings)
    for _ in range(MAX_DETAIL_ROUNDS):
        if seen is not None:
            seen[(snapshot.project, snapshot.iid)] = snapshot
        if not issue_plan.needs:
            return issue_plan
        if "notes" in issue_plan.needs and snapshot.notes is None:
            snapshot = replace(snapshot, notes=gitlab.notes(snapshot.project, snapshot.iid))
        for need in issue_plan.needs:
            if need.startswith("awards:"):
                note_id = int(need.split(":", 1)[1])
                awards = gitlab.note_awards(snapshot.project, snapshot.iid, note_id)
                snapshot = replace(snapshot, note_awards={**snapshot.note_awards, note_id: awards})
        if "label_events" in issue_plan.needs and snapshot.label_events is None:
            snapshot = replace(
                snapshot, label_events=gitlab.label_events(snapshot.project, snapshot.iid)
            )
        issue_plan = plan_issue(policy, snapshot, now, settings)
    if issue_plan.needs:
        return replace(
            issue_plan,
            error=f"still needs {', '.join(sorted(issue_plan.needs))} after fetching it (a bug)",
        )
    return issue_plan


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
    """Each gate's approvers: its users and its groups' members, read once per run."""
    members: dict[str, frozenset[str]] = {}
    found = {}
    for gate in policy.approvals:
        for group in gate.groups:
            if group not in members:
                members[group] = gitlab.group_members(group)
        found[gate.id] = frozenset(u.lower() for u in gate.users).union(
            *(members[g] for g in gate.groups)
        )
    return found
