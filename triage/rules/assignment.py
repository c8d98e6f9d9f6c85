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


def assign(config: Assignment, issues: Iterable[IssueSnapshot]) -> dict[tuple[str, int], str]:
    """(project, iid) -> the EM to assign, for each open unassigned issue."""
    if not config.pools and not config.triage_lead:
        return {}
    listed = [issue for issue in issues if issue.state == "opened"]
    load = Counter(person.lower() for issue in listed for person in issue.assignees)
    chosen: dict[tuple[str, int], str] = {}
    for issue in sorted((i for i in listed if not i.assignees), key=lambda i: (i.project, i.iid)):
        segment = segment_of(issue, config)
        pool = config.pools.get(segment, []) if segment else []
        if not pool:
            if config.triage_lead is None:
                continue
            pool = [config.triage_lead]
        em = min(pool, key=lambda person: (load[person.lower()], pool.index(person)))
        load[em.lower()] += 1
        chosen[(issue.project, issue.iid)] = em
    return chosen
