from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..catalog import closest, find
from ..console import Console
from ..errors import UserError
from ..gitlab.adapter import GitLabProblem
from ..issues.scoping import block_line, parse_scoping
from ..issues.tasks import parse_tasks
from ..planner.assignment import unassignable
from ..policy.checks import GraphProblem
from ..policy.leftovers import leftovers, missing_tasks, targets_gone
from ..policy.loader import load_policy
from ..policy.model import Policy
from ..preview import unworded_reasons
from ..pricing import estimate
from ..runner.approvers import approvers_of
from ..workspace import load_workspace
from .connection import Connection, open_gitlab, scoped
from .init import DEFAULTS

ISSUE_TEMPLATES = Path(".gitlab") / "issue_templates"
_ITEM = re.compile(r"^line_items\[(\d+)\]\.(\w+)")


def issue_templates(policies: Path) -> list[Path]:
    """The repository's issue templates: `.gitlab/issue_templates/*.md` beside the policies
    folder, and in the current folder."""
    folders = dict.fromkeys(
        (base / ISSUE_TEMPLATES).resolve() for base in (policies.resolve().parent, Path.cwd())
    )
    found = sorted(path for folder in folders for path in folder.glob("*.md") if path.is_file())
    return [
        Path(os.path.relpath(path)) if path.is_relative_to(Path.cwd()) else path for path in found
    ]


def check_issue_template(path: Path, policy: Policy) -> tuple[list[str], bool]:
    """Problems of the scoping data block in one issue template, each `file:line: ...`, read and
    priced as the bot would; and whether the template has a data block at all."""
    text = path.read_text(encoding="utf-8")
    block = parse_scoping(text)
    if block.status == "missing":
        return [], False
    if block.data is None:
        return [f"{path}:{p.line or 1}: {p.field}: {p.message}" for p in block.problems], True
    found, problems = estimate(block.data, policy.rates, policy.catalog)
    out = []
    for problem in problems:
        item = _ITEM.match(problem)
        currency = "currency" in problem or "rate card is in" in problem
        where: tuple[object, ...] = (
            ("line_items", int(item.group(1)), item.group(2))
            if item
            else ("currency",)
            if currency
            else ()
        )
        fix = (
            f"use a role of `rates.roles` ({', '.join(sorted(policy.rates.roles))}), or add it there"
            if item and item.group(2) == "role"
            else "give the line item what the message asks for"
            if item
            else f"leave `currency` out or write `currency: {policy.rates.currency}`, the rate "
            "card's currency"
            if currency
            else "fix the data block"
        )
        out.append(f"{path}:{block_line(text, where) or 1}: {problem}\n    fix: {fix}")
    if policy.catalog:
        # Every issue made from the template would get the data-block note for these.
        for index, line_item in enumerate(block.data.line_items):
            if find(policy.catalog, line_item.activity) is None:
                hint = closest(policy.catalog, line_item.activity)
                ids = ", ".join(o.id for o in policy.catalog[:8])
                more = ", …" if len(policy.catalog) > 8 else ""
                line = block_line(text, ("line_items", index, "activity")) or 1
                out.append(
                    f"{path}:{line}: line_items[{index}].activity '{line_item.activity}' is not in the"
                    " service catalog\n    fix: name an offering of `catalog` by its id or an alias"
                    + (f" (did you mean `{hint}`?)" if hint else f" ({ids}{more})")
                    + ", or add it to the catalog"
                )
    if found is None and not problems:
        line = block_line(text, ("line_items",)) or 1
        out.append(
            f"{path}:{line}: the data block has no line item to price\n"
            "    fix: give `line_items` one example, e.g. {activity: Discovery, role: …, days: 5}"
        )
    return out, True


def validate(
    console: Console,
    policies: Path,
    templates: Path,
    now: datetime,
    connection: Connection | None = None,
) -> int:
    """The workspace checked, each problem with its file:line and fix. `now`: when it runs
    (`--now`, else the clock): a forecast target of a quarter over by then is named. With
    `connection`, the assignment pools are checked against the scope's members in GitLab."""
    workspace = load_workspace(policies, templates)
    problems: list[str] = []
    blocks = 0
    for path in issue_templates(policies):
        found, has_block = check_issue_template(path, workspace.policy)
        problems += found
        blocks += has_block
    if problems:
        count = len(problems)
        raise UserError(
            f"the scoping issue template's data block does not fit this policy "
            f"({count} problem{'s' if count != 1 else ''}):\n" + "\n".join(problems)
        )
    if connection is not None:
        _check_members(console, workspace.policy, connection)
    # `--now` without a zone is the team's time already (as for every command)
    today = (workspace.policy.calendar.local(now) if now.tzinfo else now).date()
    for warning in _warnings(workspace.policy, policies, today):
        console.err(
            f"warning: {workspace.policy.where(warning.path)}: {warning.message}\n"
            f"    fix: {warning.fix}"
        )
    unworded = unworded_reasons(workspace.policy, workspace.templates)
    if unworded:
        console.err(
            f"warning: {templates / 'reasons.j2'}: the `why` macro shows {len(unworded)} reason "
            f"id{'s' if len(unworded) != 1 else ''} of this policy's conditions as the id, not "
            f"in your words: {', '.join(unworded)}\n"
            f'    fix: word each (`{{%- elif r.id == "{unworded[0]}" %}}...`), as the shipped '
            "reasons.j2 does"
        )
    life = workspace.policy.lifecycle
    console.out(
        f"ok: {len(life.stages)} stages, {len(life.transitions)} transitions, "
        f"{len(workspace.policy.rules)} rules, {len(workspace.templates.sources)} templates, "
        f"{blocks} issue template{'s' if blocks != 1 else ''} with a scoping data block"
    )
    return 0


def _check_members(console: Console, policy: Policy, connection: Connection) -> None:
    """Every pool person (and the triage lead) GitLab would not assign: not a member of the
    scope, so GitLab drops them from an assignment without a word
    (`IssuableBaseService#filter_assignees_using_checks`), and the deal stays unassigned. Then
    the approver groups, read as a run reads them: a run reads them only once it must judge
    someone (an approval), and a group the bot cannot see fails the issues that need it."""
    policy = scoped(policy, connection)
    where = policy.scope.project or policy.scope.group
    if not where:
        raise UserError(
            "--members: no scope to read members of: pass --project (or set TRIAGE_PROJECT)"
        )
    gitlab = open_gitlab(connection)
    members = gitlab.scope_members(policy.scope)
    left_out = unassignable(policy.assignment, members)
    if left_out:
        config = policy.assignment
        places: list[tuple[tuple[Any, ...], str]] = []
        if config.triage_lead and config.triage_lead in left_out:
            places.append((("assignment", "triage_lead"), config.triage_lead))
        places += [
            (("assignment", "pools", segment, index), person)
            for segment, pool in config.pools.items()
            for index, person in enumerate(pool)
            if person in left_out
        ]
        lines = [
            f"{policy.where(place)}: @{person} cannot be assigned: not a member of {where}, and "
            "GitLab silently drops such assignees"
            for place, person in places
        ]
        raise UserError(
            "\n".join(lines) + f"\n    fix: add them to {where}, or take them out of `assignment`"
        )
    console.out(f"ok: every person of `assignment` is a member of {where}")
    groups = sorted({group for gate in policy.approvals for group in gate.groups})
    if groups:
        try:
            approvers_of(policy, gitlab)
        except GitLabProblem as problem:
            if problem.fatal:
                raise
            raise UserError(str(problem)) from None
        console.out(f"ok: the approver groups can be read ({', '.join(groups)})")


def _warnings(policy: Policy, policies: Path, today: date) -> list[GraphProblem]:
    """What is left of the shipped team (its SoW terms, its USD thresholds, a UTC calendar),
    forecast targets of quarters gone by `today`, and `task:` conditions naming tasks the issue
    templates' checklists lack."""
    found = leftovers(policy, load_policy(DEFAULTS / "policies"))  # this release's shipped one
    found += targets_gone(policy, today)
    templates = issue_templates(policies)
    if templates:
        checklist = [
            task.text
            for path in templates
            for task in parse_tasks(path.read_text(encoding="utf-8"))
        ]
        found += missing_tasks(policy, checklist)
    return found
