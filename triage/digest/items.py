"""What a person's digest of the day lists: the items due for them (the day's reminders and
escalations, the deals overdue for them) less what their earlier digests already listed. Pure.

Nothing is remembered between runs but what GitLab holds: each digest comment carries, in a
hidden line, a short hash of every item it listed (`Listed`), and the next digest is chosen
against those. An item is listed once; a deal still overdue is listed again less and less often
while nothing new happens on it (the policy's `digest.repeat_after_days`, by default two weeks
after its news, then every four weeks; never within a week): news on the deal (a new reminder
or escalation listed for the person, which a stage move or people's edit brings when the deal
is late again) lists the deal and starts again from the first step. Meanwhile the forecast's
"Needs action" lists every deal past its SLA on every run. A deal in
quarter-end mode (the quarter's last business days, for a deal closing in this quarter) is
listed every business day. A reminder lists its deal too: the same deal is not listed again as
overdue until its repeat is due. A repeat only rides along with something new, a daily one of
the quarter-end mode too: a digest comes only when something is new for the person (issue
32.1), so it says something new every time it comes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ..policy.model import REPEAT_AFTER_DAYS

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


def choose(
    due: Iterable[Item],
    earlier: Iterable[Listed],
    today: date,
    repeat_after: Sequence[int] = REPEAT_AFTER_DAYS,
) -> Choice:
    """The items of `due` to list today, given what earlier digests (today's included) listed:
    a reminder or escalation once; a deal overdue once, then again `repeat_after[n]` days after
    its n-th repeat (the last step holds from then on; news on the deal, a reminder or an
    escalation listed, starts again from the first), daily in quarter-end mode (`Item.daily`),
    never twice a day; a deal with a reminder listed today once, by its reminder. Nothing at all
    unless something is new: a deal listed before never makes a comment on its own, not even one
    repeated daily in its quarter-end mode."""
    history = _history(earlier)
    items = sorted(dict((i.key, i) for i in due).values(), key=lambda i: i.kind == "overdue")
    new: list[Item] = []
    repeated: list[Item] = []
    taken: set[str] = set()
    for item in items:
        if any(k in taken for k in item.covers):
            continue  # its deal is listed today by a reminder
        seen = history.get(key_hash(item.key))
        if seen is None:
            new.append(item)
        elif item.kind != "overdue" or seen.last >= today:
            continue
        elif item.daily or (today - seen.last).days >= _step(repeat_after, seen.repeats):
            repeated.append(item)
        else:
            continue
        taken.update(item.covers)
    if not new:
        return Choice((), 0)  # nothing new: a deal still overdue waits to ride with news
    return Choice(tuple(new + repeated), len(repeated))


@dataclass(frozen=True)
class _Seen:
    last: date  # when it was last listed, in any form
    # how often it was listed again since its news (itself, or a reminder of its deal)
    repeats: int


def _history(earlier: Iterable[Listed]) -> dict[str, _Seen]:
    """Each item hash listed before: when last, and its repeats since its last news. A hash
    among a listing's `also` is a deal whose reminder or escalation was listed: news on it."""
    found: dict[str, _Seen] = {}
    for listed in sorted(earlier, key=lambda listed: listed.day):
        for h in listed.also:
            found[h] = _Seen(listed.day, 0)
        for h in listed.items:
            before = found.get(h)
            # its first listing is news; a listing on a later day, one more repeat
            repeats = 0 if before is None else before.repeats + (before.last < listed.day)
            found[h] = _Seen(listed.day, repeats)
    return found


def _step(repeat_after: Sequence[int], repeats: int) -> int:
    """The days before the next repeat of a deal listed `repeats` times again since its news."""
    return repeat_after[min(repeats, len(repeat_after) - 1)]
