"""`triage serve` put together: the receiver's decisions, the inbox, the worker and the counters;
`replanner` plans one issue again with the run `triage apply --issue IID` makes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..gitlab.adapter import GitLab, GitLabProblem
from ..policy.model import Policy
from ..render.templates import Templates
from ..runner import run, run_home
from ..runner.pdfs import PdfCopies
from .inbox import MOST, QUIET, Inbox
from .metrics import Metrics
from .receiver import Delivery, Identity, Key, Secrets, receive
from .worker import WRITES_PER_MINUTE, Planned, Replan, Worker

MAX_BODY = 25 * 1024 * 1024  # GitLab's REQUEST_BODY_SIZE_LIMIT (app/services/web_hook_service.rb)


@dataclass
class Service:
    secrets: Secrets
    identity: Identity
    inbox: Inbox
    metrics: Metrics
    worker: Worker
    log: Callable[[str], None]
    clock: Callable[[], float] = time.time

    def receive(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        """Decide on one delivery, queue its issue, count it; log it unless queued (a queued
        event is logged once, when its issue has been planned)."""
        started = self.clock()
        delivery = receive(headers, body, self.secrets, self.identity, started)
        if delivery.status == 401:
            self.metrics.add("triage_webhook_refused_total")
        if delivery.queued and self.inbox.repeat(delivery.delivery_id, started):
            delivery = Delivery(202, "ignored: a repeated delivery", delivery.event)
        assert delivery.decision  # the log line's decision
        kind = delivery.decision.split(":")[0]
        self.metrics.add("triage_webhook_deliveries_total", decision=kind)
        if delivery.key is not None:
            self.inbox.add(delivery.key, _shown(delivery.event), started)
            self.metrics.gauges["triage_pending_issues"] = len(self.inbox)
        else:
            took = self.clock() - started
            self.log(f"- {_shown(delivery.event)}: {delivery.decision} ({took:.2f} s)")
        return delivery

    def health(self) -> dict[str, object]:
        reachable = self.metrics.gauges.get("triage_gitlab_reachable")
        return {
            "status": "ok",
            "gitlab_reachable": None if reachable is None else bool(reachable),
            "pending": len(self.inbox),
        }


def _shown(event: str) -> str:
    """An event's name as the log shows it: known names as they are, anything else cut and
    reduced to plain characters (the header is the sender's text)."""
    plain = "".join(c for c in event[:40] if c.isalnum() or c in " -_")
    return plain or "(no X-Gitlab-Event)"


def build(
    policy: Policy,
    gitlab: GitLab,
    templates: Templates,
    secrets: Secrets,
    log: Callable[[str], None],
    *,
    state: Path | None = None,
    quiet: float = QUIET,
    most: float = MOST,
    writes_per_minute: int | None = WRITES_PER_MINUTE,
    pdfs: PdfCopies | None = None,
    readers: int | None = None,
) -> Service:
    """The service for `policy`'s scope, as the bot's user (read from GitLab: its id too); its
    worker not started yet."""
    bot = gitlab.bot_username()
    identity = Identity(gitlab.user_id(bot), bot, policy.scope.project, policy.scope.group)
    inbox = Inbox(state, quiet=quiet, most=most)
    metrics = Metrics()
    metrics.gauges["triage_gitlab_reachable"] = 1
    replan = replanner(policy, gitlab, templates, pdfs=pdfs, readers=readers)
    worker = Worker(inbox, replan, metrics, log, writes_per_minute=writes_per_minute)
    return Service(secrets, identity, inbox, metrics, worker, log)


def replanner(
    policy: Policy,
    gitlab: GitLab,
    templates: Templates,
    *,
    pdfs: PdfCopies | None = None,
    readers: int | None = None,
) -> Replan:
    """Plan one issue again as `triage apply --issue IID` does: a fresh read of GitLab, under the
    run lease the scheduled run takes. With a group scope the issue's own project is triaged
    (iids are per project), under the group run's lease (`run_home`), not one of its own."""
    home = run_home(policy)

    def replan(key: Key, budget: int | None) -> Planned:
        project, iid = key
        scoped = policy
        if policy.scope.group:
            scope = policy.scope.model_copy(update={"project": project, "group": None})
            scoped = policy.model_copy(update={"scope": scope})
        before, notes_before = gitlab.traffic.writes, gitlab.traffic.notes
        gitlab.new_run()  # who approves: as GitLab shows it now, not as for an earlier event
        try:
            result = run(
                scoped,
                gitlab,
                templates,
                mode="apply",
                iid=iid,
                max_notes=budget,
                readers=readers,
                pdfs=pdfs,
                lease_at=home,
            )
        except GitLabProblem as problem:  # GitLab unreachable, the token refused, the lease lost
            return Planned(
                f"failed: {problem}",
                gitlab.traffic.writes - before,
                notes=gitlab.traffic.notes - notes_before,
                retry=True,
                reachable=False,
            )
        writes = gitlab.traffic.writes - before
        notes = gitlab.traffic.notes - notes_before
        if result.lease_busy:
            return Planned("lease busy", writes, notes=notes, retry=True, lease_busy=True)
        if result.budget_exhausted:
            return Planned(f"note budget spent, {writes} writes", writes, notes=notes, retry=True)
        if result.errors:
            return Planned(f"failed: {result.errors[0].error}", writes, notes=notes)
        if not result.issues_scanned:
            return Planned("not in scope", writes, notes=notes)
        if writes:
            return Planned(f"applied, {writes} writes", writes, notes=notes)
        return Planned("nothing to do", writes, notes=notes)

    return replan
