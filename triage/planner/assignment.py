"""Engagement Manager assignment: a pool per segment label, balanced by open scoping issues.

Deterministic: unassigned issues are taken in (project, iid) order and each goes to the pool
member with the fewest open issues at that moment (ties: pool order), so the plan does not
depend on the order GitLab lists the issues in.

Only people GitLab shows as members of the scope are given issues: GitLab silently drops an
assignee who cannot read the project's issues, and keeps the assignees as they were when none
is left (app/services/issuable_base_service.rb `filter_assignees_using_checks`), so an EM who
is not a member would be sent the same update on every run and never be assigned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..issues.snapshot import IssueSnapshot
from ..policy.model import Assignment


def segment_of(issue: IssueSnapshot, config: Assignment) -> str | None:
    prefix = f"{config.segment_prefix}::"
    return next(
        (label.removeprefix(prefix) for label in issue.labels if label.startswith(prefix)), None
    )


def pool_for(config: Assignment, issue: IssueSnapshot) -> list[str]:
    """Whom an issue may be given to: nobody unless it is open and unassigned; else its
    segment's pool, or the triage lead."""
    if issue.state != "opened" or issue.assignees:
        return []
    segment = segment_of(issue, config)
    pool = config.pools.get(segment, []) if segment else []
    return pool or ([config.triage_lead] if config.triage_lead else [])


def unassignable(config: Assignment, members: frozenset[str] | None) -> list[str]:
    """The pool's people (and the triage lead) GitLab would not assign: not members of the scope
    (`members`: usernames in lower case; None: unknown, nobody is left out)."""
    if members is None:
        return []
    people = [*(p for pool in config.pools.values() for p in pool), config.triage_lead or ""]
    return sorted({p for p in people if p and p.lower() not in members}, key=str.lower)


def assign(
    config: Assignment, issues: Iterable[IssueSnapshot], members: frozenset[str] | None = None
) -> dict[tuple[str, int], str]:
    """(project, iid) -> the EM to assign, for each open unassigned issue; only members of the
    scope are chosen (`members`, see `unassignable`)."""
    if not config.pools and not config.triage_lead:
        return {}
    left_out = {p.lower() for p in unassignable(config, members)}
    listed = [issue for issue in issues if issue.state == "opened"]
    load = Counter(person.lower() for issue in listed for person in issue.assignees)
    chosen: dict[tuple[str, int], str] = {}
    for issue in sorted(listed, key=lambda i: (i.project, i.iid)):
        pool = [p for p in pool_for(config, issue) if p.lower() not in left_out]
        if not pool:
            continue
        em = min(pool, key=lambda person: (load[person.lower()], pool.index(person)))
        load[em.lower()] += 1
        chosen[(issue.project, issue.iid)] = em
    return chosen
