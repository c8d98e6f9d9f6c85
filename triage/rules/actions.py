"""Actions: what a transition or rule does to an issue, as a registry of typed entries.

An action never writes: it edits a `Draft`, the desired end state of one issue, which the
planner turns into the smallest set of writes (one PUT for labels and state, one POST per note).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..render.markdown import Trusted, mention
from .clock import reminder_clock, sla
from .facts import Facts, NeedDetail
from .fiscal import business_days_between
from .registry import tagged_union


@dataclass(kw_only=True)
class CommentRequest:
    template: str
    key: str  # the idempotency key: rule or transition id, plus the template's own name
    internal: bool
    origin: str  # which rule or transition asked for it
    context: dict[str, Any]
    kind: Literal["transition", "rule"]
    once: bool = False
    close_qtr: str | None = None  # recorded in the marker: the quarter expected at this revision
    records: bool = False  # once per SoW revision: its marker records the revision's figures
    changes_since: str | None = None  # the rule whose recorded figures the comment compares with
    # Who `notify` left out, not being members of the project: a line below the rendered
    # comment says so for each, in the policy's words (`contacts.not_a_member`).
    not_mentioned: tuple[Unmentioned, ...] = ()
    # Mentioning no one: its rule's comments on the issue mentioned people this many times in
    # 24 hours, `contacts.mentions_per_day` (a line below says so: `contacts.mentions_capped`).
    mentions_capped: int | None = None
    digest_for: tuple[str, ...] = ()  # a reminder's mentions, left to the daily digest
    document: str | None = None  # a Word template: rendered, uploaded, linked from the comment
    pdf: bool = False  # and a PDF of it beside it, when the runner has LibreOffice


@dataclass(kw_only=True)
class IssueRequest:
    """An issue to open once in another project (the delivery hand-off)."""

    project: str
    template: str
    labels: list[str]
    origin: str
    context: dict[str, Any]
    title: str  # `{customer}` stands for the customer
    link_note: str  # `{url}` stands for the new issue's URL
    assign_to: str | None = None  # a contacts key of the policy: whom the issue is assigned to


@dataclass
class Draft:
    """The desired state of one issue, built up by transitions and rules."""

    labels: set[str]
    state: str
    assignees: tuple[str, ...] = ()
    comments: list[CommentRequest] = field(default_factory=list)
    issues: list[IssueRequest] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    untick: set[str] = field(default_factory=set)  # task-list items to untick in the description


@dataclass(frozen=True, kw_only=True)
class Step:
    """Where an action runs: which rule or transition, and the context for its templates."""

    origin: str
    kind: Literal["transition", "rule"]
    context: dict[str, Any]
    # When the stage was (or is being) entered: a time, or how to read it (label events) only if
    # an action asks.
    stage_entered: datetime | Callable[[], datetime]

    def entered(self) -> datetime:
        return self.stage_entered() if callable(self.stage_entered) else self.stage_entered


class Action(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    key: ClassVar[str]
    summary: ClassVar[str]
    example: ClassVar[str]

    def apply(self, draft: Draft, facts: Facts, step: Step) -> None:
        raise NotImplementedError


class AddLabels(Action):
    key = "add_labels"
    summary = "add labels (a scoped label replaces the other labels of its scope)"
    example = "{add_labels: ['EM_Status::ToDo']}"
    add_labels: list[str] = Field(min_length=1)

    def apply(self, draft: Draft, facts: Facts, step: Step) -> None:
        for label in self.add_labels:
            add_label(draft, label)


class RemoveLabels(Action):
    key = "remove_labels"
    summary = "remove labels"
    example = "{remove_labels: ['EM_Status::Waiting']}"
    remove_labels: list[str] = Field(min_length=1)

    def apply(self, draft: Draft, facts: Facts, step: Step) -> None:
        draft.labels.difference_update(self.remove_labels)


Role = Literal[
    "em",
    "sa",
    "ae",
    "csm",
    "ta",
    "pm",
    "approvers",
    "delivery_team",
    "technical_architects",
    "triage_lead",
]


class CommentSpec(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    template: str
    internal: bool = False
    once: bool = False  # post once ever, not once per revision of its inputs
    once_per: Literal["estimate"] | None = None  # once per SoW revision (its hash in the key)
    key: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_.:-]+(/[A-Za-z0-9_.:-]+)?$"
    )  # share one marker between rules (another rule's: `sow-draft/sow-draft.md.j2`)
    resolve: bool = False  # once its rule no longer holds, the live note gets a Resolved banner
    changes_since: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_.:-]+$"
    )  # a rule whose `once_per: estimate` notes record what each SoW revision showed (the
    # signature request: what was approved); the template's `changes_since` says which version
    # its newest note recorded and what changed since
    every: int | None = Field(
        None, ge=1
    )  # a reminder: its SLA, business days in the stage (or since the issue's last edit)
    quarter_end_every: int | None = Field(
        None, ge=1
    )  # the SLA in quarter-end mode (alone: only then)
    repeat: bool = False  # a periodic nudge: again every SLA period while the rule holds
    escalate_after: int | None = Field(
        None, ge=1
    )  # one escalation this many business days past the SLA, mentioning `escalate_to`
    escalate_to: list[Role] = Field(default_factory=list)
    notify: list[Role] = Field(
        default_factory=list
    )  # who the template's `notify` mentions: data-block people by role, or the policy's contacts
    document: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_.-]+\.docx$"
    )  # a Word template beside the templates (`sow.docx`): rendered, uploaded and linked from the note
    pdf: bool = False  # with `document`: a PDF of it too, uploaded and linked beside it, when the
    # runner has LibreOffice (`soffice`); without it, the run says once that it skipped the PDF

    @model_validator(mode="after")
    def _one_kind_of_once(self) -> CommentSpec:
        if self.once_per and (self.once or self.every or self.quarter_end_every):
            raise ValueError(
                "once_per posts once per SoW revision: drop once, every and quarter_end_every"
            )
        timed = self.every or self.quarter_end_every
        if (self.repeat or self.escalate_after) and not timed:
            raise ValueError("repeat and escalate_after need every or quarter_end_every")
        if bool(self.escalate_after) != bool(self.escalate_to):
            raise ValueError("escalate_after and escalate_to go together")
        if self.repeat and self.escalate_after:
            raise ValueError("a repeated nudge has no escalation: drop repeat or escalate_after")
        if self.pdf and not self.document:
            raise ValueError("pdf is a PDF of the comment's Word document: name it with document")
        return self

    def key_for(self, origin: str) -> str:
        """The marker key of this comment posted by the rule (or transition) `origin`: its own
        `key` when it shares one, else `<origin>/<template>`."""
        return self.key or f"{origin}/{self.template}"


class Comment(Action):
    key = "comment"
    summary = (
        "post a comment rendered from a template, once per revision of its inputs (hidden marker)"
    )
    example = "{comment: {template: transition.md.j2}}"
    comment: CommentSpec

    def apply(self, draft: Draft, facts: Facts, step: Step) -> None:
        spec = self.comment
        key, once = spec.key_for(step.origin), spec.once
        close_qtr = None
        digest_for: tuple[str, ...] = ()
        notify, not_mentioned = _notify(spec.notify, step.context, facts)
        context = {**step.context, "notify": notify}
        if spec.once_per == "estimate":
            priced, _ = facts.estimate()
            if priced is None:
                return  # nothing priced, no revision to speak of
            key, once = f"{key}/{priced.revision}", True
            close_qtr = facts.close_quarter()
        if spec.every or spec.quarter_end_every:
            every, quarter_end = sla(facts, spec.every, spec.quarter_end_every)
            if every is None or not facts.business_day() or not facts.business_hours():
                return  # a quarter-end-only reminder outside quarter-end mode; or a weekend,
                # a holiday, or outside business hours (a later run posts it)
            entered = step.entered()
            today = facts.moment.today()
            days = business_days_between(facts.moment.date_of(entered), today, facts.holidays)
            context["days_in_stage"] = days
            # SLA clocks count business time: the team's business hours on its business days
            # (1 = one whole business day, wherever in the day it started).
            clock = facts.business_days_since
            marks = [every] if spec.repeat else [every, every + (spec.escalate_after or 0)]
            elapsed = clock(entered, marks)
            if elapsed < every:
                return  # the SLA counts from the stage entry at the earliest
            if spec.repeat:
                # One nudge per period, whatever the schedule's frequency: the period is in the key.
                period = int(elapsed // every)
                clock(entered, [every * (period + 1)])
                key, once = f"{key}/{'q' if quarter_end else 'p'}{period}", True
            else:
                # One reminder when the SLA is missed, one escalation past the margin, then
                # silence until something changes: a new entry into the stage, or an edit by
                # people (a note, a label, the description), which starts the count again
                # (rules/clock.py, which the digest's overdue listing follows too).
                cycle = reminder_clock(facts, key, entered, every, spec.escalate_after, marks)
                if not cycle.reminder_due:
                    return
                key, once = cycle.key, True
                context["sla_days"] = every
                if cycle.escalation_due:
                    lead, left = _notify(spec.escalate_to, step.context, facts)
                    draft.comments.append(
                        CommentRequest(
                            template=spec.template,
                            key=f"{key}/escalation",
                            internal=spec.internal,
                            origin=step.origin,
                            context={
                                **context,
                                "notify": named(lead) if facts.digest else lead,
                                "escalation": {"margin": spec.escalate_after},
                                **({"digest": True} if facts.digest else {}),
                            },
                            kind=step.kind,
                            once=True,
                            not_mentioned=tuple(left),
                            digest_for=tuple(lead) if facts.digest else (),
                        )
                    )
            digest_for = tuple(notify) if facts.digest else ()
            if facts.digest:
                context |= {"notify": named(notify), "digest": True}
        draft.comments.append(
            CommentRequest(
                template=spec.template,
                key=key,
                internal=spec.internal,
                origin=step.origin,
                context=context,
                kind=step.kind,
                once=once,
                close_qtr=close_qtr,
                records=spec.once_per == "estimate",
                changes_since=spec.changes_since,
                not_mentioned=tuple(not_mentioned),
                digest_for=digest_for,
                document=spec.document,
                pdf=spec.pdf,
            )
        )


def named(mentions: list[Trusted]) -> list[Trusted]:
    """Mentions as names that notify no one (`@felix` as `felix`): the digest mentions them, or
    a comment past `contacts.mentions_per_day` (planner/comments.py) leaves them unmentioned."""
    return [Trusted(m.removeprefix("@")) for m in mentions]


@dataclass(frozen=True)
class Unmentioned:
    """A person of the data block a comment's `notify` names (`role`: `name`) who is not a member
    of `project`, so not mentioned."""

    role: str
    name: str
    project: str


def _notify(
    roles: Sequence[str], context: dict[str, Any], facts: Facts
) -> tuple[list[Trusted], list[Unmentioned]]:
    """Mentions for the roles a comment names: the policy's contacts, or people of the issue
    (the EM, data-block usernames) whom GitLab shows as members of the project; and, for each
    person left out, a line saying why (anyone can write any name in the data block)."""
    found: list[Trusted] = []
    left_out: list[Unmentioned] = []
    members = facts.members or frozenset()
    for role in roles:
        if role in context.get("contacts", {}):
            found += context["contacts"][role]
        elif name := context.get("people", {}).get(role):
            if name.lower() in members:
                found.append(mention(name))
            else:
                left_out.append(Unmentioned(role, name, facts.issue.project))
    return list(dict.fromkeys(found)), list(dict.fromkeys(left_out))


class Untick(Action):
    key = "untick"
    summary = (
        "untick task-list items of the description (a review that no longer holds): the bot edits "
        "those boxes only, on the description as GitLab has it when it writes"
    )
    example = "{untick: [SoW reviewed by account team and customer]}"
    untick: list[str] = Field(min_length=1)

    def apply(self, draft: Draft, facts: Facts, step: Step) -> None:
        draft.untick.update(self.untick)


class Close(Action):
    key = "close"
    summary = "close the issue"
    example = "{close: true}"
    close: Literal[True]

    def apply(self, draft: Draft, facts: Facts, step: Step) -> None:
        draft.state = "closed"


class CloseQuarterSpec(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    prefix: str = "close_qtr"
    # `close_date`: the quarter of the data block's close date, unless there is none or it is
    # after the day the stage was entered (a date still ahead is a forecast, not a signature);
    # `stage`: the quarter in which the stage was entered.
    quarter_of: Literal["stage", "close_date"] = "stage"


class CloseQuarterLabel(Action):
    key = "close_quarter_label"
    summary = (
        "add `<prefix>::Q<quarter><YY>` for the fiscal quarter in which the stage was entered, or"
        " (`quarter_of: close_date`) of the data block's close date; templates after it see"
        " `closed_in`"
    )
    example = "{close_quarter_label: {prefix: close_qtr, quarter_of: close_date}}"
    close_quarter_label: CloseQuarterSpec = CloseQuarterSpec()

    def apply(self, draft: Draft, facts: Facts, step: Step) -> None:
        spec = self.close_quarter_label
        day, source = step.entered().date(), "stage"
        data = facts.issue.scoping.data
        stated = data.close_date if data else None
        if spec.quarter_of == "close_date" and stated is not None and stated <= day:
            day, source = stated, "close_date"
        quarter = facts.quarter_of(day)
        label = f"{spec.prefix}::{quarter.label}"
        add_label(draft, label)
        step.context["closed_in"] = {
            "quarter": Trusted(quarter.name),
            "label": Trusted(label),
            "date": Trusted(day.isoformat()),
            "source": Trusted(source),  # close_date or stage (the day the stage was entered)
        }


class ConfidenceLabelSpec(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    prefix: str = "EM_Confidence"


class ConfidenceLabel(Action):
    key = "confidence_label"
    summary = "set `<prefix>::<value>` from the data block's confidence (Grey when there is none)"
    example = "{confidence_label: {prefix: EM_Confidence}}"
    confidence_label: ConfidenceLabelSpec = ConfidenceLabelSpec()

    def apply(self, draft: Draft, facts: Facts, step: Step) -> None:
        data = facts.issue.scoping.data
        add_label(
            draft, f"{self.confidence_label.prefix}::{data.confidence.value if data else 'Grey'}"
        )


class ConfidenceCheckSpec(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    prefix: str = "EM_Confidence"
    comment: CommentSpec


class ConfidenceCheck(Action):
    key = "confidence_check"
    summary = (
        "the `<prefix>::` label is the confidence: when the data block states another value, "
        "post the comment (once per disagreement; its template sees `confidence.label` and "
        "`confidence.stated`)"
    )
    example = (
        "{confidence_check: {prefix: EM_Confidence, "
        "comment: {template: confidence-disagrees.md.j2, notify: [em]}}}"
    )
    confidence_check: ConfidenceCheckSpec

    def apply(self, draft: Draft, facts: Facts, step: Step) -> None:
        spec = self.confidence_check
        data = facts.issue.scoping.data
        if data is None or "value" not in data.confidence.model_fields_set:
            return  # the data block states no value: nothing to disagree with
        prefix = f"{spec.prefix}::"
        labels = [lb.removeprefix(prefix) for lb in sorted(draft.labels) if lb.startswith(prefix)]
        if len(labels) != 1 or labels[0].lower() == data.confidence.value.lower():
            return
        context = {
            **step.context,
            "confidence": {"label": labels[0], "stated": Trusted(data.confidence.value)},
        }
        stated = f"{spec.prefix}::{data.confidence.value}"
        if labels[0] == "Grey":  # the bot's placeholder, set before the data block said more?
            events = facts.issue.label_events
            if events is None:
                raise NeedDetail("label_events")
            adds = [e for e in events if e.action == "add" and e.label == f"{prefix}Grey"]
            if adds and adds[-1].user == facts.bot:
                draft.labels.discard(f"{prefix}Grey")
                add_label(draft, stated)
                draft.reasons.append(f"confidence: {stated} from the data block (was the default)")
                return
        draft.reasons.append(f"confidence: label {prefix}{labels[0]}, data block {stated}")
        Comment(comment=spec.comment).apply(
            draft,
            facts,
            Step(
                origin=step.origin,
                kind=step.kind,
                context=context,
                stage_entered=step.stage_entered,
            ),
        )


class CreateIssueSpec(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    project: str = Field(min_length=3, pattern=r"^[^/\s]+(/[^/\s]+)+$")
    template: str
    labels: list[str] = Field(default_factory=list)
    # The new issue's title, `{customer}` standing for the data block's customer (else the
    # scoping issue's title); and the note linking to it on the scoping issue, `{url}` its URL.
    title: str = Field("{customer}", min_length=1)
    link_note: str = Field("Opened {url}", min_length=1)
    assign_to: Literal["scheduling"] | None = None  # the policy's contacts who staff the work


class CreateIssue(Action):
    key = "create_issue"
    summary = (
        "open an issue in another project once (the delivery hand-off), described from a "
        "template, linking back, and note its link on the scoping issue"
    )
    example = "{create_issue: {project: ps/delivery, template: delivery-issue.md.j2}}"
    create_issue: CreateIssueSpec

    def apply(self, draft: Draft, facts: Facts, step: Step) -> None:
        spec = self.create_issue
        draft.issues.append(
            IssueRequest(
                project=spec.project,
                template=spec.template,
                labels=list(spec.labels),
                origin=step.origin,
                context=step.context,
                title=spec.title,
                link_note=spec.link_note,
                assign_to=spec.assign_to,
            )
        )


def add_label(draft: Draft, label: str) -> None:
    """Scoped labels are exclusive: adding `a::b` drops the other `a::*` labels, as GitLab
    Premium does, so the plan shows the end state GitLab will show."""
    if "::" in label:
        scope = label.rsplit("::", 1)[0]
        draft.labels = {
            name for name in draft.labels if "::" not in name or name.rsplit("::", 1)[0] != scope
        }
    draft.labels.add(label)


ACTIONS: tuple[type[Action], ...] = (
    AddLabels,
    RemoveLabels,
    Untick,
    Comment,
    Close,
    CloseQuarterLabel,
    CreateIssue,
    ConfidenceLabel,
    ConfidenceCheck,
)
ACTION_KEYS = tuple(a.key for a in ACTIONS)


if TYPE_CHECKING:  # to a type checker, the tagged union is its base class
    AnyAction = Action
else:
    AnyAction = tagged_union(ACTIONS, kind="action")
