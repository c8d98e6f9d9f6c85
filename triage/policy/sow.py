"""The SoW's terms and words (policy key `sow`): who provides the services, the terms, the
contacts' titles and the kick-off checklist, in the team's words."""

from __future__ import annotations

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
KICKOFF_CHECKLIST = (
    "Signed SoW and the scoping issue linked on the customer epic",
    "Scheduling intake complete: project set up, people staffed, start date agreed",
    "Internal transition meeting held (EM, PM, PSE/TA, AE/SA): drivers, stakeholders, scope, "
    "assumptions, risks",
    "Technical prerequisites confirmed with the customer",
    "Customer kick-off held: objectives, team, approach, timeline, communication cadence",
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

    @field_validator("contact_roles")
    @classmethod
    def _every_role(cls, value: dict[ContactRole, str]) -> dict[ContactRole, str]:
        return {**CONTACT_ROLES, **value}
