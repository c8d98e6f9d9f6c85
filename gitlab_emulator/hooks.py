"""Project webhooks: the `/projects/:id/hooks` routes and the deliveries GitLab makes.

- **Routes** (GL `lib/api/project_hooks.rb`, entity `lib/api/entities/project_hook.rb` on
  `entities/hook.rb`): list, get, add, edit and delete a project's hooks; Maintainer or above
  (`authorize_admin_project`), else 403. `url` is required (400 when missing, 422 "Invalid url
  given" when not http(s)); `token` and `signing_token` are never shown. `push_events` defaults to
  true, every other event to false (the `web_hooks` table's defaults).
- **What fires** (GL `doc/user/project/integrations/webhook_events.md`; the payloads of
  `lib/gitlab/data_builder/{issuable,note,emoji}.rb`): an issue opened, closed, reopened or
  changed (title, description, labels, assignees, due date, confidential, lock, weight) fires an
  Issue Hook, a `Confidential Issue Hook` on a confidential issue; a comment made or edited fires
  a Note Hook, and an internal comment (or one on a confidential issue) only a `Confidential Note
  Hook` (`app/services/notes/post_process_service.rb`: `:confidential_note_hooks` when
  `note.confidential?(include_noteable: true)`); system notes fire nothing (`unless
  note.system?`); an award or its removal fires an Emoji Hook (`award`/`revoke`), which has no
  confidential scope (`app/services/award_emojis/base_service.rb`): an award on an internal note
  carries that note's text. The `user` is who made the request.
- **How it is sent** (GL `app/services/web_hook_service.rb`): a POST of the JSON payload from a
  background worker, with `Content-Type`, `User-Agent: GitLab/<version>`, `Idempotency-Key` (one
  per event and hook, kept by retries), `X-Gitlab-Event`, `X-Gitlab-Webhook-UUID` (new on every
  request), `X-Gitlab-Instance`, `X-Gitlab-Event-UUID` (one per API request that caused the
  events) and `X-Gitlab-Token` when the hook has one; with a `signing_token`, the Standard
  Webhooks headers `webhook-id` (the Idempotency-Key), `webhook-timestamp` and
  `webhook-signature` (`v1,` base64 HMAC-SHA256 of `id.timestamp.body`); a 10 s timeout
  (`webhook_timeout`, GitLab.com's).
- **Auto-disabling** (GL `app/models/concerns/web_hooks/auto_disabling.rb`): a 2xx or 3xx resets
  the failure count; any other answer, a timeout or a network error counts one failure; from the
  4th failure in a row the hook is paused for 1 minute x 2^(failures - 3), at most a day
  (`alert_status: temporarily_disabled`, `disabled_until`), and from the 40th it is disabled for
  good (`disabled`). A paused or disabled hook is not called; its events are lost.
- **Faults** (`faults.py`): `hook_drop_rate` (a delivery never sent), `hook_duplicate_rate` (sent
  twice: the same Idempotency-Key, a new X-Gitlab-Webhook-UUID, as a retry), `hook_reorder_rate`
  (held back and sent after the next one) and `hook_delay_ms` (each delivery that much later).

Group hooks (Premium; `/groups/:id/hooks`, Owner) fire for every project of the group and its
subgroups, beside the project's own. Recursion detection (`X-Gitlab-Event-UUID` on API requests) and the namespace rate
limit on deliveries are not emulated.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import itertools
import json
import queue
import random
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .http import FORBIDDEN, ApiError, Request, Response, Router, bad_param, not_found, paginate
from .store import MAINTAINER, OWNER, Group, Issue, Label, Note, Project, Store, User

VERSION = "18.6.0-ee"  # what `GET /version` answers
TIMEOUT = 10.0  # seconds: GitLab.com's webhook_timeout
HOLD = 1.0  # seconds the reorder fault holds a delivery back when no other comes
TEMPORARILY_DISABLED_FAILURE_THRESHOLD = 3
PERMANENTLY_DISABLED_FAILURE_THRESHOLD = 39
INITIAL_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(days=1)
EVENT_FLAGS = (
    "push_events",
    "tag_push_events",
    "merge_requests_events",
    "repository_update_events",
    "issues_events",
    "confidential_issues_events",
    "note_events",
    "confidential_note_events",
    "pipeline_events",
    "wiki_page_events",
    "deployment_events",
    "feature_flag_events",
    "job_events",
    "releases_events",
    "milestone_events",
    "emoji_events",
    "resource_access_token_events",
    "resource_deploy_token_events",
    "vulnerability_events",
)
SCOPES = {  # X-Gitlab-Event -> the hook's flag that subscribes to it
    "Issue Hook": "issues_events",
    "Confidential Issue Hook": "confidential_issues_events",
    "Note Hook": "note_events",
    "Confidential Note Hook": "confidential_note_events",
    "Emoji Hook": "emoji_events",
}


@dataclass
class Hook:
    id: int
    project_id: int | None  # a project hook's; None for a group hook
    url: str
    created_at: datetime
    token: str | None = None
    signing_token: str | None = None
    name: str | None = None
    description: str | None = None
    enable_ssl_verification: bool = True
    events: dict[str, bool] = field(default_factory=dict)
    recent_failures: int = 0
    disabled_until: datetime | None = None
    group_id: int | None = None  # a group hook's group

    def executable(self, now: datetime) -> bool:
        if self.recent_failures > PERMANENTLY_DISABLED_FAILURE_THRESHOLD:
            return False
        return not self.temporarily_disabled(now)

    def temporarily_disabled(self, now: datetime) -> bool:
        return (
            self.disabled_until is not None
            and self.disabled_until >= now
            and TEMPORARILY_DISABLED_FAILURE_THRESHOLD
            < self.recent_failures
            <= PERMANENTLY_DISABLED_FAILURE_THRESHOLD
        )

    def alert_status(self, now: datetime) -> str:
        if self.temporarily_disabled(now):
            return "temporarily_disabled"
        if self.recent_failures > PERMANENTLY_DISABLED_FAILURE_THRESHOLD:
            return "disabled"
        return "executable"

    def backoff(self, now: datetime) -> None:
        """One failure more (`WebHooks::AutoDisabling#backoff!`)."""
        if not self.executable(now):
            return
        self.recent_failures = min(
            self.recent_failures + 1, PERMANENTLY_DISABLED_FAILURE_THRESHOLD + 1
        )
        if self.recent_failures > TEMPORARILY_DISABLED_FAILURE_THRESHOLD:
            count = self.recent_failures - TEMPORARILY_DISABLED_FAILURE_THRESHOLD
            wait = min(max(INITIAL_BACKOFF * (2.0**count), INITIAL_BACKOFF), MAX_BACKOFF)
            self.disabled_until = now + wait

    def enable(self) -> None:
        self.recent_failures, self.disabled_until = 0, None


@dataclass
class Sent:
    """One delivery as it went out (the tests read them)."""

    hook_id: int
    event: str
    headers: dict[str, str]
    body: bytes
    status: int | None  # None: no answer (timeout, refused connection)
    took: float


@dataclass
class _Delivery:
    hook: Hook
    event: str
    payload: dict[str, Any]
    idempotency_key: str
    event_uuid: str


def _time(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _utc(value: datetime | None) -> str | None:
    """The `2015-05-17 17:06:40 UTC` form the note and emoji payloads show."""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else None


class Hooks:
    """The project hooks of one emulator and the thread that delivers their events."""

    def __init__(self, store: Store, base_url: str, faults: Callable[[], Any]) -> None:
        self.store, self.base_url, self._faults = store, base_url, faults
        self.hooks: dict[int, list[Hook]] = {}  # project id -> its hooks
        self.group_hooks: dict[int, list[Hook]] = {}  # group id -> its hooks (Premium)
        self.sent: list[Sent] = []
        self.faulted: Counter[str] = Counter()  # deliveries dropped, duplicated, reordered
        self.timeout = TIMEOUT
        self._queue: queue.Queue[_Delivery | None] = queue.Queue()
        self._held: _Delivery | None = None  # a delivery the reorder fault holds back
        self._outstanding = 0  # deliveries queued or held, not yet sent (or dropped)
        self._lock = threading.Lock()
        self._rng = random.Random(0)
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None

    # routes ------------------------------------------------------------------------------

    def register(
        self,
        router: Router,
        project: Callable[[Request, str], Project],
        group: Callable[[Request, str], Group],
    ) -> None:
        self._project, self._group = project, group
        router.add("GET", "/groups/:id/hooks", self.list_group_hooks)
        router.add("POST", "/groups/:id/hooks", self.add_group_hook)
        router.add("GET", "/groups/:id/hooks/:hook_id", self.get_group_hook)
        router.add("DELETE", "/groups/:id/hooks/:hook_id", self.delete_group_hook)
        router.add("GET", "/projects/:id/hooks", self.list_hooks)
        router.add("POST", "/projects/:id/hooks", self.add_hook)
        router.add("GET", "/projects/:id/hooks/:hook_id", self.get_hook)
        router.add("PUT", "/projects/:id/hooks/:hook_id", self.edit_hook)
        router.add("DELETE", "/projects/:id/hooks/:hook_id", self.delete_hook)

    def _admin(self, req: Request, id: str) -> Project:
        if req.user is None:
            raise ApiError(401, {"message": "401 Unauthorized"})
        project = self._project(req, id)
        if self.store.project_access(project, req.user) < MAINTAINER and not req.user.admin:
            raise FORBIDDEN
        return project

    def _one(self, project: Project, hook_id: str) -> Hook:
        found = next((h for h in self.hooks.get(project.id, []) if str(h.id) == hook_id), None)
        if found is None:
            raise not_found()
        return found

    # group hooks (GL ee/lib/api/group_hooks.rb: Premium, `authorize! :admin_group`: Owner) --

    def _group_admin(self, req: Request, id: str) -> Group:
        if req.user is None:
            raise ApiError(401, {"message": "401 Unauthorized"})
        group = self._group(req, id)
        if not self.store.premium:
            raise not_found()
        if self.store.group_access(group, req.user) < OWNER and not req.user.admin:
            raise FORBIDDEN
        return group

    def _one_of_group(self, group: Group, hook_id: str) -> Hook:
        found = next((h for h in self.group_hooks.get(group.id, []) if str(h.id) == hook_id), None)
        if found is None:
            raise not_found()
        return found

    def list_group_hooks(self, req: Request, id: str) -> Response:
        group = self._group_admin(req, id)
        hooks = list(self.group_hooks.get(group.id, []))
        return paginate(req, hooks, {"id": group.id}, self.entity)

    def get_group_hook(self, req: Request, id: str, hook_id: str) -> Response:
        group = self._group_admin(req, id)
        return Response(200, self.entity(self._one_of_group(group, hook_id)))

    def add_group_hook(self, req: Request, id: str) -> Response:
        group = self._group_admin(req, id)
        if req.arg("url") is None:
            raise bad_param("url", "is missing")
        hook = Hook(
            id=next(self._ids),
            project_id=None,
            url="",
            created_at=self.store.clock.now(),
            group_id=group.id,
        )
        self._settings(req, hook)
        self.group_hooks.setdefault(group.id, []).append(hook)
        return Response(201, self.entity(hook))

    def delete_group_hook(self, req: Request, id: str, hook_id: str) -> Response:
        group = self._group_admin(req, id)
        self.group_hooks[group.id].remove(self._one_of_group(group, hook_id))
        return Response(204)

    def entity(self, hook: Hook) -> dict[str, Any]:
        now = self.store.clock.now()
        data: dict[str, Any] = {
            "id": hook.id,
            "url": hook.url,
            "name": hook.name,
            "description": hook.description,
            "created_at": hook.created_at.isoformat().replace("+00:00", "Z"),
            "enable_ssl_verification": hook.enable_ssl_verification,
            "alert_status": hook.alert_status(now),
            "disabled_until": _time(hook.disabled_until)
            if hook.temporarily_disabled(now)
            else None,
            "url_variables": [],
            "push_events_branch_filter": None,
            "branch_filter_strategy": "wildcard",
            "custom_webhook_template": None,
            "custom_headers": [],
        }
        if hook.group_id is not None:
            data["group_id"] = hook.group_id
        else:
            data["project_id"] = hook.project_id
        data.update({flag: hook.events.get(flag, flag == "push_events") for flag in EVENT_FLAGS})
        return data

    def list_hooks(self, req: Request, id: str) -> Response:
        project = self._admin(req, id)
        return paginate(req, list(self.hooks.get(project.id, [])), {"id": project.id}, self.entity)

    def get_hook(self, req: Request, id: str, hook_id: str) -> Response:
        project = self._admin(req, id)
        return Response(200, self.entity(self._one(project, hook_id)))

    def _settings(self, req: Request, hook: Hook) -> None:
        url = req.arg("url")
        if url is not None:
            if not str(url).startswith(("http://", "https://")):
                raise ApiError(422, {"message": "Invalid url given"})
            hook.url = str(url)
        for name in ("token", "signing_token", "name", "description"):
            if req.has(name):
                setattr(hook, name, str(req.arg(name)) if req.arg(name) is not None else None)
        if req.has("enable_ssl_verification"):
            hook.enable_ssl_verification = _truthy(req.arg("enable_ssl_verification"))
        for flag in EVENT_FLAGS:
            if req.has(flag):
                hook.events[flag] = _truthy(req.arg(flag))

    def add_hook(self, req: Request, id: str) -> Response:
        project = self._admin(req, id)
        if req.arg("url") is None:
            raise bad_param("url", "is missing")
        hook = Hook(
            id=next(self._ids),
            project_id=project.id,
            url="",
            created_at=self.store.clock.now(),
        )
        self._settings(req, hook)
        self.hooks.setdefault(project.id, []).append(hook)
        return Response(201, self.entity(hook))

    def edit_hook(self, req: Request, id: str, hook_id: str) -> Response:
        project = self._admin(req, id)
        hook = self._one(project, hook_id)
        if req.arg("url") is None:
            raise bad_param("url", "is missing")  # `requires :url` on PUT too
        self._settings(req, hook)
        return Response(200, self.entity(hook))

    def delete_hook(self, req: Request, id: str, hook_id: str) -> Response:
        project = self._admin(req, id)
        hook = self._one(project, hook_id)
        self.hooks[project.id].remove(hook)
        return Response(204)

    # what a write changed ---------------------------------------------------------------

    @contextlib.contextmanager
    def watch(self, params: dict[str, str], user: User | None) -> Iterator[None]:
        """Around one API write (under the emulator's lock): the events it caused, queued
        for delivery. Nothing is looked at when the project has no hook."""
        project = self.store.project_by_ref(params.get("id", "")) if "id" in params else None
        if project is None or user is None or not self._hooks_of(project):
            yield
            return
        iid = params.get("issue_iid") or params.get("noteable_id") or params.get("eventable_id")
        issue = project.issues.get(int(iid)) if iid and iid.isdigit() else None
        known = set(project.issues)
        before = _state(self.store, project, issue) if issue is not None else None
        yield
        if issue is None:  # an issue opened by this request
            for new in sorted(set(project.issues) - known):
                self._issue_event(project, project.issues[new], user, "open", {})
            return
        assert before is not None
        self._changes(project, issue, user, before)

    def _changes(self, project: Project, issue: Issue, user: User, before: dict[str, Any]) -> None:
        after = _state(self.store, project, issue)
        changes = {
            name: {"previous": before[name], "current": after[name]}
            for name in ISSUE_FIELDS
            if before[name] != after[name]
        }
        if changes:
            if "labels" in changes:
                changes["labels"] = {
                    "previous": [self._label(project, i) for i in before["labels"]],
                    "current": [self._label(project, i) for i in after["labels"]],
                }
            if before["updated_at"] != after["updated_at"]:
                changes["updated_at"] = {
                    "previous": _utc(before["updated_at"]),
                    "current": _utc(after["updated_at"]),
                }
            action = "update"
            if "state" in changes:
                action = "close" if after["state"] == "closed" else "reopen"
            changes.pop("state", None)
            self._issue_event(project, issue, user, action, changes)
        notes = {n.id: n for n in issue.notes}
        for note_id, note in notes.items():
            if note.system:
                continue  # system notes fire no note hook
            if note_id not in before["notes"]:
                self._note_event(project, issue, note, user, "create")
            elif before["notes"][note_id] != note.body:
                self._note_event(project, issue, note, user, "update")
        for award_key, award in after["awards"].items():
            if award_key not in before["awards"]:
                self._emoji_event(project, issue, award, user, "award", notes)
        for award_key, award in before["awards"].items():
            if award_key not in after["awards"]:
                self._emoji_event(project, issue, award, user, "revoke", notes)

    # payloads (lib/gitlab/data_builder/*.rb, as webhook_events.md shows them) ----------------

    def _project_attrs(self, project: Project) -> dict[str, Any]:
        web = f"{self.base_url}/{project.path_with_namespace}"
        ssh = f"git@emulator:{project.path_with_namespace}.git"
        return {
            "id": project.id,
            "name": project.name,
            "description": None,
            "web_url": web,
            "avatar_url": None,
            "git_ssh_url": ssh,
            "git_http_url": f"{web}.git",
            "namespace": project.namespace_path.rsplit("/", 1)[-1],
            "visibility_level": {"private": 0, "internal": 10, "public": 20}.get(
                project.visibility, 0
            ),
            "path_with_namespace": project.path_with_namespace,
            "default_branch": "main",
            "ci_config_path": None,
            "homepage": web,
            "url": ssh,
            "ssh_url": ssh,
            "http_url": f"{web}.git",
        }

    @staticmethod
    def _user_attrs(user: User) -> dict[str, Any]:
        return {
            "id": user.id,
            "name": user.name,
            "username": user.username,
            "avatar_url": None,
            "email": "[REDACTED]",
        }

    def _label(self, project: Project, label_id: int) -> dict[str, Any]:
        label: Label = self.store.label(project, label_id)
        return {
            "id": label.id,
            "title": label.name,
            "color": label.color,
            "project_id": label.project_id,
            "created_at": None,
            "updated_at": None,
            "template": False,
            "description": label.description or None,
            "type": "GroupLabel" if label.group_id is not None else "ProjectLabel",
            "group_id": label.group_id,
        }

    def _issue_attrs(self, project: Project, issue: Issue) -> dict[str, Any]:
        return {
            "author_id": issue.author_id,
            "closed_at": _time(issue.closed_at),
            "confidential": issue.confidential,
            "created_at": _time(issue.created_at),
            "description": issue.description,
            "discussion_locked": issue.discussion_locked,
            "due_date": issue.due_date,
            "id": issue.id,
            "iid": issue.iid,
            "milestone_id": None,
            "project_id": project.id,
            "state_id": 1 if issue.state == "opened" else 2,
            "title": issue.title,
            "updated_at": _time(issue.updated_at),
            "weight": issue.weight,
            "url": f"{self.base_url}/{project.path_with_namespace}/-/issues/{issue.iid}",
            "assignee_ids": list(issue.assignee_ids),
            "assignee_id": issue.assignee_ids[0] if issue.assignee_ids else None,
            "labels": [self._label(project, i) for i in issue.label_ids],
            "state": issue.state,
            "type": "Issue",
        }

    def _issue_event(
        self, project: Project, issue: Issue, user: User, action: str, changes: dict[str, Any]
    ) -> None:
        attributes = self._issue_attrs(project, issue) | {
            "action": action,
            "updated_by_id": user.id,
        }
        assignees = [self.store.users[i] for i in issue.assignee_ids if i in self.store.users]
        payload = {
            "object_kind": "issue",
            "event_type": "confidential_issue" if issue.confidential else "issue",
            "user": self._user_attrs(user),
            "project": self._project_attrs(project),
            "object_attributes": attributes,
            "labels": attributes["labels"],
            "changes": changes,
            "repository": {
                "name": project.name,
                "url": self._project_attrs(project)["url"],
                "description": None,
                "homepage": self._project_attrs(project)["homepage"],
            },
            "assignees": [
                {"id": a.id, "name": a.name, "username": a.username, "avatar_url": None}
                for a in assignees
            ],
        }
        event = "Confidential Issue Hook" if issue.confidential else "Issue Hook"
        self._fire(project, event, payload)

    def _note_attrs(self, project: Project, issue: Issue, note: Note) -> dict[str, Any]:
        return {
            "id": note.id,
            "note": note.body,
            "noteable_type": "Issue",
            "author_id": note.author_id,
            "created_at": _utc(note.created_at),
            "updated_at": _utc(note.updated_at),
            "project_id": project.id,
            "attachment": None,
            "line_code": None,
            "commit_id": "",
            "noteable_id": issue.id,
            "system": note.system,
            "st_diff": None,
            "internal": note.internal,
            "confidential": note.internal,
            "url": f"{self.base_url}/{project.path_with_namespace}/-/issues/{issue.iid}#note_{note.id}",
        }

    def _note_event(
        self, project: Project, issue: Issue, note: Note, user: User, action: str
    ) -> None:
        confidential = note.internal or issue.confidential
        payload = {
            "object_kind": "note",
            "event_type": "confidential_note" if confidential else "note",
            "user": self._user_attrs(user),
            "project_id": project.id,
            "project": self._project_attrs(project),
            "object_attributes": self._note_attrs(project, issue, note) | {"action": action},
            "issue": self._issue_attrs(project, issue),
        }
        self._fire(project, "Confidential Note Hook" if confidential else "Note Hook", payload)

    def _emoji_event(
        self,
        project: Project,
        issue: Issue,
        award: Any,
        user: User,
        action: str,
        notes: dict[int, Note],
    ) -> None:
        on_note = award.awardable_type == "Note"
        where = f"{self.base_url}/{project.path_with_namespace}/-/issues/{issue.iid}"
        payload: dict[str, Any] = {
            "object_kind": "emoji",
            "event_type": action,
            "user": self._user_attrs(user),
            "project_id": project.id,
            "project": self._project_attrs(project),
            "object_attributes": {
                "user_id": award.user_id,
                "created_at": _utc(award.created_at),
                "id": award.id,
                "name": award.name,
                "awardable_type": award.awardable_type,
                "awardable_id": award.awardable_id,
                "updated_at": _utc(award.created_at),
                "action": action,
                "awarded_on_url": f"{where}#note_{award.awardable_id}" if on_note else where,
            },
        }
        if on_note and award.awardable_id in notes:
            payload["note"] = self._note_attrs(project, issue, notes[award.awardable_id])
        payload["issue"] = self._issue_attrs(project, issue)
        self._fire(project, "Emoji Hook", payload)

    # delivery ---------------------------------------------------------------------------

    def _hooks_of(self, project: Project) -> list[Hook]:
        """The project's hooks, and its groups' (a project and its group each with a hook to
        the same place: both fire, GL merge request 89229)."""
        groups = [g.id for g in self.store.project_group(project)] if self.store.premium else []
        return [
            *self.hooks.get(project.id, []),
            *(h for g in groups for h in self.group_hooks.get(g, [])),
        ]

    def _fire(self, project: Project, event: str, payload: dict[str, Any]) -> None:
        event_uuid = str(uuid.uuid4())
        for hook in self._hooks_of(project):
            if hook.events.get(SCOPES[event]):
                self._start()
                with self._lock:
                    self._outstanding += 1
                self._queue.put(_Delivery(hook, event, payload, str(uuid.uuid4()), event_uuid))

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._deliver_all, name="gitlab-emulator-hooks", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(self.timeout + 1)

    def idle(self, timeout: float = 15.0) -> bool:
        """Wait until every queued delivery went out (tests); False if still busy."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if self._outstanding == 0:
                    return True
            time.sleep(0.01)
        return False

    def _deliver_all(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=HOLD if self._held is not None else 0.2)
            except queue.Empty:
                if self._held is not None:  # nothing came after it: it goes now
                    held, self._held = self._held, None
                    self._deliver(held)
                continue
            try:
                if item is None:
                    return
                faults = self._faults()
                if self._held is None and self._rng.random() < faults.hook_reorder_rate:
                    self._held = item
                    self.faulted["reordered"] += 1
                    continue
                self._deliver(item)
                if self._held is not None:
                    held, self._held = self._held, None
                    self._deliver(held)
            finally:
                self._queue.task_done()

    def _deliver(self, item: _Delivery) -> None:
        try:
            self._deliver_now(item)
        finally:
            with self._lock:
                self._outstanding -= 1

    def _deliver_now(self, item: _Delivery) -> None:
        faults = self._faults()
        if faults.hook_delay_ms:
            time.sleep(faults.hook_delay_ms / 1000)
        if self._rng.random() < faults.hook_drop_rate:
            self.faulted["dropped"] += 1
            return
        times = 2 if self._rng.random() < faults.hook_duplicate_rate else 1
        self.faulted["duplicated"] += times - 1
        for _ in range(times):
            self._post(item)

    def _post(self, item: _Delivery) -> None:
        hook = item.hook
        with self._lock:
            if not hook.executable(self.store.clock.now()):
                return  # paused or disabled: the event is not sent
        body = json.dumps(item.payload).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"GitLab/{VERSION}",
            "Idempotency-Key": item.idempotency_key,
            "X-Gitlab-Event": item.event,
            "X-Gitlab-Webhook-UUID": str(uuid.uuid4()),
            "X-Gitlab-Instance": self.base_url,
            "X-Gitlab-Event-UUID": item.event_uuid,
        }
        if hook.token:
            headers["X-Gitlab-Token"] = hook.token.replace("\n", "").replace("\r", "")
        if hook.signing_token:
            stamp = str(int(time.time()))
            key = base64.b64decode(hook.signing_token.removeprefix("whsec_"))
            signed = f"{item.idempotency_key}.{stamp}.".encode() + body
            signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
            headers |= {
                "webhook-id": item.idempotency_key,
                "webhook-timestamp": stamp,
                "webhook-signature": f"v1,{signature}",
            }
        started = time.monotonic()
        status = _send(hook.url, headers, body, self.timeout)
        took = time.monotonic() - started
        with self._lock:
            self.sent.append(Sent(hook.id, item.event, headers, body, status, took))
            if status is not None and 200 <= status < 400:
                hook.enable()
            else:
                hook.backoff(self.store.clock.now())


def _send(url: str, headers: dict[str, str], body: bytes, timeout: float) -> int | None:
    """POST with the header names as GitLab writes them (urllib would recapitalise them); the
    answer's status, or None when there was none (a timeout, a refused connection)."""
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.putrequest(
            "POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        )
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        answer = connection.getresponse()
        answer.read()
        return int(answer.status)
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()


ISSUE_FIELDS = (
    "title",
    "description",
    "state",
    "labels",
    "assignee_ids",
    "confidential",
    "due_date",
    "discussion_locked",
    "weight",
)


def _state(store: Store, project: Project, issue: Issue) -> dict[str, Any]:
    awards: dict[tuple[str, int], Any] = {("Issue", a.id): a for a in issue.awards}
    for note in issue.notes:
        for a in note.awards:
            awards[("Note", a.id)] = a
    return {
        "title": issue.title,
        "description": issue.description,
        "state": issue.state,
        "labels": list(issue.label_ids),
        "assignee_ids": list(issue.assignee_ids),
        "confidential": issue.confidential,
        "due_date": issue.due_date,
        "discussion_locked": issue.discussion_locked,
        "weight": issue.weight,
        "updated_at": issue.updated_at,
        "notes": {n.id: n.body for n in issue.notes},
        "awards": awards,
    }


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")
