"""A quarter of deals on the emulator: people acting between the bot's hourly runs, the clock
moving over a fiscal quarter's last weeks (or all of it) and into the next.

`simulate(...)` is the one engine behind `tests/integration/test_quarter.py` (a few weeks, every
few hours) and `bench/quarter.py` (the whole quarter, hourly). Each deal is a script of people's
steps on business days counted from the quarter's last day (`0`: FY27-Q1's last business day,
Thu 2026-04-30; `-5` a week before; `+3` three business days into FY27-Q2). Deals seeded with a
history (`seeded=`) start in a stage they reached before the simulation began.

What it measures (`Quarter`): the net prices of the deals Deal Desk recorded as won, by the
fiscal quarter of their close date (what was signed, by the simulation's own arithmetic, not the
bot's); the won total the quarter's forecast issue shows and `triage report --quarter` gives;
deals that were approved at some point and then closed as lost by the bot; and, per person, the
bot's comments that mention them and those that name them (`Quarter.mentions`, `.named`).
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import gitlab
import yaml

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import BOT_TOKEN, PROJECT, demo_seed, description
from triage.gitlab.cache import DetailsCache
from triage.issues.markers import find_marker

from support import BOT, bot_run, triage_report

QUARTER = "FY27-Q1"
QUARTER_END = date(2026, 4, 30)  # a Thursday; FY27-Q2 starts on Fri 2026-05-01
RATES = {"PSE": 2400, "TA": 2800, "PM": 2000}  # the shipped rate card, written out again
DIRECTOR, DEAL_DESK, TA, AE, SA = "rowan", "quinn", "ravi", "imogen", "felix"
TASKS = (
    "Discovery call held",
    "Customer agreed price and scope",
    "SoW reviewed by account team and customer",
)


def day(n: int) -> date:
    """Business day `n` counted from the quarter's last business day (0); negative before it."""
    d, step = QUARTER_END, (1 if n > 0 else -1)
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    for _ in range(abs(n)):
        d += timedelta(days=step)
        while d.weekday() >= 5:
            d += timedelta(days=step)
    return d


def quarter_of(d: date) -> str:
    """FY27-Q1 is Feb-Apr 2026 (the fiscal year starts on 1 February, named for its end)."""
    fiscal_year = d.year + 1 if d.month >= 2 else d.year
    q = ((d.month - 2) % 12) // 3 + 1
    return f"FY{fiscal_year % 100}-Q{q}"


Items = tuple[tuple[str, str, float], ...]  # (catalog activity, role, days)


def net_of(items: Items, discount: float = 0) -> Decimal:
    gross = sum((Decimal(str(days)) * RATES[role] for _, role, days in items), Decimal(0))
    return (gross * (Decimal(100) - Decimal(str(discount))) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Step:
    at: int  # business day from the quarter's end
    hour: int  # UTC; people act at half past, between two runs
    who: str  # "em" for the deal's EM, else a username
    what: str  # tick | items | close_date | confidence | label | thumbsup | comment
    arg: Any = None


@dataclass
class Deal:
    name: str
    em: str
    segment: str
    close: int | None  # business day of the close date (None: no close date yet)
    items: Items = ()
    confidence: tuple[str, str] = ("Amber", "procurement under way")
    discount: float = 0
    steps: list[Step] = field(default_factory=list)
    # Seeded: (stage, days before the simulation starts that it was entered, tasks done).
    seeded: tuple[str, int, tuple[str, ...]] | None = None
    # filled in while it runs
    iid: int = 0
    done: set[str] = field(default_factory=set)

    def block(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "customer": self.name,
            "segment": self.segment,
            "opportunity": f"006{zlib.crc32(self.name.encode()):012d}",
            "currency": "USD",
            "people": {"sa": SA, "ae": AE},
            "confidence": {"value": self.confidence[0], "rationale": self.confidence[1]},
            "line_items": [{"activity": a, "role": r, "days": d} for a, r, d in self.items],
            "discount_pct": self.discount,
        }
        if self.close is not None:
            data["close_date"] = day(self.close).isoformat()
        if not self.confidence[1]:
            data["confidence"] = {"value": self.confidence[0]}
        return data

    def text(self) -> str:
        return description(f"{self.name}: services.", tuple(self.done), self.block())


def s(at: int, who: str, what: str, arg: Any = None, hour: int = 10) -> Step:
    return Step(at, hour, who, what, arg)


def full_path(start: int, *, approve: str = "label", ta: bool = False) -> list[Step]:
    """Discovery, estimate, agreement, SoW review and approval on consecutive business days."""
    steps = [
        s(start, "em", "tick", TASKS[0]),
        s(start + 1, "em", "items"),
        s(start + 2, AE, "tick", TASKS[1], hour=14),
    ]
    if ta:
        steps.insert(2, s(start + 2, TA, "label", "TA::Approved", hour=9))
    steps.append(s(start + 3, "em", "tick", TASKS[2]))
    steps.append(
        s(start + 4, DIRECTOR, "label", "proposal::Approved")
        if approve == "label"
        else s(start + 4, DIRECTOR, "thumbsup")
    )
    return steps


SMALL: Items = (
    ("saas_discovery_remote", "PSE", 3),
    ("saas_sso_configuration_remote", "PSE", 4),
    ("project_management", "PM", 2),
)


def deals(span: int) -> list[Deal]:
    """The deals of a simulation that starts `span` business days before the quarter's end."""
    b = -span + 1  # the first business day after the first run
    out = [
        # Approved by label, won in the quarter.
        Deal(
            "Alder Mills",
            "dana",
            "Ent_EAST",
            -2,
            SMALL,
            steps=[
                *full_path(b, approve="label"),
                s(b + 7, DEAL_DESK, "label", "proposal::Closed_Won"),
            ],
        ),
        # Approved with :thumbsup: on the approval request, won in the quarter.
        Deal(
            "Birch Logistics",
            "mateo",
            "Ent_WEST",
            -3,
            SMALL[:2],
            steps=[
                *full_path(b, approve="thumbsup"),
                s(b + 8, DEAL_DESK, "label", "proposal::Closed_Won"),
            ],
        ),
        # Approved, then revised (a day more): the customer reviews the revised SoW (the bot
        # unticked their review of the approved one), re-approved with :thumbsup:, won.
        Deal(
            "Cedar Point Bank",
            "harriet",
            "Ent_EMEA",
            -1,
            SMALL,
            steps=[
                *full_path(b + 1, approve="label"),
                s(b + 7, "em", "items", (*SMALL, ("enablement", "PSE", 1))),
                s(b + 8, "em", "tick", TASKS[2]),
                s(b + 9, DIRECTOR, "thumbsup", hour=11),
                s(b + 11, DEAL_DESK, "label", "proposal::Closed_Won"),
            ],
        ),
        # Approved long before the simulation; the account team is quiet for weeks while legal
        # reviews the SoW; Deal Desk records the win near the quarter's end.
        Deal(
            "Dogwood Energy",
            "kaito",
            "Ent_APAC",
            -1,
            SMALL[:2],
            confidence=("Green", "legal review, PO raised"),
            seeded=("Approved", 56, TASKS),
            steps=[s(-1, DEAL_DESK, "label", "proposal::Closed_Won", hour=15)],
        ),
        # A late booking: signed on the quarter's last day, recorded by Deal Desk in the next.
        Deal(
            "Elm Street Media",
            "dana",
            "MM_West",
            0,
            SMALL,
            steps=[*full_path(b + 2), s(3, DEAL_DESK, "label", "proposal::Closed_Won", hour=16)],
        ),
        # Lost: the customer chose no services.
        Deal(
            "Fir Analytics",
            "mateo",
            "Ent_EAST",
            -4,
            SMALL,
            steps=[
                s(b, "em", "tick", TASKS[0]),
                s(b + 1, "em", "items"),
                s(b + 5, AE, "label", "Lost::budget"),
            ],
        ),
        # Put on hold after the estimate: the timing slipped.
        Deal(
            "Ginkgo Retail",
            "harriet",
            "MM_EMEA",
            -2,
            SMALL[:1],
            confidence=("Green", "budget approved"),
            steps=[
                s(b, "em", "tick", TASKS[0]),
                s(b + 1, "em", "items"),
                s(b + 3, "em", "label", "proposal::On_hold"),
            ],
        ),
        # Over 50,000: a Technical Architect reviews first; approved by label, won.
        Deal(
            "Hazel Federal",
            "dana",
            "Ent_EAST",
            -1,
            (
                ("migration_discovery_remote", "PSE", 5),
                ("repo_migration_waves_remote", "PSE", 18),
                ("project_management", "PM", 6),
            ),
            steps=[
                *full_path(b + 1, ta=True),
                s(b + 9, DEAL_DESK, "label", "proposal::Closed_Won"),
            ],
        ),
        # Approved, closing next quarter: stays approved.
        Deal("Ivy Health", "kaito", "Ent_APAC", 15, SMALL, steps=full_path(b + 3)),
        # Red, closing months ahead; nobody touches it while the customer's budget year turns.
        Deal(
            "Juniper Schools",
            "mateo",
            "MM_West",
            60,
            SMALL[:1],
            confidence=("Red", "budget next fiscal year"),
            seeded=("Strawman_WIP", 50, TASKS[:1]),
        ),
        # Approved, revised, reviewed again by the customer, re-approved by label, won.
        Deal(
            "Larch Insurance",
            "harriet",
            "Ent_EMEA",
            -2,
            SMALL[:2],
            steps=[
                *full_path(b, approve="thumbsup"),
                s(b + 6, "em", "items", (*SMALL[:2], ("project_management", "PM", 1))),
                s(b + 7, "em", "tick", TASKS[2]),
                s(b + 8, DIRECTOR, "label", "proposal::Approved", hour=11),
                s(b + 10, DEAL_DESK, "label", "proposal::Closed_Won"),
            ],
        ),
        # Early: discovery only, no close date and no line items yet.
        Deal(
            "Maple Robotics",
            "dana",
            "Ent_EAST",
            None,
            (),
            confidence=("Grey", ""),
            steps=[s(b, "em", "tick", TASKS[0])],
        ),
    ]
    return out


def _seeded(deal: Deal, start: datetime) -> dict[str, Any]:
    """A deal's issue as the seed holds it: in its stage since `seeded` days before `start`."""
    assert deal.seeded is not None
    stage, age, done = deal.seeded
    deal.done = set(done)
    entered = start - timedelta(days=age)
    created = entered - timedelta(days=10)
    events = [
        {
            "user": BOT,
            "label": "proposal::Awaiting_Discovery",
            "action": "add",
            "created_at": created,
        },
    ]
    if stage != "Awaiting_Discovery":
        events += [
            {
                "user": BOT,
                "label": "proposal::Awaiting_Discovery",
                "action": "remove",
                "created_at": entered,
            },
            {
                "user": DIRECTOR if stage == "Approved" else BOT,
                "label": f"proposal::{stage}",
                "action": "add",
                "created_at": entered,
            },
        ]
    labels = [
        "Services Calculator",
        f"Segment::{deal.segment}",
        f"proposal::{stage}",
        f"EM_Confidence::{deal.confidence[0]}",
    ]
    events.append(
        {
            "user": deal.em,
            "label": f"EM_Confidence::{deal.confidence[0]}",
            "action": "add",
            "created_at": created,
        }
    )
    return {
        "title": f"{deal.name} - Scope Issue and Write SOW",
        "author": AE,
        "assignees": [deal.em],
        "labels": labels,
        "description": deal.text(),
        "created_at": created,
        "updated_at": entered,
        "notes": [
            {
                "author": deal.em,
                "body": "changed the description",
                "system": True,
                "created_at": entered,
            }
        ],
        "label_events": events,
    }


def seed(all_deals: list[Deal], start: datetime) -> dict[str, Any]:
    data = demo_seed()
    project = data["projects"][0]
    project["issues"] = [_seeded(d, start) for d in all_deals if d.seeded]
    data["now"] = start.isoformat()
    return data


@dataclass
class Quarter:
    signed: dict[str, Decimal]  # quarter -> net of the deals Deal Desk recorded won, by close date
    signed_deals: dict[str, list[str]]
    forecast_won: dict[str, Decimal | None]  # quarter -> won total its forecast issue shows
    report_won: dict[str, Decimal]  # quarter -> `triage report --quarter Q --format json`
    approved_then_lost: list[str]  # deals the bot closed as lost after an approval
    states: dict[str, tuple[str, list[str]]]  # deal -> (state, labels)
    mentions: Counter[str] = field(
        default_factory=Counter
    )  # person -> bot comments mentioning them
    named: Counter[str] = field(
        default_factory=Counter
    )  # person -> bot comments naming them (no @)
    runs: int = 0
    people_steps: int = 0
    forecast_text: dict[str, str] = field(default_factory=dict)


class People:
    """The people's side: python-gitlab as each of them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._projects: dict[str, Any] = {}
        ids = gitlab.Gitlab(url, private_token=BOT_TOKEN)
        self.ids = {u.username: u.id for u in ids.users.list(get_all=True)}

    def project(self, user: str) -> Any:
        if user not in self._projects:
            token = BOT_TOKEN if user == BOT else f"{user}-token"
            self._projects[user] = gitlab.Gitlab(self.url, private_token=token).projects.get(
                PROJECT, lazy=True
            )
        return self._projects[user]

    def open(self, deal: Deal) -> None:
        issue = self.project(AE).issues.create(
            {
                "title": f"{deal.name} - Scope Issue and Write SOW",
                "description": deal.text(),
                "labels": f"Services Calculator,Segment::{deal.segment}",
                "assignee_ids": [self.ids[deal.em]],
            }
        )
        deal.iid = issue.iid

    def act(self, deal: Deal, step: Step) -> bool:
        """Do one step; False when it cannot be done yet (no approval request to award)."""
        who = deal.em if step.who == "em" else step.who
        project = self.project(who)
        if step.what == "tick":
            deal.done.add(step.arg)
            project.issues.update(deal.iid, {"description": deal.text()})
        elif step.what == "items":
            deal.items = step.arg or (deal.items or SMALL)
            project.issues.update(deal.iid, {"description": deal.text()})
        elif step.what == "close_date":
            deal.close = step.arg
            project.issues.update(deal.iid, {"description": deal.text()})
        elif step.what == "label":
            project.issues.update(deal.iid, {"add_labels": step.arg})
        elif step.what == "comment":
            project.issues.get(deal.iid, lazy=True).notes.create({"body": step.arg})
        elif step.what == "thumbsup":
            notes = project.issues.get(deal.iid, lazy=True).notes.list(get_all=True, sort="asc")
            requests = [
                n
                for n in notes
                if n.author["username"] == BOT and "ps-triage:approval-request/" in n.body
            ]
            if not requests:
                return False
            requests[-1].awardemojis.create({"name": "thumbsup"})
        else:
            raise ValueError(step.what)
        return True


def _forecast_won(url: str, quarter: str) -> tuple[Decimal | None, str]:
    project = gitlab.Gitlab(url, private_token="dana-token").projects.get(PROJECT, lazy=True)
    for issue in project.issues.list(get_all=True, state="all"):
        if issue.title == f"PS forecast {quarter}" and issue.author["username"] == BOT:
            found = re.search(
                r"\| Won \(bookings\) \| \d+ \| USD ([\d,]+\.\d\d) \|", issue.description
            )
            return (Decimal(found.group(1).replace(",", "")) if found else None), issue.description
    return None, ""


def _report_won(url: str, quarter: str, now: datetime) -> Decimal:
    out = triage_report(
        url, BOT_TOKEN, "--quarter", quarter, "--format", "json", "--now", now.isoformat()
    )
    return Decimal(yaml.safe_load(out.stdout)["won_value"])


def working_days(first: date, last: date) -> Iterable[date]:
    d = first
    while d <= last:
        if d.weekday() < 5:
            yield d
        d += timedelta(days=1)


def simulate(
    span: int,
    after: int,
    hours: Iterable[int] = range(24),
    *,
    extra: list[Deal] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Quarter:
    """From `span` business days before the quarter's end to `after` business days after it,
    a bot run at each of `hours` (UTC) on every working day, people acting between runs."""
    hours = sorted(hours)
    all_deals = deals(span) + (extra or [])
    first = day(-span)
    start = datetime(first.year, first.month, first.day, hours[0], tzinfo=UTC)
    signed: dict[str, Decimal] = {}
    signed_deals: dict[str, list[str]] = {}
    with running_emulator(seed(all_deals, start)) as emu:
        url = emu.url
        people = People(url)
        for d in all_deals:
            if d.seeded:
                d.iid = next(
                    i.iid
                    for i in people.project(AE).issues.list(get_all=True)
                    if i.title.startswith(d.name)
                )
        pending: list[tuple[Deal, Step]] = []
        by_day: dict[date, list[tuple[Deal, Step]]] = {}
        for d in all_deals:
            for st in d.steps:
                by_day.setdefault(day(st.at), []).append((d, st))
        cache = DetailsCache(url, BOT)
        runs = steps_done = 0
        for today in working_days(first, day(after)):
            todays = sorted(by_day.get(today, []), key=lambda p: p[1].hour)
            for hour in hours:
                now = datetime(today.year, today.month, today.day, hour, tzinfo=UTC)
                admin(url, "clock", {"now": now.isoformat()})
                result, _ = bot_run(url, cache=cache)
                runs += 1
                assert not result.errors, [(o.plan.iid, o.error) for o in result.errors]
                admin(url, "clock", {"now": (now + timedelta(minutes=30)).isoformat()})
                # Deals open on the morning of their first step; steps due by this hour are done.
                due = [p for p in todays if p[1].hour <= hour or hour == hours[-1]]
                todays = [p for p in todays if p not in due]
                for deal, step in [*pending, *due]:
                    if not deal.iid:
                        people.open(deal)
                    if people.act(deal, step):
                        steps_done += 1
                        if step.what == "label" and step.arg == "proposal::Closed_Won":
                            q = quarter_of(day(deal.close)) if deal.close is not None else "none"
                            signed[q] = signed.get(q, Decimal(0)) + net_of(
                                deal.items, deal.discount
                            )
                            signed_deals.setdefault(q, []).append(deal.name)
                        if (deal, step) in pending:
                            pending.remove((deal, step))
                    elif (deal, step) not in pending:
                        pending.append((deal, step))
            if progress:
                progress(f"{today}: {runs} runs")
        end = datetime(day(after).year, day(after).month, day(after).day, 23, tzinfo=UTC)
        quarters = sorted({*signed, QUARTER} - {"none"})
        forecast_won, texts = {}, {}
        for q in quarters:
            forecast_won[q], texts[q] = _forecast_won(url, q)
        report_won = {q: _report_won(url, q, end) for q in quarters}
        approved_then_lost, states = [], {}
        mentions: Counter[str] = Counter()
        named: Counter[str] = Counter()
        project = people.project("dana")
        usernames = set(people.ids)
        for issue in project.issues.list(get_all=True, state="all"):
            deal = next((d for d in all_deals if d.iid == issue.iid), None)
            if deal is not None:
                states[deal.name] = (issue.state, sorted(issue.labels))
                events = issue.resourcelabelevents.list(get_all=True)
                approved = any(
                    e.action == "add" and (e.label or {}).get("name") == "proposal::Approved"
                    for e in events
                )
                bot_lost = any(
                    e.action == "add"
                    and (e.label or {}).get("name") == "proposal::Closed_Lost"
                    and e.user["username"] == BOT
                    for e in events
                )
                if approved and bot_lost and "Lost::unknown" in issue.labels:
                    approved_then_lost.append(deal.name)
            for note in issue.notes.list(get_all=True):
                if note.author["username"] != BOT or find_marker(note.body or "") is None:
                    continue
                body = note.body.split("\n", 1)[1] if "\n" in note.body else ""
                for user in usernames - {BOT}:
                    if re.search(rf"(?<![\w@])@{re.escape(user)}\b", body):
                        mentions[user] += 1
                    elif re.search(rf"(?<![\w@/]){re.escape(user)}\b", body):
                        named[user] += 1
    return Quarter(
        signed=signed,
        signed_deals=signed_deals,
        forecast_won=forecast_won,
        report_won=report_won,
        approved_then_lost=sorted(approved_then_lost),
        states=states,
        mentions=mentions,
        named=named,
        runs=runs,
        people_steps=steps_done,
        forecast_text=texts,
    )
