"""Approvals that count only when the right person gave them.

A gate is a label (`proposal::Approved`, `TA::Approved`, `proposal::Closed_Won`) with its
approvers, and for a stage label the stages it may be set from. Who set it comes from the
label's last `add` event, never from the label's presence. The bot's own setting counts only
when GitLab's own data shows why it set it, data its token cannot forge: an approver's emoji
on the bot's request awarded before it, a legacy spelling an approver wrote that it
normalised, or a stage it put back when it refused a move (whose earlier setting counted).
Pure functions over snapshots.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..issues.snapshot import Award, LabelEvent
from ..policy.model import NO_STAGE, Gate
from ..policy.requirements import Missing, missing_for
from ..render.markdown import Trusted, profile_url
from ..rules.actions import CommentRequest, add_label
from ..rules.facts import NeedDetail
from .context import template_context
from .state import PlanState

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
class Attempt:
    """The latest setting of a gated label (or of one of its legacy spellings)."""

    label: str
    actor: str | None  # None: GitLab holds no record of who added it
    at: datetime | None
    index: int | None = None  # its place among the issue's label events, in GitLab's order
    actor_id: int | None = None


def spellings(gate: Gate, aliases: dict[str, str]) -> set[str]:
    return {gate.label} | {
        legacy for legacy, canonical in aliases.items() if canonical == gate.label
    }


def in_order(events: tuple[LabelEvent, ...]) -> list[LabelEvent]:
    """GitLab lists events oldest first; of two at the same moment the later one is last."""
    return sorted(events, key=lambda e: e.created_at)


def request_of(ordered: list[LabelEvent], index: int) -> tuple[int, int]:
    """The events one request wrote with the event at `index` (GitLab writes them together:
    the same user, the same moment, next to each other): `ordered[lo:hi]`."""
    event = ordered[index]

    def same(other: LabelEvent) -> bool:
        return other.user == event.user and other.created_at == event.created_at

    lo, hi = index, index + 1
    while lo > 0 and same(ordered[lo - 1]):
        lo -= 1
    while hi < len(ordered) and same(ordered[hi]):
        hi += 1
    return lo, hi


def last_setting(
    present: set[str], events: tuple[LabelEvent, ...], before: Attempt | None = None
) -> Attempt:
    """The last `add` of one of `present`; only of those before the request that made
    `before`, when given."""
    ordered = in_order(events)
    end = len(ordered)
    if before is not None and before.index is not None:
        end = request_of(ordered, before.index)[0]
    adds = [i for i in range(end) if ordered[i].action == "add" and ordered[i].label in present]
    if not adds:
        return Attempt(sorted(present)[0], None, None)
    last = ordered[adds[-1]]
    return Attempt(last.label, last.user, last.created_at, adds[-1], last.user_id)


def stage_when_set(events: tuple[LabelEvent, ...], prefix: str, attempt: Attempt) -> str:
    """The stage the issue was in just before the request that made `attempt`: the stage
    its label was set from."""
    if attempt.index is None:
        return NO_STAGE
    ordered = in_order(events)
    stage = NO_STAGE
    for event in ordered[: request_of(ordered, attempt.index)[0]]:
        if not event.label.startswith(prefix):
            continue
        name = event.label[len(prefix) :]
        if event.action == "add":
            stage = name
        elif stage == name:
            stage = NO_STAGE
    return stage


def removed_with(events: tuple[LabelEvent, ...], attempt: Attempt) -> set[str]:
    """Labels the request that made `attempt` removed."""
    if attempt.index is None:
        return set()
    ordered = in_order(events)
    lo, hi = request_of(ordered, attempt.index)
    return {e.label for e in ordered[lo:hi] if e.action == "remove"}


def emoji_approval(
    awards: tuple[Award, ...],
    name: str,
    approver: Callable[[str | None, int | None], bool],
    since: datetime | None = None,
) -> tuple[Award | None, list[Award]]:
    """(the first award by an approver, the awards by anyone else) of emoji `name`. With
    `since` (when the note's text was last saved), an approver's award from before then does
    not count: it was given on other text (an edited marker, another revision)."""
    named = sorted((a for a in awards if a.name == name), key=lambda a: a.created_at)
    valid = next(
        (
            a
            for a in named
            if approver(a.user, a.user_id) and (since is None or a.created_at >= since)
        ),
        None,
    )
    return valid, [a for a in named if not approver(a.user, a.user_id)]


class Gates(PlanState):
    """A plan's part for the gates: a setting of a gated label that does not count is taken
    back (and said so); an approver's emoji on the bot's request sets it."""

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
            self.take_back(gate, names, attempt, events, refused)
        for gate in self.policy.approvals:
            if gate.size_ratio is not None and gate.label in self.draft.labels:
                self.check_size(gate, gate.size_ratio)
        # What an approval needs besides its approver, on the issue as the gates above leave it
        # (a TA::Approved set by no TA, or for a smaller estimate, is gone by now).
        for gate in self.policy.approvals:
            if not (gate.requires or gate.margin_waiver) or gate.label not in self.draft.labels:
                continue
            missing = self.unmet(gate)
            if missing:
                events = self.issue.label_events
                if events is None:
                    raise NeedDetail("label_events")
                names = self.spellings_of(gate)
                attempt = last_setting(names & set(self.issue.labels) or names, events)
                self.take_back(gate, names, attempt, events, "requires", missing)

    def check_size(self, gate: Gate, ratio: float) -> None:
        """A setting that counts is for the size it was given at: the net price the bot's
        newest note showed then. Grown past `ratio` times that, it is taken back (`refuse_to`)."""
        events = self.issue.label_events
        if events is None:
            raise NeedDetail("label_events")
        names = self.spellings_of(gate)
        attempt = last_setting(names & set(self.draft.labels) or names, events)
        facts = self.facts(self.current(), None)
        reviewed = facts.net_shown_at(attempt.at) if attempt.at else None
        priced, _ = facts.estimate()
        limit = reviewed * Decimal(str(ratio)) if reviewed is not None else None
        if priced is None or limit is None or priced.net_price <= limit:
            return
        size = {
            "reviewed": Trusted(facts.amount(reviewed or Decimal(0))),
            "now": Trusted(facts.amount(priced.net_price)),
            "ratio": Trusted(f"{ratio:g}"),
        }
        self.take_back(gate, names, attempt, events, "size", size=size)

    def unmet(self, gate: Gate, emoji: Award | None = None) -> Missing:
        """What the gate's `requires` says is missing on the issue as the draft leaves it. A
        margin waiver counts only when the approver it names gave it in GitLab (`waiver_given`;
        `emoji`: the approver's award being counted)."""
        stages = [
            label.removeprefix(self.prefix)
            for label in self.draft.labels
            if label.startswith(self.prefix)
        ]
        facts = self.facts(self.current(), stages[0] if len(stages) == 1 else None)
        data = self.issue.scoping.data
        if gate.margin_waiver and data is not None and data.margin_waiver is not None:
            by = data.margin_waiver.by.lower()
            priced, _ = facts.estimate()
            if priced is not None and priced.below_floor:
                named = by in self.approvers().get(gate.id, frozenset())
                given = named and self.waiver_given(gate, by, emoji)
                return missing_for(gate, facts, {gate.id: frozenset({by} if given else ())})
        # No waiver to judge (none named, or none needed): `missing_for` asks no approver.
        return missing_for(gate, facts, {})

    def waiver_given(self, gate: Gate, by: str, emoji: Award | None) -> bool:
        """Whether `by` gave the margin waiver the data block names them for, in GitLab (anyone
        can write their name in the description): their emoji being counted, their own setting
        of the gate's label, a note of their own on the issue, or their emoji on the bot's
        approval request."""
        by_id = self.approver_ids().get(by)

        def is_by(name: str | None, user_id: int | None) -> bool:
            if by_id is not None and user_id is not None:
                return user_id == by_id
            return by_id is None and (name or "").lower() == by

        if emoji is not None and is_by(emoji.user, emoji.user_id):
            return True
        events = self.issue.label_events
        if events is None:
            raise NeedDetail("label_events")
        names = self.spellings_of(gate)
        if any(e.action == "add" and e.label in names and is_by(e.user, e.user_id) for e in events):
            return True
        notes = self.issue.notes
        if notes is None:
            raise NeedDetail("notes")
        if any(n.author.lower() == by and not n.system for n in notes):
            return True
        if gate.emoji is None:
            return False
        live = [
            n
            for n, m in self.bot_notes()
            if m.key.startswith(f"{gate.emoji.note_of}/") and m.superseded is None
        ]
        if not live:
            return False
        note = live[-1]  # the latest request, as an approval by emoji reads it
        if note.id not in self.issue.note_awards:
            raise NeedDetail(f"awards:{note.id}")
        return any(
            a.name == gate.emoji.name
            and is_by(a.user, a.user_id)
            and a.created_at >= note.edited_at
            for a in self.issue.note_awards[note.id]
        )

    def take_back(
        self,
        gate: Gate,
        names: set[str],
        attempt: Attempt,
        events: tuple[LabelEvent, ...],
        refused: str,
        missing: Missing | None = None,
        size: dict[str, Trusted] | None = None,
    ) -> None:
        """A setting of a gated label that does not count: removed, the stage it came from (or
        `refuse_to`) put back, and one note saying why."""
        self.draft.labels.difference_update(names)
        source = stage_when_set(events, self.prefix, attempt)
        back = None
        if gate.label.startswith(self.prefix) and source != NO_STAGE:
            # A refused move goes back where it came from (its label events say where),
            # never to a fixed stage the deal may not have reached.
            back = self.stage_to_move_back_to(gate, attempt, events, source)
        if back is not None:
            add_label(self.draft, back)
        elif gate.refuse_to:
            add_label(self.draft, gate.refuse_to)
        terminal = {self.life.label(s) for s in self.life.terminal()}
        if self.draft.state == "closed" and gate.label in terminal and back not in terminal:
            # Closed with a terminal stage that did not count: the deal is open again (in the
            # stage put back), never left closed in an open stage or in none.
            self.draft.state = "opened"
            self.draft.reasons.append(f"gate {gate.id}: reopened (closed as {gate.label})")
        who = f"@{attempt.actor}" if attempt.actor else "someone GitLab has no record of"
        why = {
            "stage": f"not from {', '.join(gate.from_ or [])}",
            "bot": "no approver's approval on record",
            "requires": f"missing {'; '.join(missing.named() if missing else [])}",
            "size": f"given for {(size or {}).get('reviewed')}, now {(size or {}).get('now')}",
        }.get(refused, "not an approver")
        self.draft.reasons.append(f"gate {gate.id}: {gate.label} set by {who}, {why}")
        self.refusal(
            gate,
            attempt.actor,
            attempt.label,
            attempt.at,
            refused,
            source,
            back,
            missing,
            {"size": size} if size else None,
        )

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
        if attempt.actor is None or attempt.at is None:
            return "actor"
        if attempt.actor == self.settings.bot:
            return (
                None
                if depth < 20 and self.bot_had_reason(gate, names, attempt, events, depth)
                else "bot"
            )
        if not self.approver_of(gate)(attempt.actor, attempt.actor_id):
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

    def approvers(self) -> Mapping[str, frozenset[str]]:
        """Each gate's approvers, to judge someone against: the plan is then remembered with
        them (`judged`). May raise `NeedDetail("approvers")`: a run reads them only for a plan
        that asks."""
        self.judged = True
        return self.settings.approvers

    def approver_ids(self) -> Mapping[str, int]:
        """The approvers' user ids (see `approvers`)."""
        self.judged = True
        return self.settings.ids

    def approver_of(self, gate: Gate) -> Callable[[str | None, int | None], bool]:
        """Whether someone (username, user id) is one of the gate's approvers: by user id when
        the run resolved the approvers' ids (a username GitLab freed on a rename may be someone
        else's now), else by username. The approvers are looked at only when someone is
        judged (an emoji nobody gave needs none)."""

        def approver(name: str | None, user_id: int | None) -> bool:
            names = self.approvers().get(gate.id, frozenset())
            known = self.approver_ids()
            if known:
                return user_id is not None and user_id in {known[n] for n in names if n in known}
            return name is not None and name.lower() in names

        return approver

    def emoji_on_record(self, gate: Gate, at: datetime) -> bool:
        """An approver's emoji on the bot's latest request (rule `emoji.note_of`) before `at`,
        awarded no later than `at`: the approval the bot acted on when it set the label."""
        return self.emoji_acted_on(gate, at) is not None

    def approver_behind(
        self,
        gate: Gate,
        names: set[str],
        attempt: Attempt,
        events: tuple[LabelEvent, ...],
        depth: int = 0,
    ) -> tuple[str | None, datetime | None]:
        """Who gave the approval a setting stands for, and when: its author, or for the bot's own
        setting (as `bot_had_reason` reads it) the approver behind it: who wrote the legacy
        spelling it normalised, whose setting it put back after refusing a move out of the
        stage, or whose emoji on its request it followed."""
        if attempt.actor != self.settings.bot or attempt.at is None or depth >= 20:
            return attempt.actor, attempt.at
        removed = removed_with(events, attempt)
        legacy = (removed & names) - {attempt.label}
        gated = {n for g in self.policy.approvals if g is not gate for n in self.spellings_of(g)}
        if legacy or removed & gated:
            prior = last_setting(legacy or names, events, before=attempt)
            return self.approver_behind(gate, names, prior, events, depth + 1)
        award = self.emoji_acted_on(gate, attempt.at)
        return (award.user, award.created_at) if award else (None, None)

    def emoji_acted_on(self, gate: Gate, at: datetime) -> Award | None:
        """The approver's award `emoji_on_record` finds, or None."""
        if gate.emoji is None:
            return None
        requests = [
            n
            for n, m in self.bot_notes()
            if m.key.startswith(f"{gate.emoji.note_of}/") and n.created_at <= at
        ]
        if not requests:
            return None
        note = max(requests, key=lambda n: (n.created_at, n.id))
        if note.id not in self.issue.note_awards:
            raise NeedDetail(f"awards:{note.id}")
        # Edited before the bot acted: only an award given on the text as edited counts. (An
        # edit after it, a later revision superseding the request, changes nothing it saw.)
        since = note.edited_at if note.edited_at <= at else None
        valid, _ = emoji_approval(
            self.issue.note_awards[note.id], gate.emoji.name, self.approver_of(gate), since
        )
        return valid if valid is not None and valid.created_at <= at else None

    def given(self) -> dict[str, dict[str, Trusted | str]]:
        """By gate id, each approval that stands on the issue as the gates leave it, with its
        label on the issue before this run: `by` (the approver, also behind a label the bot
        set: `approver_behind`) and `at` (when, in the team's time zone). What a template shows as "who reviewed, and when"."""
        found: dict[str, dict[str, Trusted | str]] = {}
        for gate in self.policy.approvals:
            names = self.spellings_of(gate)
            present = names & set(self.issue.labels)
            if gate.label not in self.draft.labels or not present:
                continue
            events = self.issue.label_events
            if events is None:
                raise NeedDetail("label_events")
            by, at = self.approver_behind(gate, names, last_setting(present, events), events)
            if by and at:
                found[gate.id] = {"by": by, "at": Trusted(self.policy.calendar.stamp(at))}
        return found

    def refusal(
        self,
        gate: Gate,
        actor: str | None,
        label: str,
        at: datetime | None,
        reason: str = "actor",
        source: str = NO_STAGE,
        back: str | None = None,
        missing: Missing | None = None,
        extra: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> None:
        """One note saying why an approval does not count (`extra`: more for the template's
        `attempt`; `key`: a note of its own, posted once, instead of the gate's one refusal)."""
        context = template_context(
            self.policy, self.issue, None, why=f"{label} set by {actor}", memo=self.settings.memo
        )
        context["attempt"] = {
            "gate": Trusted(gate.id),
            "label": Trusted(gate.label if label.startswith(":") else label),
            "actor": actor,
            "at": Trusted(self.policy.calendar.stamp(at)) if at else None,
            "approvers": [Trusted(name) for name in (*gate.users, *gate.groups)],
            # their GitLab pages, to link the names by: a link notifies no one (issue 32.7)
            "profiles": {
                name: url
                for name in (actor, *gate.users, *gate.groups)
                if (url := profile_url(self.issue.web_url, self.issue.project, name))
            },
            "reason": Trusted(reason),
            "stage": Trusted(source) if source != NO_STAGE else None,
            "from": [Trusted(name) for name in gate.from_ or []],
            "min_role": Trusted(ROLES.get(gate.min_access_level, str(gate.min_access_level))),
            "min_level": gate.min_access_level,  # GitLab's number: a template names the role
            "back": Trusted(back) if back else None,  # the stage label put back, if any
            # the policy's words of each `requires` not met; below the margin floor without a
            # waiver: `margin_waiver`, worded by the template
            "missing": [Trusted(text) for text in (missing.requires if missing else ())],
            "margin_waiver": bool(missing and missing.margin_waiver),
            "size": None,  # `size_ratio` passed: `reviewed`, `now` (amounts), `ratio`
            "superseded": None,  # an award on a replaced request: see planner/awards.py
            **(extra or {}),
        }
        self.draft.comments.append(
            CommentRequest(
                template=gate.comment.template,
                key=key or f"refused/{gate.id}",
                internal=gate.comment.internal,
                origin=f"gate {gate.id}",
                context=context,
                kind="rule",
                once=key is not None,
            )
        )
