"""The planner: `plan(policy, snapshots, now, ...) -> Plan`. Pure: no I/O, no clock, no network.

For each issue it derives the state the policy wants, from GitLab's data alone:
1. the stage is the one `<prefix>::<stage>` label (two of them: the one added last wins);
2. bot transitions fire from that stage, chained until none fires, so that planning again
   after applying finds nothing to do;
3. rules run on the resulting state;
4. the difference from the issue as it is becomes one label/state update and the comments
   not already posted (found by their hidden markers on the bot's own notes).
When an issue needs data the listing lacks (notes, label events), its plan says so in
`needs`; the runner fetches exactly that and plans the issue again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .issues.scoping import People
from .issues.snapshot import IssueSnapshot, LabelEvent, Note
from .memo import last_answer
from .plan_memory import recall
from .policy.model import ANY_OPEN, NO_STAGE, Gate, Policy, Transition
from .pricing import estimate
from .render.markdown import Trusted, mention
from .render.markdown import title as markdown_title
from .render.markers import Marker, find_marker, revision
from .render.templates import TemplateProblem, Templates
from .rules.actions import CommentRequest, Draft, Step, add_label
from .rules.assignment import assign
from .rules.conditions import Facts, NeedDetail, Outcome
from .rules.fiscal import fiscal_quarter
from .rules.gates import (
    Attempt,
    emoji_approval,
    last_setting,
    removed_with,
    spellings,
    stage_when_set,
)
from .rules.moment import Moment
from .rules.moves import last_move_by_people, stage_moves

CONFLICT_KEY = "stage-conflict"
# GitLab's access levels by name (lib/gitlab/access.rb), for the notes that name a minimum.
ROLES = {
    5: "Minimal Access",
    10: "Guest",
    15: "Planner",
    20: "Reporter",
    30: "Developer",
    40: "Maintainer",
    50: "Owner",
}


@dataclass(frozen=True)
class PlannedComment:
    key: str
    rev: str
    body: str  # with its marker on the first line
    internal: bool
    origin: str
    template: str


@dataclass(frozen=True)
class PlannedEdit:
    """An older revision of a comment, to be marked superseded by the newer one."""

    note_id: int
    key: str
    body: str  # the note as it is now
    superseded_by: int | None  # the newer note; None when it is the comment posted in the same run
    internal: bool = False  # the comment is an internal note: GitLab must show it so


@dataclass(frozen=True)
class PlannedIssue:
    """An issue to open once in another project, found again by `token` if a run died early."""

    project: str
    title: str
    description: str
    labels: tuple[str, ...]
    token: str
    link_key: str  # the marker key of the note on the scoping issue that links to it
    origin: str


@dataclass(frozen=True)
class IssuePlan:
    project: str
    iid: int
    title: str
    web_url: str
    add_labels: tuple[str, ...] = ()
    remove_labels: tuple[str, ...] = ()
    state_event: str | None = None
    assign: tuple[str, ...] | None = None  # usernames to set as assignees
    comments: tuple[PlannedComment, ...] = ()
    edits: tuple[PlannedEdit, ...] = ()
    new_issues: tuple[PlannedIssue, ...] = ()
    reasons: tuple[str, ...] = ()
    needs: frozenset[str] = frozenset()
    error: str | None = None
    # The same issue gets this very plan at any time from the one it was planned at until this
    # (None: at any time). See rules/moment.py.
    holds_until: datetime | None = None
    recalled: bool = False  # nothing to do, as remembered from an earlier run (plan_memory.py)

    @property
    def ref(self) -> str:
        return f"{self.project}#{self.iid}"

    @property
    def has_changes(self) -> bool:
        return bool(
            self.add_labels
            or self.remove_labels
            or self.state_event
            or self.assign is not None
            or self.comments
            or self.edits
            or self.new_issues
        )

    @property
    def write_count(self) -> int:
        update = (
            1
            if self.add_labels or self.remove_labels or self.state_event or self.assign is not None
            else 0
        )
        return len(self.comments) + len(self.edits) + 2 * len(self.new_issues) + update


@dataclass(frozen=True)
class Plan:
    issues: tuple[IssuePlan, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> tuple[IssuePlan, ...]:
        return tuple(p for p in self.issues if p.has_changes)

    @property
    def errors(self) -> tuple[IssuePlan, ...]:
        return tuple(p for p in self.issues if p.error)

    @property
    def needs(self) -> dict[tuple[str, int], frozenset[str]]:
        return {(p.project, p.iid): p.needs for p in self.issues if p.needs}


@dataclass(frozen=True)
class Settings:
    """What the planner needs besides the policy and the issue: who the bot is, its templates,
    who may approve each gate (usernames, groups resolved by the runner), the EMs the
    assignment pre-pass chose (`assignments_for`), and, for a run that remembers plans, the
    digest of all this and the policy (`plan_memory.run_digest`; "" remembers nothing)."""

    bot: str
    templates: Templates
    approvers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    assignments: Mapping[tuple[str, int], str] = field(default_factory=dict)
    digest: str = ""
    # Who GitLab shows as members of the scope (lower-case usernames, read by the runner): only
    # they are mentioned from the data block. None: not read, so no one from it is mentioned.
    members: frozenset[str] | None = None


def plan(
    policy: Policy, snapshots: Iterable[IssueSnapshot], now: datetime, settings: Settings
) -> Plan:
    """Plan every issue; the order of `snapshots` does not change any issue's plan."""
    issues = list(snapshots)
    settings = replace(settings, assignments=assignments_for(policy, issues))
    return Plan(tuple(plan_issue(policy, issue, now, settings) for issue in issues))


def after(issue: IssueSnapshot, issue_plan: IssuePlan, at: datetime, bot: str) -> IssueSnapshot:
    """The issue as GitLab will show it once the plan is applied at `at`: labels, state,
    assignees, and (where they were read) the label events the bot's changes add."""
    labels = (set(issue.labels) | set(issue_plan.add_labels)) - set(issue_plan.remove_labels)
    state = {"close": "closed", "reopen": "opened"}.get(issue_plan.state_event or "", issue.state)
    assignees = issue_plan.assign if issue_plan.assign is not None else issue.assignees
    later = issue.edited(labels, state, assignees)
    if issue_plan.has_changes:
        later = later.changed(updated_at=at)
    if issue.label_events is None:
        return later
    events = (
        *issue.label_events,
        *(LabelEvent(bot, label, "remove", at) for label in issue_plan.remove_labels),
        *(LabelEvent(bot, label, "add", at) for label in issue_plan.add_labels),
    )
    return later.changed(label_events=events)


def assignments_for(policy: Policy, issues: Iterable[IssueSnapshot]) -> dict[tuple[str, int], str]:
    """The EM each unassigned open issue gets (needs the whole listing: loads are balanced)."""
    return assign(policy.assignment, issues)


def plan_issue(
    policy: Policy, issue: IssueSnapshot, now: datetime, settings: Settings
) -> IssuePlan:
    base = IssuePlan(issue.project, issue.iid, issue.title, issue.web_url)
    em = settings.assignments.get((issue.project, issue.iid))
    recalled = recall(issue, now, settings.digest, em)
    if recalled is True:
        return replace(base, recalled=True, holds_until=issue.quiet.until if issue.quiet else None)
    if recalled:
        return replace(base, needs=recalled)
    planner = _Planner(policy, issue, now, settings)
    try:
        made = planner.run(base)
    except NeedDetail as need:
        made = replace(base, needs=frozenset({need.detail}))
    except TemplateProblem as problem:
        made = replace(base, error=f"template: {problem}")
    except Exception as error:  # a bug met on one issue's data: the others go on
        made = replace(
            base,
            error=f"could not be planned: {type(error).__name__}: {error} "
            "(a bug in ps-triage: please report it with this issue's data block)",
        )
    return replace(made, holds_until=planner.moment.until)


class _Planner:
    def __init__(
        self, policy: Policy, issue: IssueSnapshot, now: datetime, settings: Settings
    ) -> None:
        self.policy = policy
        self.life = policy.lifecycle
        self.issue = issue
        # the only way the plan reads the time; its dates are the team's (calendar.time_zone)
        self.moment = Moment(policy.calendar.local(now))
        self.settings = settings
        self.prefix = f"{self.life.label_prefix}::"
        self.draft = Draft(labels=set(issue.labels), state=issue.state, assignees=issue.assignees)

    def current(self) -> IssueSnapshot:
        """The issue as it will be once the draft is applied."""
        return self.issue.edited(self.draft.labels, self.draft.state, self.draft.assignees)

    def facts(self, issue: IssueSnapshot, stage: str | None) -> Facts:
        cal = self.policy.calendar
        return Facts(
            issue,
            self.moment,
            stage,
            self.life.label_prefix,
            cal.fiscal_year_start_month,
            self.policy.days_off(issue.assignees[0] if issue.assignees else None),
            self.policy.rates,
            cal.quarter_end_business_days,
            self.settings.bot,
            self.settings.members,
        )

    def run(self, base: IssuePlan) -> IssuePlan:
        self.normalise_spellings()
        self.check_gates()
        self.check_emoji_approvals()
        stage, problem = self.resolve_stage()
        if problem:
            return replace(base, error=problem)
        self.check_unexpected_move(stage)
        self.assign_em()
        if problem:
            return replace(base, error=problem)
        original_stage = stage
        fired: list[str] = []
        for _ in range(len(self.life.stages) + 1):
            move = self.next_transition(stage)
            if move is None:
                break
            transition, outcome = move
            self.apply_transition(transition, stage, outcome)
            fired.append(transition.id)
            stage = transition.to
            if stage in self.life.terminal():
                break
        for rule in self.policy.rules:
            if rule.stages is not None and (stage or NO_STAGE) not in rule.stages:
                continue
            # Each rule sees what the rules before it did (a label set by one can concern the
            # next), so one run reaches the state a second run would.
            current = self.current()
            facts = self.facts(current, stage)
            outcome = rule.when.evaluate(facts)
            if not outcome.met:
                continue
            # The stage began now only if this run adds its label; otherwise GitLab's label events
            # say when (a chain can end in a stage whose label the issue already carried).
            adds_label = stage is not None and self.life.label(stage) not in self.issue.labels
            entered = (
                self.moment.exact()
                if fired and adds_label
                else self.facts(self.issue, stage).stage_started
            )
            context = template_context(self.policy, current, stage, why=outcome.saw, rule=rule.id)
            since = facts.last_human_activity() or current.updated_at
            context["last_activity"] = Trusted(since.strftime("%Y-%m-%d"))
            step = Step(rule.id, "rule", context, entered)
            for action in rule.actions:
                action.apply(self.draft, facts, step)
            self.draft.reasons.append(f"{rule.id}: in {stage or NO_STAGE}, {outcome.saw}")
        return self.finish(base, original_stage)

    # before the lifecycle: spellings, approvals, the EM ------------------------------------

    def normalise_spellings(self) -> None:
        """Legacy spellings (`TA:Approved`) become the scoped label. A gated label's adder is
        checked on the legacy spelling too, so a misspelling is no way around a gate."""
        for legacy, canonical in self.policy.label_aliases.items():
            if legacy in self.draft.labels:
                self.draft.labels.discard(legacy)
                add_label(self.draft, canonical)
                self.draft.reasons.append(f"spelling: {legacy} -> {canonical}")

    def check_gates(self) -> None:
        for gate in self.policy.approvals:
            names = spellings(gate, self.policy.label_aliases)
            present = names & set(self.issue.labels)
            if not present:
                continue
            events = self.issue.label_events
            if events is None:
                raise NeedDetail("label_events")
            attempt = last_setting(present, events)
            refused = self.refused_because(gate, names, attempt, events)
            if refused is None:
                continue
            self.draft.labels.difference_update(names)
            source = stage_when_set(events, self.prefix, attempt)
            if gate.refuse_to:
                add_label(self.draft, gate.refuse_to)
            elif gate.label.startswith(self.prefix) and source != NO_STAGE:
                back = self.stage_to_move_back_to(gate, attempt, events, source)
                if back is not None:
                    add_label(self.draft, back)  # moved back where it came from
            who = f"@{attempt.actor}" if attempt.actor else "someone GitLab has no record of"
            why = {
                "stage": f"not from {', '.join(gate.from_ or [])}",
                "bot": "no approver's approval on record",
            }.get(refused, "not an approver")
            self.draft.reasons.append(f"gate {gate.id}: {gate.label} set by {who}, {why}")
            self.refusal(gate, attempt.actor, attempt.label, attempt.at, refused, source)

    def stage_to_move_back_to(
        self, gate: Gate, attempt: Attempt, events: tuple[LabelEvent, ...], source: str
    ) -> str | None:
        """The label of the stage a refused move came from; when another gate's label and its
        own setting did not count either, where that gate sends it instead (never back into
        an approval nobody gave)."""
        for _ in range(len(self.policy.approvals)):
            back = self.life.label(source)
            other = next(
                (
                    g
                    for g in self.policy.approvals
                    if g is not gate and back in self.spellings_of(g)
                ),
                None,
            )
            if other is None:
                return back
            names = self.spellings_of(other)
            prior = last_setting(names, events, before=attempt)
            if self.refused_because(other, names, prior, events) is None:
                return back
            if other.refuse_to:
                return other.refuse_to
            source = stage_when_set(events, self.prefix, prior)
            if source == NO_STAGE:
                return None
            gate, attempt = other, prior
        return None

    def refused_because(
        self,
        gate: Gate,
        names: set[str],
        attempt: Attempt,
        events: tuple[LabelEvent, ...],
        depth: int = 0,
    ) -> str | None:
        """Why a setting of a gated label does not count (`actor`, `stage`, `bot`), or None."""
        approvers = self.settings.approvers.get(gate.id, frozenset())
        if attempt.actor is None or attempt.at is None:
            return "actor"
        if attempt.actor == self.settings.bot:
            return (
                None
                if depth < 20 and self.bot_had_reason(gate, names, attempt, events, depth)
                else "bot"
            )
        if attempt.actor.lower() not in approvers:
            return "actor"
        if gate.from_ is not None:
            source = stage_when_set(events, self.prefix, attempt)
            if source not in gate.from_:
                return "stage"
            # From a gated stage only when that stage's own setting counted.
            back = self.life.label(source)
            other = next(
                (
                    g
                    for g in self.policy.approvals
                    if g is not gate and back in self.spellings_of(g)
                ),
                None,
            )
            if other is not None:
                names = self.spellings_of(other)
                prior = last_setting(names, events, before=attempt)
                if depth >= 20 or self.refused_because(other, names, prior, events, depth + 1):
                    return "stage"
        return None

    def bot_had_reason(
        self,
        gate: Gate,
        names: set[str],
        attempt: Attempt,
        events: tuple[LabelEvent, ...],
        depth: int,
    ) -> bool:
        """The bot's own setting counts only when GitLab's data shows why it made it, data
        the bot's token cannot forge: it normalised a legacy spelling an approver wrote, it put
        back a stage whose earlier setting counted when it refused a move out of it, or it
        followed an approver's emoji on its request. Anything else (a pipeline run with the
        token, a hand-made request) is refused like anyone's setting."""
        assert attempt.at is not None
        removed = removed_with(events, attempt)
        legacy = (removed & names) - {attempt.label}
        if legacy:  # normalised: the legacy spelling's own setting must count
            prior = last_setting(legacy, events, before=attempt)
            if self.refused_because(gate, names, prior, events, depth + 1) is None:
                return True
        gated = {n for g in self.policy.approvals if g is not gate for n in self.spellings_of(g)}
        if removed & gated:  # put back when a move out of this stage was refused
            prior = last_setting(names, events, before=attempt)
            if self.refused_because(gate, names, prior, events, depth + 1) is None:
                return True
        return self.emoji_on_record(gate, attempt.at)

    def spellings_of(self, gate: Gate) -> set[str]:
        return spellings(gate, self.policy.label_aliases)

    def emoji_on_record(self, gate: Gate, at: datetime) -> bool:
        """An approver's emoji on the bot's latest request (rule `emoji.note_of`) before `at`,
        awarded no later than `at`: the approval the bot acted on when it set the label."""
        if gate.emoji is None:
            return False
        requests = [
            n
            for n, m in self.bot_notes()
            if m.key.startswith(f"{gate.emoji.note_of}/") and n.created_at <= at
        ]
        if not requests:
            return False
        note = max(requests, key=lambda n: (n.created_at, n.id))
        if note.id not in self.issue.note_awards:
            raise NeedDetail(f"awards:{note.id}")
        approvers = self.settings.approvers.get(gate.id, frozenset())
        valid, _ = emoji_approval(self.issue.note_awards[note.id], gate.emoji.name, approvers)
        return valid is not None and valid.created_at <= at

    def refusal(
        self,
        gate: Gate,
        actor: str | None,
        label: str,
        at: datetime | None,
        reason: str = "actor",
        source: str = NO_STAGE,
    ) -> None:
        context = template_context(self.policy, self.issue, None, why=f"{label} set by {actor}")
        context["attempt"] = {
            "gate": Trusted(gate.id),
            "label": Trusted(gate.label if label.startswith(":") else label),
            "actor": actor,
            "at": Trusted(at.strftime("%Y-%m-%d %H:%M UTC")) if at else None,
            "approvers": [Trusted(name) for name in (*gate.users, *gate.groups)],
            "reason": Trusted(reason),
            "stage": Trusted(source) if source != NO_STAGE else None,
            "from": [Trusted(name) for name in gate.from_ or []],
            "min_role": Trusted(ROLES.get(gate.min_access_level, str(gate.min_access_level))),
        }
        self.draft.comments.append(
            CommentRequest(
                gate.comment.template,
                f"refused/{gate.id}",
                gate.comment.internal,
                f"gate {gate.id}",
                context,
                "rule",
            )
        )

    def check_emoji_approvals(self) -> None:
        """An approver's emoji on the bot's note of rule `emoji.note_of` sets the gated label."""
        stages = [
            label.removeprefix(self.prefix)
            for label in self.draft.labels
            if label.startswith(self.prefix)
        ]
        stage = stages[0] if len(stages) == 1 else None
        for gate in self.policy.approvals:
            if gate.emoji is None or gate.label in self.draft.labels:
                continue
            rule = next((r for r in self.policy.rules if r.id == gate.emoji.note_of), None)
            if rule is None or (rule.stages is not None and (stage or NO_STAGE) not in rule.stages):
                continue
            note = next(
                (
                    n
                    for n, m in reversed(self.bot_notes())
                    if m.key.startswith(f"{rule.id}/") and m.superseded is None
                ),
                None,
            )
            if note is None:
                continue
            if note.id not in self.issue.note_awards:
                raise NeedDetail(f"awards:{note.id}")
            approvers = self.settings.approvers.get(gate.id, frozenset())
            valid, others = emoji_approval(
                self.issue.note_awards[note.id], gate.emoji.name, approvers
            )
            if valid is not None:
                add_label(self.draft, gate.label)
                self.draft.reasons.append(
                    f"gate {gate.id}: approved by @{valid.user} with :{gate.emoji.name}:"
                )
            for award in others:
                self.refusal(gate, award.user, f":{gate.emoji.name}:", award.created_at)

    def check_unexpected_move(self, stage: str | None) -> None:
        """One note for a move by people that no transition allows; never reverted (a move
        into a gated stage is the gate's business)."""
        spec, lookback = self.life.unexpected_move_comment, self.life.unexpected_move_lookback_days
        if spec is None or self.moment.days_since(self.issue.updated_at, [lookback]) > lookback:
            return
        events = self.issue.label_events
        if events is None:
            raise NeedDetail("label_events")
        move = last_move_by_people(events, self.prefix, self.settings.bot, self.issue.created_at)
        if move is None or self.moment.days_since(move.at, [lookback]) > lookback:
            return
        gated = {gate.label for gate in self.policy.approvals}
        if (
            move.source == move.target
            or (move.source, move.target) in self.life.edges()
            or self.life.label(move.target) in gated
        ):
            return
        allowed = sorted(target for source, target in self.life.edges() if source == move.source)
        context = template_context(
            self.policy, self.issue, stage, why=f"{move.source} -> {move.target}"
        )
        # The move's stages come from label events: names no stage of the policy has are data.
        stages = {NO_STAGE, *self.life.stage_ids()}

        def named(stage: str, text: str) -> str:
            return Trusted(text) if stage in stages else text

        context["move"] = {
            "user": move.user,
            "at": Trusted(move.at.strftime("%Y-%m-%d %H:%M UTC")),
            "source": named(move.source, move.source),
            "target": named(move.target, move.target),
            "source_label": named(move.source, self.life.label(move.source))
            if move.source != NO_STAGE
            else None,
            "target_label": named(move.target, self.life.label(move.target)),
            "allowed": [Trusted(self.life.label(t)) for t in allowed],
        }
        self.draft.reasons.append(
            f"unexpected move: {move.source} -> {move.target} by @{move.user}"
        )
        self.draft.comments.append(
            CommentRequest(
                spec.template, "unexpected-move", spec.internal, "unexpected-move", context, "rule"
            )
        )

    def assign_em(self) -> None:
        em = self.settings.assignments.get((self.issue.project, self.issue.iid))
        if em and not self.draft.assignees:
            self.draft.assignees = (em,)
            self.draft.reasons.append(f"assignment: @{em} (fewest open issues in the segment pool)")

    # stage ------------------------------------------------------------------------------

    def resolve_stage(self) -> tuple[str | None, str | None]:
        stage_labels = sorted(label for label in self.draft.labels if label.startswith(self.prefix))
        known = {self.life.label(s): s for s in self.life.stage_ids()}
        unknown = [label for label in stage_labels if label not in known]
        if unknown:
            return None, (
                f"unknown stage label {', '.join(unknown)}: add the stage to lifecycle.stages, "
                f"or relabel the issue with one of {', '.join(sorted(known))}"
            )
        if len(stage_labels) <= 1:
            return (known[stage_labels[0]] if stage_labels else None), None
        events = self.issue.label_events
        if events is None:
            raise NeedDetail("label_events")
        last_added = {
            e.label: e.created_at for e in events if e.action == "add" and e.label in stage_labels
        }
        winner = max(
            stage_labels, key=lambda label: (last_added.get(label, self.issue.created_at), label)
        )
        losers = [label for label in stage_labels if label != winner]
        self.draft.labels.difference_update(losers)
        self.draft.reasons.append(
            f"{CONFLICT_KEY}: kept {winner} (added last), removed {', '.join(losers)}"
        )
        if self.life.conflict_comment:
            context = template_context(
                self.policy,
                self.issue,
                known[winner],
                why=f"kept {winner}, removed {', '.join(losers)}",
            )
            context["kept"] = Trusted(winner)
            context["removed"] = [Trusted(label) for label in losers]
            self.draft.comments.append(
                CommentRequest(
                    self.life.conflict_comment.template,
                    CONFLICT_KEY,
                    self.life.conflict_comment.internal,
                    CONFLICT_KEY,
                    context,
                    "rule",
                )
            )
        return known[winner], None

    def next_transition(self, stage: str | None) -> tuple[Transition, Outcome] | None:
        current = self.current()
        facts = self.facts(current, stage)
        candidates = [t for t in self.life.transitions if t.by == "bot" and self.leaves(t, stage)]
        for transition in sorted(candidates, key=lambda t: -t.priority):
            assert transition.when is not None
            outcome = transition.when.evaluate(facts)
            if outcome.met:
                if stage is not None and transition.priority <= 0 and self.held_by_people(stage):
                    return None
                return transition, outcome
        return None

    def held_by_people(self, stage: str) -> bool:
        """People put the issue in this stage with a move of their own (a re-estimate, a scope
        change, a rejected approval): the bot does not undo it until the issue is edited after
        that move. Only asked when a transition would fire, so it costs no reads otherwise."""
        if stage != next(
            (
                label.removeprefix(self.prefix)
                for label in self.issue.labels
                if label.startswith(self.prefix)
            ),
            None,
        ):
            return False  # a stage this run's own chain entered
        events = self.issue.label_events
        if events is None:
            raise NeedDetail("label_events")
        moves = [m for m in stage_moves(events, self.prefix) if m.target == stage]
        if not moves:
            return False
        move = moves[-1]
        people_edges = {
            (s, t.to)
            for t in self.life.transitions
            if t.by == "people"
            for s in self.life.sources(t)
        }
        if (
            not move.user
            or move.user == self.settings.bot
            or (move.source, move.target) not in people_edges
        ):
            return False
        notes = self.issue.notes
        if notes is None:
            raise NeedDetail("notes")
        edited = any(n.author != self.settings.bot and n.created_at > move.at for n in notes)
        if not edited:
            self.draft.reasons.append(
                f"held: @{move.user} moved it to {stage}; waiting for an edit before moving on"
            )
        return not edited

    def leaves(self, transition: Transition, stage: str | None) -> bool:
        if stage is None:
            return NO_STAGE in transition.from_ or ANY_OPEN in transition.from_
        if stage in transition.from_:
            return True
        return ANY_OPEN in transition.from_ and stage not in self.life.terminal()

    def apply_transition(self, transition: Transition, stage: str | None, outcome: Outcome) -> None:
        if stage is not None:
            self.draft.labels.discard(self.life.label(stage))
        self.draft.labels.add(self.life.label(transition.to))
        moved = self.current()
        context = template_context(
            self.policy,
            moved,
            transition.to,
            why=outcome.saw,
            transition=transition,
            previous=stage,
        )
        step = Step(transition.id, "transition", context, self.moment.exact())
        facts = self.facts(moved, transition.to)
        for action in transition.actions:
            action.apply(self.draft, facts, step)
        self.draft.reasons.append(
            f"{transition.id}: {stage or NO_STAGE} -> {transition.to} ({outcome.saw})"
        )

    # the difference ---------------------------------------------------------------------

    def finish(self, base: IssuePlan, original_stage: str | None) -> IssuePlan:
        before = set(self.issue.labels)
        add = tuple(sorted(self.draft.labels - before))
        remove = tuple(sorted(before - self.draft.labels))
        state_event = None
        if self.draft.state != self.issue.state:
            state_event = "close" if self.draft.state == "closed" else "reopen"
        comments: tuple[PlannedComment, ...] = ()
        edits: tuple[PlannedEdit, ...] = ()
        new_issues: tuple[PlannedIssue, ...] = ()
        if self.draft.comments or self.draft.issues:
            mine = self.bot_notes()
            comments, edits = self.comments(mine, original_stage)
            new_issues = self.new_issues(mine)
        return replace(
            base,
            add_labels=add,
            remove_labels=remove,
            state_event=state_event,
            assign=self.draft.assignees if self.draft.assignees != self.issue.assignees else None,
            comments=comments,
            edits=edits,
            new_issues=new_issues,
            reasons=tuple(self.draft.reasons),
        )

    def bot_notes(self) -> list[tuple[Note, Marker]]:
        """The bot's own marked notes, oldest first (markers on anyone else's are ignored)."""
        notes = self.issue.notes
        if notes is None:
            raise NeedDetail("notes")
        mine = [
            (n, m) for n in notes if n.author == self.settings.bot and (m := find_marker(n.body))
        ]
        return sorted(mine, key=lambda pair: (pair[0].created_at, pair[0].id))

    def links(self, mine: list[tuple[Note, Marker]]) -> dict[str, Trusted]:
        """The newest live note of each rule, by rule id: for templates that point at them."""
        return {
            m.key.split("/")[0]: Trusted(f"{self.issue.web_url}#note_{n.id}")
            for n, m in mine
            if m.superseded is None
        }

    def comments(
        self, mine: list[tuple[Note, Marker]], original_stage: str | None
    ) -> tuple[tuple[PlannedComment, ...], tuple[PlannedEdit, ...]]:
        planned: list[PlannedComment] = []
        edits: list[PlannedEdit] = []
        links = self.links(mine)
        for request in self.draft.comments:
            own_rule = request.key.split("/")[0]
            same_key = [(note, m) for note, m in mine if m.key == request.key]
            if request.once and same_key:
                continue
            if request.kind == "transition" and self.posted_since_stage_start(
                same_key, original_stage
            ):
                continue
            # What people read is what a revision is: a hash of the rendered text. Links to other
            # comments are left out of it (each is a fixed placeholder there): a note posted in
            # the same run has no id yet, and a link appearing later is not a new revision.
            stable = _placeholder_links(self.policy)
            hashed = _below(
                self.settings.templates.render(
                    request.template, {**request.context, "links": stable.get(own_rule, stable[""])}
                ),
                request.not_mentioned,
            )
            rev = revision({"template": request.template, "body": hashed})
            if not request.once and request.kind != "transition":
                live = [(note, m) for note, m in same_key if m.superseded is None]
                current = next((note for note, m in live if m.rev == rev), None)
                edits += [
                    PlannedEdit(
                        note.id,
                        request.key,
                        note.body,
                        current.id if current else None,
                        request.internal,
                    )
                    for note, m in live
                    if m.rev != rev
                ]
                if current is not None:
                    continue
            # Only a comment to post is rendered with its links to the other comments.
            others = {rule: url for rule, url in links.items() if rule != own_rule}
            body = _below(
                self.settings.templates.render(
                    request.template, {**request.context, "links": others}
                ),
                request.not_mentioned,
            )
            marker = Marker(request.key, rev, close_qtr=request.close_qtr)
            planned.append(
                PlannedComment(
                    request.key,
                    rev,
                    f"{marker}\n{body}",
                    request.internal,
                    request.origin,
                    request.template,
                )
            )
        return tuple(planned), tuple(edits)

    def posted_since_stage_start(
        self, same_key: list[tuple[Note, Marker]], original_stage: str | None
    ) -> bool:
        """Transition comments: posted once per entry into the stage. One already written since
        the issue entered its current stage is the same move, cut short before its label change
        (the comment is written first)."""
        if not same_key:
            return False
        since = self.facts(self.issue, original_stage).stage_started()
        return any(note.created_at >= since for note, _ in same_key)

    def new_issues(self, mine: list[tuple[Note, Marker]]) -> tuple[PlannedIssue, ...]:
        planned = []
        for request in self.draft.issues:
            link_key = f"{request.origin}/issue-link"
            if any(m.key == link_key for _, m in mine):
                continue
            token = "ps-triage-source-" + re.sub(
                r"[^a-z0-9]+", "-", f"{self.issue.project}-{self.issue.iid}".lower()
            )
            scoping = request.context.get("scoping") or {}
            customer = str(scoping.get("customer") or self.issue.title)
            body = self.settings.templates.render(
                request.template, {**request.context, "links": self.links(mine)}
            )
            title = f"{markdown_title(customer)} - Delivery hand-off"[:255]
            planned.append(
                PlannedIssue(
                    request.project,
                    title,
                    f"{body}\n<!-- {token} -->\n",
                    tuple(request.labels),
                    token,
                    link_key,
                    request.origin,
                )
            )
        return tuple(planned)


def _below(body: str, lines: Iterable[str]) -> str:
    """A rendered comment with the bot's own lines below it (each a paragraph)."""
    added = "\n\n".join(lines)
    return f"{body}\n{added}\n" if added else body


INTAKE_FIELDS = ("segment", "close_date", "opportunity", "people.sa", "people.ae", "line_items")


def missing_for_intake(issue: IssueSnapshot) -> list[Trusted]:
    """What a new scoping issue still lacks: an EM, the data block and its fields."""
    missing = [] if issue.assignees else [Trusted("an Engagement Manager (the assignee)")]
    block = issue.scoping
    if block.status == "missing":
        return [*missing, Trusted("the scoping data block (see the Scoping issue template)")]
    if block.data is None:
        return [*missing, Trusted("a readable scoping data block")]
    for name in INTAKE_FIELDS:
        value: Any = block.data
        for part in name.split("."):
            value = getattr(value, part, None)
        if value in (None, "", [], {}):
            missing.append(Trusted(f"`{name}` in the data block"))
    return missing


@last_answer
def _policy_context(policy: Policy) -> dict[str, Any]:
    """The parts of every template context that come from the policy alone, made once per
    policy (they are shared by the contexts: read them only)."""
    contacts = policy.contacts
    return {
        "contacts": {
            "approvers": [mention(n) for n in contacts.approvers],
            "delivery_team": [mention(n) for n in contacts.delivery_team],
            "technical_architects": [mention(n) for n in contacts.technical_architects],
        },
        "rules": {r.id: Trusted(r.description) for r in policy.rules},
        "sow": {key: Trusted(str(value)) for key, value in policy.sow.model_dump().items()},
    }


def template_context(
    policy: Policy,
    issue: IssueSnapshot,
    stage: str | None,
    *,
    why: str,
    rule: str | None = None,
    transition: Transition | None = None,
    previous: str | None = None,
) -> dict[str, Any]:
    """What every comment template sees. Values from the issue are escaped when rendered;
    `Trusted` ones (built by the bot or taken from the policy) are not."""
    life = policy.lifecycle
    return {
        **_issue_context(policy, issue, stage),
        "rule_description": _policy_context(policy)["rules"].get(rule, Trusted("")),
        "notify": [],  # set by a comment's `notify`
        "transition": None
        if transition is None
        else {
            "id": Trusted(transition.id),
            "from": Trusted(previous or NO_STAGE),
            "to": Trusted(transition.to),
            "from_label": Trusted(life.label(previous)) if previous else None,
            "to_label": Trusted(life.label(transition.to)),
            "description": Trusted(transition.description),
        },
        "rule": Trusted(rule) if rule else None,
        "why": why,
    }


@last_answer
def _placeholder_links(policy: Policy) -> dict[str, dict[str, Trusted]]:
    """By rule id: a fixed link to every other rule's comment (what a revision is hashed with);
    under "", to every rule's. Made once per policy (shared: read them only)."""
    ids = [r.id for r in policy.rules] + [t.id for t in policy.lifecycle.transitions]
    return {own: {rule: Trusted("#") for rule in ids if rule != own} for own in ["", *ids]}


@last_answer
def _issue_context(policy: Policy, issue: IssueSnapshot, stage: str | None) -> dict[str, Any]:
    """The parts of every template context that come from the issue in its stage, made once for
    the several comments of one issue's plan (they are shared by the contexts: read them only)."""
    life = policy.lifecycle
    static = _policy_context(policy)
    block = issue.scoping
    data = block.data
    priced, estimate_problems = (
        estimate(data, policy.rates) if data and data.line_items else (None, [])
    )
    quarter = (
        fiscal_quarter(data.close_date, policy.calendar.fiscal_year_start_month)
        if data and data.close_date
        else None
    )
    return {
        "customer": data.customer if data else issue.title,
        "people": {
            "em": issue.assignees[0] if issue.assignees else None,
            **(data.people if data else People()).model_dump(),  # every role, None when unknown
        },
        "estimate": priced.as_context() if priced else None,
        "close_quarter": Trusted(quarter.name) if quarter else None,
        "tasks": [{"text": t.text, "done": t.done} for t in issue.tasks],
        "missing": missing_for_intake(issue),
        "contacts": static["contacts"],
        "last_activity": Trusted(issue.updated_at.strftime("%Y-%m-%d")),  # refined by the planner
        "sow": static["sow"],
        "issue": {
            "title": issue.title,
            "iid": issue.iid,
            "ref": Trusted(issue.ref),
            "url": Trusted(issue.web_url),
            "author": issue.author,
            "assignees": list(issue.assignees),
            "labels": list(issue.labels),
        },
        "stage": Trusted(stage or NO_STAGE),
        "stage_label": Trusted(life.label(stage)) if stage else None,
        "scoping": block.data.model_dump(mode="json") if block.data else None,
        "problems": [
            {"line": p.line, "field": p.field, "message": p.message} for p in block.problems
        ]
        + [{"line": None, "field": "estimate", "message": text} for text in estimate_problems],
        "data_block_status": Trusted(block.status),
    }
