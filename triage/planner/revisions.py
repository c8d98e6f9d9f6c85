"""What a SoW revision showed, kept for a later request to compare with.

A note posted once per SoW revision (`once_per: estimate`: the signature request, posted when
the PS Director's approval counted) records in its marker the figures of the revision it showed
(`figures=`): the SoW version, prices, days by role, close date, start window, billing and terms.
A comment with `changes_since: <rule>` (the approval request) finds that rule's newest note among
the bot's own marked notes (never one someone else edited: `Note.bots_words`) and is told which
version it recorded and what changed since. Costs are never recorded: those notes may be public.
Pure functions over contexts and markers.
"""

from __future__ import annotations

import base64
import binascii
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from ..issues.markers import Marker
from ..issues.snapshot import Note
from ..policy.model import Policy
from ..render.markdown import Trusted
from ..rules.actions import Comment

# The figures compared, in the order a change list names them.
NUMBERS = ("list_price", "discount_pct", "net_price", "total_days")
TEXTS = (
    "close_date",
    "start_window",
    "start_date",
    "end_date",
    "fee_type",
    "billing",
    "payment_terms",
)
MAX_TEXT = 2_000  # longer than any data block field recorded


def document_keys(policy: Policy) -> frozenset[str]:
    """The marker keys of the comments that carry the SoW document (`document:`): the notes
    whose revisions the SoW version counts."""
    owners = [(rule.id, rule.actions) for rule in policy.rules] + [
        (move.id, move.actions) for move in policy.lifecycle.transitions
    ]
    keys = {
        action.comment.key_for(origin)
        for origin, actions in owners
        for action in actions
        if isinstance(action, Comment) and action.comment.document
    }
    return frozenset(keys)


def figures(context: dict[str, Any]) -> dict[str, Any] | None:
    """The figures a comment's context shows the customer (nothing internal), as plain values;
    None without a priced estimate."""
    priced = context.get("estimate")
    if not isinstance(priced, dict):
        return None
    deal = context.get("deal") or {}
    scoping = context.get("scoping") or {}
    msa = deal.get("msa")
    agreement: Any = (
        {"msa": str(msa["name"]), "date": str(msa["date"])}
        if msa
        else ("standard" if deal.get("agreement_named") else None)
    )
    return {
        "version": str(priced.get("version", 1)),
        **{name: str(priced[name]) for name in NUMBERS},
        "roles": [[str(r["role"]), str(r["days"])] for r in priced["roles"]],
        "close_date": _text(scoping.get("close_date")),
        "start_window": _text(deal.get("start_window")),
        "start_date": _text((deal.get("timeline") or {}).get("start")),
        "end_date": _text((deal.get("timeline") or {}).get("end")),
        "fee_type": _text(deal.get("fee_type")),  # in the team's words
        "billing": _text(deal.get("billing")),
        "payment_terms": _text(deal.get("payment_terms")),
        "agreement": agreement,
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def encode(shown: dict[str, Any]) -> str:
    """Figures as marker text: base64url of compact JSON, no padding (inert in Markdown and
    in an HTML comment, whatever the data block's texts hold)."""
    raw = json.dumps(shown, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str | None) -> dict[str, Any] | None:
    """The figures a marker recorded, or None when it recorded none or none in the shape
    `figures` writes."""
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        shown = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    return shown if _well_formed(shown) else None


def _number(value: Any) -> bool:
    try:
        return isinstance(value, str) and Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _well_formed(shown: Any) -> bool:
    """Every number and the version; texts, each a text or none, only those recorded (a field
    added since an older release recorded its figures is not compared)."""
    required = {"version", "roles", "agreement", *NUMBERS}
    if not isinstance(shown, dict) or not required <= set(shown) <= {*required, *TEXTS}:
        return False
    agreement = shown["agreement"]
    return (
        isinstance(shown["version"], str)
        and shown["version"].isdigit()
        and all(_number(shown[name]) for name in NUMBERS)
        and isinstance(shown["roles"], list)
        and all(
            isinstance(pair, list)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and len(pair[0]) <= MAX_TEXT
            and _number(pair[1])
            for pair in shown["roles"]
        )
        and all(
            shown[name] is None or (isinstance(shown[name], str) and len(shown[name]) <= MAX_TEXT)
            for name in TEXTS
            if name in shown
        )
        and (
            agreement in (None, "standard")
            or (
                isinstance(agreement, dict)
                and set(agreement) == {"msa", "date"}
                and all(isinstance(v, str) and len(v) <= MAX_TEXT for v in agreement.values())
            )
        )
    )


def changes(before: dict[str, Any], now: dict[str, Any]) -> list[dict[str, Any]]:
    """What differs between two sets of figures, in a fixed order: each `field` (trusted: a
    name of NUMBERS, `role_days`, TEXTS or `agreement`), `role` (for `role_days`), `before`,
    `after` (None where there was or is none). Numbers compare by value (`10` is `10.0`); a
    text `before` did not record is not compared."""
    found: list[dict[str, Any]] = []

    def differ(name: str, old: Any, new: Any, role: str | None = None) -> None:
        found.append({"field": Trusted(name), "role": role, "before": old, "after": new})

    for name in NUMBERS:
        if Decimal(before[name]) != Decimal(now[name]):
            differ(name, before[name], now[name])
    old_roles, new_roles = dict(map(tuple, before["roles"])), dict(map(tuple, now["roles"]))
    for role in dict.fromkeys([*old_roles, *new_roles]):
        old, new = old_roles.get(role), new_roles.get(role)
        if old is None or new is None or Decimal(old) != Decimal(new):
            differ("role_days", old, new, role)
    for name in (*TEXTS, "agreement"):
        if name in before and before[name] != now[name]:
            differ(name, before[name], now[name])
    return found


def changes_since(
    mine: list[tuple[Note, Marker]], rule: str, context: dict[str, Any]
) -> dict[str, Any] | None:
    """For a comment with `changes_since: <rule>`: the SoW version and revision the rule's
    newest note recorded, and `changes` since (None when that note recorded no figures, from
    before they were recorded); None when the rule has no note on the issue."""
    recorded = [m for _, m in mine if m.key.startswith(f"{rule}/") and m.sow]
    if not recorded:
        return None
    marker = recorded[-1]
    shown, now = decode(marker.figures), figures(context)
    return {
        "version": int(shown["version"]) if shown else None,
        "revision": Trusted(marker.sow or ""),
        "changes": changes(shown, now) if shown and now else None,
    }
