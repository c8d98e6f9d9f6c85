"""The quarter's forecast for PS leadership, computed from the issues alone. Pure.

Open deals whose close date falls in the fiscal quarter, grouped by EM confidence (the
`EM_Confidence::` label, else the data block's value): Green is commit, Amber best case, Red at
risk, Grey unreviewed. The forecast is commit plus best case; Red and Grey are shown apart, and
the weighted total (`forecast.weights`) counts all four. An open deal whose close date has passed
has slipped: it counts in the current quarter, with its original date, until the EM moves it.
The quarter's closed deals come from their `close_qtr::` label: bookings (won value and count),
lost, win rates by count and by value, and attainment of the quarter's target (`forecast.targets`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from .issues.snapshot import IssueSnapshot
from .policy.model import Policy
from .policy.requirements import Missing
from .pricing import estimate
from .rules.fiscal import FiscalQuarter, business_days_between

CATEGORIES = {"Green": "Commit", "Amber": "Best case", "Red": "At risk", "Grey": "Unreviewed"}
ON_HOLD = "On_hold"  # the stage of a deal whose timing slipped: in no category or total
TERMINAL = ("Closed_Won", "Closed_Lost")
IN_FORECAST = ("Green", "Amber")  # commit and best case make the forecast; Red and Grey do not
STALE_DAYS = 45  # `stale`: this many days without an update
# The needs-action categories by their stable ids, in the order the forecast lists them; what
# each is called is the template's (`forecast.md.j2`), the JSON report keys them by these ids.
NEEDS = (
    "no_rationale",  # a colour other than Grey without a rationale
    "stale",  # STALE_DAYS days without an update
    "stale_confidence",  # `confidence.updated` older than `stale_confidence_days`
    "sla_breached",  # longer in the stage than its timer: `days`, `stage`, `timer`
    "green_before_sow",  # Green before the SoW is drafted
    "approval_blocked",  # what the approval needs is missing: `missing`
    "no_opportunity",  # no `opportunity` in the data block
    "no_close_date",  # needs data: no close date (in no total)
    "not_priced",  # needs data: no priced line items (counted at 0)
    "slipped",  # the close date passed: `was`
    "salesforce_disagrees",  # the sync's flag label (`salesforce.sync`): see the bot's note
)


@dataclass(frozen=True)
class Need:
    """One issue under a needs-action category, with the facts its template may give (its
    words are the template's): SLA breached `days` in `stage` past its `timer` (business
    days); approval blocked, what is `missing`; slipped, the close date it `was`."""

    ref: str
    days: int | None = None
    stage: str | None = None
    timer: int | None = None
    missing: Missing | None = None
    was: date | None = None


@dataclass(frozen=True)
class Deal:
    customer: str
    ref: str
    url: str
    em: str  # "" for none, as for `segment` and `stage`: the template says so in its words
    segment: str
    stage: str
    confidence: str
    rationale: str  # the data block's, for the colour it states (`rationale_for`)
    close_date: str
    net: Decimal
    opportunity: str
    days_since_update: int
    confidence_updated: str
    days_in_stage: int | None  # business days, when the stage's start was read
    slipped: bool = False  # open, and its close date has passed: counted in the current quarter
    priced: bool = True  # False: no priced line items, its net (0) is no estimate
    rationale_for: str = ""  # the colour the data block states: its rationale is for that one


@dataclass(frozen=True)
class Closed:
    """A deal closed in the quarter: won or lost, with its net value (0 without a priced block)."""

    ref: str
    url: str
    customer: str
    net: Decimal


@dataclass(frozen=True)
class Forecast:
    quarter: FiscalQuarter
    business_days_left: int
    deals: tuple[Deal, ...]  # open, closing this quarter
    approved: tuple[Deal, ...]  # awaiting signature
    won: tuple[Closed, ...]
    lost: tuple[Closed, ...]
    lost_reasons: dict[str, int]
    weights: dict[str, float]
    # Why deals need action, by the category's stable id (`NEEDS`): the words are the template's.
    needs_action: dict[str, list[Need]] = field(default_factory=dict)
    stale_confidence_days: int = 14  # `stale_confidence`: 7 in the quarter's last weeks
    target: Decimal | None = None  # the quarter's bookings target, when the policy names one
    currency: str = "USD"  # the rate card's: every amount above is in it
    awaiting_approval: tuple[Deal, ...] = ()  # Ready For Approval: in the approvers' queue
    on_hold: tuple[Deal, ...] = ()  # closing in the quarter but on hold: in no category or total
    # Who each issue of `needs_action` is: its reference -> (customer, or its title; its link).
    who: dict[str, tuple[str, str]] = field(default_factory=dict)
    next_quarter: FiscalQuarter | None = None  # the quarter after: its coverage
    next_deals: tuple[Deal, ...] = ()  # open, closing in `next_quarter` (on hold left out)
    next_target: Decimal | None = None  # the policy's bookings target for `next_quarter`

    def by_confidence(self) -> list[tuple[str, int, Decimal]]:
        rows = []
        for colour in CATEGORIES:
            deals = [d for d in self.deals if d.confidence == colour]
            rows.append((colour, len(deals), sum((d.net for d in deals), Decimal(0))))
        return rows

    def total(self, colours: tuple[str, ...] = IN_FORECAST) -> Decimal:
        """The net value of the deals of these colours: by default the forecast (commit and
        best case)."""
        return sum((d.net for d in self.deals if d.confidence in colours), Decimal(0))

    @property
    def slipped(self) -> tuple[Deal, ...]:
        return tuple(d for d in self.deals if d.slipped)

    def weighted(self) -> Decimal:
        return sum(
            (Decimal(str(self.weights.get(c, 0))) * total for c, _, total in self.by_confidence()),
            Decimal(0),
        )

    def by_em(self) -> list[tuple[str, int, Decimal, Decimal]]:
        """Per EM (by name): their deals closing this quarter, and the net of their commit
        (Green) and of their best case (Amber)."""
        rows = []
        for name in sorted({d.em for d in self.deals}):
            mine = [d for d in self.deals if d.em == name]
            commit = sum((d.net for d in mine if d.confidence == "Green"), Decimal(0))
            best = sum((d.net for d in mine if d.confidence == "Amber"), Decimal(0))
            rows.append((name, len(mine), commit, best))
        return rows

    def grouped(self, key: str) -> list[tuple[str, int, Decimal]]:
        groups: dict[str, list[Deal]] = defaultdict(list)
        for deal in self.deals:
            groups[getattr(deal, key)].append(deal)
        return [
            (name, len(ds), sum((d.net for d in ds), Decimal(0)))
            for name, ds in sorted(groups.items())
        ]

    @property
    def won_value(self) -> Decimal:
        return sum((c.net for c in self.won), Decimal(0))

    @property
    def lost_value(self) -> Decimal:
        return sum((c.net for c in self.lost), Decimal(0))

    @property
    def win_rate(self) -> float | None:
        """Won deals over closed deals, by count."""
        closed = len(self.won) + len(self.lost)
        return len(self.won) / closed if closed else None

    @property
    def win_rate_by_value(self) -> Decimal | None:
        """Won value over closed value (None when nothing closed had a value)."""
        closed = self.won_value + self.lost_value
        return self.won_value / closed if closed else None

    @property
    def attainment(self) -> Decimal | None:
        """Won value over the quarter's target (None without a target)."""
        return self.won_value / self.target if self.target else None


def _label(issue: IssueSnapshot, prefix: str) -> str | None:
    return next((lb.removeprefix(prefix) for lb in issue.labels if lb.startswith(prefix)), None)


def deal_of(policy: Policy, issue: IssueSnapshot, now: datetime) -> Deal | None:
    now = policy.calendar.local(now)  # dates are the team's
    data = issue.scoping.data
    if data is None:
        return None
    priced, _ = estimate(data, policy.rates, policy.catalog) if data.line_items else (None, [])
    return Deal(
        customer=data.customer,
        ref=issue.ref,
        url=issue.web_url,
        em=issue.assignees[0] if issue.assignees else "",
        segment=_label(issue, f"{policy.assignment.segment_prefix}::") or data.segment or "",
        stage=_label(issue, f"{policy.lifecycle.label_prefix}::") or "",
        confidence=_confidence(_label(issue, "EM_Confidence::"), data.confidence.value),
        rationale=data.confidence.rationale or "",
        close_date=data.close_date.isoformat() if data.close_date else "",
        net=priced.net_price if priced else Decimal(0),
        opportunity=data.opportunity or "",
        days_since_update=int((now - issue.updated_at).total_seconds() // 86400),
        confidence_updated=data.confidence.updated.isoformat() if data.confidence.updated else "",
        days_in_stage=_days_in_stage(policy, issue, now),
        slipped=data.close_date is not None and data.close_date < now.date(),
        priced=priced is not None,
        rationale_for=data.confidence.value,
    )


def closed_of(policy: Policy, issue: IssueSnapshot, now: datetime) -> Closed:
    deal = deal_of(policy, issue, now)
    customer = deal.customer if deal else issue.title
    return Closed(issue.ref, issue.web_url, customer, deal.net if deal else Decimal(0))


def counts_in(deal: Deal, quarter: FiscalQuarter, today: date) -> bool:
    """Whether an open deal counts in `quarter`: the quarter of its close date, or, once that
    date has passed (slipped), the current one."""
    if not deal.close_date:
        return False
    return quarter.start <= max(date.fromisoformat(deal.close_date), today) <= quarter.end


def _confidence(label: str | None, stated: str) -> str:
    """The EM confidence a label names, when it names one (any case); else the data block's.
    A label such as `EM_Confidence::Green @all` is no colour: counting it under none would leave
    its value in the total but in no category."""
    known = {colour.lower(): colour for colour in CATEGORIES}
    return known.get((label or "").strip().lower(), stated)


def _days_in_stage(policy: Policy, issue: IssueSnapshot, now: datetime) -> int | None:
    stage = _label(issue, f"{policy.lifecycle.label_prefix}::")
    if stage is None or issue.label_events is None:
        return None
    label = policy.lifecycle.label(stage)
    adds = [e.created_at for e in issue.label_events if e.action == "add" and e.label == label]
    started = max(adds, default=issue.created_at)
    cal = policy.calendar
    em = issue.assignees[0] if issue.assignees else None
    return business_days_between(
        cal.local(started).date(), cal.local(now).date(), policy.days_off(em)
    )


def stage_timers(policy: Policy) -> dict[str, int]:
    """The first reminder period of each stage (business days): past it, the stage's SLA is breached."""
    timers: dict[str, int] = {}
    for rule in policy.rules:
        for action in rule.actions:
            every = getattr(getattr(action, "comment", None), "every", None)
            if every:
                for stage in rule.stages or []:
                    timers[stage] = min(every, timers.get(stage, every))
    return timers


def _in_quarter_end(policy: Policy, now: datetime) -> bool:
    from .rules.facts import Facts
    from .rules.moment import Moment

    cal = policy.calendar
    probe = Facts(
        issue=IssueSnapshot("", 0, "", "", (), (), "", "opened", now, now, ""),
        moment=Moment(cal.local(now)),
        stage=None,
        stage_prefix=policy.lifecycle.label_prefix,
        fiscal_start_month=cal.fiscal_year_start_month,
        fiscal_named_by=cal.fiscal_year_named_by,
        holidays=cal.days_off(),
        quarter_end_days=cal.quarter_end_business_days,
    )
    return probe.in_quarter_end()


def approval_missing(policy: Policy, issue: IssueSnapshot, now: datetime) -> Missing:
    """What the approval gates would find missing on an open, priced deal (a TA review over
    the threshold, a margin waiver below the floor): the gates' own computation."""
    from .policy.requirements import missing_for
    from .rules.facts import Facts
    from .rules.moment import Moment

    data = issue.scoping.data
    if issue.state != "opened" or data is None or not data.line_items:
        return Missing()
    priced, _ = estimate(data, policy.rates, policy.catalog)
    if priced is None:
        return Missing()
    stage = _label(issue, f"{policy.lifecycle.label_prefix}::")
    aliases = policy.label_aliases  # a legacy spelling counts as the run will normalise it
    labels = {aliases.get(label, label) for label in issue.labels}
    facts = Facts(
        issue=issue.edited(labels, issue.state, issue.assignees),
        moment=Moment(now),
        stage=stage,
        stage_prefix=policy.lifecycle.label_prefix,
        fiscal_start_month=policy.calendar.fiscal_year_start_month,
        fiscal_named_by=policy.calendar.fiscal_year_named_by,
        holidays=frozenset(policy.calendar.holidays),
        rates=policy.rates,
        catalog=policy.catalog,
    )
    return Missing.of_all(missing_for(gate, facts) for gate in policy.approvals)


def stale_confidence_days(policy: Policy, now: datetime) -> int:
    """A confidence not updated for this many days is stale: 7 in the quarter's last weeks."""
    return 7 if _in_quarter_end(policy, now) else 14


def needs_action(
    policy: Policy,
    open_issues: list[IssueSnapshot],
    closed: list[IssueSnapshot],
    deals: list[Deal],
    in_quarter: list[Deal],
    now: datetime,
) -> dict[str, list[Need]]:
    """The deals that need action, by category id (`NEEDS`): `deals` the open ones, `in_quarter`
    those counted in the quarter (on hold left out), `closed` the quarter's closed issues."""
    timers = stage_timers(policy)
    stale_after = stale_confidence_days(policy, now)
    stage = f"{policy.lifecycle.label_prefix}::"
    by_ref = sorted(open_issues, key=lambda i: i.ref)
    needs = {
        "no_rationale": [
            Need(d.ref) for d in in_quarter if d.confidence != "Grey" and not d.rationale
        ],
        "stale": [Need(d.ref) for d in in_quarter if d.days_since_update >= STALE_DAYS],
        "stale_confidence": [
            Need(d.ref)
            for d in in_quarter
            if d.confidence_updated
            and (now.date() - date.fromisoformat(d.confidence_updated)).days >= stale_after
        ],
        "sla_breached": [
            Need(d.ref, days=d.days_in_stage, stage=d.stage, timer=timers[d.stage])
            for d in deals
            if d.days_in_stage is not None
            and d.stage in timers
            and d.days_in_stage > timers[d.stage]
        ],
        "green_before_sow": [
            Need(d.ref)
            for d in in_quarter
            if d.confidence == "Green"
            and d.stage in ("", "Awaiting_Discovery", "Strawman_WIP", "Estimate_Feedback")
        ],
        "approval_blocked": [
            Need(i.ref, missing=missing)
            for i in by_ref
            if (missing := approval_missing(policy, i, now))
        ],
        "no_opportunity": [Need(d.ref) for d in in_quarter if not d.opportunity],
        "no_close_date": [
            Need(i.ref)
            for i in by_ref
            if i.state == "opened"
            and _label(i, stage) not in TERMINAL
            and (i.scoping.data is None or i.scoping.data.close_date is None)
        ],
        "not_priced": [Need(d.ref) for d in in_quarter if not d.priced],
        "slipped": [Need(d.ref, was=date.fromisoformat(d.close_date)) for d in deals if d.slipped],
    }
    if policy.salesforce.sync is not None:  # set by `triage salesforce apply`
        flag = policy.salesforce.sync.flag_label
        needs["salesforce_disagrees"] = [
            Need(ref)
            for ref in sorted({i.ref for i in [*open_issues, *closed] if flag in i.labels})
        ]
    return needs


def forecast(
    policy: Policy,
    open_issues: list[IssueSnapshot],
    closed_issues: list[IssueSnapshot],
    now: datetime,
    quarter: FiscalQuarter | None = None,
) -> Forecast:
    cal = policy.calendar
    now = cal.local(now)  # dates are the team's
    quarter = quarter or cal.quarter(now.date())
    deals = [d for i in open_issues if i.state == "opened" and (d := deal_of(policy, i, now))]
    counted = [d for d in deals if counts_in(d, quarter, now.date())]
    # On hold: the timing slipped, so neither commit nor best case; shown apart.
    in_quarter = [d for d in counted if d.stage != ON_HOLD]
    on_hold = [d for d in counted if d.stage == ON_HOLD]
    closed_label = f"close_qtr::{quarter.label}"
    stage = f"{policy.lifecycle.label_prefix}::"
    closed = [i for i in closed_issues if closed_label in i.labels]
    won = [i for i in closed if f"{stage}Closed_Won" in i.labels]
    lost = [i for i in closed if f"{stage}Closed_Lost" in i.labels]
    reasons = Counter(
        lb.removeprefix("Lost::") for i in lost for lb in i.labels if lb.startswith("Lost::")
    )
    needs = needs_action(policy, open_issues, closed, deals, in_quarter, now)
    weights = {"Green": 0.9, "Amber": 0.5, "Red": 0.1, "Grey": 0.25} | dict(policy.forecast.weights)
    target = policy.forecast.targets.get(quarter.name)
    after = cal.quarter(quarter.end + timedelta(days=1))
    next_target = policy.forecast.targets.get(after.name)
    who = {
        i.ref: ((i.scoping.data.customer if i.scoping.data else "") or i.title, i.web_url)
        for i in [*open_issues, *closed]
    }
    return Forecast(
        quarter,
        business_days_between(cal.local(now).date(), quarter.end, cal.days_off()),
        tuple(sorted(in_quarter, key=lambda d: d.ref)),
        tuple(sorted((d for d in deals if d.stage == "Approved"), key=lambda d: d.ref)),
        tuple(sorted((closed_of(policy, i, now) for i in won), key=lambda c: c.ref)),
        tuple(sorted((closed_of(policy, i, now) for i in lost), key=lambda c: c.ref)),
        dict(reasons),
        weights,
        needs,
        stale_confidence_days=stale_confidence_days(policy, now),
        target=Decimal(target) if target is not None else None,
        currency=policy.rates.currency,
        on_hold=tuple(sorted(on_hold, key=lambda d: d.ref)),
        awaiting_approval=tuple(
            sorted((d for d in deals if d.stage == "Ready For Approval"), key=lambda d: d.ref)
        ),
        who=who,
        next_quarter=after,
        next_deals=tuple(
            sorted(
                (
                    d
                    for d in deals
                    if d.close_date
                    and d.stage != ON_HOLD
                    and after.start <= date.fromisoformat(d.close_date) <= after.end
                ),
                key=lambda d: d.ref,
            )
        ),
        next_target=Decimal(next_target) if next_target is not None else None,
    )
