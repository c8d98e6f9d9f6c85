"""What the sync would do, decided from values alone. Pure.

GitLab owns the four EM fields (Engagement Manager, EM Confidence, its rationale, the scoping
issue's link); Salesforce owns the stage, the win, the close date and the amount. Each EM field
is compared three ways: the value GitLab wants, the value Salesforce has, and the value the bot
last wrote there (`state`). A value that differs from what the bot last wrote was set by a person:
it is reported with who last edited the opportunity, never overwritten. Without a record of the
bot's last write, a value is the bot's to replace only when it is empty or the opportunity was
last edited by the integration user itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ..forecast import deal_of
from ..issues.snapshot import IssueSnapshot
from ..policy.model import Policy, SalesforceSync
from . import ids

FIELDS = ("engagement_manager", "confidence", "rationale", "link")
ELLIPSIS = "…"


@dataclass(frozen=True)
class Wanted:
    """One deal as GitLab has it: the opportunity it names and the four fields' values there."""

    opportunity: str  # the 18-character id
    ref: str  # ps/ps-plan#7
    project: str
    iid: int
    customer: str
    stage: str  # the lifecycle label's stage, or "" for none
    values: Mapping[str, str | None]  # field API name -> value (None: not written, e.g. unmapped)
    close_date: str  # ISO, or "" when the data block has none
    net: Decimal | None  # None: no priced line items
    currency: str
    flagged: bool = False  # carries the policy's flag label (Salesforce disagreed last time)


@dataclass(frozen=True)
class Invalid:
    ref: str
    value: str
    why: str


@dataclass(frozen=True)
class Deals:
    """The deals GitLab wants written, and what kept others out."""

    wanted: tuple[Wanted, ...]
    invalid: tuple[Invalid, ...] = ()
    duplicates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # id -> refs
    unmapped: tuple[str, ...] = ()  # GitLab users with no Salesforce user


@dataclass(frozen=True)
class Change:
    opportunity: str
    ref: str
    fields: Mapping[str, str | None]  # API name -> the value to write


@dataclass(frozen=True)
class Conflict:
    """A field a person changed in Salesforce since the bot wrote it: reported, kept."""

    opportunity: str
    ref: str
    field: str
    salesforce: Any
    wanted: str | None
    edited_by: str
    edited_at: str


@dataclass(frozen=True)
class Said:
    """One thing Salesforce says of a deal that GitLab does not, with each side's value: `won`
    (Salesforce's stage; GitLab's stage), `closed` not won (Salesforce's stage), `not_won` while
    GitLab records the win (Salesforce's stage), `close_date` (ISO dates), `currency`, `amount`
    (plain numbers in the deal's currency). The note's words are its template's
    (`salesforce-disagrees.md.j2`); `text` is the operator's line (and the note's revision)."""

    kind: Literal["won", "closed", "not_won", "close_date", "currency", "amount"]
    salesforce: str
    gitlab: str = ""
    currency: str = ""  # of an amount

    @property
    def text(self) -> str:
        s, g, c = self.salesforce, self.gitlab, self.currency
        return {
            "won": f"Salesforce says the opportunity is won ({s}); in GitLab the deal is "
            f"{g or '(none)'}: "
            "only Deal Desk records the win here",
            "closed": f"Salesforce says the opportunity is closed, not won ({s})",
            "not_won": f"GitLab records the win; Salesforce says {s}",
            "close_date": f"close date: {g} in GitLab, {s} in Salesforce",
            "currency": f"currency: {g} in GitLab, {s} in Salesforce",
            "amount": f"amount: {g} {c} in GitLab, {s} {c} in Salesforce",
        }[self.kind]


@dataclass(frozen=True)
class Disagreement:
    """Salesforce's facts about a deal that GitLab does not share."""

    opportunity: str
    ref: str
    project: str
    iid: int
    customer: str
    said: tuple[Said, ...]
    flagged: bool = False  # carries the flag label already

    @property
    def says(self) -> tuple[str, ...]:
        """What Salesforce says, as the operator reads it (`triage salesforce plan`)."""
        return tuple(s.text for s in self.said)


@dataclass(frozen=True)
class SyncPlan:
    changes: tuple[Change, ...]
    conflicts: tuple[Conflict, ...]
    disagreements: tuple[Disagreement, ...]
    agreeing: tuple[Wanted, ...]  # read back with nothing to say
    unknown: tuple[Wanted, ...]  # no such opportunity (or this user cannot see it)
    known: Mapping[str, Mapping[str, Any]]  # id -> field -> the bot's value now in Salesforce
    # opportunities whose issue link names another issue: (the deal, the link there)
    claimed: tuple[tuple[Wanted, str], ...] = ()


def deals(
    policy: Policy,
    sync: SalesforceSync,
    issues: Sequence[IssueSnapshot],
    now: datetime,
    user_ids: Mapping[str, str],
) -> Deals:
    """The open deals, and the closed among `issues`, that name a valid opportunity id, with
    the four fields GitLab wants there. `user_ids`: GitLab username -> Salesforce user id."""
    wanted: dict[str, Wanted] = {}
    refs: dict[str, list[str]] = {}
    invalid: list[Invalid] = []
    unmapped: set[str] = set()
    stage_prefix = f"{policy.lifecycle.label_prefix}::"
    for issue in sorted(issues, key=lambda i: (i.project, i.iid)):
        deal = deal_of(policy, issue, now)
        data = issue.scoping.data
        if deal is None or data is None or not deal.opportunity:
            continue
        why = ids.problem(deal.opportunity)
        if why:
            invalid.append(Invalid(issue.ref, deal.opportunity, why))
            continue
        opportunity = ids.full(deal.opportunity)
        refs.setdefault(opportunity, []).append(issue.ref)
        em = issue.assignees[0] if issue.assignees else None
        if em and em not in user_ids:
            unmapped.add(em)
        # the rationale goes only with the colour it was written for
        rationale = data.confidence.rationale if data.confidence.value == deal.confidence else None
        names = sync.fields
        stage = next(
            (lb.removeprefix(stage_prefix) for lb in issue.labels if lb.startswith(stage_prefix)),
            "",
        )
        wanted[opportunity] = Wanted(
            opportunity=opportunity,
            ref=issue.ref,
            project=issue.project,
            iid=issue.iid,
            customer=deal.customer,
            stage=stage,
            values={
                names.engagement_manager: user_ids.get(em) if em else None,
                names.confidence: deal.confidence,
                names.rationale: rationale or "",
                names.link: issue.web_url,
            },
            close_date=deal.close_date,
            net=deal.net if data.line_items else None,
            currency=policy.rates.currency,
            flagged=sync.flag_label in issue.labels,
        )
    duplicates = {o: tuple(r) for o, r in refs.items() if len(r) > 1}
    # a deal sharing its opportunity with another is written by neither: which is right is a
    # person's call, and writing both would flip the opportunity on every run
    return Deals(
        tuple(w for o, w in wanted.items() if o not in duplicates),
        tuple(invalid),
        duplicates,
        tuple(sorted(unmapped)),
    )


def fitted(value: str | None, length: int | None) -> str | None:
    """`value` cut to a text field's length, with an ellipsis where it was cut."""
    if value is None or length is None or len(value) <= length:
        return value
    return value[: max(length - 1, 0)] + ELLIPSIS


def plan(
    sync: SalesforceSync,
    wanted: Sequence[Wanted],
    records: Mapping[str, Mapping[str, Any]],
    last: Mapping[str, Mapping[str, Any]],
    integration_user: str,
    lengths: Mapping[str, int] | None = None,
    won_stage: str = "Closed_Won",
    lost_stage: str = "Closed_Lost",
) -> SyncPlan:
    """Compare each wanted deal with its opportunity (`records`, by 18-character id) and with
    what the bot last wrote (`last`): the writes, the conflicts, Salesforce's disagreements."""
    changes: list[Change] = []
    conflicts: list[Conflict] = []
    disagreements: list[Disagreement] = []
    agreeing: list[Wanted] = []
    unknown: list[Wanted] = []
    known: dict[str, dict[str, Any]] = {}
    claimed: list[tuple[Wanted, str]] = []
    link = sync.fields.link
    for deal in wanted:
        record = records.get(deal.opportunity)
        if record is None:
            unknown.append(deal)
            continue
        elsewhere = record.get(link)
        if not _empty(elsewhere) and elsewhere != deal.values.get(link):
            # the opportunity is another issue's: an issue naming it (a slip, or someone
            # pointing the bot at a deal not theirs) writes nothing there and reads nothing back
            claimed.append((deal, str(elsewhere)))
            continue
        by_bot = _same_user(record.get("LastModifiedById"), integration_user)
        written = last.get(deal.opportunity, {})
        ours: dict[str, Any] = {}
        to_write: dict[str, str | None] = {}
        for name, value in deal.values.items():
            if value is None:
                continue  # not ours to say (an EM with no Salesforce user)
            value = fitted(value, (lengths or {}).get(name))
            current = record.get(name)
            # a person set it: it differs from what the bot last wrote, or (with no record
            # of that) it is not empty; unless the integration user edited the record last
            person_set = not by_bot and (
                not _same(current, written[name]) if name in written else not _empty(current)
            )
            if _same(current, value):
                ours[name] = value
            elif person_set:
                conflicts.append(_conflict(deal, name, current, value, record))
            else:
                to_write[name] = value
                ours[name] = value
        known[deal.opportunity] = ours
        if to_write:
            changes.append(Change(deal.opportunity, deal.ref, to_write))
        said = disagreement(deal, record, won_stage, lost_stage)
        if said:
            disagreements.append(
                Disagreement(
                    deal.opportunity,
                    deal.ref,
                    deal.project,
                    deal.iid,
                    deal.customer,
                    said,
                    deal.flagged,
                )
            )
        else:
            agreeing.append(deal)
    return SyncPlan(
        tuple(changes),
        tuple(conflicts),
        tuple(disagreements),
        tuple(agreeing),
        tuple(unknown),
        known,
        tuple(claimed),
    )


def disagreement(
    deal: Wanted,
    record: Mapping[str, Any],
    won_stage: str = "Closed_Won",
    lost_stage: str = "Closed_Lost",
) -> tuple[Said, ...]:
    """What Salesforce says of the deal that GitLab does not: the win, a loss, the close date,
    the amount. Read from IsWon and IsClosed, never from stage names (each org names its own)."""
    says: list[Said] = []
    stage = str(record.get("StageName") or "?")
    won_here, lost_here = deal.stage == won_stage, deal.stage == lost_stage
    if record.get("IsWon") and not won_here:
        says.append(Said("won", stage, deal.stage))
    elif record.get("IsClosed") and not record.get("IsWon") and not lost_here:
        says.append(Said("closed", stage))
    elif won_here and not record.get("IsWon"):
        says.append(Said("not_won", stage))
    close = record.get("CloseDate")
    if close and deal.close_date and str(close) != deal.close_date:
        says.append(Said("close_date", str(close), deal.close_date))
    amount = _decimal(record.get("Amount"))
    currency = str(record.get("CurrencyIsoCode") or deal.currency)
    if deal.net is not None and amount is not None:
        if currency != deal.currency:
            says.append(Said("currency", currency, deal.currency))
        elif abs(amount - deal.net) >= Decimal("0.01"):
            says.append(Said("amount", f"{amount:.2f}", f"{deal.net:.2f}", currency))
    return tuple(says)


def _conflict(
    deal: Wanted, name: str, current: Any, value: str | None, record: Mapping[str, Any]
) -> Conflict:
    return Conflict(
        deal.opportunity,
        deal.ref,
        name,
        current,
        value,
        str(record.get("LastModifiedById") or "?"),
        str(record.get("LastModifiedDate") or "?"),
    )


def _same_user(a: Any, b: str) -> bool:
    """User ids are compared in their 15-character, case-sensitive form."""
    return bool(a) and bool(b) and str(a)[:15] == b[:15]


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _same(current: Any, wanted: str | None) -> bool:
    if _empty(current) and _empty(wanted):
        return True
    if isinstance(current, str) and isinstance(wanted, str) and _both_ids(current, wanted):
        return current[:15] == wanted[:15]  # ids come back in 18 characters; a map may give 15
    return bool(current == wanted)


def _both_ids(a: str, b: str) -> bool:
    return len(a) >= 15 and ids.problem(a, a[:3]) is None and ids.problem(b, a[:3]) is None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
