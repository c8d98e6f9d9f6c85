"""The policy format: YAML validated into frozen, typed models. Unknown keys are errors."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from ..pricing import Rates
from ..rules.actions import AnyAction, CommentSpec
from ..rules.conditions import AnyCondition

NO_STAGE = "none"  # `from: none`: the issue has no stage label yet
ANY_OPEN = "open"  # `from: open`: any stage that is not terminal
RESERVED_FROM = (NO_STAGE, ANY_OPEN)
QUARTER_NAME = r"^FY\d{2}-Q[1-4]$"  # a fiscal quarter as the forecast names it: FY27-Q1
# `from:` and `stages:` take one stage or a list of them (normalised to a list by the validators).
_ONE_OR_MORE = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Scope(Strict):
    """Which issues a run looks at, as server-side filters of one listing."""

    project: str | None = None
    group: str | None = None
    state: Literal["opened", "closed", "all"] = "opened"
    labels: list[str] = Field(default_factory=list)
    not_labels: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_place(self) -> Scope:
        if self.project and self.group:
            raise ValueError("give `project` or `group`, not both")
        return self


class Calendar(Strict):
    fiscal_year_start_month: int = Field(2, ge=1, le=12)
    holidays: list[date] = Field(default_factory=list)
    quarter_end_business_days: int = Field(
        10, ge=1, le=30
    )  # quarter-end mode: the quarter's last N business days


class EmojiApproval(Strict):
    """Approving by awarding an emoji on the bot's note of rule `note_of` (then the bot sets the label)."""

    name: str = Field("thumbsup", pattern=r"^[a-z0-9_+-]+$")
    note_of: str


class Gate(Strict):
    """A label that counts only when a configured person added it (`approvals`)."""

    id: str = Field(min_length=1)
    label: str
    users: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    # A group member counts only at or above this access level in the group, as GitLab's
    # members/all shows it (inherited and invited members included): 20 Reporter by default.
    min_access_level: int = Field(20, ge=5, le=50)
    # For a stage label: it counts only when set from one of these stages (None: from any).
    from_: Annotated[list[str] | None, WithJsonSchema(_ONE_OR_MORE)] = Field(None, alias="from")
    # The label put back when someone else set `label`; for a stage label left out, the stage
    # the issue was moved from is put back.
    refuse_to: str | None = None
    emoji: EmojiApproval | None = None
    comment: CommentSpec = CommentSpec(template="approval-refused.md.j2")

    @field_validator("from_", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _someone(self) -> Gate:
        if not self.users and not self.groups:
            raise ValueError("name at least one approver in `users` or `groups`")
        return self


class ForecastConfig(Strict):
    """The quarter's forecast issue (`forecast`): where it lives, the weights per confidence,
    and the bookings target per fiscal quarter (`targets: {FY27-Q1: 500000}`), in the rate
    card's currency."""

    project: str | None = None  # None: no forecast issue is kept (`triage report` still works)
    template: str = "forecast.md.j2"
    title: str = Field("Forecast {quarter}", min_length=1)  # `{quarter}`: FY27-Q1
    weights: dict[Literal["Green", "Amber", "Red", "Grey"], float] = Field(default_factory=dict)
    targets: dict[str, Decimal] = Field(
        default_factory=dict, json_schema_extra={"propertyNames": {"pattern": QUARTER_NAME}}
    )

    @field_validator("targets")
    @classmethod
    def _quarters(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for name, target in value.items():
            if not re.fullmatch(QUARTER_NAME, name):
                raise ValueError(f"`{name}` is not a fiscal quarter: name it like FY27-Q1")
            if target <= 0:
                raise ValueError(f"the target for {name} must be more than 0, not {target}")
        return value


class Intake(Strict):
    """What a new issue's data block must hold before it moves on: dotted field paths
    (`people.sa`), each listed in the templates' `missing` while it is empty."""

    fields: list[str] = Field(default_factory=list)


class Assignment(Strict):
    """Who becomes the EM of an unassigned issue: a pool per segment label, balanced by open issues."""

    segment_prefix: str = "Segment"
    pools: dict[str, list[str]] = Field(default_factory=dict)
    triage_lead: str | None = None


class Sow(Strict):
    """Terms the SoW draft states."""

    governing_terms: str = "the GitLab Professional Services Agreement, unless an MSA is in place"
    billing: str = "Billed upon SOW execution"
    passive_acceptance_days: int = Field(5, ge=1, le=30)
    validity_days: int = Field(30, ge=1)


_HANDLE = r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$"


class Contacts(Strict):
    """People and groups the templates mention on purpose: usernames or group paths. Left out,
    `approvers` is the users and groups of the approval gate (the `approvals` gate with an `emoji`
    approval: the one the approval request asks for); given, it must name the same ones."""

    approvers: list[str] = Field(default_factory=list)
    delivery_team: list[str] = Field(default_factory=list)
    technical_architects: list[str] = Field(default_factory=list)

    @field_validator("approvers", "delivery_team", "technical_architects")
    @classmethod
    def _handles(cls, names: list[str]) -> list[str]:
        cleaned = [name.lstrip("@") for name in names]
        for name in cleaned:
            if not re.match(_HANDLE, name) or name.lower() in ("all", "here"):
                raise ValueError(f"'{name}' is not a username or group path that may be mentioned")
        return cleaned


class Stage(Strict):
    id: str = Field(min_length=1)
    terminal: bool = False
    description: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if value in RESERVED_FROM:
            raise ValueError(f"'{value}' is reserved (`from: {value}`); name the stage differently")
        if "," in value or "::" in value:
            raise ValueError("a stage id becomes part of a label: no ',' and no '::'")
        return value


class Transition(Strict):
    id: str = Field(min_length=1)
    from_: Annotated[list[str], WithJsonSchema(_ONE_OR_MORE)] = Field(alias="from", min_length=1)
    to: str
    by: Literal["bot", "people"] = "bot"
    when: AnyCondition | None = None
    priority: int = 0
    actions: list[AnyAction] = Field(default_factory=list)
    description: str = ""

    @field_validator("from_", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _when_matches_by(self) -> Transition:
        if self.by == "bot" and self.when is None:
            raise ValueError("a transition the bot makes needs `when:` (or say `by: people`)")
        if self.by == "people" and (self.when is not None or self.actions):
            raise ValueError(
                "`by: people` transitions document a human move: no `when:` or `actions:`"
            )
        return self


class Rule(Strict):
    """A non-transition rule: while an issue is in one of `stages` and `when` holds, the
    actions describe the state it should be in."""

    id: str = Field(min_length=1)
    stages: Annotated[list[str] | None, WithJsonSchema(_ONE_OR_MORE)] = None
    when: AnyCondition
    actions: list[AnyAction] = Field(min_length=1)
    description: str = ""

    @field_validator("stages", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Lifecycle(Strict):
    label_prefix: str = Field("proposal", min_length=1)
    stages: list[Stage] = Field(min_length=1)
    transitions: list[Transition] = Field(default_factory=list)
    conflict_comment: CommentSpec | None = None
    # Moves people make that no transition allows get one note (never reverted). Only issues
    # updated within the look-back are examined: a move older than that when the bot next
    # runs goes unflagged, so the look-back should exceed the longest gap between runs.
    unexpected_move_comment: CommentSpec | None = None
    unexpected_move_lookback_days: float = Field(2, gt=0)

    def stage_ids(self) -> list[str]:
        return [s.id for s in self.stages]

    def label(self, stage: str) -> str:
        return f"{self.label_prefix}::{stage}"

    def terminal(self) -> set[str]:
        return {s.id for s in self.stages if s.terminal}

    def sources(self, transition: Transition) -> set[str]:
        """The stages a transition leaves from, `open` expanded (`none` included)."""
        found: set[str] = set()
        for name in transition.from_:
            if name == ANY_OPEN:
                found |= {NO_STAGE, *(s for s in self.stage_ids() if s not in self.terminal())}
            else:
                found.add(name)
        return found

    def edges(self) -> set[tuple[str, str]]:
        """Every move the lifecycle allows, by the bot or by people: (from, to)."""
        return {(source, t.to) for t in self.transitions for source in self.sources(t)}


def approval_gates(approvals: list[Gate]) -> list[Gate]:
    """The gates the approval request asks for: those approved by an emoji on a bot's note."""
    return [gate for gate in approvals if gate.emoji is not None]


class DigestConfig(Strict):
    """The daily digest of reminders (`digest`): one comment per person per business day on an
    issue the bot keeps in `project`, mentioning them once and listing, with links, every
    reminder and escalation of the day that is theirs; the reminders themselves then name people
    without mentioning them. `per: team` keeps one issue for everyone, `per: person` one each."""

    project: str | None = Field(
        None, min_length=3, pattern=r"^[^/\s]+(/[^/\s]+)+$"
    )  # None: no digest; reminders mention their people themselves
    per: Literal["team", "person"] = "team"
    title: str = Field("PS triage digest", min_length=1)  # per person: `{person}` is replaced


class Policy(Strict):
    version: Literal[1] = 1
    scope: Scope = Scope()
    calendar: Calendar = Calendar()
    lifecycle: Lifecycle
    rules: list[Rule] = Field(default_factory=list)
    rates: Rates = Rates()
    sow: Sow = Sow()
    contacts: Contacts = Contacts()
    approvals: list[Gate] = Field(default_factory=list)
    label_aliases: dict[str, str] = Field(
        default_factory=dict
    )  # legacy spelling -> canonical label
    assignment: Assignment = Assignment()
    forecast: ForecastConfig = ForecastConfig()
    digest: DigestConfig = DigestConfig()
    intake: Intake = Intake()

    @model_validator(mode="after")
    def _approvers_from_the_gate(self) -> Policy:
        # One place for approvers: the gate. `contacts.approvers` left out is derived from it
        # (a disagreement when both are given is refused by checks.check_approvers).
        if not self.contacts.approvers:
            names = [
                n for gate in approval_gates(self.approvals) for n in (*gate.users, *gate.groups)
            ]
            if names:
                contacts = self.contacts.model_copy(
                    update={"approvers": list(dict.fromkeys(names))}
                )
                object.__setattr__(self, "contacts", contacts)
        return self
