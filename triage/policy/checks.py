"""Checks of the lifecycle graph that a schema cannot express."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from ..emoji import canonical, is_emoji
from ..rules.actions import Comment
from ..rules.conditions import (
    All,
    Assignee,
    Condition,
    DataBlock,
    LabelAbsent,
    LabelPresent,
    LineItems,
    Not,
    State,
)
from .model import ANY_OPEN, NO_STAGE, Policy, approval_gates


@dataclass(frozen=True)
class GraphProblem:
    path: tuple[Any, ...]
    message: str
    fix: str


def _literals(condition: Condition | None) -> list[Condition]:
    """The conjuncts of a condition (flattening `all`)."""
    if condition is None:
        return []
    if isinstance(condition, All):
        return [lit for c in condition.all for lit in _literals(c)]
    return [condition]


def _contradict(a: Condition, b: Condition) -> bool:
    if (isinstance(a, Not) and a.not_ == b) or (isinstance(b, Not) and b.not_ == a):
        return True
    pairs = [(a, b), (b, a)]
    for x, y in pairs:
        if isinstance(x, LabelPresent) and isinstance(y, LabelAbsent) and x.label == y.no_label:
            return True
    same_kind = type(a) is type(b)
    if same_kind and isinstance(a, Assignee | LineItems) and isinstance(b, Assignee | LineItems):
        return a.model_dump() != b.model_dump()
    return same_kind and isinstance(a, State | DataBlock) and a.model_dump() != b.model_dump()


def exclusive(a: Condition | None, b: Condition | None) -> bool:
    """True when the two conditions can never hold together (provably, from their conjuncts)."""
    return any(_contradict(x, y) for x in _literals(a) for y in _literals(b))


def check_lifecycle(policy: Policy) -> list[GraphProblem]:
    life = policy.lifecycle
    problems: list[GraphProblem] = []
    stages = life.stage_ids()
    known = set(stages)
    terminal = life.terminal()

    def dup(kind: str, ids: list[str], where: tuple[Any, ...]) -> None:
        for name, count in Counter(ids).items():
            if count > 1:
                index = len(ids) - 1 - ids[::-1].index(name)
                problems.append(
                    GraphProblem(
                        (*where, index, "id"),
                        f"{kind} id '{name}' is used {count} times",
                        "give each one its own id",
                    )
                )

    dup("stage", stages, ("lifecycle", "stages"))
    dup("transition", [t.id for t in life.transitions], ("lifecycle", "transitions"))
    dup("rule", [r.id for r in policy.rules], ("rules",))

    sources = life.sources

    for i, t in enumerate(life.transitions):
        for j, name in enumerate(t.from_):
            if name not in known and name not in (NO_STAGE, ANY_OPEN):
                problems.append(
                    GraphProblem(
                        ("lifecycle", "transitions", i, "from", j),
                        f"unknown stage '{name}'",
                        _stage_fix(name, stages),
                    )
                )
        if t.to not in known:
            problems.append(
                GraphProblem(
                    ("lifecycle", "transitions", i, "to"),
                    f"unknown stage '{t.to}'",
                    _stage_fix(t.to, stages),
                )
            )
        if t.by == "bot" and sources(t) & terminal:
            problems.append(
                GraphProblem(
                    ("lifecycle", "transitions", i, "from"),
                    "the bot never moves an issue out of a terminal stage",
                    "make it `by: people`, or start from a non-terminal stage",
                )
            )
    for i, rule in enumerate(policy.rules):
        for j, name in enumerate(rule.stages or []):
            if name not in known and name != NO_STAGE:
                problems.append(
                    GraphProblem(
                        ("rules", i, "stages", j),
                        f"unknown stage '{name}'",
                        _stage_fix(name, stages),
                    )
                )
    gated = {gate.label for gate in policy.approvals}
    for i, t in enumerate(life.transitions):
        if t.by == "bot" and t.to in known and life.label(t.to) in gated:
            problems.append(
                GraphProblem(
                    ("lifecycle", "transitions", i, "to"),
                    f"{life.label(t.to)} is a gated label (`approvals`): the bot's own setting of "
                    "it counts only after an approver's approval, so it would be refused",
                    "make it `by: people`, or let the gate's `emoji` approval set it",
                )
            )
    for i, gate in enumerate(policy.approvals):
        for j, name in enumerate(gate.from_ or []):
            if name not in known:
                problems.append(
                    GraphProblem(
                        ("approvals", i, "from", j),
                        f"unknown stage '{name}'",
                        _stage_fix(name, stages),
                    )
                )
    if problems:
        return problems

    edges = sorted(life.edges())
    reachable, frontier = {NO_STAGE}, [NO_STAGE]
    while frontier:
        here = frontier.pop()
        for source, target in edges:
            if source == here and target not in reachable:
                reachable.add(target)
                frontier.append(target)
    for i, stage in enumerate(life.stages):
        if stage.id not in reachable:
            problems.append(
                GraphProblem(
                    ("lifecycle", "stages", i, "id"),
                    f"stage '{stage.id}' cannot be reached from an issue with no stage",
                    "add a transition into it (`by: people` if people make that move)",
                )
            )
        elif not stage.terminal and not any(source == stage.id for source, _ in edges):
            problems.append(
                GraphProblem(
                    ("lifecycle", "stages", i, "id"),
                    f"stage '{stage.id}' is not terminal but has no way out",
                    "add a transition from it, or mark it `terminal: true`",
                )
            )

    bot = [(i, t) for i, t in enumerate(life.transitions) if t.by == "bot"]
    for (_, a), (j, b) in combinations(bot, 2):
        shared = sources(a) & sources(b)
        if shared and a.priority == b.priority and not exclusive(a.when, b.when):
            where = ", ".join(sorted(shared))
            problems.append(
                GraphProblem(
                    ("lifecycle", "transitions", j, "when"),
                    f"transitions '{a.id}' and '{b.id}' can fire together from {where}",
                    "give one a higher `priority:` (it wins), or add `not:` of the other's condition",
                )
            )
    return problems


def check_approvers(policy: Policy) -> list[GraphProblem]:
    """Approvers are configured in the approval gate; `contacts.approvers`, when given, must name
    the same users and groups (the approval request mentions the one and counts the other's)."""
    gates = approval_gates(policy.approvals)
    if not gates:
        return []
    gated = list(dict.fromkeys(n for gate in gates for n in (*gate.users, *gate.groups)))
    contacts = policy.contacts.approvers
    if {n.lower() for n in contacts} == {n.lower() for n in gated}:
        return []
    where = ", ".join(f"'{gate.id}'" for gate in gates)
    missing = [n for n in gated if n.lower() not in {c.lower() for c in contacts}]
    extra = [n for n in contacts if n.lower() not in {g.lower() for g in gated}]
    said = []
    if missing:
        said.append(f"the gate also lets {', '.join(missing)} approve, who would not be asked")
    if extra:
        said.append(f"{', '.join(extra)} would be asked but cannot approve")
    return [
        GraphProblem(
            ("contacts", "approvers"),
            f"`contacts.approvers` disagrees with the approval gate {where}: " + "; ".join(said),
            "delete `contacts.approvers` (it is then the gate's users and groups), or make it"
            f" exactly: [{', '.join(gated)}]",
        )
    ]


def check_emoji_names(policy: Policy) -> list[GraphProblem]:
    """An approval emoji is named as GitLab stores it: GitLab keeps an award under the emoji's
    canonical name (`+1` is read back as `thumbsup`), so an alias would never match an award."""
    problems = []
    for i, gate in enumerate(policy.approvals):
        if gate.emoji is None:
            continue
        name, path = gate.emoji.name, ("approvals", i, "emoji", "name")
        if not is_emoji(name):
            problems.append(
                GraphProblem(
                    path,
                    f"'{name}' is not an emoji name GitLab knows",
                    "name a GitLab emoji, e.g. `thumbsup` (the names GitLab's emoji picker shows)",
                )
            )
        elif canonical(name) != name:
            problems.append(
                GraphProblem(
                    path,
                    f"GitLab stores :{name}: as :{canonical(name)}:, the name its awards are read by",
                    f"write `name: {canonical(name)}`",
                )
            )
    return problems


def check_changes_since(policy: Policy) -> list[GraphProblem]:
    """A comment's `changes_since` names a rule whose `once_per: estimate` notes record what each
    SoW revision showed (no other note records it: the comment would never show a change)."""
    recording = {
        rule.id
        for rule in policy.rules
        for action in rule.actions
        if isinstance(action, Comment) and action.comment.once_per == "estimate"
    }
    owners = [("rules", i, rule.actions) for i, rule in enumerate(policy.rules)] + [
        ("lifecycle", i, move.actions) for i, move in enumerate(policy.lifecycle.transitions)
    ]
    problems = []
    for where, i, actions in owners:
        for j, action in enumerate(actions):
            if not isinstance(action, Comment) or action.comment.changes_since is None:
                continue
            named = action.comment.changes_since
            if named in recording:
                continue
            path = (*((where, "transitions") if where == "lifecycle" else (where,)), i)
            problems.append(
                GraphProblem(
                    (*path, "actions", j, "comment", "changes_since"),
                    f"'{named}' is no rule with a `once_per: estimate` comment, so nothing "
                    "records what a SoW revision showed",
                    "name one of: "
                    + (
                        ", ".join(sorted(recording))
                        or "none (add a rule whose "
                        "comment has `once_per: estimate`, e.g. the signature request)"
                    ),
                )
            )
    return problems


def _stage_fix(name: str, stages: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, stages, n=1) or difflib.get_close_matches(
        name, [NO_STAGE, ANY_OPEN], n=1
    )
    return (
        f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(stages)}, none, open"
    )


def check_catalog(policy: Policy) -> list[GraphProblem]:
    """The service catalog: one offering per id or alias, every role in the rate card, every
    `unless_sold` an offering's id."""
    problems: list[GraphProblem] = []
    seen: dict[str, str] = {}
    roles = policy.rates.roles
    for index, offering in enumerate(policy.catalog):
        own: set[str] = set()
        for name in offering.names():
            key = " ".join(name.split()).casefold()
            if key in own:
                continue
            own.add(key)
            if key in seen:
                problems.append(
                    GraphProblem(
                        ("catalog", index, "id" if name == offering.id else "aliases"),
                        f"`{name}` is already an id or alias of offering `{seen[key]}`",
                        "give every offering its own id and aliases",
                    )
                )
            else:
                seen[key] = offering.id
        for at, item in enumerate(offering.out_of_scope):
            for sold in getattr(item, "unless_sold", []):
                if not any(o.id == sold for o in policy.catalog):
                    problems.append(
                        GraphProblem(
                            ("catalog", index, "out_of_scope", at, "unless_sold"),
                            f"`{sold}` is not an offering id of the catalog",
                            "name the id of the offering that contradicts the line",
                        )
                    )
        if offering.role not in roles:
            problems.append(
                GraphProblem(
                    ("catalog", index, "role"),
                    f"role `{offering.role}` is not in the rate card "
                    f"({', '.join(sorted(roles)) or 'none'})",
                    "use a role of `rates.roles`, or add it there",
                )
            )
    return problems
