"""The webhook receiver on GitLab's own payload examples (webhook_payloads/, copied from
doc/user/project/integrations/webhook_events.md): who sent it, which issue, or why ignored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from triage.serve.receiver import Identity, Secrets, receive

PAYLOADS = Path(__file__).parent / "webhook_payloads"
SECRET = "s3cret-token"
NOW = 1_800_000_000.0


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


def body_of(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


def identity(project: str, bot_id: int = 999) -> Identity:
    return Identity(bot_id=bot_id, bot_username="ps-bot", project=project, group=None)


def headers(event: str, token: str | None = SECRET, key: str = "idem-1") -> dict[str, str]:
    sent = {"X-Gitlab-Event": event, "Idempotency-Key": key, "Content-Type": "application/json"}
    if token is not None:
        sent["X-Gitlab-Token"] = token
    return sent


@pytest.mark.parametrize(
    ("name", "event", "project", "iid"),
    [
        ("issue", "Issue Hook", "gitlabhq/gitlab-test", 23),
        ("issue", "Confidential Issue Hook", "gitlabhq/gitlab-test", 23),
        ("note", "Note Hook", "gitlab-org/gitlab-test", 17),
        ("note", "Confidential Note Hook", "gitlab-org/gitlab-test", 17),
        ("emoji", "Emoji Hook", "flightjs/Flight", 42),
    ],
)
def test_documented_payloads_queue_their_issue(
    name: str, event: str, project: str, iid: int
) -> None:
    delivery = receive(
        headers(event), body_of(payload(name)), Secrets(SECRET), identity(project), NOW
    )
    assert (delivery.status, delivery.decision, delivery.key) == (202, "queued", (project, iid))
    assert delivery.delivery_id == "idem-1"


def test_project_paths_compare_without_case() -> None:
    delivery = receive(
        headers("Emoji Hook"),
        body_of(payload("emoji")),
        Secrets(SECRET),
        identity("FlightJS/flight"),
        NOW,
    )
    assert delivery.key == ("flightjs/Flight", 42)


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (None, "refused: no X-Gitlab-Token"),
        ("wrong", "refused: X-Gitlab-Token does not match"),
        (SECRET + "x", "refused: X-Gitlab-Token does not match"),
        (SECRET[:-1], "refused: X-Gitlab-Token does not match"),
        ("", "refused: no X-Gitlab-Token"),
    ],
)
def test_a_wrong_or_missing_token_is_refused(token: str | None, why: str) -> None:
    delivery = receive(
        headers("Issue Hook", token),
        body_of(payload("issue")),
        Secrets(SECRET),
        identity("gitlabhq/gitlab-test"),
        NOW,
    )
    assert (delivery.status, delivery.decision, delivery.key) == (401, why, None)
    assert SECRET not in delivery.decision


def test_the_previous_secret_is_accepted_during_a_rotation_and_not_after() -> None:
    body = body_of(payload("issue"))
    who = identity("gitlabhq/gitlab-test")
    rotating = Secrets("new-secret", previous=SECRET)
    assert receive(headers("Issue Hook"), body, rotating, who, NOW).status == 202
    assert receive(headers("Issue Hook", "new-secret"), body, rotating, who, NOW).status == 202
    assert receive(headers("Issue Hook"), body, Secrets("new-secret"), who, NOW).status == 401


def test_header_names_are_case_insensitive() -> None:
    sent = {k.lower(): v for k, v in headers("Note Hook").items()}
    delivery = receive(
        sent, body_of(payload("note")), Secrets(SECRET), identity("gitlab-org/gitlab-test"), NOW
    )
    assert delivery.key == ("gitlab-org/gitlab-test", 17)


SIGNING = "whsec_" + base64.b64encode(b"k" * 32).decode()


def signed(
    body: bytes, secret: str = SIGNING, stamp: float = NOW, webhook_id: str = "msg-1"
) -> dict[str, str]:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    message = f"{webhook_id}.{int(stamp)}.".encode() + body
    signature = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    return {
        "X-Gitlab-Event": "Note Hook",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(stamp)),
        "webhook-signature": f"v1,{signature}",
    }


def test_a_signed_delivery_is_verified_by_its_hmac_and_timestamp() -> None:
    body = body_of(payload("note"))
    who = identity("gitlab-org/gitlab-test")
    ok = receive(signed(body), body, Secrets(SIGNING), who, NOW)
    assert (ok.status, ok.key, ok.delivery_id) == (202, ("gitlab-org/gitlab-test", 17), "msg-1")
    tampered = body.replace(b"Hello world", b"Hello World")
    assert receive(signed(body), tampered, Secrets(SIGNING), who, NOW).decision == (
        "refused: webhook-signature does not match"
    )
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    assert receive(signed(body, other), body, Secrets(SIGNING), who, NOW).status == 401
    assert (
        receive(signed(body, other), body, Secrets(SIGNING, previous=other), who, NOW).status == 202
    )
    old = receive(signed(body, stamp=NOW - 301), body, Secrets(SIGNING), who, NOW)
    assert old.decision == "refused: webhook-timestamp more than 5 minutes off"
    assert receive(signed(body, stamp=NOW - 299), body, Secrets(SIGNING), who, NOW).status == 202


def test_a_signature_cannot_be_skipped_by_sending_none() -> None:
    body = body_of(payload("note"))
    sent = {"X-Gitlab-Event": "Note Hook", "X-Gitlab-Token": SIGNING}
    delivery = receive(sent, body, Secrets(SIGNING), identity("gitlab-org/gitlab-test"), NOW)
    assert delivery.status == 401  # a signing token is never accepted as a plain token


def test_the_bots_own_events_are_ignored() -> None:
    delivery = receive(
        headers("Issue Hook"),
        body_of(payload("issue")),
        Secrets(SECRET),
        identity("gitlabhq/gitlab-test", bot_id=1),
        NOW,
    )
    assert (delivery.status, delivery.decision, delivery.key) == (
        202,
        "ignored: the bot's own event",
        None,
    )


def test_projects_out_of_scope_are_ignored() -> None:
    delivery = receive(
        headers("Issue Hook"),
        body_of(payload("issue")),
        Secrets(SECRET),
        identity("ps/ps-plan"),
        NOW,
    )
    assert delivery.decision == "ignored: project gitlabhq/gitlab-test is not in scope"
    group = Identity(bot_id=9, bot_username="ps-bot", project=None, group="GitlabHQ")
    inside = receive(headers("Issue Hook"), body_of(payload("issue")), Secrets(SECRET), group, NOW)
    assert inside.key == ("gitlabhq/gitlab-test", 23)
    near = Identity(bot_id=9, bot_username="ps-bot", project=None, group="gitlab")
    assert (
        receive(headers("Issue Hook"), body_of(payload("issue")), Secrets(SECRET), near, NOW).key
        is None
    )


def test_events_on_the_bots_own_issues_are_ignored_but_a_copied_marker_is_not_enough() -> None:
    data = payload("emoji")
    data["user"]["id"] = 7  # a person awards on the lease issue
    data["issue"]["author_id"] = 999
    data["issue"]["description"] = "<!-- ps-triage-run-lease -->\nps-triage's run lease"
    delivery = receive(
        headers("Emoji Hook"), body_of(data), Secrets(SECRET), identity("flightjs/Flight"), NOW
    )
    assert delivery.decision == "ignored: the bot's own issue (run lease, forecast or digest)"
    data["issue"]["author_id"] = 7  # someone copied the marker into an issue of theirs
    copied = receive(
        headers("Emoji Hook"), body_of(data), Secrets(SECRET), identity("flightjs/Flight"), NOW
    )
    assert copied.key == ("flightjs/Flight", 42)


def test_comments_on_other_things_and_other_events_are_ignored() -> None:
    data = payload("note")
    data["object_attributes"]["noteable_type"] = "Snippet"
    snippet = receive(
        headers("Note Hook"),
        body_of(data),
        Secrets(SECRET),
        identity("gitlab-org/gitlab-test"),
        NOW,
    )
    assert snippet.decision == "ignored: a comment on something else than an issue"
    push = receive(
        headers("Push Hook"), b"{}", Secrets(SECRET), identity("gitlab-org/gitlab-test"), NOW
    )
    assert (push.status, push.decision) == (202, "ignored: not an event serve reads")


@pytest.mark.parametrize(
    "hostile",
    [
        {"issue": {"iid": "17"}},
        {"issue": {"iid": True}},
        {"issue": {"iid": -3}},
        {"issue": None},
        {"project": {"path_with_namespace": ["gitlab-org/gitlab-test"]}},
        {"user": "root"},
    ],
)
def test_values_of_the_wrong_type_route_nothing(hostile: dict[str, Any]) -> None:
    data = payload("note") | hostile
    delivery = receive(
        headers("Note Hook"),
        body_of(data),
        Secrets(SECRET),
        identity("gitlab-org/gitlab-test"),
        NOW,
    )
    assert delivery.status == 202
    if "user" not in hostile:
        assert delivery.key is None


def test_a_body_that_is_not_json_is_unreadable_only_once_authenticated() -> None:
    who = identity("gitlab-org/gitlab-test")
    assert receive(headers("Note Hook"), b"\xff{", Secrets(SECRET), who, NOW).status == 400
    assert receive(headers("Note Hook"), b"[1]", Secrets(SECRET), who, NOW).status == 400
    assert receive(headers("Note Hook", "bad"), b"\xff{", Secrets(SECRET), who, NOW).status == 401
