"""`triage catalog`: the service catalog, for the terminal, a handbook page (Markdown) or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..catalog import Offering
from ..console import Console
from ..errors import UserError
from ..policy.loader import load_policy
from ..pricing import Rates
from ..render.markdown import Trusted
from ..render.money import money_format, plain_amount
from ..render.templates import TemplateProblem, Templates
from ..workspace import load_workspace

PAGE = "catalog.md.j2"  # the page's template, beside the comment templates


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


def page_context(catalog: list[Offering], rates: Rates) -> dict[str, Any]:
    """What the catalog page's template (`catalog.md.j2`) sees: each offering's texts (trusted
    policy), its role and typical days, and its price per unit or role day (never its cost)."""
    return {
        "currency": Trusted(rates.currency),
        "offerings": [
            {
                "id": Trusted(o.id),
                "title": Trusted(o.title),
                "description": Trusted(o.description),
                "role": Trusted(o.role),
                "days": str(o.days) if o.days else None,
                "price": str(o.fixed.price if o.fixed else rates.roles[o.role].price),
                "unit": Trusted(o.fixed.unit) if o.fixed else None,  # else per role day
                **{
                    key: [Trusted(text) for text in texts]
                    for key, texts in (
                        ("deliverables", o.deliverables),
                        ("prerequisites", o.prerequisites),
                        ("assumptions", o.assumptions),
                        ("out_of_scope", o.exclusions()),
                    )
                },
            }
            for o in catalog
        ],
    }


def markdown(catalog: list[Offering], rates: Rates, templates: Templates) -> str:
    """The handbook page, in the words of the team's `catalog.md.j2`."""
    if PAGE not in templates.sources:
        raise UserError(
            f"no template '{PAGE}' among the templates: it words the catalog page; "
            "`triage init --update` adds the shipped one (`triage init NEW_FOLDER` writes it), "
            "to write in your words"
        )
    try:
        return templates.render(PAGE, page_context(catalog, rates))
    except TemplateProblem as problem:
        raise UserError(str(problem)) from None


def catalog(console: Console, policies: Path, templates: Path, form: str) -> int:
    if form == "markdown":
        workspace = load_workspace(policies, templates)
        policy = workspace.policy
        console.out(markdown(policy.catalog, policy.rates, workspace.templates))
        return 0
    policy = load_policy(policies)
    if form == "json":
        data = [published(o, policy.rates) for o in policy.catalog]
        console.out(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        width = max((len(o.id) for o in policy.catalog), default=0)
        for o in policy.catalog:
            console.out(f"{o.id:<{width}}  {o.title} ({_price(o, policy.rates)})")
    return 0
