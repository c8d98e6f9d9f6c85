"""What one webhook delivery from GitLab means: who sent it (the secret, or the signature), and
which issue it is about, or why it is ignored. No I/O and no clock: the time is an argument.

A delivery is a hint that an issue changed, never a source of truth: the worker re-reads the
issue from GitLab before it plans anything. So this reads from the payload only what routes it
(the event, the project, the issue's iid, who acted, who opened the issue and the start of its
description), each value checked for its type: the body is data like every value from GitLab.

GitLab's deliveries (doc/user/project/integrations/webhook_events.md; headers from
app/services/web_hook_service.rb `#build_headers`):

- `X-Gitlab-Event`: `Issue Hook`, `Confidential Issue Hook`, `Note Hook`, `Confidential Note
  Hook` (internal notes come only through it), `Emoji Hook` (an award on an issue or a note; on a
  note it carries the note and its issue).
- `X-Gitlab-Token`: the hook's secret token in plain text, compared in constant time with the
  current secret and, during a rotation, the previous one.
- `webhook-id`, `webhook-timestamp`, `webhook-signature` (Standard Webhooks, GitLab 19): an
  HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed by the hook's signing token
  (`whsec_<base64>`), sent as `v1,<base64>`; when a `whsec_` secret is configured and the
  delivery is signed, the signature decides, and a timestamp more than TOLERANCE off is refused.
- `Idempotency-Key` (the same across retries and manual resends; `webhook-id` carries the same
  value): the delivery's id, by which the inbox drops repeats.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

EVENTS = frozenset(
    {"Issue Hook", "Confidential Issue Hook", "Note Hook", "Confidential Note Hook", "Emoji Hook"}
)
SIGNING_PREFIX = "whsec_"
TOLERANCE = (
    300.0  # seconds a signed delivery's timestamp may be off (Standard Webhooks' five minutes)
)
OWN_ISSUE = "<!-- ps-triage-"  # the lease, forecast and digest issues' markers begin so

Key = tuple[str, int]  # (project path, issue iid)


@dataclass(frozen=True)
class Secrets:
    """The current secret and, while a rotation is under way, the previous one. A `whsec_` value
    is a signing token (it verifies `webhook-signature`); any other a secret token."""

    current: str
    previous: str | None = None

    def all(self) -> list[str]:
        return [s for s in (self.current, self.previous) if s]


@dataclass(frozen=True)
class Identity:
    """Who the bot is (its user id, its username when GitLab's id is unknown) and what it
    triages: one project, or every project of a group."""

    bot_id: int | None
    bot_username: str
    project: str | None
    group: str | None


@dataclass(frozen=True)
class Delivery:
    status: int  # the answer: 202 accepted (queued or ignored), 401 refused, 400 unreadable
    decision: str  # queued | ignored: why | refused: why | unreadable: why
    event: str  # the X-Gitlab-Event header, as sent (only known names are logged as they are)
    key: Key | None = None  # the issue to plan again, when queued
    delivery_id: str | None = None  # Idempotency-Key (or webhook-id)

    @property
    def queued(self) -> bool:
        return self.key is not None


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), "")


def _equal(given: str, secret: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode("utf-8", "replace"))


def _signed_by(secret: str, message: bytes, signatures: list[bytes]) -> bool:
    try:
        key = base64.b64decode(secret.removeprefix(SIGNING_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(key, message, hashlib.sha256).digest()
    found = False
    for signature in signatures:  # every one compared: the time does not say which matched
        found |= hmac.compare_digest(expected, signature)
    return found


def authenticate(
    headers: Mapping[str, str], body: bytes, secrets: Secrets, now: float
) -> str | None:
    """None when the delivery comes from the hook (its signature, else its secret token),
    otherwise why not (never showing what was sent)."""
    signing = [s for s in secrets.all() if s.startswith(SIGNING_PREFIX)]
    signature = _header(headers, "webhook-signature")
    if signature and signing:
        webhook_id = _header(headers, "webhook-id")
        stamp = _header(headers, "webhook-timestamp")
        if not webhook_id or not stamp.isdigit():
            return "signed delivery without webhook-id or webhook-timestamp"
        if abs(now - int(stamp)) > TOLERANCE:
            return "webhook-timestamp more than 5 minutes off"
        sent = []
        for part in signature.split():
            version, _, value = part.partition(",")
            if version == "v1":
                try:
                    sent.append(base64.b64decode(value, validate=True))
                except (binascii.Error, ValueError):
                    continue
        message = webhook_id.encode() + b"." + stamp.encode() + b"." + body
        matched = False
        for secret in signing:
            matched |= _signed_by(secret, message, sent)
        return None if matched else "webhook-signature does not match"
    token = _header(headers, "x-gitlab-token")
    plain = [s for s in secrets.all() if not s.startswith(SIGNING_PREFIX)]
    if not token:
        return "no X-Gitlab-Token" + (" and no webhook-signature" if signing else "")
    matched = False
    for secret in plain:  # both compared, always: the time does not say which one matched
        matched |= _equal(token, secret)
    return None if matched else "X-Gitlab-Token does not match"


def receive(
    headers: Mapping[str, str], body: bytes, secrets: Secrets, identity: Identity, now: float
) -> Delivery:
    """The decision on one delivery: refused (401), unreadable (400), ignored (202, with why)
    or queued (202, with the issue to plan again). `now`: Unix time, for signed deliveries."""
    event = _header(headers, "x-gitlab-event")
    delivery_id = _header(headers, "idempotency-key") or _header(headers, "webhook-id") or None
    refused = authenticate(headers, body, secrets, now)
    if refused:
        return Delivery(401, f"refused: {refused}", event, delivery_id=delivery_id)
    if event not in EVENTS:
        return Delivery(202, "ignored: not an event serve reads", event, delivery_id=delivery_id)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Delivery(400, "unreadable: the body is not JSON", event, delivery_id=delivery_id)
    if not isinstance(payload, dict):
        return Delivery(
            400, "unreadable: the body is not a JSON object", event, delivery_id=delivery_id
        )
    why, key = route(event, payload, identity)
    if key is None:
        return Delivery(202, f"ignored: {why}", event, delivery_id=delivery_id)
    return Delivery(202, "queued", event, key=key, delivery_id=delivery_id)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def route(event: str, payload: dict[str, Any], identity: Identity) -> tuple[str, Key | None]:
    """(why it is ignored, None) or ("", the issue's key)."""
    user = _dict(payload.get("user"))
    if identity.bot_id is not None and _int(user.get("id")) == identity.bot_id:
        return "the bot's own event", None
    if (
        identity.bot_id is None
        and _str(user.get("username")).lower() == identity.bot_username.lower()
    ):
        return "the bot's own event", None
    path = _str(_dict(payload.get("project")).get("path_with_namespace"))
    if not path:
        return "no project in the payload", None
    if not in_scope(path, identity):
        return f"project {path} is not in scope", None
    attributes = _dict(payload.get("object_attributes"))
    if event in ("Issue Hook", "Confidential Issue Hook"):
        issue = attributes
    else:
        issue = _dict(payload.get("issue"))
        kind = "noteable_type" if event.endswith("Note Hook") else "awardable_type"
        if event.endswith("Note Hook") and _str(attributes.get(kind)) != "Issue":
            return "a comment on something else than an issue", None
        if not issue:
            return "not about an issue", None
    iid = _int(issue.get("iid"))
    if iid is None or iid < 1:
        return "no issue iid in the payload", None
    if _own_issue(issue, identity):
        return "the bot's own issue (run lease, forecast or digest)", None
    return "", (path, iid)


def _own_issue(issue: dict[str, Any], identity: Identity) -> bool:
    """The bot's lease, forecast and digest issues: opened by the bot, the marker first. Both
    are needed: anyone may copy a marker into an issue of theirs."""
    if identity.bot_id is None or _int(issue.get("author_id")) != identity.bot_id:
        return False
    return _str(issue.get("description")).startswith(OWN_ISSUE)


def in_scope(path: str, identity: Identity) -> bool:
    """GitLab paths are case-insensitive."""
    wanted = path.lower()
    if identity.project:
        return wanted == identity.project.lower()
    if identity.group:
        return wanted.startswith(identity.group.lower().rstrip("/") + "/")
    return False
