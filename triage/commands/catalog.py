"""`triage catalog`: the service catalog, for the terminal, a handbook page (Markdown) or JSON."""

from __future__ import annotations

import json
from pathlib import Path

from ..catalog import Offering
from ..console import Console
from ..policy.loader import load_policy
from ..pricing import Rates
from ..render.money import money_format, plain_amount


def _price(offering: Offering, rates: Rates) -> str:
    money = money_format(rates)
    if offering.fixed is not None:
        return f"{money(offering.fixed.price)} per {offering.fixed.unit}"
    card = rates.roles[offering.role]  # validated: every role is in the rate card
    return f"{money(card.price)} per {offering.role} day"


def published(offering: Offering, rates: Rates) -> dict[str, object]:
    """An offering as the team publishes it: what it is and its price in the rate card's
    currency, never its cost (COGS is internal, like the cost estimate)."""
    data = offering.model_dump(mode="json", exclude={"fixed": {"cost"}})
    if offering.fixed is not None:
        amount, per = offering.fixed.price, offering.fixed.unit
    else:
        amount, per = rates.roles[offering.role].price, f"{offering.role} day"
    # The amount with the currency's minor unit digits (none for KRW or JPY): a JSON number.
    plain = plain_amount(amount, rates.currency)
    number = float(plain) if "." in plain else int(plain)
    return {**data, "price": {"amount": number, "currency": rates.currency, "per": per}}


def markdown(catalog: list[Offering], rates: Rates) -> str:
    lines = ["# Service catalog", ""]
    for o in catalog:
        days = f", typically {o.days:g} days" if o.days else ""
        lines += [f"## {o.title} (`{o.id}`)", "", o.description, ""]
        lines += [f"*{o.role}{days}; {_price(o, rates)}*", ""]
        for heading, items in (
            ("Deliverables", o.deliverables),
            ("Prerequisites", o.prerequisites),
            ("Assumptions", o.assumptions),
            ("Out of scope", o.exclusions()),
        ):
            if items:
                lines += [f"**{heading}**", "", *(f"- {item}" for item in items), ""]
    return "\n".join(lines)


def catalog(console: Console, policies: Path, form: str) -> int:
    policy = load_policy(policies)
    if form == "json":
        data = [published(o, policy.rates) for o in policy.catalog]
        console.out(json.dumps(data, indent=2, ensure_ascii=False))
    elif form == "markdown":
        console.out(markdown(policy.catalog, policy.rates))
    else:
        width = max((len(o.id) for o in policy.catalog), default=0)
        for o in policy.catalog:
            console.out(f"{o.id:<{width}}  {o.title} ({_price(o, policy.rates)})")
    return 0
