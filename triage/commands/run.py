"""`triage plan` (never writes) and `triage apply` (writes), and `triage explain`."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from ..console import Console
from ..errors import UserError
from ..gitlab.adapter import GitLab
from ..gitlab.cache import DetailsCache
from ..planner import Settings, assignments_for, plan_issue
from ..policy.model import Policy
from ..report import as_json, plan_markdown, summary, table
from ..runner import Mode, run, run_home
from ..runner.approvers import GateApprovers
from ..runner.details import MAX_DETAIL_ROUNDS, with_details
from ..runner.pdfs import PdfCopies
from ..sealed import Beside
from ..workspace import Workspace, load_workspace
from .connection import (
    Connection,
    check_one_issue,
    in_zone,
    open_gitlab,
    remember_listing,
    scoped,
)


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """What `triage plan` and `triage apply` were given on the command line."""

    mode: Mode
    policies: Path
    templates: Path
    gitlab_url: str | None
    project: str | None
    issue: int | None
    report: Path | None
    max_writes: int | None
    now: datetime | None
    fmt: str = "table"
    merge_request: int | None = None
    merge_request_project: str | None = None
    cache: Path | None = None
    cache_max_age: float = 24.0
    readers: int | None = None


@dataclass(frozen=True)
class CacheFile:
    path: Path
    max_age: timedelta


@dataclass(frozen=True)
class MergeRequestNote:
    project: str
    iid: int


def run_command(
    console: Console,
    workspace: Workspace,
    connection: Connection,
    *,
    mode: Mode,
    iid: int | None = None,
    report: Path | None = None,
    max_writes: int | None = None,
    now: datetime | None = None,
    fmt: str = "table",
    merge_request: MergeRequestNote | None = None,
    cache: CacheFile | None = None,
    gitlab: GitLab | None = None,
) -> int:
    """`gitlab`: the connection's adapter, opened before the workspace was loaded (`ask_ahead`)."""
    policy = scoped(workspace.policy, connection)
    check_one_issue(policy, iid)
    # Narrowed to one project of a group, the run takes the group run's lease (`run_home`).
    lease_at = run_home(workspace.policy) if workspace.policy.scope.group else None
    now = in_zone(now, policy)
    gitlab = gitlab or open_gitlab(connection)
    gitlab.list_ahead(policy.scope)  # its pages on their way, if not asked already (`ask_ahead`)
    remembered = None
    if cache is not None:
        remembered = DetailsCache.load(
            cache.path,
            gitlab=gitlab.url,
            bot=gitlab.bot_username(),
            max_age=cache.max_age,
            key=connection.token,  # sealed by the bot: no one who can write the CI cache forges it
        )
        if remembered.problem:
            console.info(f"details cache {remembered.problem}")
    scope = policy.scope
    (console.aside if fmt == "markdown" else console.info)(
        f"{mode}: {scope.project or scope.group} at {connection.url}"
        + (" (read-only)" if mode == "plan" else "")
    )

    def progress(scanned: int) -> None:
        console.progress(
            f"{mode}: {scanned} issues, {sum(gitlab.traffic.by_method.values())} requests"
        )

    result = run(
        policy,
        gitlab,
        workspace.templates,
        mode=mode,
        iid=iid,
        now=now,
        max_writes=max_writes,
        progress=progress,
        cache=remembered,
        lease_at=lease_at,
        readers=connection.readers,
        pdfs=PdfCopies.on_this_machine(),
    )
    gitlab.forget_asked()  # a listing asked ahead that the run did not make (a stale scope)
    for outcome in result.outcomes:  # masked before any of it is wrapped, joined or encoded
        if outcome.error:
            outcome.error = console.mask(outcome.error)
    if result.forecast:
        result.forecast = console.mask(result.forecast)
    if cache is not None and mode == "apply" and connection.token:
        remember_listing(gitlab, scope, Beside(cache.path, connection.token))
    if cache is not None and remembered is not None:
        try:
            remembered.save(cache.path, key=connection.token)
        except OSError as error:  # the run's work is done; the next run reads what it needs
            console.err(f"warning: could not save the details cache {cache.path}: {error.strerror}")
    console.debug(f"issues' details read at once: {result.readers}")
    for outcome in result.outcomes:
        console.debug(f"#{outcome.plan.iid} {outcome.status}: " + "; ".join(outcome.plan.reasons))
    if result.lease_busy:  # an apply that found another running: nothing to show but that
        console.out(f"{mode}: {result.lease_busy}")
    elif fmt == "markdown":
        text = plan_markdown(result)
        console.out(text.rstrip("\n"))
        if merge_request is not None:
            token = "<!-- ps-triage:plan -->"
            posted = gitlab.upsert_mr_note(
                merge_request.project, merge_request.iid, console.mask(f"{token}\n{text}"), token
            )
            console.aside(f"plan note on {merge_request.project}!{merge_request.iid}: {posted}")
    else:
        console.show(table(result, console.mask))
        console.summary(summary(result, gitlab.traffic.writes, gitlab.traffic.by_method))
    for project, why in sorted(result.skipped_projects.items()):  # once a project, each run
        console.err(
            f"warning: skipped {project}, nothing written there: {why}, and GitLab would save "
            "its internal notes (costs, margin) public; fix: give it the Reporter role there"
        )
    if result.unassignable:  # every run, until the pool or the members change
        where = scope.project or scope.group
        console.err(
            f"warning: {', '.join('@' + p for p in result.unassignable)} cannot be assigned: "
            f"not members of {where}, and GitLab silently drops such assignees; fix: add them "
            "to it, or take them out of `assignment` in the policy"
        )
    if pdf_line := result.pdfs.line():  # once per run, not once per document: why, and the fix
        console.err(f"warning: {console.mask(pdf_line)}")
    if report:
        data = as_json(
            result, gitlab.traffic.by_method, gitlab.traffic.writes, scope.model_dump(mode="json")
        )
        report.write_text(console.mask(json.dumps(data, indent=2)) + "\n", encoding="utf-8")
        console.info(f"report written to {report}")
    if result.forecast_failed:  # loud: a scheduled job fails, and its log says why
        console.err(f"error: {result.forecast}")
    return 1 if result.errors or result.budget_exhausted or result.forecast_failed else 0


def explain_command(
    console: Console,
    policies: Path,
    templates: Path,
    connection: Connection,
    iid: int,
    now: datetime | None = None,
) -> int:
    from ..explain import explain_issue  # only this command explains (`plan` and `apply` do not)

    workspace = load_workspace(policies, templates)
    policy = scoped(workspace.policy, connection)
    check_one_issue(policy, iid)
    now = in_zone(now, policy)
    gitlab = open_gitlab(connection)
    # The whole listing, as a run reads it: the EM a run would assign comes from all of it.
    listed = list(gitlab.list_issues(policy.scope))
    found = [issue for issue in listed if issue.iid == iid] or list(
        gitlab.list_issues(policy.scope.model_copy(update={"state": "all"}), iids=[iid])
    )  # a closed issue too
    if not found:
        raise UserError(f"issue #{iid} is not in scope ({_scope_words(policy)})")
    issue = found[0]
    issue = replace(
        issue,
        notes=gitlab.notes(issue.project, iid),
        label_events=gitlab.label_events(issue.project, iid),
    )
    approvers = GateApprovers(policy, gitlab)  # read as a run reads them: when a plan asks
    settings = Settings(
        bot=gitlab.bot_username(),
        templates=workspace.templates,
        approvers=approvers,
        ids=approvers.ids,
        members=(members := gitlab.scope_members(policy.scope)),
        assignments=assignments_for(policy, listed, members),
    )
    when = now or gitlab.now()
    for _ in range(MAX_DETAIL_ROUNDS):  # what else its plan asks for (award emoji, approvers)
        needs = plan_issue(policy, issue, when, settings).needs
        if not needs:
            break
        if "approvers" in needs:
            approvers.read()
        issue = with_details(gitlab, issue, needs)
    console.out(explain_issue(policy, issue, when, settings))
    return 0


def _scope_words(policy: Policy) -> str:
    """The scope as a person reads it: `project ps/ps-plan, labels Services Calculator`."""
    scope = policy.scope
    parts = [f"project {scope.project}" if scope.project else f"group {scope.group}"]
    if scope.labels:
        parts.append(f"labels {', '.join(scope.labels)}")
    return ", ".join(parts)
