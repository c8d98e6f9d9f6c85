"""The SoW's terms and words (policy key `sow`): who provides the services, the terms, the fee
type and payment terms, the terms a label changes, the contacts' titles and the kick-off
checklist, in the team's words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, field_validator

from .strict import Strict

ContactRole = Literal["em", "sa", "ae", "csm", "ta", "pm"]
# The shipped team's words (policy key `sow`): a team writes its own.
CONTACT_ROLES: dict[ContactRole, str] = {
    "em": "Engagement Manager",
    "sa": "Solutions Architect",
    "ae": "Account Executive",
    "csm": "Customer Success Manager",
    "ta": "Technical Architect",
    "pm": "Project Manager",
}
FeeType = Literal["fixed_price", "time_and_materials"]
# The shipped team's words for the fee types (policy key `sow.fee_types`).
FEE_TYPES: dict[FeeType, str] = {
    "fixed_price": "Fixed price",
    "time_and_materials": "Time and materials",
}
KICKOFF_CHECKLIST = (
    "Signed SoW and the scoping issue linked on the customer epic",
    "Scheduling intake complete: project set up, people staffed, start date agreed",
    "Internal transition meeting held (EM, PM, PSE/TA, AE/SA): drivers, stakeholders, scope, "
    "assumptions, risks",
    "Technical prerequisites confirmed with the customer",
    "Customer kick-off held: objectives, team, approach, timeline, communication cadence",
)


class LabelTerms(Strict):
    """The SoW terms an issue label changes (`sow.by_label`), e.g. for `Public Sector US`:
    those given replace the policy's; `clauses` are added to the SoW's fees section."""

    provider: str | None = Field(None, min_length=1, max_length=200)
    governing_terms: str | None = Field(None, min_length=1, max_length=500)
    billing: str | None = Field(None, min_length=1, max_length=500)
    payment_terms: str | None = Field(None, min_length=1, max_length=500)
    fee_type: FeeType | None = None
    passive_acceptance_days: int | None = Field(None, ge=1, le=30)
    validity_days: int | None = Field(None, ge=1)
    clauses: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list,
        max_length=20,
        description="terms the SoW adds under its fees (e.g. a public-sector clause)",
    )


class Sow(Strict):
    """Terms the SoW draft states."""

    provider: str = Field(
        "GitLab Inc.",
        min_length=1,
        max_length=200,
        description="the legal name of who provides the services and signs the SoW",
    )
    provider_short: str = Field(
        "GitLab",
        min_length=1,
        max_length=100,
        description='how the SoW names the provider after the first mention: "GitLab Inc." '
        '("GitLab")',
    )
    closing_deliverable: str = Field(
        "A closing report with outcomes, open risks and recommendations",
        min_length=1,
        max_length=500,
        description="what every SoW delivers last, after the offerings' own deliverables (once,"
        " if one of them says it too)",
    )
    governing_terms: str = "the GitLab Professional Services Terms"  # without an MSA named
    billing: str = "Billed upon SOW execution"  # without billing_terms in the data block
    billing_terms: list[str] = Field(
        default_factory=lambda: [
            "Billed upon SOW execution",
            "Billed monthly in arrears for the days delivered",
            "50% billed upon SOW execution, 50% upon completion",
        ]
    )  # what a data block's billing_terms may say
    fee_type: FeeType = Field(
        "fixed_price",
        description="how the fees are charged unless the data block's `fee_type` or a label's "
        "terms say otherwise: `fixed_price` or `time_and_materials`",
    )
    fee_types: dict[FeeType, str] = Field(
        default_factory=lambda: dict(FEE_TYPES),
        description="the name of each fee type the SoW shows, in the team's words; those left "
        "out keep the shipped name",
    )
    payment_terms: str = Field(
        "Invoices are payable within 30 days of their date",
        min_length=1,
        max_length=500,
        description="when the Customer pays an invoice",
    )
    by_label: dict[Annotated[str, Field(min_length=1, max_length=255)], LabelTerms] = Field(
        default_factory=dict,
        description="SoW terms by issue label (e.g. `Public Sector US`): an issue with the label"
        " gets them; with several such labels, the later in this map wins a term both set",
    )
    number_prefix: str = Field("PS-SOW", pattern=r"^[A-Za-z0-9-]{1,20}$")  # SoW number: PS-SOW-42
    passive_acceptance_days: int = Field(5, ge=1, le=30)
    validity_days: int = Field(30, ge=1)
    contact_roles: dict[ContactRole, str] = Field(
        default_factory=lambda: dict(CONTACT_ROLES),
        description="the title of each contact the SoW, the hand-off and the delivery issue list"
        " (em, sa, ae, csm, ta, pm), in the team's words; those left out keep the shipped title",
    )
    kickoff_checklist: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=lambda: list(KICKOFF_CHECKLIST),
        max_length=50,
        description="the one kick-off checklist the hand-off note and the delivery issue show",
    )

    @field_validator("fee_types")
    @classmethod
    def _every_fee_type(cls, value: dict[FeeType, str]) -> dict[FeeType, str]:
        return {**FEE_TYPES, **value}

    def for_labels(self, labels: Iterable[str]) -> Sow:
        """These terms with those of each of `labels` in `by_label`, in the map's order."""
        have = set(labels)
        changed: dict[str, object] = {}
        for label, terms in self.by_label.items():
            if label in have:
                changed |= terms.model_dump(exclude_none=True, exclude={"clauses"})
        return self.model_copy(update=changed) if changed else self

    def clauses_for(self, labels: Iterable[str]) -> list[str]:
        """The clauses the labels among `labels` add, each once, in the map's order."""
        have = set(labels)
        found = [c for label, t in self.by_label.items() if label in have for c in t.clauses]
        return list(dict.fromkeys(found))

    @field_validator("contact_roles")
    @classmethod
    def _every_role(cls, value: dict[ContactRole, str]) -> dict[ContactRole, str]:
        return {**CONTACT_ROLES, **value}
