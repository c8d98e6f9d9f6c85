"""Everything overdue, by person, for the daily digest: each open deal whose reminder is due,
listed (when the reminder rule's `when` holds) for the people its reminder notifies, and, once
its escalation is due, for those its escalation notifies. Due on the reminder's own clock
(`rules/clock.py`, as the reminders and escalations are posted): people's last edit starts it
again, so after an EM's comment the deal is not overdue for anyone until its new reminder is
due, nor for the escalation contacts until its new escalation is (a periodic nudge, `repeat`,
counts from the stage entry). The forecast's "SLA breached" counts days in the stage instead.
Pure: computed from the issues as the run leaves them.

A deal is named by its customer and links to its issue; in the quarter-end mode of a deal closing
in this quarter its line may be repeated daily (`Item.daily`), else weekly (`items.choose`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime

from ..forecast import deal_of
from ..issues.snapshot import IssueSnapshot
from ..policy.model import Policy
from ..render.markdown import mention
from ..rules.clock import reminder_clock, sla
from ..rules.facts import Facts, NeedDetail
from ..rules.moment import Moment
from .items import Item


def _people(
    policy: Policy, issue: IssueSnapshot, roles: Iterable[str], members: Collection[str]
) -> Iterator[str]:
    """Mentions for `roles`, as a reminder's `notify` resolves them: the policy's contacts, or
    data-block people (and the EM) whom GitLab shows as members of the project."""
    contacts = policy.contacts
    by_contact = {
        "approvers": contacts.approvers,
        "delivery_team": contacts.delivery_team,
        "technical_architects": contacts.technical_architects,
        "triage_lead": [n for n in [policy.assignment.triage_lead] if n],
    }
    data = issue.scoping.data
    people = {
        "em": issue.assignees[0] if issue.assignees else None,
        **(data.people.model_dump() if data is not None else {}),
    }
    for role in roles:
        if role in by_contact:
            yield from (mention(n) for n in by_contact[role])
        elif (name := people.get(role)) and name.lower() in members:
            yield mention(name)


def overdue(
    policy: Policy,
    issues: Iterable[IssueSnapshot],
    now: datetime,
    members: Collection[str] | None,
    bot: str,
) -> dict[str, list[Item]]:
    """By mention: one item per open deal overdue for them, with its link and how many business
    days past the SLA it is (on the reminder's clock; `bot`: whose notes are its reminders)."""
    lines: dict[str, list[Item]] = defaultdict(list)
    for issue in sorted(issues, key=lambda i: i.ref):
        if issue.state != "opened":
            continue
        deal = deal_of(policy, issue, now)
        if deal is None or deal.days_in_stage is None:
            continue
        whom: dict[str, int] = {}
        cal = policy.calendar
        facts = Facts(
            issue=issue,
            moment=Moment(cal.local(now)),
            stage=deal.stage,
            stage_prefix=policy.lifecycle.label_prefix,
            fiscal_start_month=cal.fiscal_year_start_month,
            fiscal_named_by=cal.fiscal_year_named_by,
            holidays=policy.days_off(issue.assignees[0] if issue.assignees else None),
            rates=policy.rates,
            quarter_end_days=cal.quarter_end_business_days,
            members=frozenset(members or ()),
            bot=bot,
            hours=(cal.business_hours.start, cal.business_hours.end),
        )
        for rule in policy.rules:
            if deal.stage not in (rule.stages or []):
                continue
            try:
                if not rule.when.evaluate(facts).met:
                    continue  # its reminder is not due: the task is done, the label is gone
            except NeedDetail:
                continue  # what it needs was not read for this issue
            for action in rule.actions:
                spec = getattr(action, "comment", None)
                if spec is None:
                    continue
                every, _ = sla(facts, spec.every, spec.quarter_end_every)
                if not every:
                    continue
                roles = list(spec.notify)
                if spec.repeat:  # a periodic nudge: its periods count from the stage entry
                    if deal.days_in_stage < every:
                        continue
                    late = deal.days_in_stage - every
                else:
                    # The reminder's own clock (rules/clock.py): people's last edit starts it again,
                    # so a deal is overdue for `notify` once this cycle's reminder is due, and for
                    # `escalate_to` once its escalation is.
                    try:
                        cycle = reminder_clock(
                            facts,
                            spec.key_for(rule.id),
                            facts.stage_started(),
                            every,
                            spec.escalate_after,
                            (),
                        )
                    except NeedDetail:
                        continue  # notes or label events not read for this issue
                    if not cycle.reminder_due:
                        continue
                    late = cycle.late
                    if cycle.escalation_due:
                        roles += spec.escalate_to
                for person in _people(policy, issue, roles, members or frozenset()):
                    whom[person] = max(late, whom.get(person, late))
        customer = deal.customer or issue.title
        for person, late in whom.items():
            daily = facts.deal_in_quarter_end()
            lines[person].append(
                Item(
                    issue.ref,
                    "overdue",
                    f"o:{issue.ref}",
                    customer,
                    issue.web_url,
                    daily,
                    stage=deal.stage,
                    late=late,
                )
            )
    return lines
