"""What a person's digest of the day lists: the items due for them (the day's reminders and
escalations, the deals overdue for them) less what their earlier digests already listed. Pure.

Nothing is remembered between runs but what GitLab holds: each digest comment carries, in a
hidden line, a short hash of every item it listed (`Listed`), and the next digest is chosen
against those. An item is listed once; a deal still overdue is listed again at most once a week
(`REPEAT_AFTER`), or every business day while it is in quarter-end mode (the quarter's last
business days, for a deal closing in this quarter). A reminder lists its deal too: the same
deal is not listed again as overdue until its repeat is due. A repeat only rides along with
something new, a daily one of the quarter-end mode too: a digest comes only when something is new
for the person (issue 32.1), so it says something new every time it comes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

REPEAT_AFTER = timedelta(days=7)  # a deal still overdue is listed again after a week
Kind = Literal["reminder", "escalation", "overdue"]
_LISTED = re.compile(
    r"<!-- ps-triage-digest-items items=(?P<items>[0-9a-f,]*) also=(?P<also>[0-9a-f,]*) -->"
)


@dataclass(frozen=True)
class Item:
    """One line of a digest: `key` says what it is (`o:<ref>` a deal overdue, `r:<ref>:<marker
    key>` a reminder or escalation posted on the deal); the rest, what the digest's template
    (`digest.md.j2`) may say of it: the deal (its `customer`, else the issue's title; its `url`),
    a reminder's or escalation's rule (`what`: its description in the policy), an overdue deal's
    `stage` and business days `late` past the SLA."""

    deal: str  # the issue reference, `ps/ps-plan#7`
    kind: Kind
    key: str
    customer: str
    url: str
    daily: bool = False  # overdue in quarter-end mode for a deal of this quarter: daily repeats
    what: str = ""
    stage: str = ""
    late: int = 0

    @property
    def covers(self) -> tuple[str, ...]:
        """The keys a listing of this item counts for: itself, and its deal as overdue."""
        overdue = f"o:{self.deal}"
        return (self.key,) if self.key == overdue else (self.key, overdue)


@dataclass(frozen=True)
class Listed:
    """What one earlier digest comment of the person listed (hashes of item keys), and when."""

    day: date
    items: tuple[str, ...]  # the items shown, in order
    also: tuple[str, ...] = ()  # what they covered besides (a reminder's deal as overdue)

    def __str__(self) -> str:
        return f"<!-- ps-triage-digest-items items={','.join(self.items)} also={','.join(self.also)} -->"

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.items) | frozenset(self.also)


def key_hash(key: str) -> str:
    return hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


def listed_in(body: str, day: date) -> Listed:
    """What a digest comment of `day` listed (nothing, for one written before items were kept)."""
    match = _LISTED.search(body)
    if match is None:
        return Listed(day, ())
    return Listed(day, _hashes(match.group("items")), _hashes(match.group("also")))


def _hashes(text: str) -> tuple[str, ...]:
    return tuple(h for h in text.split(",") if h)


def listing(items: Iterable[Item], day: date) -> Listed:
    """The hidden record of `items` listed on `day`."""
    chosen = list(items)
    shown = tuple(key_hash(i.key) for i in chosen)
    also = tuple(
        dict.fromkeys(key_hash(k) for i in chosen for k in i.covers if key_hash(k) not in shown)
    )
    return Listed(day, shown, also)


@dataclass(frozen=True)
class Choice:
    items: tuple[Item, ...]  # what to list now, new items first
    repeats: int  # of which listed on an earlier day (a deal still overdue)


def choose(due: Iterable[Item], earlier: Iterable[Listed], today: date) -> Choice:
    """The items of `due` to list today, given what earlier digests (today's included) listed:
    a reminder or escalation once; a deal overdue once, again a week after it was last listed
    (daily in quarter-end mode, `Item.daily`), never twice a day; a deal with a reminder listed
    today once, by its reminder. Nothing at all unless something is new: a deal listed before
    never makes a comment on its own, not even one repeated daily in its quarter-end mode."""
    last: dict[str, date] = {}
    for listed in earlier:
        for h in listed.keys:
            last[h] = max(listed.day, last.get(h, listed.day))
    items = sorted(dict((i.key, i) for i in due).values(), key=lambda i: i.kind == "overdue")
    new: list[Item] = []
    repeated: list[Item] = []
    taken: set[str] = set()
    for item in items:
        if any(k in taken for k in item.covers):
            continue  # its deal is listed today by a reminder
        seen = last.get(key_hash(item.key))
        if seen is None:
            new.append(item)
        elif item.kind != "overdue" or seen >= today:
            continue
        elif item.daily or today - seen >= REPEAT_AFTER:
            repeated.append(item)
        else:
            continue
        taken.update(item.covers)
    if not new:
        return Choice((), 0)  # nothing new: a deal still overdue waits to ride with news
    return Choice(tuple(new + repeated), len(repeated))
