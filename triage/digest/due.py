"""The day's reminders and escalations as digest items, by whom they are for. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from ..issues.snapshot import IssueSnapshot
from ..planner.records import IssuePlan
from ..policy.model import Policy
from .items import Item, Kind


def reminders(
    policy: Policy, plans: Iterable[IssuePlan], issues: Mapping[str, IssueSnapshot]
) -> dict[str, list[Item]]:
    """By mention (`@felix`, `@ps/ps-ta`): one item per reminder or escalation these plans
    posted, naming its deal by customer (`issues`: the issues by reference) with its link."""
    rules = {r.id: r.description for r in policy.rules}
    found: dict[str, list[Item]] = defaultdict(list)
    for plan in plans:
        issue = issues.get(plan.ref)
        data = issue.scoping.data if issue is not None else None
        customer = (data.customer if data else None) or plan.title
        for comment in plan.comments:
            kind: Kind = "escalation" if comment.key.endswith("/escalation") else "reminder"
            what = rules.get(comment.origin, comment.origin)  # policy text: trusted
            key = f"r:{plan.ref}:{comment.key}"
            for person in comment.digest_for:
                item = Item(plan.ref, kind, key, customer, plan.web_url, what=what)
                found[person].append(item)
    return found
