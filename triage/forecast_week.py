"""The weekly forecast call's movement: what changed since last week's forecast. Pure.

Once a week (the first run of the team's week) the bot keeps what the forecast showed in a note
of its own on the forecast issue (`runner/forecast_issue.py`): each deal closing in the quarter
with its colour, net and close date, in a hidden line, its marker's revision the hash of exactly
that data. A note counts only when the bot's own user wrote it and its data still hashes to its
revision (as the bot trusts its markers: `issues/markers.py`); anything else is no snapshot.

The forecast then says, against the newest snapshot of an earlier week, which deals came into the
forecast (commit and best case), went out of it (won, lost, on hold, down to Red or Grey, gone),
went up or down (a better or worse colour, else a larger or smaller net), and slipped (a later
close date: out of the quarter or not).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from .forecast import IN_FORECAST, Forecast
from .issues.markers import Marker, find_marker, revision

KEY = "forecast-week"  # the marker key of a snapshot note: `forecast-week/2026-02-02`
_DATA = re.compile(r"<!-- ps-triage-forecast-week-data (?P<data>[A-Za-z0-9+/=]*) -->")
RANK = {"Green": 3, "Amber": 2, "Red": 1, "Grey": 0}  # a move to a higher rank is up


def week_of(day: date) -> date:
    """The Monday of `day`'s week: a snapshot's week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Snapshot:
    week: date
    deals: dict[str, dict[str, str]]  # ref -> customer, url, colour, net, close

    @property
    def data(self) -> dict[str, Any]:
        return {"week": self.week.isoformat(), "deals": self.deals}

    def marker(self) -> Marker:
        return Marker(f"{KEY}/{self.week.isoformat()}", revision(self.data))

    def hidden(self) -> str:
        text = json.dumps(self.data, sort_keys=True, separators=(",", ":"))
        return f"<!-- ps-triage-forecast-week-data {base64.b64encode(text.encode()).decode()} -->"


def snapshot(fc: Forecast, week: date) -> Snapshot:
    """What the forecast shows this week, as next week's movement compares with it."""
    return Snapshot(
        week,
        {
            d.ref: {
                "customer": d.customer,
                "url": d.url,
                "colour": d.confidence,
                "net": str(d.net),
                "close": d.close_date,
            }
            for d in fc.deals
        },
    )


def read(body: str, author: str, bot: str) -> Snapshot | None:
    """The snapshot a note holds, when the bot wrote it and its data is what its marker says."""
    marker = find_marker(body) if author == bot else None
    if marker is None or not marker.key.startswith(f"{KEY}/"):
        return None
    found = _DATA.search(body)
    if found is None:
        return None
    try:
        data = json.loads(base64.b64decode(found.group("data"), validate=True))
        week = date.fromisoformat(data["week"])
        deals = {
            str(ref): {k: str(d[k]) for k in ("customer", "url", "colour", "net", "close")}
            for ref, d in data["deals"].items()
        }
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        return None
    kept = Snapshot(week, deals)
    if marker.rev != revision(kept.data) or marker.key != f"{KEY}/{week.isoformat()}":
        return None  # edited, or not what the bot wrote: no snapshot
    return kept


def previous(snapshots: Iterable[Snapshot], week: date) -> Snapshot | None:
    """The newest snapshot of a week before `week`."""
    return max((s for s in snapshots if s.week < week), key=lambda s: s.week, default=None)


@dataclass(frozen=True)
class Move:
    customer: str
    url: str
    was_colour: str
    now_colour: str  # "" when it left the quarter's open deals: see `now`
    was_net: Decimal
    now_net: Decimal
    was_close: str
    now_close: str
    now: str = ""  # out of the quarter's deals: won, lost, on_hold, next (a later quarter), gone


@dataclass(frozen=True)
class Movement:
    since: date  # the week of the snapshot compared with
    came_in: list[Move] = field(default_factory=list)
    went_out: list[Move] = field(default_factory=list)
    up: list[Move] = field(default_factory=list)
    down: list[Move] = field(default_factory=list)
    slipped: list[Move] = field(default_factory=list)


def _net(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal(0)


def movement(before: Snapshot, fc: Forecast, all_open: dict[str, str]) -> Movement:
    """What moved between `before` and `fc`. `all_open`: every open deal's close date by
    reference (a deal slipped out of the quarter is no longer among `fc.deals`)."""
    now = {d.ref: d for d in fc.deals}
    won, lost = {c.ref for c in fc.won}, {c.ref for c in fc.lost}
    held = {d.ref: d for d in fc.on_hold}
    moved = Movement(before.week)
    for ref in sorted(set(before.deals) | set(now)):
        was, deal = before.deals.get(ref), now.get(ref)
        was_in = was is not None and was["colour"] in IN_FORECAST
        now_in = deal is not None and deal.confidence in IN_FORECAST
        if not was_in and not now_in:
            continue
        close = deal.close_date if deal else all_open.get(ref, "")
        state = ""
        if deal is None:
            state = (
                "won"
                if ref in won
                else "lost"
                if ref in lost
                else "on_hold"
                if ref in held
                else "next"
                if close
                else "gone"
            )
        move = Move(
            customer=deal.customer if deal else (was or {}).get("customer", ref),
            url=deal.url if deal else (was or {}).get("url", ""),
            was_colour=(was or {}).get("colour", ""),
            now_colour=deal.confidence if deal else "",
            was_net=_net((was or {}).get("net", "0")),
            now_net=deal.net if deal else Decimal(0),
            was_close=(was or {}).get("close", ""),
            now_close=close,
            now=state,
        )
        if was_in and move.was_close and close and close > move.was_close:
            moved.slipped.append(move)  # a later close date, in the quarter or out of it
        elif not was_in:
            moved.came_in.append(move)
        elif not now_in:
            moved.went_out.append(move)
        elif RANK[move.now_colour] != RANK[move.was_colour]:
            (moved.up if RANK[move.now_colour] > RANK[move.was_colour] else moved.down).append(move)
        elif move.now_net != move.was_net:
            (moved.up if move.now_net > move.was_net else moved.down).append(move)
    return moved
