"""`triage salesforce check | plan | apply`: the four EM fields written to each deal's
opportunity, and what Salesforce says of the deal read back. `check` reads Salesforce only;
`plan` reads GitLab and Salesforce; `apply` writes the fields that differ, and on GitLab says once
on each deal where Salesforce disagrees (a note, and the policy's flag label the forecast lists
under needs action). The win is never set from Salesforce: that gate is Deal Desk's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ..console import Console
from ..errors import UserError
from ..forecast_source import closed_in
from ..gitlab.adapter import GitLab
from ..issues.markers import Marker, find_marker, revision
from ..policy.model import Policy, SalesforceSync
from ..render.markdown import Trusted, escape
from ..render.templates import Templates
from ..runner.closed import as_gates_leave_them
from ..runner.forecast_issue import with_shipped
from ..salesforce import ids, state
from ..salesforce.client import BudgetSpent, Org, SalesforceProblem, Secrets
from ..salesforce.sync import FIELDS, Disagreement, SyncPlan, deals, plan
from ..workspace import Workspace
from .connection import Connection, in_zone, open_gitlab, scoped

Action = Literal["check", "plan", "apply"]
COLOURS = ("Grey", "Red", "Amber", "Green")
NOTE_KEY = "salesforce/disagrees"
NOTE_TEMPLATE = "salesforce-disagrees.md.j2"


@dataclass
class Checked:
    """What `check` found: problems (each with its fix), and what the sync needs from it."""

    problems: list[str] = field(default_factory=list)
    user_ids: dict[str, str] = field(default_factory=dict)  # GitLab username -> user id
    lengths: dict[str, int] = field(default_factory=dict)  # text field -> its length

    @property
    def blocking(self) -> bool:
        return bool(self.problems)


def check(org: Org, sync: SalesforceSync, policy: Policy) -> Checked:
    """The pre-flight: the four fields exist and this user may write them, the colours are in
    the confidence picklist, the fields read back exist; each mapped user exists and is active."""
    found = Checked()
    described = org.describe()
    names = sync.fields
    for key in FIELDS:
        name = getattr(names, key)
        info = described.get(name)
        where = f"salesforce.sync.fields.{key}"
        if info is None:
            found.problems.append(
                f"{where}: Opportunity has no field `{name}`: fix: create it, or give its API "
                "name (not its label) here"
            )
            continue
        if not info.get("updateable"):
            found.problems.append(
                f"{where}: `{name}` is not updateable by the integration user: fix: give its "
                "permission set edit access to the field"
            )
        if info.get("length") and info.get("type") in ("string", "textarea", "url"):
            found.lengths[name] = int(info["length"])
        if key == "confidence" and info.get("type") == "picklist":
            values = {p.get("value") for p in info.get("picklistValues", []) if p.get("active")}
            missing = [c for c in COLOURS if c not in values]
            if missing:
                found.problems.append(
                    f"{where}: the picklist of `{name}` lacks {', '.join(missing)}: fix: add "
                    "these values to it"
                )
        if key == "engagement_manager" and "User" not in (info.get("referenceTo") or ["User"]):
            found.problems.append(
                f"{where}: `{name}` is not a lookup of User: fix: name the Engagement Manager "
                "lookup field here"
            )
    for name in sync.read:
        if name not in described:
            found.problems.append(
                f"salesforce.sync.read: Opportunity has no field `{name}`: fix: remove it or "
                "give its API name"
            )
    found.user_ids, problems = _users(org, policy.salesforce.users)
    found.problems += problems
    return found


def _users(org: Org, users: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    by_id = {gl: v for gl, v in users.items() if ids.problem(v, ids.USER) is None}
    by_email = {gl: v for gl, v in users.items() if gl not in by_id and "@" in v}
    problems = [
        f"salesforce.users.{gl}: `{v}` is neither a user id (005...) nor an email: fix: give "
        "the Salesforce user's id or email"
        for gl, v in users.items()
        if gl not in by_id and gl not in by_email
    ]
    rows = []
    if by_id:
        rows += org.users("Id", sorted({ids.full(v) for v in by_id.values()}))
    if by_email:
        rows += org.users("Email", sorted(set(by_email.values())))
    found_ids = {str(r["Id"])[:15]: r for r in rows}
    found_emails = {str(r.get("Email", "")).lower(): r for r in rows}
    resolved: dict[str, str] = {}
    for gl, value in sorted(users.items()):
        row = (
            found_ids.get(value[:15])
            if gl in by_id
            else found_emails.get(value.lower())
            if gl in by_email
            else None
        )
        if gl not in by_id and gl not in by_email:
            continue
        if row is None:
            problems.append(
                f"salesforce.users.{gl}: no Salesforce user `{value}`: fix: give an existing "
                "user's id or email"
            )
        elif not row.get("IsActive"):
            problems.append(
                f"salesforce.users.{gl}: the Salesforce user `{value}` is inactive: fix: map "
                f"{gl} to an active user"
            )
        else:
            resolved[gl] = str(row["Id"])
    return resolved, problems


def salesforce(
    console: Console,
    workspace: Workspace,
    connection: Connection,
    secrets: Secrets,
    action: Action,
    *,
    state_file: Path,
    now: datetime | None,
    on_token: Callable[[str], None] = lambda token: None,
    session: Any = None,
    sleep: Callable[[float], None] | None = None,
) -> int:
    policy = scoped(workspace.policy, connection)
    sync = policy.salesforce.sync
    if sync is None:
        raise UserError(
            "the policy has no `salesforce.sync`: add it (instance_url, auth, api_version, "
            "fields) to sync with Salesforce; see docs/operations.md"
        )
    extra: dict[str, Any] = {"session": session} if session is not None else {}
    if sleep is not None:
        extra["sleep"] = sleep
    try:
        org = Org(sync, secrets, on_token=on_token, **extra)
    except ImportError:
        raise UserError(
            "the Salesforce sync needs its extra: pip install 'ps-triage[salesforce]'"
        ) from None
    checked = check(org, sync, policy)
    for problem in checked.problems:
        console.err(f"error: {problem}")
    if action == "check":
        if not checked.problems:
            console.info(
                f"Salesforce ready: the four fields are writable, {len(checked.user_ids)} "
                f"user(s) mapped ({org.calls} API calls)"
            )
        return 1 if checked.problems else 0
    if checked.blocking:
        raise SalesforceProblem(
            f"{len(checked.problems)} problem(s) above: nothing read or written until they are fixed"
        )
    gitlab = open_gitlab(connection)
    now = in_zone(now, policy)
    issues = list(gitlab.list_issues(policy.scope))
    when = now or gitlab.now()
    cal = policy.calendar
    quarter = cal.quarter(cal.local(when).date())
    # a closed deal as its gates leave it: a win that did not pass its gate is no win here either
    issues += as_gates_leave_them(
        policy,
        gitlab,
        workspace.templates,
        closed_in(policy, gitlab, issues, quarter),
        when,
    )
    wanted = deals(policy, sync, issues, when, checked.user_ids)
    _say_gaps(console, wanted)
    names = [getattr(sync.fields, key) for key in FIELDS]
    records = org.opportunities([w.opportunity for w in wanted.wanted], [*names, *sync.read])
    kept = state.load(state_file)
    decided = plan(sync, wanted.wanted, records, kept.written, org.user_id, checked.lengths)
    _show(console, decided, "would write" if action == "plan" else "writing")
    if action == "plan":
        return 0
    return _apply(console, sync, gitlab, workspace.templates, org, decided, kept, state_file)


def _say_gaps(console: Console, wanted: Any) -> None:
    for bad in wanted.invalid:
        console.err(
            f"warning: {bad.ref}: opportunity `{escape(bad.value)}` {bad.why}: not synced; fix "
            "the data block's `opportunity`"
        )
    for opportunity, refs in wanted.duplicates.items():
        console.err(
            f"warning: {', '.join(refs)} name one opportunity ({opportunity}): neither is "
            "synced until one of them names another"
        )
    if wanted.unmapped:
        console.err(
            f"warning: no Salesforce user for {', '.join(wanted.unmapped)}: their Engagement "
            "Manager field is left as it is; map them in the policy's `salesforce.users`"
        )


def _show(console: Console, decided: SyncPlan, verb: str) -> None:
    for change in decided.changes:
        console.out(
            f"{change.ref}: {verb} {', '.join(sorted(change.fields))} on {change.opportunity}"
        )
    for c in decided.conflicts:
        console.out(
            f"{c.ref}: {c.field} on {c.opportunity} was changed in Salesforce by {c.edited_by} "
            f"({c.edited_at}) since the bot wrote it: kept, not overwritten"
        )
    for d in decided.disagreements:
        console.out(f"{d.ref}: Salesforce disagrees: {'; '.join(d.says)}")
    for w, there in decided.claimed:
        console.out(
            f"{w.ref}: opportunity {w.opportunity} is linked to another scoping issue ({there}): "
            "not written; fix the data block's `opportunity`, or clear the link in Salesforce"
        )
    for w in decided.unknown:
        console.out(f"{w.ref}: no opportunity {w.opportunity} in Salesforce (or not visible)")
    console.summary(
        f"Salesforce: {len(decided.changes)} to write, {len(decided.conflicts)} kept as people "
        f"set them, {len(decided.disagreements)} disagreeing, {len(decided.unknown)} unknown"
        + (f", {len(decided.claimed)} linked to other issues" if decided.claimed else "")
    )


def _apply(
    console: Console,
    sync: SalesforceSync,
    gitlab: GitLab,
    templates: Templates,
    org: Org,
    decided: SyncPlan,
    kept: state.State,
    state_file: Path,
) -> int:
    """Write, record what was written (and refused), then tell GitLab. Exit 1 when something
    is left undone this run: a refusal new this run, the budget, the write cap."""
    failed = False
    known = {k: dict(v) for k, v in decided.known.items()}
    refs = {c.opportunity: c.ref for c in decided.changes}
    changes: dict[str, Any] = {}
    for change in decided.changes:
        if (why := kept.refused_before(change.opportunity, change.fields)) is not None:
            known.pop(change.opportunity, None)
            console.info(
                f"{change.ref}: not sent again, Salesforce refused these values before: "
                f"{'; '.join(why)}"
            )
        else:
            changes[change.opportunity] = change.fields
    if len(changes) > sync.max_writes:
        console.err(
            f"warning: {len(changes)} opportunities to write, {sync.max_writes} at most a run "
            "(`salesforce.sync.max_writes`): the rest next run"
        )
        failed = True
        for oid in list(changes)[sync.max_writes :]:
            del changes[oid]
            known.pop(oid, None)
    try:
        done = org.write(changes) if changes else None
    except BudgetSpent as spent:
        console.err(f"error: {spent}")
        done, failed = None, True
        for oid in changes:
            known.pop(oid, None)
    if done is not None:
        for oid, why in done.refused.items():
            failed = True
            known.pop(oid, None)
            kept.refused[oid] = {"values": dict(changes[oid]), "why": why}
            console.err(
                f"error: {refs[oid]}: Salesforce refused the write (not sent again until the "
                f"values change): {'; '.join(why)}"
            )
        for oid in done.ok:
            kept.refused.pop(oid, None)
        console.info(
            f"wrote {len(done.ok)} opportunit{'y' if len(done.ok) == 1 else 'ies'}"
            + (f" ({done.retried} sent again after a record lock)" if done.retried else "")
        )
    kept.written.update(known)
    state.save(state_file, kept)
    _tell_gitlab(console, sync, gitlab, templates, decided)
    return 1 if failed else 0


def _tell_gitlab(
    console: Console, sync: SalesforceSync, gitlab: GitLab, templates: Templates, decided: SyncPlan
) -> None:
    """On each deal Salesforce disagrees with: the flag label, and a note once per set of
    disagreements (worded by `salesforce-disagrees.md.j2`). On each that agrees again: the flag
    taken off."""
    bot = gitlab.bot_username()
    templates = with_shipped(templates, NOTE_TEMPLATE)  # a team's older folder has none
    for d in decided.disagreements:
        body = _note(templates, d)
        rev = revision(list(d.says))
        said = any(
            n.author == bot and (m := find_marker(n.body)) and m.key == NOTE_KEY and m.rev == rev
            for n in gitlab.notes(d.project, d.iid)
        )
        if not said:
            gitlab.create_note(
                d.project,
                d.iid,
                f"{Marker(NOTE_KEY, rev)}\n{body}",
                marker_key=NOTE_KEY,
                marker_rev=rev,
            )
        if not d.flagged:  # labelled once, not again every run
            gitlab.update_issue(
                d.project, d.iid, add=(sync.flag_label,), remove=(), state_event=None
            )
    for w in decided.agreeing:  # a deal agrees or disagrees, never both
        if w.flagged:
            gitlab.update_issue(
                w.project, w.iid, add=(), remove=(sync.flag_label,), state_event=None
            )
    if decided.disagreements:
        console.info(f"{len(decided.disagreements)} deal(s) flagged where Salesforce disagrees")


def _note(templates: Templates, d: Disagreement) -> str:
    """The note on a deal Salesforce disagrees with, in its template's words."""
    said = [
        {
            "kind": Trusted(s.kind),
            "salesforce": s.salesforce,
            "gitlab": s.gitlab,
            "currency": Trusted(s.currency),
        }
        for s in d.said
    ]
    context = {"opportunity": d.opportunity, "customer": d.customer, "said": said}
    return templates.render(NOTE_TEMPLATE, context).rstrip()
