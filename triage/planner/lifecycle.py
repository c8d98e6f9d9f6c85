"""The lifecycle of one issue: its stage, the bot transitions chained from it, the rules on the
resulting state, and the difference from the issue as it is (see the package's notes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..errors import TemplateProblem
from ..issues.snapshot import IssueSnapshot, LabelEvent
from ..policy.model import ANY_OPEN, NO_STAGE, Policy, Transition
from ..render.markdown import Trusted
from ..rules.actions import CommentRequest, Step, add_label
from ..rules.conditions import Outcome
from ..rules.facts import NeedDetail
from ..rules.moves import last_move_by_people, stage_moves
from .assignment import assign
from .awards import EmojiApprovals
from .comments import Comments
from .context import template_context
from .memory import recall
from .records import IssuePlan, Plan, PlannedComment, PlannedEdit, PlannedIssue, Settings

CONFLICT_KEY = "stage-conflict"


def plan(
    policy: Policy, snapshots: Iterable[IssueSnapshot], now: datetime, settings: Settings
) -> Plan:
    """Plan every issue; the order of `snapshots` does not change any issue's plan."""
    issues = list(snapshots)
    settings = replace(settings, assignments=assignments_for(policy, issues, settings.members))
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


def assignments_for(
    policy: Policy, issues: Iterable[IssueSnapshot], members: frozenset[str] | None = None
) -> dict[tuple[str, int], str]:
    """The EM each unassigned open issue gets (needs the whole listing: loads are balanced),
    among the pool's people GitLab shows as members of the scope (`members`; None: all)."""
    return assign(policy.assignment, issues, members)


def plan_issue(
    policy: Policy, issue: IssueSnapshot, now: datetime, settings: Settings
) -> IssuePlan:
    recalled = recall(issue, now, settings)
    if recalled is True:  # most issues of a settled run: made at once, not copied
        return IssuePlan(
            project=issue.project,
            iid=issue.iid,
            title=issue.title,
            web_url=issue.web_url,
            recalled=True,
            holds_until=issue.quiet.until if issue.quiet else None,
        )
    base = IssuePlan(project=issue.project, iid=issue.iid, title=issue.title, web_url=issue.web_url)
    if recalled:
        return replace(base, needs=recalled)
    planner = _Planner(policy, issue, now, settings)
    try:
        made = planner.run(base)
    except NeedDetail as need:
        made = replace(base, needs=need.details)
    except TemplateProblem as problem:
        made = replace(base, error=f"template: {problem}")
    except Exception as error:  # a bug met on one issue's data: the others go on
        made = replace(
            base,
            error=f"could not be planned: {type(error).__name__}: {error} "
            "(a bug in ps-triage: please report it with this issue's data block)",
        )
    return replace(made, holds_until=planner.moment.until, judged=planner.judged)


class _Planner(EmojiApprovals, Comments):
    # The context of this run's unexpected-move note, for the stage this run moves it on to.
    unexpected: dict[str, Any] | None = None

    def run(self, base: IssuePlan) -> IssuePlan:
        if self.issue.state != "opened":
            return self.run_closed(base)
        self.normalise_spellings()
        self.check_gates()
        self.check_emoji_approvals()
        stage, problem = self.resolve_stage()
        if problem:
            return replace(base, error=problem)
        self.check_unexpected_move(stage)
        self.assign_em()
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
        moved = self.unexpected
        if moved is not None and moved["then"] is None and stage and stage != original_stage:
            moved["then"] = Trusted(self.life.label(stage))
        self.run_rules(stage)
        return self.finish(base, original_stage)

    def run_closed(self, base: IssuePlan) -> IssuePlan:
        """A closed issue: its gated labels pass the same gates as on an open one (a refused
        terminal stage put back to an open one reopens it), and a terminal stage whose wrap-up
        has not run since the issue entered it (a person closed it with that label) gets it:
        the stage's rules run as on the open issue, which stays closed. Nothing else: no
        transition and no other rule acts on a closed issue."""
        self.normalise_spellings()
        self.check_gates()
        stage, problem = self.resolve_stage()
        if problem:
            return replace(base, error=problem)
        if (
            self.draft.state == "closed"
            and stage in self.life.terminal()
            and self.wrap_up_due(stage)
        ):
            self.draft.state = "opened"  # the wrap-up's rules see the deal as they would have
            self.run_rules(stage)
            self.draft.state = "closed"
        return self.finish(base, stage)

    def wrap_up_due(self, stage: str) -> bool:
        """No note of the stage's rules by the bot since the issue entered the stage (after the
        stage it came from was set): its wrap-up never ran."""
        rules = [r.id for r in self.policy.rules if r.stages is not None and stage in r.stages]
        if not rules:
            return False
        events = self.issue.label_events
        if events is None:
            raise NeedDetail("label_events")
        label = self.life.label(stage)
        ordered = sorted(events, key=lambda e: e.created_at)
        adds = [i for i, e in enumerate(ordered) if e.action == "add" and e.label == label]
        if not adds:
            return False  # the label was never added as GitLab records it: nothing to wrap up
        since = max(
            (
                e.created_at
                for e in ordered[: adds[-1]]
                if e.action == "add" and e.label.startswith(self.prefix) and e.label != label
            ),
            default=self.issue.created_at,
        )
        return not any(
            n.created_at >= since and m.key.split("/", 1)[0] in rules for n, m in self.bot_notes()
        )

    def run_rules(self, stage: str | None) -> None:
        """The policy's rules on the state the transitions left."""
        approvals = self.given()
        for rule in self.policy.rules:
            if rule.stages is not None and (stage or NO_STAGE) not in rule.stages:
                continue
            # Each rule sees what the rules before it did (a label set by one can concern the
            # next), so one run reaches the state a second run would.
            current, adds_label = self.entered(stage)
            facts = self.facts(current, stage)
            outcome = rule.when.evaluate(facts)
            if not outcome.met:
                continue
            entered = (
                self.moment.exact() if adds_label else self.facts(self.issue, stage).stage_started
            )
            context = template_context(
                self.policy,
                current,
                stage,
                why=outcome.saw,
                reasons=outcome.reasons,
                rule=rule.id,
                memo=self.settings.memo,
            )
            context.update(outcome.found)  # what its condition found, for its comments
            since = facts.quiet_since()
            context["last_activity"] = Trusted(since.strftime("%Y-%m-%d"))
            context["approvals"] = approvals
            step = Step(origin=rule.id, kind="rule", context=context, stage_entered=entered)
            for action in rule.actions:
                action.apply(self.draft, facts, step)
            self.draft.reasons.append(f"{rule.id}: in {stage or NO_STAGE}, {outcome.saw}")

    def normalise_spellings(self) -> None:
        """Legacy spellings (`TA:Approved`) become the scoped label. A gated label's adder is
        checked on the legacy spelling too, so a misspelling is no way around a gate."""
        for legacy, canonical in self.policy.label_aliases.items():
            if legacy in self.draft.labels:
                self.draft.labels.discard(legacy)
                add_label(self.draft, canonical)
                self.draft.reasons.append(f"spelling: {legacy} -> {canonical}")

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
            self.policy,
            self.issue,
            stage,
            why=f"{move.source} -> {move.target}",
            memo=self.settings.memo,
        )
        # The move's stages come from label events: names no stage of the policy has are data.
        stages = {NO_STAGE, *self.life.stage_ids()}

        def named(stage: str, text: str) -> str:
            return Trusted(text) if stage in stages else text

        context["move"] = {
            "user": move.user,
            "at": Trusted(self.policy.calendar.stamp(move.at)),
            "source": named(move.source, move.source),
            "target": named(move.target, move.target),
            "source_label": named(move.source, self.life.label(move.source))
            if move.source != NO_STAGE
            else None,
            "target_label": named(move.target, self.life.label(move.target)),
            "allowed": [Trusted(self.life.label(t)) for t in allowed],
            # Where the bot's run after it moved the issue on (from its label events; this run's
            # own moves are added by `run`): the note says so, the same on every run.
            "then": next(
                (
                    Trusted(e.label)
                    for e in sorted(events, key=lambda e: e.created_at)
                    if e.user == self.settings.bot
                    and e.action == "add"
                    and e.label.startswith(self.prefix)
                    and e.created_at >= move.at
                    and e.label != self.life.label(move.target)
                ),
                None,
            ),
        }
        self.unexpected = context["move"]
        self.draft.reasons.append(
            f"unexpected move: {move.source} -> {move.target} by @{move.user}"
        )
        self.draft.comments.append(
            CommentRequest(
                template=spec.template,
                key="unexpected-move",
                internal=spec.internal,
                origin="unexpected-move",
                context=context,
                kind="rule",
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
                memo=self.settings.memo,
            )
            context["kept"] = Trusted(winner)
            context["removed"] = [Trusted(label) for label in losers]
            self.draft.comments.append(
                CommentRequest(
                    template=self.life.conflict_comment.template,
                    key=CONFLICT_KEY,
                    internal=self.life.conflict_comment.internal,
                    origin=CONFLICT_KEY,
                    context=context,
                    kind="rule",
                )
            )
        return known[winner], None

    def entered(self, stage: str | None) -> tuple[IssueSnapshot, bool]:
        """The issue as the draft leaves it, and whether this run adds its stage's label. The
        stage began now if it does (a transition, an approver's emoji, a gate sending the issue
        back), so its label events get that add; otherwise GitLab's label events say when (a
        chain can end in a stage whose label the issue already carried)."""
        current = self.current()
        adds_label = stage is not None and self.life.label(stage) not in self.issue.labels
        if adds_label and current.label_events is not None and stage is not None:
            now = self.moment.exact()
            added = LabelEvent(self.settings.bot, self.life.label(stage), "add", now)
            current = current.changed(label_events=(*current.label_events, added))
        return current, adds_label

    def next_transition(self, stage: str | None) -> tuple[Transition, Outcome] | None:
        # A stage this run entered began now: what happened in an earlier stay in it (the
        # signature request of an approval withdrawn since) is not this stay's.
        current, _ = self.entered(stage)
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
            reasons=outcome.reasons,
            transition=transition,
            previous=stage,
            memo=self.settings.memo,
        )
        context.update(outcome.found)  # what its condition found, for its comments
        step = Step(
            origin=transition.id,
            kind="transition",
            context=context,
            stage_entered=self.moment.exact(),
        )
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
        # Problems gone are looked for only where the notes are read anyway (no read of its own):
        # a fixed data block brings its estimate, the comment the fix was for.
        writes = bool(self.draft.comments or self.draft.issues)
        # A closed issue's rules did not run (only its gates and wrap-up): nothing is resolved.
        checked = self.issue.state == "opened" and (writes or self.issue.notes is not None)
        resolvable = self.resolvable_keys() if checked else []
        if writes or resolvable:
            mine = self.bot_notes()
            comments, edits = self.comments(mine, original_stage)
            edits += self.resolutions(mine, resolvable)
            new_issues = self.new_issues(mine)
        return replace(
            base,
            add_labels=add,
            remove_labels=remove,
            state_event=state_event,
            assign=self.draft.assignees if self.draft.assignees != self.issue.assignees else None,
            untick=tuple(sorted(self.draft.untick)),
            comments=comments,
            edits=edits,
            new_issues=new_issues,
            reasons=tuple(self.draft.reasons),
        )
