"""The forecast as people and machines read it: Markdown (from a template), JSON, CSV, and the
CSV a Salesforce data loader takes. Pure."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .forecast import CATEGORIES, IN_FORECAST, STALE_DAYS, Closed, Deal, Forecast, Need, deal_of
from .forecast_week import Move, Movement
from .issues.snapshot import IssueSnapshot
from .policy.model import Policy
from .render.markdown import Trusted
from .render.money import plain_amount
from .render.templates import Templates
from .salesforce import ids

SALESFORCE_FIELDS = [
    "Opportunity ID",
    "Engagement Manager",
    "EM Confidence",
    "EM Confidence Rationale",
    "Scoping Issue Link",
    # GitLab's values, named apart so that an importer does not map them over the opportunity's
    # own Stage and Net Price (`report --format salesforce-csv`, docs/operations.md)
    "GitLab Stage",
    "GitLab Net Price",  # a plain number, in the currency of the next column
    "Currency",
]


def _share(value: float | Decimal | None) -> str | None:
    return f"{value:.0%}" if value is not None else None


def context(fc: Forecast) -> dict[str, Any]:
    def deal(d: Deal) -> dict[str, Any]:
        return {
            "customer": d.customer,
            "ref": Trusted(d.ref),
            "url": Trusted(d.url),
            "em": d.em,
            "segment": d.segment,
            "stage": d.stage,
            "confidence": d.confidence,
            "close_date": d.close_date,
            "slipped": d.slipped,  # the close date passed: counted in the current quarter
            "net": str(d.net),
            # the data block's rationale is for the colour it states: the template says so when
            # that is not the colour shown, never passing it off as the label's
            "rationale": d.rationale,
            "rationale_for": Trusted(d.rationale_for),
            "days_in_stage": d.days_in_stage,  # None when the stage's start was not read
        }

    def closed(c: Closed) -> dict[str, Any]:
        return {
            "customer": c.customer,
            "ref": Trusted(c.ref),
            "url": Trusted(c.url),
            "net": str(c.net),
        }

    return {
        "quarter": Trusted(fc.quarter.name),
        "currency": Trusted(fc.currency),  # of every amount (`money` shows it beside each)
        "quarter_label": Trusted(fc.quarter.label),
        "quarter_end": Trusted(fc.quarter.end.isoformat()),
        "business_days_left": fc.business_days_left,
        "categories": [
            {
                "colour": Trusted(c),
                "name": Trusted(CATEGORIES[c]),
                "in_forecast": c in IN_FORECAST,
                "count": n,
                "net": str(total),
                "weight": fc.weights.get(c, 0),
                "deals": [deal(d) for d in fc.deals if d.confidence == c],
            }
            for c, n, total in fc.by_confidence()
        ],
        "forecast_count": sum(1 for d in fc.deals if d.confidence in IN_FORECAST),
        "forecast_total": str(fc.total()),  # commit and best case
        "weighted": str(fc.weighted()),  # all four colours, each by its weight
        "total": str(fc.total(tuple(CATEGORIES))),  # the whole pipeline, Red and Grey included
        "slipped": [deal(d) for d in fc.slipped],
        "slipped_total": str(sum((d.net for d in fc.slipped), Decimal(0))),
        "by_segment": [{"name": n, "count": c, "net": str(t)} for n, c, t in fc.grouped("segment")],
        "by_em": [
            {
                "name": n,
                "count": c,
                "net": str(t),
                "commit": str(commit),  # Green
                "best_case": str(best),  # Amber
                "forecast": str(commit + best),
            }
            for (n, c, t), (_, _, commit, best) in zip(fc.grouped("em"), fc.by_em(), strict=True)
        ],
        "by_stage": [{"name": n, "count": c, "net": str(t)} for n, c, t in fc.grouped("stage")],
        "approved": [deal(d) for d in fc.approved],
        "awaiting_approval": [deal(d) for d in fc.awaiting_approval],  # with days in the queue
        "on_hold": [deal(d) for d in fc.on_hold],  # closing in the quarter, in no total
        "on_hold_total": str(sum((d.net for d in fc.on_hold), Decimal(0))),
        "won": [closed(c) for c in fc.won],
        "won_value": str(fc.won_value),
        "lost": [closed(c) for c in fc.lost],
        "lost_value": str(fc.lost_value),
        "lost_reasons": dict(sorted(fc.lost_reasons.items())),
        "win_rate": _share(fc.win_rate),  # by count
        "win_rate_by_value": _share(fc.win_rate_by_value),
        "target": str(fc.target) if fc.target is not None else None,
        "attainment": _share(fc.attainment),  # won value over the target
        # by the categories' stable ids (`forecast.NEEDS`), each issue with its facts: what the
        # JSON report gives; the template names the categories and words the facts
        "needs_action": {Trusted(k): [_need(n) for n in v] for k, v in fc.needs_action.items()},
        # the same by customer name, with the link: what the forecast issue shows
        "needs_by_customer": {
            Trusted(k): [_by_customer(fc, n) for n in v] for k, v in fc.needs_action.items()
        },
        "stale_days": STALE_DAYS,  # `stale`: days without an update
        "stale_confidence_days": fc.stale_confidence_days,  # `stale_confidence`
        "next_quarter": _next_quarter(fc),
    }


def _need(need: Need) -> dict[str, Any]:
    """An issue under a needs-action category: its reference and the facts that apply (`days`,
    `stage` and `timer` of an SLA breach; `missing` of a blocked approval, the policy's words,
    and `margin_waiver`; the close date it `was`, ISO)."""
    entry: dict[str, Any] = {"ref": Trusted(need.ref)}
    if need.days is not None:
        entry |= {"days": need.days, "stage": need.stage, "timer": need.timer}
    if need.missing is not None:
        entry["missing"] = [Trusted(text) for text in need.missing.requires]  # the policy's
        entry["margin_waiver"] = need.missing.margin_waiver
    if need.was is not None:
        entry["was"] = Trusted(need.was.isoformat())
    return entry


def _by_customer(fc: Forecast, need: Need) -> dict[str, Any]:
    """A needs-action entry as its customer and link, with its facts (`_need`)."""
    customer, url = fc.who.get(need.ref, (need.ref, ""))
    return {**_need(need), "customer": customer, "url": Trusted(url)}


def _next_quarter(fc: Forecast) -> dict[str, Any] | None:
    """The next quarter's pipeline against its target: coverage = pipeline / target."""
    if fc.next_quarter is None:
        return None
    deals = fc.next_deals

    def total(colours: tuple[str, ...]) -> Decimal:
        return sum((d.net for d in deals if d.confidence in colours), Decimal(0))

    pipeline = total(tuple(CATEGORIES))
    target = fc.next_target
    return {
        "name": Trusted(fc.next_quarter.name),
        "count": len(deals),
        "commit": str(total(("Green",))),
        "best_case": str(total(("Amber",))),
        "forecast": str(total(IN_FORECAST)),
        "pipeline": str(pipeline),
        "target": str(target) if target is not None else None,
        # times the target the pipeline covers, one decimal (`2.1`); None without a target
        "coverage": str((pipeline / target).quantize(Decimal("0.1"))) if target else None,
    }


def movement_context(moved: Movement | None, week: date) -> dict[str, Any]:
    """The movement since last week for the template; `week`: this week's Monday."""

    def move(m: Move) -> dict[str, Any]:
        return {
            "customer": m.customer,
            "url": Trusted(m.url),
            "was_colour": Trusted(m.was_colour),
            "now_colour": Trusted(m.now_colour),
            "was_category": Trusted(CATEGORIES.get(m.was_colour, "")),
            "now_category": Trusted(CATEGORIES.get(m.now_colour, "")),
            "was_net": str(m.was_net),
            "now_net": str(m.now_net),
            "was_close": Trusted(m.was_close),
            "now_close": Trusted(m.now_close),
            "now": Trusted(m.now),  # out of the quarter's deals: won, lost, on_hold, next, gone
        }

    if moved is None:
        return {"movement": None, "week": Trusted(week.isoformat())}
    return {
        "week": Trusted(week.isoformat()),
        "movement": {
            "since": Trusted(moved.since.isoformat()),
            "came_in": [move(m) for m in moved.came_in],
            "went_out": [move(m) for m in moved.went_out],
            "up": [move(m) for m in moved.up],
            "down": [move(m) for m in moved.down],
            "slipped": [move(m) for m in moved.slipped],
        },
    }


def markdown(
    fc: Forecast,
    templates: Templates,
    template: str = "forecast.md.j2",
    restated: list[dict[str, Any]] | None = None,
    weekly: dict[str, Any] | None = None,
) -> str:
    """The forecast as its issue shows it; `restated`: the restatements of a past quarter's
    bookings this text announces (late bookings, `runner/forecast_issue.py`); `weekly`: the
    movement since last week (`movement_context`; None: not shown, as in `triage report`)."""
    made_of = {**context(fc), "restated": restated or [], "weekly": weekly}
    # Each run renders it to compare with the issue: a scheduled run's is kept until it changes.
    return templates.render_kept(template, made_of)


def as_json(fc: Forecast) -> dict[str, Any]:
    data = context(fc)
    return {k: v for k, v in data.items()}


def _cell(value: str) -> str:
    """Text from an issue as a spreadsheet cell: one that a spreadsheet would read as a formula
    (`=`, `+`, `-`, `@`, a tab or a carriage return first) is kept as text by a leading `'`."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def deals_csv(fc: Forecast) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Customer",
            "Issue",
            "EM",
            "Segment",
            "Stage",
            "Confidence",
            "Category",
            "Close date",
            "Net",
            "Currency",
        ]
    )
    for d in fc.deals:
        writer.writerow(
            [
                _cell(d.customer),
                d.url,
                _cell(d.em),
                _cell(d.segment),
                _cell(d.stage),
                _cell(d.confidence),
                CATEGORIES.get(d.confidence, ""),
                d.close_date,
                plain_amount(d.net, fc.currency),
                fc.currency,
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class SalesforceRows:
    """The data loader's file, and what it could not say: the rows without an opportunity id
    (issue references), the GitLab users the policy's `salesforce.users` does not map, the
    opportunity ids two or more deals name (each with their issue references), whose rows are
    left out, and the deals whose `opportunity` is no opportunity id (`salesforce/ids.py`: 15 or
    18 characters, `006` first, the checksum; no placeholder such as `006XXXXXXXXXXXXXXX`): each
    as (issue reference, the value, why), its row written without an id, never with the value."""

    text: str
    no_opportunity: tuple[str, ...]
    unmapped: tuple[str, ...]
    shared: tuple[tuple[str, tuple[str, ...]], ...] = ()
    invalid: tuple[tuple[str, str, str], ...] = ()


def salesforce_csv(
    policy: Policy,
    issues: list[IssueSnapshot],
    now: datetime,
    closed: list[IssueSnapshot] | None = None,
) -> SalesforceRows:
    """One row per deal touched in the quarter: every open scoping issue, and the `closed` ones
    (closed in the quarter), each with its stage; the Engagement Manager as the Salesforce user
    `salesforce.users` maps them to. An issue whose data block is missing or unreadable still
    has its EM, confidence label, link and stage. Deals that name one opportunity id get no
    row: the data loader updates the opportunity once per row, so the last would silently win,
    whichever it is; they are named instead (`shared`)."""
    rows: list[tuple[str, str, list[str]]] = []  # (opportunity id, issue reference, row)
    users = policy.salesforce.users
    prefix = f"{policy.lifecycle.label_prefix}::"
    touched = {(i.project, i.iid): i for i in issues if i.state == "opened"}
    touched |= {(i.project, i.iid): i for i in closed or []}
    no_opportunity: list[str] = []
    invalid: list[tuple[str, str, str]] = []
    unmapped: set[str] = set()
    for _, issue in sorted(touched.items()):
        d = deal_of(policy, issue, now)
        em = issue.assignees[0] if issue.assignees else ""
        if em and em not in users:
            unmapped.add(em)
        stage = next((lb.removeprefix(prefix) for lb in issue.labels if lb.startswith(prefix)), "")
        label = next(
            (
                lb.removeprefix("EM_Confidence::")
                for lb in issue.labels
                if lb.startswith("EM_Confidence::")
            ),
            "Grey",
        )
        opportunity = (d.opportunity if d else "").strip()
        if opportunity and (why := ids.problem(opportunity)) is not None:
            invalid.append((issue.ref, opportunity, why))
            opportunity = ""  # a row the loader cannot match, never one it matches wrongly
        elif not opportunity:
            no_opportunity.append(issue.ref)
        confidence = d.confidence if d else label
        rows.append(
            (
                opportunity,
                issue.ref,
                [
                    _cell(opportunity),
                    _cell(users.get(em, em)),
                    _cell(confidence),
                    _cell(_rationale_of(d, confidence)),
                    issue.web_url,
                    _cell(stage),
                    plain_amount(d.net, policy.rates.currency) if d else "",
                    policy.rates.currency if d else "",
                ],
            )
        )
    deals: dict[str, list[str]] = {}
    for opportunity, ref, _ in rows:
        if opportunity:
            deals.setdefault(opportunity, []).append(ref)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SALESFORCE_FIELDS)
    writer.writerows(row for opportunity, _, row in rows if len(deals.get(opportunity, ())) < 2)
    shared = tuple((o, tuple(refs)) for o, refs in sorted(deals.items()) if len(refs) > 1)
    return SalesforceRows(
        out.getvalue(), tuple(no_opportunity), tuple(sorted(unmapped)), shared, tuple(invalid)
    )


def _rationale_of(deal: Deal | None, confidence: str) -> str:
    """The rationale of the colour exported beside it, and only that: a rationale the data block
    gives for another colour than the label's (the forecast says which colour it is for) is
    not the EM's reason for this one, so the cell stays empty."""
    if deal is None or deal.rationale_for != confidence:
        return ""
    return deal.rationale
