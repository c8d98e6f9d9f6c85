"""The webhooks `triage hooks` reads and writes: a project's hooks (`/projects/:id/hooks`,
Maintainer) and its groups' (`/groups/:id/hooks`, Premium, Owner), through the adapter's client
(this package is the one door to GitLab). What leaves it is `Webhook` records; the hook's secret
is sent, never read (GitLab never shows it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .adapter import GitLab, GitLabProblem

# What serve reads (triage/serve/receiver.py); push events are of no use to it.
EVENTS = (
    "issues_events",
    "confidential_issues_events",
    "note_events",
    "confidential_note_events",
    "emoji_events",
)


@dataclass(frozen=True)
class Webhook:
    id: int
    url: str
    events: frozenset[str]  # the event flags turned on
    alert_status: str  # executable | temporarily_disabled | disabled
    disabled_until: str | None
    owner: str  # the project's or group's path


def _hook(data: dict[str, Any], owner: str) -> Webhook:
    return Webhook(
        id=int(data["id"]),
        url=str(data.get("url") or ""),
        events=frozenset(k for k, v in data.items() if k.endswith("_events") and v is True),
        alert_status=str(data.get("alert_status") or "executable"),
        disabled_until=data.get("disabled_until"),
        owner=owner,
    )


def project_hooks(gitlab: GitLab, project: str) -> list[Webhook]:
    path = f"/projects/{gitlab._project(project).encoded_id}/hooks"
    found = gitlab._call(lambda: list(gitlab._gl.http_list(path, get_all=True, per_page=100)))
    return [_hook(h, project) for h in found if isinstance(h, dict)]


def group_hooks(gitlab: GitLab, group: str) -> list[Webhook] | None:
    """A group's hooks; None when the token's user may not see them (not an Owner of the group,
    or a GitLab without group webhooks)."""
    path = f"/groups/{group.replace('/', '%2F')}/hooks"
    try:
        found = gitlab._call(lambda: list(gitlab._gl.http_list(path, get_all=True, per_page=100)))
    except GitLabProblem as problem:
        if problem.fatal:
            raise
        return None
    return [_hook(h, group) for h in found if isinstance(h, dict)]


def save_hook(
    gitlab: GitLab, project: str, url: str, secret: str, hook_id: int | None = None
) -> Webhook:
    """Create the serve hook (`hook_id` None) or set its URL, events and secret."""
    data: dict[str, Any] = {"url": url, "token": secret, "push_events": False}
    data |= {event: True for event in EVENTS}
    base = f"/projects/{gitlab._project(project).encoded_id}/hooks"
    if hook_id is None:
        saved = gitlab._write(lambda: gitlab._gl.http_post(base, post_data=data))
    else:
        saved = gitlab._write(lambda: gitlab._gl.http_put(f"{base}/{hook_id}", post_data=data))
    if not isinstance(saved, dict):
        raise GitLabProblem(f"GitLab answered the hook for {url} without the hook")
    return _hook(saved, project)
