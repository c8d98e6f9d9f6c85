"""The estimate of a scoping issue: line items priced and costed from the policy's rate card.

Pure arithmetic in Decimal. Price per role-day comes from the rate card unless a line item
names its own `rate`; cost always comes from the rate card's standard cost (COGS), which only
internal notes show.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .catalog import Offering, find
from .issues.markers import revision
from .issues.scoping import MAX_PRICE, ScopingData

CENT = Decimal("0.01")


class RoleRate(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    # Bounds that hold in any currency: a role-day runs to millions in KRW or IDR.
    price: float = Field(
        gt=0, le=MAX_PRICE, description="price per role-day, in the rate card's currency"
    )
    cost: float = Field(
        ge=0,
        le=MAX_PRICE,
        description="standard cost per role-day: 8 h x (OTE + benefits) / 1,880 h",
    )


class Rates(BaseModel):
    """The rate card (policy key `rates`)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    currency: str = Field(
        "USD",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code of every price, cost and target; a data block's estimate is "
        "in it (a block naming another currency is a data-block problem)",
    )
    locale: str = Field(
        "en_US",
        description="how amounts are written (Babel locale): en_US `USD 4,500.00`, "
        "de_DE `4.500,00 EUR`",
    )
    currency_display: Literal["code", "symbol"] = Field(
        "code",
        description="the currency beside every amount as its ISO code (`EUR`) or the locale's "
        "symbol (`€`)",
    )
    margin_floor_pct: float = Field(30, ge=0, lt=100)
    max_discount_pct: float | None = Field(
        None,
        ge=0,
        lt=100,
        description="the largest discount against the rate card an approval request shows "
        "without a flag (per-line `rate:` overrides included); none: no maximum",
    )
    roles: dict[str, RoleRate] = Field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    activity: str
    role: str
    days: Decimal
    rate: Decimal
    amount: Decimal
    cost_rate: Decimal
    cost: Decimal
    units: Decimal | None = None  # a fixed-price item: units x rate (per `unit`)
    unit: str | None = None


@dataclass(frozen=True)
class Estimate:
    currency: str
    lines: tuple[Line, ...]
    total_days: Decimal
    list_price: Decimal
    discount_pct: Decimal
    discount: Decimal
    net_price: Decimal
    cogs: Decimal
    margin_pct: Decimal | None  # None when the net price is zero
    margin_floor_pct: Decimal
    card_price: Decimal = Decimal(0)  # the list price at the rate card's prices (no overrides)
    max_discount_pct: Decimal | None = None

    @property
    def below_floor(self) -> bool:
        return self.margin_pct is None or self.margin_pct < self.margin_floor_pct

    @property
    def card_discount_pct(self) -> Decimal:
        """The discount against the rate card, per-line `rate:` overrides included:
        1 - net / list price at the rate card, in percent (one decimal)."""
        if not self.card_price:
            return Decimal(0)
        return ((1 - self.net_price / self.card_price) * 100).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def above_max_discount(self) -> bool:
        return self.max_discount_pct is not None and self.card_discount_pct > self.max_discount_pct

    @cached_property
    def revision(self) -> str:
        """The SoW revision: a short hash of what is priced (lines, discount, totals). What the
        PS Director approves and what the account team sends for signature is one revision."""
        return revision(self._priced)

    def as_context(self) -> dict[str, Any]:
        """Plain values for templates (numbers as strings, so hashing and JSON are exact). The
        lists inside are shared by every context made from this estimate: read them only."""
        return {
            **self._priced,
            "revision": self.revision,
            "card_price": _num(self.card_price),
            "card_discount_pct": _num(self.card_discount_pct),
            "max_discount_pct": _num(self.max_discount_pct)
            if self.max_discount_pct is not None
            else None,
            "above_max_discount": self.above_max_discount,
            "rates_overridden": self.card_price != self.list_price,
        }

    @cached_property
    def _priced(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "lines": [
                {
                    "activity": ln.activity,
                    "role": ln.role,
                    "days": _num(ln.days),
                    "rate": _num(ln.rate),
                    "amount": _num(ln.amount),
                    "cost_rate": _num(ln.cost_rate),
                    "cost": _num(ln.cost),
                    # fixed-price lines only, so the revision of per-day estimates is unchanged
                    **({"units": _num(ln.units), "unit": ln.unit} if ln.units is not None else {}),
                }
                for ln in self.lines
            ],
            "roles": [
                {
                    "role": role,
                    "days": _num(
                        sum((ln.days for ln in self.lines if ln.role == role), Decimal(0))
                    ),
                }
                for role in dict.fromkeys(ln.role for ln in self.lines)
            ],
            "total_days": _num(self.total_days),
            "list_price": _num(self.list_price),
            "discount_pct": _num(self.discount_pct),
            "discount": _num(self.discount),
            "net_price": _num(self.net_price),
            "cogs": _num(self.cogs),
            "margin_pct": _num(self.margin_pct) if self.margin_pct is not None else None,
            "margin_floor_pct": _num(self.margin_floor_pct),
            "below_floor": self.below_floor,
        }


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class PriceProblem(str):
    """Why a data block cannot be priced: the English itself (as `explain` and the shipped
    notes show it), with a stable `kind` and its `values` a team's template words it with
    (issue 33.12; KINDS)."""

    kind: str
    values: dict[str, Any]

    def __new__(cls, message: str, kind: str, **values: Any) -> PriceProblem:
        made = super().__new__(cls, message)
        made.kind, made.values = kind, values
        return made


# The kinds of PriceProblem and the names of their values (`item`: the line item's index).
KINDS: dict[str, tuple[str, ...]] = {
    "other_currency": ("currency", "rate_card"),
    "role_missing": ("item", "activity"),
    "unknown_role": ("item", "role", "roles"),
    "units_missing": ("item", "activity", "unit"),
    "units_per_day": ("item", "activity"),
    "days_missing": ("item", "activity"),
}


def sample_price_problems() -> list[PriceProblem]:
    """One of each kind, as `validate` renders the templates with them."""
    return [
        PriceProblem(
            "`currency` is EUR but the rate card is in USD",
            "other_currency",
            currency="EUR",
            rate_card="USD",
        ),
        PriceProblem("line_items[0].role is missing", "role_missing", item=0, activity="A"),
        PriceProblem(
            "line_items[0].role 'Wizard' is not in the rate card (PSE)",
            "unknown_role",
            item=0,
            role="Wizard",
            roles=["PSE"],
        ),
        PriceProblem(
            "line_items[0].units is missing", "units_missing", item=0, activity="A", unit="seat"
        ),
        PriceProblem(
            "line_items[0].units is only for a fixed-price catalog item",
            "units_per_day",
            item=0,
            activity="A",
        ),
        PriceProblem("line_items[0].days is missing", "days_missing", item=0, activity="A"),
    ]


def estimate(
    data: ScopingData, rates: Rates, catalog: tuple[Offering, ...] | list[Offering] = ()
) -> tuple[Estimate | None, list[PriceProblem]]:
    """The estimate, or None and the problems that prevent it (unknown role, other currency,
    days or units missing). A line item naming a catalog offering (`catalog`) takes its role
    when it gives none, and a fixed-price offering is priced units x its unit price."""
    found, problems = _estimate(data, rates, tuple(catalog))
    return found, list(problems)


def _estimate(
    data: ScopingData, rates: Rates, catalog: tuple[Offering, ...] = ()
) -> tuple[Estimate | None, tuple[PriceProblem, ...]]:
    problems = []
    if data.currency is not None and data.currency != rates.currency:
        problems.append(
            PriceProblem(
                f"`currency` is {data.currency} but the rate card is in {rates.currency}: "
                f"leave `currency` out (the rate card's is used) or write "
                f"`currency: {rates.currency}`",
                "other_currency",
                currency=data.currency,
                rate_card=rates.currency,
            )
        )
    lines = []
    card_price = Decimal(0)
    for index, item in enumerate(data.line_items):
        offering = find(catalog, item.activity) if catalog else None
        role = item.role or (offering.role if offering else None)
        if role is None:
            problems.append(
                PriceProblem(
                    f"line_items[{index}].role is missing: '{item.activity}' is not in the "
                    "service catalog, so give its `role:`",
                    "role_missing",
                    item=index,
                    activity=item.activity,
                )
            )
            continue
        card = rates.roles.get(role)
        if card is None:
            problems.append(
                PriceProblem(
                    f"line_items[{index}].role '{role}' is not in the rate card "
                    f"({', '.join(sorted(rates.roles))})",
                    "unknown_role",
                    item=index,
                    role=role,
                    roles=sorted(rates.roles),
                )
            )
            continue
        fixed = offering.fixed if offering else None
        if fixed is not None:
            if item.units is None:
                problems.append(
                    PriceProblem(
                        f"line_items[{index}].units is missing: '{item.activity}' is priced per "
                        f"{fixed.unit} (write e.g. `units: 2`)",
                        "units_missing",
                        item=index,
                        activity=item.activity,
                        unit=fixed.unit,
                    )
                )
                continue
            units = Decimal(str(item.units))
            list_rate = Decimal(str(fixed.price))
            rate = Decimal(str(item.rate)) if item.rate is not None else list_rate
            cost_rate = Decimal(str(fixed.cost))
            card_price += _money(units * list_rate)
            lines.append(
                Line(
                    item.activity,
                    role,
                    Decimal(str(item.days)) if item.days is not None else Decimal(0),
                    rate,
                    _money(units * rate),
                    cost_rate,
                    _money(units * cost_rate),
                    units,
                    fixed.unit,
                )
            )
            continue
        if item.units is not None:
            problems.append(
                PriceProblem(
                    f"line_items[{index}].units is only for a fixed-price catalog item; "
                    f"'{item.activity}' is priced per day: write `days:`",
                    "units_per_day",
                    item=index,
                    activity=item.activity,
                )
            )
            continue
        if item.days is None:
            problems.append(
                PriceProblem(
                    f"line_items[{index}].days is missing: '{item.activity}' is priced per day",
                    "days_missing",
                    item=index,
                    activity=item.activity,
                )
            )
            continue
        days = Decimal(str(item.days))
        rate = Decimal(str(item.rate)) if item.rate is not None else Decimal(str(card.price))
        cost_rate = Decimal(str(card.cost))
        card_price += _money(days * Decimal(str(card.price)))
        lines.append(
            Line(
                item.activity,
                role,
                days,
                rate,
                _money(days * rate),
                cost_rate,
                _money(days * cost_rate),
            )
        )
    if problems or not lines:
        return None, tuple(problems)
    list_price = sum((ln.amount for ln in lines), Decimal(0))
    discount_pct = Decimal(str(data.discount_pct))
    discount = _money(list_price * discount_pct / 100)
    net = list_price - discount
    cogs = sum((ln.cost for ln in lines), Decimal(0))
    margin = (
        ((net - cogs) / net * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if net else None
    )
    return Estimate(
        rates.currency,
        tuple(lines),
        sum((ln.days for ln in lines), Decimal(0)),
        list_price,
        discount_pct,
        discount,
        net,
        cogs,
        margin,
        Decimal(str(rates.margin_floor_pct)),
        card_price,
        Decimal(str(rates.max_discount_pct)) if rates.max_discount_pct is not None else None,
    ), ()
