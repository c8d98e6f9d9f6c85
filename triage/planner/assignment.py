"""Engagement Manager assignment: a pool per segment label, balanced by open scoping issues.

Deterministic: unassigned issues are taken in (project, iid) order and each goes to the pool
member with the fewest open issues at that moment (ties: pool order), so the plan does not
depend on the order GitLab lists the issues in.
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


def assign(config: Assignment, issues: Iterable[IssueSnapshot]) -> dict[tuple[str, int], str]:
    """(project, iid) -> the EM to assign, for each open unassigned issue."""
    if not config.pools and not config.triage_lead:
        return {}
    listed = [issue for issue in issues if issue.state == "opened"]
    load = Counter(person.lower() for issue in listed for person in issue.assignees)
    chosen: dict[tuple[str, int], str] = {}
    for issue in sorted(listed, key=lambda i: (i.project, i.iid)):
        pool = pool_for(config, issue)
        if not pool:
            continue
        em = min(pool, key=lambda person: (load[person.lower()], pool.index(person)))
        load[em.lower()] += 1
        chosen[(issue.project, issue.iid)] = em
    return chosen
