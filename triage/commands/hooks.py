"""`triage hooks`: the project's webhooks, and the one `triage serve` needs, made or checked."""

from __future__ import annotations

from ..console import Console
from ..errors import UserError
from ..gitlab.webhooks import EVENTS, Webhook, group_hooks, project_hooks, save_hook
from ..workspace import Workspace
from .connection import Connection, open_gitlab, scoped


def _shown(hook: Webhook) -> str:
    events = ", ".join(sorted(e.removesuffix("_events") for e in hook.events)) or "no events"
    status = "" if hook.alert_status == "executable" else f" [{hook.alert_status}]"
    return f"#{hook.id} {hook.url} ({events}){status}"


def hooks(
    console: Console,
    workspace: Workspace,
    connection: Connection,
    *,
    url: str | None,
    create: bool,
    secret: str | None,
) -> int:
    """List the project's hooks; with `url` (serve's `/webhook` address) check the hook that
    points there (events, status, one only, not also a group's), and with `create` make it or
    set its events and secret. Exit 1 when serve's hook is missing or wrong and not fixed."""
    policy = scoped(workspace.policy, connection)
    project = policy.scope.project
    if not project:
        raise UserError(
            "triage hooks works on one project: give --project or TRIAGE_PROJECT (the policy "
            "scope is a group; a group hook is made in the group's Settings > Webhooks)"
        )
    if create and not secret:
        raise UserError(
            "--create sets the hook's secret token: set TRIAGE_WEBHOOK_SECRET (serve's) first"
        )
    gitlab = open_gitlab(connection)
    found = project_hooks(gitlab, project)
    console.out(f"{project}: {len(found)} webhook{'s' if len(found) != 1 else ''}")
    for hook in found:
        console.out(f"  {_shown(hook)}")
    if url is None:
        return 0
    mine = [h for h in found if h.url == url]
    problems = 0
    if not mine and create:
        assert secret is not None
        made = save_hook(gitlab, project, url, secret)
        console.out(f"created {_shown(made)}")
    elif not mine:
        console.err(
            f"warning: no hook of {project} points at {url}; fix: triage hooks --url {url} --create"
        )
        problems += 1
    for hook in mine:
        missing = [e for e in EVENTS if e not in hook.events]
        if create:
            assert secret is not None
            saved = save_hook(gitlab, project, url, secret, hook.id)
            console.out(f"updated {_shown(saved)} (its secret set to TRIAGE_WEBHOOK_SECRET)")
        elif missing:
            console.err(
                f"warning: hook #{hook.id} does not send {', '.join(missing)}; fix: triage hooks "
                f"--url {url} --create"
            )
            problems += 1
        if hook.alert_status != "executable":
            until = f" until {hook.disabled_until}" if hook.disabled_until else ""
            console.err(
                f"warning: GitLab has {hook.alert_status.replace('_', ' ')} hook #{hook.id}{until} "
                "after failed deliveries: check serve's /healthz, then re-enable the hook in "
                f"{project}'s Settings > Webhooks (the hourly run catches up what was missed)"
            )
            problems += 1
    if len(mine) > 1:
        console.err(
            f"warning: {len(mine)} hooks of {project} point at {url}: every event is delivered "
            f"{len(mine)} times; delete all but one"
        )
        problems += 1
    parts = project.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        group = "/".join(parts[:depth])
        for hook in group_hooks(gitlab, group) or []:
            if hook.url == url and mine:
                console.err(
                    f"warning: group {group} has a hook to {url} too (#{hook.id}): GitLab delivers "
                    f"each event of {project} to both, with different Idempotency-Keys; keep one"
                )
                problems += 1
    return 1 if problems else 0
