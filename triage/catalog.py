"""The service catalog (policy key `catalog`): the PS team's standard offerings, each with what
a SoW says of it and how it is priced. Catalog text is trusted policy; issue text never is.
A top-level module (not under `policy/`) because pricing reads it and the policy model imports
pricing's rate card: under `policy/` it would close an import circle."""

from __future__ import annotations

import difflib
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .issues.scoping import MAX_PRICE

Text = Annotated[str, Field(min_length=1, max_length=500)]


class FixedPrice(BaseModel):
    """A packaged offering priced per unit (a training session, a seat), with its cost for COGS."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    unit: str = Field(min_length=1, max_length=50, description="what one unit is: session, seat")
    plural: str | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="the unit's plural when it is not the unit and an s (Teilnehmer, Plätze)",
    )
    price: float = Field(gt=0, le=MAX_PRICE, description="price per unit")
    cost: float = Field(ge=0, le=MAX_PRICE, description="cost per unit (COGS)")


class Exclusion(BaseModel):
    """An out-of-scope line that another offering contradicts: `GitLab training courses, which
    are sold separately` does not hold in a SoW that sells one. The SoW drops it when it sells
    any offering of `unless_sold` (catalog ids)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    text: Text
    unless_sold: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)]] = Field(
        min_length=1, description="catalog ids: a SoW selling any of them drops the line"
    )


class Offering(BaseModel):
    """One offering: `id` is the activity code the data block and the Services Calculator use."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=2000)
    aliases: list[Text] = Field(
        default_factory=list,
        description="other names a data block may give the activity (e.g. `Project management`)",
    )
    objective: str | None = Field(
        None, max_length=500, description="what the offering achieves, for the SoW's objectives"
    )
    deliverables: list[Text] = Field(default_factory=list)
    prerequisites: list[Text] = Field(default_factory=list)
    assumptions: list[Text] = Field(default_factory=list)
    out_of_scope: list[Text | Exclusion] = Field(
        default_factory=list,
        description="what the SoW excludes: a line, or `{text: ..., unless_sold: [ids]}` for one "
        "a SoW selling any of those offerings drops",
    )
    role: str = Field(min_length=1, max_length=100, description="the default role (rate card)")
    days: float | None = Field(None, gt=0, le=1000, description="the typical days")
    pricing: Literal["per_day", "fixed"] = Field(
        "per_day", description="`per_day`: days x the rate card; `fixed`: units x `fixed.price`"
    )
    fixed: FixedPrice | None = None

    @model_validator(mode="after")
    def _priced(self) -> Offering:
        if self.pricing == "fixed" and self.fixed is None:
            raise ValueError("`pricing: fixed` needs `fixed: {unit: ..., price: ..., cost: ...}`")
        if self.pricing == "per_day" and self.fixed is not None:
            raise ValueError("`fixed:` is only for `pricing: fixed`")
        return self

    def names(self) -> list[str]:
        return [self.id, *self.aliases]

    def exclusions(self, sold: set[str] | None = None) -> list[str]:
        """Its out-of-scope lines; with `sold` (catalog ids), less those one of them contradicts."""
        return [
            item if isinstance(item, str) else item.text
            for item in self.out_of_scope
            if isinstance(item, str) or sold is None or not sold & set(item.unless_sold)
        ]


def find(catalog: tuple[Offering, ...] | list[Offering], activity: str) -> Offering | None:
    """The offering an activity names (its id or an alias, case and spaces aside)."""
    wanted = " ".join(activity.split()).casefold()
    return next(
        (o for o in catalog if any(n.casefold() == wanted for n in o.names())),
        None,
    )


def closest(catalog: tuple[Offering, ...] | list[Offering], activity: str) -> str | None:
    """The catalog id nearest to an unknown activity, for a hint."""
    names = {n.casefold(): o.id for o in catalog for n in o.names()}
    found = difflib.get_close_matches(activity.casefold(), list(names), n=1, cutoff=0.6)
    return names[found[0]] if found else None


def unknown(catalog: tuple[Offering, ...] | list[Offering], activities: list[str]) -> list[str]:
    """The activities the catalog does not know, each once (case and spaces aside), sorted: the
    same set of unknown activities gives the same list, whatever the order of the line items.
    Each is shown with its spaces collapsed and, written several ways, the first of them in
    code-point order: respacing it or reordering the items changes nothing people read."""
    found: dict[str, str] = {}
    for activity in activities:
        if find(catalog, activity) is None:
            shown = " ".join(activity.split())
            key = shown.casefold()
            found[key] = min(found.get(key, shown), shown)
    return [found[key] for key in sorted(found)]
