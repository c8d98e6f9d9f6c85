"""Closed issues pass the gates too: a person who closes a deal with a gated label, or sets
one on a closed issue, meets the same gate as on an open one. A run gates the closed issues
updated since its lookback and the quarter's wins; `triage report` counts a win only when its
gate counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..gitlab.adapter import GitLab, GitLabProblem
from ..gitlab.readers import Readers
from ..issues.snapshot import IssueSnapshot
from ..planner import Settings, after
from ..policy.model import Policy
from ..render.templates import Templates
from .approvers import approvers_of
from .details import DetailReads, Key, plan_with_details


@dataclass(frozen=True)
class ClosedRead:
    """The closed issues a run reads: those its gates check (planned with the rest), and the
    quarter's closed deals as GitLab lists them (`quarter`: the `close_qtr::` label's quarter),
    which the forecast is made from without listing them again."""

    to_gate: list[IssueSnapshot]
    quarter: str
    in_quarter: list[IssueSnapshot]


def closed_to_gate(policy: Policy, gitlab: GitLab, now: datetime) -> ClosedRead:
    """The closed issues whose gated labels a run checks as it checks the open ones': those
    updated within `lifecycle.unexpected_move_lookback_days` (longer than the gap between
    runs: whatever a person did to a closed issue since the last run), and the deals won in the
    current quarter (a win counts in the forecast only when its gate counted). Two listings
    filtered by GitLab, never the whole history: the quarter's closed deals (by their
    `close_qtr::` label, the forecast's too), its wins picked out here."""
    quarter = policy.calendar.quarter(policy.calendar.local(now).date())
    if policy.scope.state != "opened":
        return ClosedRead([], quarter.label, [])  # the listing holds the closed issues already
    days = policy.lifecycle.unexpected_move_lookback_days
    scope = policy.scope.model_copy(update={"state": "closed"})
    in_quarter = scope.model_copy(update={"labels": [*scope.labels, f"close_qtr::{quarter.label}"]})
    gated = "Closed_Won" in policy.lifecycle.terminal()
    listed = gated or policy.forecast.project
    closed = [i.parsed() for i in gitlab.list_issues(in_quarter)] if listed else []
    won = policy.lifecycle.label("Closed_Won")
    found: dict[tuple[str, int], IssueSnapshot] = {}
    for issue in [
        *(i.parsed() for i in gitlab.list_issues(scope, updated_after=now - timedelta(days=days))),
        *(i for i in closed if gated and won in i.labels),
    ]:
        found[issue.project, issue.iid] = issue
    return ClosedRead(list(found.values()), quarter.label, closed)


def as_gates_leave_them(
    policy: Policy,
    gitlab: GitLab,
    templates: Templates,
    issues: list[IssueSnapshot],
    now: datetime,
) -> list[IssueSnapshot]:
    """`issues` (for the forecast and the Salesforce file), each carrying a gated label as a
    run's plan would leave it, open ones too: a win whose gate does not count taken back (and
    the deal reopened), a stage a Developer set on an open deal put back, so that no number
    counts it. Plans only, never a write. An issue that cannot be checked (its reads failed)
    stops the report rather than count unchecked. The approver groups are read only when some
    issue carries a gated label."""
    gated = {
        name
        for gate in policy.approvals
        for name in {gate.label, *(k for k, v in policy.label_aliases.items() if v == gate.label)}
    }
    todo: dict[Key, IssueSnapshot] = {
        (i.project, i.iid): i for i in issues if gated & set(i.labels)
    }
    if not todo:
        return issues
    bot = gitlab.bot_username()
    approvers = approvers_of(policy, gitlab)
    settings = Settings(
        bot=bot,
        templates=templates,
        approvers=approvers,
        members=gitlab.scope_members(policy.scope),
        ids=gitlab.people_ids(set().union(*approvers.values())),
    )
    with DetailReads(gitlab, Readers()) as reads:
        plans = plan_with_details(policy, todo, now, settings, reads, {})
    out = []
    for issue in issues:
        plan = plans.get((issue.project, issue.iid))
        if isinstance(plan, GitLabProblem):
            raise plan
        if plan is not None and plan.error:
            raise GitLabProblem(f"{issue.ref}: its gates could not be checked: {plan.error}")
        out.append(after(issue, plan, now, bot) if plan is not None else issue)
    return out
