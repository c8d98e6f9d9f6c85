"""Project webhooks: the hooks API and the deliveries GitLab makes.

Follows GitLab's source `lib/api/project_hooks.rb` (`authorize_admin_project`; `requires :url`;
"Invalid url given" 422; the token "will not be returned in the response"),
`lib/api/entities/project_hook.rb` and `entities/hook.rb` (the fields shown, `alert_status`,
`disabled_until`), `app/services/web_hook_service.rb` (`#build_headers`: Idempotency-Key,
X-Gitlab-Event, X-Gitlab-Webhook-UUID, X-Gitlab-Instance, X-Gitlab-Token, X-Gitlab-Event-UUID;
`webhook_timeout`), `app/services/notes/post_process_service.rb` (internal notes only to
`confidential_note_hooks`; no hook for system notes), `lib/gitlab/data_builder/emoji.rb` (the
note and its issue in an emoji payload), `app/models/concerns/web_hooks/auto_disabling.rb`
(paused from the 4th failure, 1 minute x 2^(failures-3); disabled after the 40th) and the
payloads of `doc/user/project/integrations/webhook_events.md`.

The API tests also run against a real GitLab; deliveries need a receiver GitLab can reach, so
those are emulator-only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import gitlab
import pytest

from gitlab_emulator import Emulator
from gitlab_emulator.hooks import Hook

EVENTS = {
    "issues_events": True,
    "confidential_issues_events": True,
    "note_events": True,
    "confidential_note_events": True,
    "emoji_events": True,
    "push_events": False,
}


class Catcher:
    """A webhook receiver on loopback: keeps each delivery, answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.got: list[tuple[dict[str, str], dict[str, Any]]] = []
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                catcher.got.append((dict(self.headers.items()), json.loads(body)))
                self.send_response(catcher.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[str]:
        return [h["X-Gitlab-Event"] for h, _ in self.got]


@pytest.fixture
def catcher(emulator: Emulator) -> Iterator[Catcher]:
    got = Catcher()
    yield got
    emulator.hooks.idle()
    for hooks in [*emulator.hooks.hooks.values(), *emulator.hooks.group_hooks.values()]:
        hooks.clear()
    emulator.set_faults(hook_drop_rate=0.0, hook_duplicate_rate=0.0, hook_reorder_rate=0.0)
    got.server.shutdown()


def delivered(emulator: Emulator) -> None:
    assert emulator.hooks.idle(), "deliveries still queued"


def test_a_hook_is_added_listed_edited_and_deleted_and_its_token_never_shown(project: Any) -> None:
    hook = project.hooks.create(
        {"url": "https://example.com/webhook", "token": "t0ken", "note_events": True}
    )
    try:
        shown = project.hooks.get(hook.id).attributes
        assert shown["url"] == "https://example.com/webhook"
        assert "token" not in shown and "t0ken" not in json.dumps(shown)
        assert (shown["note_events"], shown["issues_events"], shown["push_events"]) == (
            True,
            False,
            True,  # push_events defaults to true
        )
        assert shown["alert_status"] == "executable" and shown["disabled_until"] is None
        assert hook.id in [h.id for h in project.hooks.list(get_all=True)]
        project.hooks.update(hook.id, {"url": "https://example.com/other", "emoji_events": True})
        edited = project.hooks.get(hook.id)
        assert (edited.url, edited.emoji_events, edited.note_events) == (
            "https://example.com/other",
            True,
            True,
        )
    finally:
        project.hooks.delete(hook.id)
    with pytest.raises(gitlab.GitlabGetError) as caught:
        project.hooks.get(hook.id)
    assert caught.value.response_code == 404


def test_a_hook_needs_a_valid_url(gl: gitlab.Gitlab, project: Any) -> None:
    with pytest.raises(gitlab.GitlabHttpError) as missing:  # python-gitlab checks it first
        gl.http_post(f"/projects/{project.id}/hooks", post_data={"note_events": True})
    assert missing.value.response_code == 400
    with pytest.raises(gitlab.GitlabCreateError) as invalid:
        project.hooks.create({"url": "ftp://example.com"})
    assert (invalid.value.response_code, invalid.value.error_message) == (422, "Invalid url given")


def test_only_a_maintainer_manages_hooks(target: Any, guest: gitlab.Gitlab) -> None:
    theirs = guest.projects.get(target.project_path, lazy=True)
    with pytest.raises(gitlab.GitlabListError) as caught:
        theirs.hooks.list()
    assert caught.value.response_code == 403


def add_hook(project: Any, catcher: Catcher, **events: bool) -> Any:
    return project.hooks.create({"url": catcher.url, "token": "hook-secret", **(events or EVENTS)})


def test_a_label_change_fires_an_issue_hook_with_gitlabs_headers_and_changes(
    emulator: Emulator, project: Any, new_issue: Any, catcher: Catcher
) -> None:
    issue = new_issue(labels="Services Calculator")
    add_hook(project, catcher)
    project.issues.update(issue.iid, {"add_labels": "proposal::SOW_WIP"})
    delivered(emulator)
    ((headers, payload),) = catcher.got
    assert headers["X-Gitlab-Event"] == "Issue Hook"
    assert headers["X-Gitlab-Token"] == "hook-secret"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("GitLab/")
    assert headers["X-Gitlab-Instance"] == emulator.url
    for name in ("Idempotency-Key", "X-Gitlab-Webhook-UUID", "X-Gitlab-Event-UUID"):
        assert len(headers[name]) == 36
    assert (payload["object_kind"], payload["event_type"]) == ("issue", "issue")
    assert payload["user"]["username"] == "ps-bot"
    assert payload["project"]["path_with_namespace"] == "ps/ps-plan"
    attributes = payload["object_attributes"]
    assert (attributes["iid"], attributes["action"], attributes["state"]) == (
        issue.iid,
        "update",
        "opened",
    )
    titles = lambda labels: sorted(label["title"] for label in labels)  # noqa: E731
    assert titles(payload["changes"]["labels"]["previous"]) == ["Services Calculator"]
    assert titles(payload["changes"]["labels"]["current"]) == [
        "Services Calculator",
        "proposal::SOW_WIP",
    ]
    assert titles(payload["labels"]) == ["Services Calculator", "proposal::SOW_WIP"]


def test_opening_closing_and_a_description_edit_fire_issue_hooks_and_no_note_hook(
    emulator: Emulator, project: Any, new_issue: Any, catcher: Catcher
) -> None:
    add_hook(project, catcher)
    issue = new_issue(description="- [ ] Discovery call held")
    project.issues.update(issue.iid, {"description": "- [x] Discovery call held"})
    project.issues.update(issue.iid, {"state_event": "close"})
    project.issues.update(issue.iid, {"state_event": "reopen"})
    delivered(emulator)
    assert catcher.events() == ["Issue Hook"] * 4  # the system note fires no Note Hook
    actions = [p["object_attributes"]["action"] for _, p in catcher.got]
    assert actions == ["open", "update", "close", "reopen"]
    assert catcher.got[1][1]["changes"]["description"] == {
        "previous": "- [ ] Discovery call held",
        "current": "- [x] Discovery call held",
    }


def test_comments_fire_note_hooks_and_internal_ones_only_confidential_note_hooks(
    emulator: Emulator, project: Any, new_issue: Any, catcher: Catcher
) -> None:
    issue = new_issue()
    add_hook(project, catcher)
    public_only = Catcher()
    add_hook(project, public_only, note_events=True)
    note = issue.notes.create({"body": "Kick-off booked"})
    issue.notes.update(note.id, {"body": "Kick-off booked for Monday"})
    issue.notes.create({"body": "Margin 41%", "internal": True})
    delivered(emulator)
    assert catcher.events() == ["Note Hook", "Note Hook", "Confidential Note Hook"]
    first, edit, internal = (p for _, p in catcher.got)
    assert (first["object_attributes"]["action"], edit["object_attributes"]["action"]) == (
        "create",
        "update",
    )
    assert first["object_attributes"]["noteable_type"] == "Issue"
    assert first["issue"]["iid"] == issue.iid and edit["object_attributes"]["note"].endswith(
        "Monday"
    )
    assert internal["event_type"] == "confidential_note"
    assert public_only.events() == ["Note Hook", "Note Hook"]  # never the internal one
    public_only.server.shutdown()


def test_awards_fire_emoji_hooks_and_an_award_on_an_internal_note_carries_its_text(
    emulator: Emulator, target: Any, project: Any, new_issue: Any, catcher: Catcher
) -> None:
    issue = new_issue()
    note = issue.notes.create({"body": "Approval request: margin 41%", "internal": True})
    add_hook(project, catcher, emoji_events=True)
    rowan = target.client("rowan-token").projects.get("ps/ps-plan", lazy=True)
    theirs = rowan.issues.get(issue.iid, lazy=True).notes.get(note.id, lazy=True)
    award = theirs.awardemojis.create({"name": "thumbsup"})
    theirs.awardemojis.delete(award.id)
    issue.awardemojis.create({"name": "tada"})
    delivered(emulator)
    assert catcher.events() == ["Emoji Hook"] * 3
    awarded, revoked, on_issue = (p for _, p in catcher.got)
    assert (awarded["event_type"], revoked["event_type"]) == ("award", "revoke")
    assert awarded["user"]["username"] == "rowan"
    assert awarded["object_attributes"]["awardable_type"] == "Note"
    assert awarded["note"]["note"] == "Approval request: margin 41%"
    assert awarded["issue"]["iid"] == issue.iid
    assert on_issue["object_attributes"]["awardable_type"] == "Issue" and "note" not in on_issue


def test_a_failing_receiver_pauses_the_hook_from_the_fourth_failure(
    emulator: Emulator, project: Any, new_issue: Any, catcher: Catcher
) -> None:
    catcher.status = 500
    issue = new_issue()
    hook = add_hook(project, catcher)
    for n in range(5):
        issue.notes.create({"body": f"note {n}"})
        delivered(emulator)
    assert len(catcher.got) == 4  # the fifth event found the hook paused: not sent
    shown = project.hooks.get(hook.id)
    assert shown.alert_status == "temporarily_disabled"
    paused_until = emulator.store.clock.now() + timedelta(minutes=2)  # 1 minute x 2^(4 - 3)
    assert shown.disabled_until == paused_until.strftime("%Y-%m-%dT%H:%M:%SZ")
    emulator.store.clock.advance(121)
    issue.notes.create({"body": "after the pause"})
    delivered(emulator)
    assert len(catcher.got) == 5  # tried again once the pause is over


def test_forty_failures_disable_a_hook_for_good() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 2, tzinfo=UTC)
    hook = Hook(id=1, project_id=1, url="http://x", created_at=now)
    pauses = []
    for _ in range(40):
        assert hook.executable(now)
        hook.backoff(now)
        if hook.disabled_until:
            pauses.append(hook.disabled_until - now)
            now = hook.disabled_until + timedelta(seconds=1)
    assert hook.alert_status(now) == "disabled" and not hook.executable(now)
    assert pauses[:3] == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
    assert max(pauses) == timedelta(days=1)
    hook.enable()
    assert hook.executable(now)


def test_faults_duplicate_drop_and_reorder_deliveries(
    emulator: Emulator, project: Any, new_issue: Any, catcher: Catcher
) -> None:
    issue = new_issue()
    add_hook(project, catcher, note_events=True)
    emulator.set_faults(hook_duplicate_rate=1.0)
    issue.notes.create({"body": "twice"})
    delivered(emulator)
    (h1, _), (h2, _) = catcher.got
    assert h1["Idempotency-Key"] == h2["Idempotency-Key"]
    assert h1["X-Gitlab-Webhook-UUID"] != h2["X-Gitlab-Webhook-UUID"]
    emulator.set_faults(hook_duplicate_rate=0.0, hook_drop_rate=1.0)
    issue.notes.create({"body": "lost"})
    delivered(emulator)
    assert len(catcher.got) == 2
    emulator.set_faults(hook_drop_rate=0.0, hook_reorder_rate=1.0)
    issue.notes.create({"body": "first"})  # held back until the next one, a second at most
    issue.notes.create({"body": "second"})
    delivered(emulator)
    bodies = [p["object_attributes"]["note"] for _, p in catcher.got[2:]]
    assert bodies == ["second", "first"]


def test_a_slow_receiver_counts_as_a_failure(
    emulator: Emulator, project: Any, new_issue: Any
) -> None:
    slow = Catcher()
    original = slow.server.RequestHandlerClass.do_POST  # type: ignore[attr-defined]

    def stall(self: Any) -> None:
        time.sleep(0.5)
        original(self)

    slow.server.RequestHandlerClass.do_POST = stall  # type: ignore[attr-defined]
    hook = add_hook(project, slow, note_events=True)
    emulator.hooks.timeout = 0.2  # GitLab waits 10 s; shortened here, the same rule
    try:
        new_issue().notes.create({"body": "too slow"})
        delivered(emulator)
        assert emulator.hooks.sent[-1].status is None
        assert project.hooks.get(hook.id).alert_status == "executable"  # one failure: no pause yet
        stored = next(h for h in emulator.hooks.hooks[project.id] if h.id == hook.id)
        assert stored.recent_failures == 1
    finally:
        emulator.hooks.timeout = 10.0
        project.hooks.delete(hook.id)
        slow.server.shutdown()


def test_a_group_hook_fires_for_the_groups_projects_beside_the_projects_own(
    emulator: Emulator, target: Any, project: Any, new_issue: Any, catcher: Catcher
) -> None:
    """GL ee/lib/api/group_hooks.rb (Owner of the group); merge request 89229: a project hook
    and its group's hook to the same place both fire."""
    issue = new_issue()
    add_hook(project, catcher, note_events=True)
    group = emulator.store.group_by_ref("ps")
    rowan = emulator.store.user_by_username("rowan")
    assert group is not None and rowan is not None
    level = group.members[rowan.id]
    group.members[rowan.id] = 50  # an Owner of the group, for this test only
    try:
        owner = target.client("rowan-token").groups.get("ps", lazy=True)
        group_hook = owner.hooks.create({"url": catcher.url, "note_events": True, "token": "g"})
        assert owner.hooks.get(group_hook.id).group_id == group.id
        issue.notes.create({"body": "seen twice"})
        delivered(emulator)
    finally:
        group.members[rowan.id] = level
    tokens = sorted(h["X-Gitlab-Token"] for h, _ in catcher.got)
    assert tokens == ["g", "hook-secret"]
    keys = {h["Idempotency-Key"] for h, _ in catcher.got}
    assert len(keys) == 2  # one per hook: a receiver cannot tell them apart by it
