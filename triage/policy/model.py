"""The policy format: YAML validated into frozen, typed models. Unknown keys are errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ..catalog import Offering
from ..pricing import Rates
from ..rules.actions import AnyAction, CommentSpec
from ..rules.conditions import AnyCondition
from ..rules.fiscal import FiscalQuarter, NamedBy, fiscal_quarter
from ..rules.moves import NO_STAGE as NO_STAGE  # `from: none`: the issue has no stage label yet
from .banners import Banners
from .contacts import Contacts as Contacts
from .hours import BusinessHours
from .sow import Sow
from .strict import Strict

ANY_OPEN = "open"  # `from: open`: any stage that is not terminal
RESERVED_FROM = (NO_STAGE, ANY_OPEN)
QUARTER_NAME = r"^FY\d{2}-Q[1-4]$"  # a fiscal quarter as the forecast names it: FY27-Q1
# `from:` and `stages:` take one stage or a list of them (normalised to a list by the validators).
_ONE_OR_MORE = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
}


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


def _upper(value: Any) -> Any:
    """A country code as ISO 3166-1 writes it (`kr` is KR)."""
    return value.strip().upper() if isinstance(value, str) else value


class Region(Strict):
    """The public holidays of one region's EMs (`calendar.regions`): an EM's reminders and
    business-day counts skip the holidays of the region the EM is in."""

    country: str = Field(
        pattern=r"^[A-Z]{2}$", description="ISO 3166-1 code of the country, e.g. GB"
    )
    subdivision: str | None = Field(
        None, description="its subdivision as the holidays library names it, e.g. ENG"
    )
    pools: list[str] = Field(
        default_factory=list,
        description="assignment pools (`assignment.pools` keys) whose EMs are in this region",
    )

    _country = field_validator("country", mode="before")(_upper)
    people: list[str] = Field(
        default_factory=list, description="EMs (usernames) in this region, whatever their pools"
    )


class Calendar(Strict):
    """How days are counted: business days skip weekends, the public holidays of the team's
    country (or of the EM's region) and the company days in `holidays`; "today" is the date in
    `time_zone`."""

    fiscal_year_start_month: int = Field(2, ge=1, le=12)
    fiscal_year_named_by: NamedBy = Field(
        "end",
        description="a fiscal year's name: the calendar year it `end`s in (GitLab's: FY27 runs "
        "from February 2026) or `start`s in (FY26); the quarters' names follow (FY27-Q1)",
    )
    time_zone: str = Field(
        "UTC",
        description="the team's IANA time zone (e.g. Europe/Berlin): a day starts at its midnight",
    )
    country: str | None = Field(
        None,
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166-1 code of the country whose public holidays are not business days",
    )
    subdivision: str | None = Field(
        None, description="the country's subdivision as the holidays library names it, e.g. BY"
    )
    _country = field_validator("country", mode="before")(_upper)
    regions: dict[str, Region] = Field(
        default_factory=dict,
        description="public holidays per EM region, e.g. {EMEA: {country: GB, subdivision: ENG, "
        "pools: [Ent_EMEA]}, AMER: {country: US, pools: [Ent_EAST]}}; an EM in no region "
        "keeps the team's",
    )
    holidays: list[date] = Field(
        default_factory=list,
        description="company days off, kept by hand (added to the public ones)",
    )
    quarter_end_business_days: int = Field(
        10, ge=1, le=30
    )  # quarter-end mode: the quarter's last N business days
    business_hours: BusinessHours = Field(
        default_factory=BusinessHours,
        description="when reminders, escalations and the digest are posted, in `time_zone` "
        "(default 09:00 to 17:00); a run outside these hours leaves them to a later run",
    )
    # The time zone and the public holidays read files (the time zone database, the holidays
    # library's translations): the loader reads them (`policy/calendars.py`) and hands them
    # over with `read`; the planner only looks them up.
    _zone: tzinfo | None = PrivateAttr(default=None)
    _days_off: dict[str | None, frozenset[date]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _subdivision_of_a_country(self) -> Calendar:
        if self.subdivision and not self.country:
            raise ValueError("`subdivision` needs the `country` it belongs to")
        return self

    def read(self, zone: tzinfo, public: Mapping[str | None, frozenset[date]]) -> None:
        """Hand over the time zone and the public holidays (the team's under None, each
        region's under its name), as read from the system when the policy was loaded."""
        company = frozenset(self.holidays)
        self._zone = zone
        self._days_off = {name: company | days for name, days in public.items()}

    def _needs_reading(self) -> bool:
        return self.time_zone != "UTC" or self.country is not None or bool(self.regions)

    def quarter(self, day: date) -> FiscalQuarter:
        """The fiscal quarter of `day`, named as the team names its fiscal years."""
        return fiscal_quarter(day, self.fiscal_year_start_month, self.fiscal_year_named_by)

    def local(self, instant: datetime) -> datetime:
        """The instant in the team's time zone (its date is the team's date)."""
        zone = self._zone  # once: pydantic looks a private attribute up at some cost (~3 µs)
        if zone is None:
            if self._needs_reading():
                raise RuntimeError("the calendar was not read: load the policy with load_policy")
            return instant.astimezone(UTC)
        return instant.astimezone(zone)

    def in_business_hours(self, local: datetime) -> bool:
        """Whether a local time (`local`) is within the team's business hours."""
        hours = self.business_hours
        return hours.start <= local.time() < hours.end

    def stamp(self, instant: datetime) -> str:
        """A time as notes write it, in the team's time zone: `2026-01-12 18:00 KST`."""
        local = self.local(instant)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname() or self.time_zone}"

    def days_off(self, region: str | None = None) -> frozenset[date]:
        """The weekdays that are not business days: the region's (or the team's) public holidays
        and the company days."""
        if not self._days_off:
            if self._needs_reading():
                raise RuntimeError("the calendar was not read: load the policy with load_policy")
            return frozenset(self.holidays)
        return self._days_off.get(region, self._days_off[None])


class EmojiApproval(Strict):
    """Approving by awarding an emoji on the bot's note of rule `note_of` (then the bot sets the label)."""

    name: str = Field("thumbsup", pattern=r"^[a-z0-9_+-]+$")
    note_of: str


class GateRequirement(Strict):
    """What an approval needs besides an approver (`requires`): unmet, the approval is refused
    like an unauthorised one, and the note says what is `missing`."""

    when: AnyCondition
    missing: str = Field(min_length=1, max_length=300)


class Gate(Strict):
    """A label that counts only when a configured person added it (`approvals`)."""

    id: str = Field(min_length=1)
    label: str
    users: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    # A group member counts at or above this level (20 Reporter): direct members, members of
    # groups invited into it; `inherited: true`: parent groups' members too (members/all).
    min_access_level: int = Field(20, ge=5, le=50)
    inherited: bool = False
    # For a stage label: it counts only when set from one of these stages (None: from any).
    from_: Annotated[list[str] | None, WithJsonSchema(_ONE_OR_MORE)] = Field(None, alias="from")
    # The label put back when someone else set `label`. A stage label's refused move goes back
    # to the stage it came from (its label events); `refuse_to` only when that is unknown.
    refuse_to: str | None = None
    emoji: EmojiApproval | None = None
    # Conditions the approval needs (a TA review over a threshold, a margin waiver below the
    # floor), checked at every run while the label is on and before an emoji sets it.
    requires: list[GateRequirement] = Field(default_factory=list)
    # Below the rate card's margin floor, the approval needs a `margin_waiver` in the data block
    # named by one of this gate's approvers.
    margin_waiver: bool = False
    size_ratio: float | None = Field(
        None,
        gt=1,
        le=1000,
        description="a review is for a size: once the net price grows past this multiple of the "
        "one the bot's notes showed when the label was set (e.g. 1.5), the label no longer counts: "
        "`refuse_to` is put back and a note gives both totals; none: it holds whatever the size",
    )
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
    # A weight is the share of a category's value counted (0 to 1); a target at most 10**15:
    # "nan", "inf" or "1e999999" (quoted, so YAML leaves them text) are no numbers to forecast with.
    weights: dict[Literal["Green", "Amber", "Red", "Grey"], Annotated[float, Field(ge=0, le=1)]] = (
        Field(default_factory=dict)
    )
    targets: dict[str, Annotated[Decimal, Field(le=10**15)]] = Field(
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


SALESFORCE_READ = (
    "StageName",
    "IsClosed",
    "IsWon",
    "CloseDate",
    "Amount",
    "CurrencyIsoCode",
    "LastModifiedDate",
    "LastModifiedById",
)


class SalesforceFields(Strict):
    """The API names (not the labels) of the four opportunity fields the sync writes."""

    engagement_manager: str = Field(
        "Engagement_Manager__c", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,79}$"
    )  # Lookup(User): written as the user's id
    confidence: str = Field("EM_Confidence__c", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
    rationale: str = Field("EM_Confidence_Rationale__c", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
    link: str = Field("Scoping_Issue_Link__c", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,79}$")


class SalesforceSync(Strict):
    """`triage salesforce check | plan | apply`: the four EM fields written to each deal's
    opportunity through Salesforce's REST API, and what Salesforce says of the deal read back.
    Secrets come from the environment (SF_CLIENT_ID with SF_USERNAME and SF_PRIVATE_KEY for
    `auth: jwt`, or SF_CLIENT_SECRET for `auth: client_credentials`), never from the policy."""

    instance_url: str = Field(
        ...,
        pattern=r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$",
        description="the org's My Domain URL, e.g. https://acme.my.salesforce.com",
    )
    auth: Literal["jwt", "client_credentials"] = Field(
        "client_credentials",
        description="how the integration user signs in: the OAuth JWT bearer flow or client "
        "credentials (username and password login is being retired by Salesforce)",
    )
    audience: str = Field(
        "https://login.salesforce.com",
        pattern=r"^https://",
        description="`auth: jwt`: the assertion's audience (https://test.salesforce.com for a sandbox)",
    )
    api_version: str = Field(
        ...,
        pattern=r"^[1-9][0-9]\.0$",
        description='the REST API version, pinned (e.g. "64.0"; the library\'s default is old)',
    )
    fields: SalesforceFields = SalesforceFields()
    read: list[str] = Field(
        default_factory=lambda: list(SALESFORCE_READ),
        description="the opportunity fields read back (Salesforce owns them)",
    )
    max_writes: int = Field(
        200, ge=0, le=10_000, description="opportunities written in one run at most"
    )
    max_calls: int = Field(
        100, ge=1, le=100_000, description="API calls one run makes at most (its API-budget share)"
    )
    stop_above_percent: float = Field(
        90,
        gt=0,
        le=100,
        description="no call once Salesforce says (Sforce-Limit-Info) the org has used this "
        "share of its daily API requests: the rest is left to the org's other integrations",
    )
    flag_label: str = Field(
        "Salesforce::disagrees",
        min_length=1,
        description="set on a deal while Salesforce disagrees with GitLab (won, close date, "
        "amount); the forecast lists it under needs action",
    )

    @field_validator("read")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,79}", name):
                raise ValueError(f"`{name}` is not a field's API name")
        return list(dict.fromkeys([*value, "LastModifiedDate", "LastModifiedById"]))


class Salesforce(Strict):
    """What `triage report --format salesforce-csv` writes for Salesforce's data loader: `users`
    maps GitLab usernames to the Salesforce users they are (a name or email, as the data loader
    matches them; the sync looks an email up, or takes a user id `005...` as it is), e.g.
    `{dana: dana.okafor@example.com}`. `sync`: the REST API sync (`triage salesforce`)."""

    users: dict[str, str] = Field(default_factory=dict)
    sync: SalesforceSync | None = None


class Intake(Strict):
    """What a new issue's data block must hold before it moves on: dotted field paths
    (`people.sa`), each listed in the templates' `missing` while it is empty."""

    fields: list[str] = Field(default_factory=list)


class Assignment(Strict):
    """Who becomes the EM of an unassigned issue: a pool per segment label, balanced by open issues."""

    segment_prefix: str = "Segment"
    pools: dict[str, list[str]] = Field(default_factory=dict)
    triage_lead: str | None = None


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


# A deal still overdue is listed again 14 days after it was news, then every 28 days while
# nothing new happens on it (`digest.repeat_after_days`, `digest.items.choose`).
REPEAT_AFTER_DAYS = (14, 28)


class DigestConfig(Strict):
    """The daily digest of reminders (`digest`): at most one comment per person per business day,
    only when something is new for them, on an issue the bot keeps in `project`, mentioning them
    once and listing, with links, the reminders and escalations of the day that are theirs and
    the deals newly overdue for them; the reminders themselves then name people without
    mentioning them. `per: person` (the default) keeps one issue each: GitLab mails everyone
    mentioned on an issue every later comment there, so on one issue for the team (`per: team`)
    each person would be mailed everyone else's digest."""

    project: str | None = Field(
        None, min_length=3, pattern=r"^[^/\s]+(/[^/\s]+)+$"
    )  # None: no digest; reminders mention their people themselves
    per: Literal["team", "person"] = "person"
    title: str = Field(
        "PS triage digest for {person}", min_length=1
    )  # per person: `{person}` is replaced
    repeat_after_days: list[Annotated[int, Field(ge=7, le=91)]] = Field(
        default_factory=lambda: list(REPEAT_AFTER_DAYS),
        min_length=1,
        max_length=6,
        description="a deal still overdue that nobody acts on is listed again in a digest this "
        "many days after it was news, then after each repeat the next number (the last holds): "
        "14, 28 tells of it two weeks on, then every four weeks; 7 is weekly. News on the deal "
        "(a new reminder or escalation for the person) starts again from the first. At least 7: "
        "never more than weekly, except daily in quarter-end mode for a deal of this quarter. "
        "Repeats only ride beside something new; the forecast's Needs action lists every "
        "breached deal meanwhile",
    )


class Policy(Strict):
    version: Literal[1] = 1
    scope: Scope = Scope()
    calendar: Calendar = Calendar()
    lifecycle: Lifecycle
    rules: list[Rule] = Field(default_factory=list)
    rates: Rates = Rates()
    sow: Sow = Sow()
    contacts: Contacts = Contacts()
    banners: Banners = Banners()
    approvals: list[Gate] = Field(default_factory=list)
    label_aliases: dict[str, str] = Field(
        default_factory=dict
    )  # legacy spelling -> canonical label
    assignment: Assignment = Assignment()
    forecast: ForecastConfig = ForecastConfig()
    salesforce: Salesforce = Salesforce()
    digest: DigestConfig = DigestConfig()
    intake: Intake = Intake()
    catalog: list[Offering] = Field(
        default_factory=list,
        description="the service catalog: the team's offerings, which SoW drafts are written from "
        "(see `catalog[]`)",
    )

    # Where a key path of the policy was written (`file:line:column: key.path`), set by the
    # loader; a policy made in code has no files.
    _where: Callable[[tuple[Any, ...]], str] | None = PrivateAttr(default=None)

    def located(self, where: Callable[[tuple[Any, ...]], str]) -> None:
        self._where = where

    def where(self, path: tuple[Any, ...]) -> str:
        """`policies/ps-scoping.yml:12:3: calendar.time_zone` (the key path alone without files)."""
        return self._where(path) if self._where else ".".join(map(str, path))

    def days_off(self, em: str | None) -> frozenset[date]:
        """The days off an EM's business days skip: those of the EM's region (`calendar.regions`:
        the first naming the EM in `people`, else the first whose `pools` hold the EM), else the
        team's."""
        regions = self.calendar.regions
        found = next((name for name, r in regions.items() if em in r.people), None)
        if found is None:
            found = next(
                (
                    name
                    for name, r in regions.items()
                    if any(em in self.assignment.pools.get(pool, ()) for pool in r.pools)
                ),
                None,
            )
        return self.calendar.days_off(found)

    @model_validator(mode="after")
    def _region_pools(self) -> Policy:
        for name, region in self.calendar.regions.items():
            unknown = [p for p in region.pools if p not in self.assignment.pools]
            if unknown:
                raise ValueError(
                    f"calendar.regions.{name}.pools: {', '.join(unknown)} not in "
                    f"`assignment.pools` ({', '.join(self.assignment.pools) or 'none'})"
                )
        return self

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
