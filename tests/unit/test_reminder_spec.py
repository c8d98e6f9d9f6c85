"""A reminder's spec: an SLA (`every`, `quarter_end_every`), one escalation (`escalate_after`
business days later, to `escalate_to`), or a periodic nudge (`repeat`); combinations that cannot
mean anything are refused with the fix."""

import pytest
from pydantic import ValidationError

from triage.rules.actions import CommentSpec


def test_an_escalation_needs_whom_to_escalate_to_and_an_sla():
    with pytest.raises(ValidationError, match="escalate_after and escalate_to go together"):
        CommentSpec(template="reminder.md.j2", every=3, escalate_after=2)
    with pytest.raises(ValidationError, match="need every or quarter_end_every"):
        CommentSpec(template="reminder.md.j2", escalate_after=2, escalate_to=["triage_lead"])


def test_a_periodic_nudge_has_no_escalation():
    with pytest.raises(ValidationError, match="drop repeat or escalate_after"):
        CommentSpec(
            template="reminder.md.j2",
            every=3,
            repeat=True,
            escalate_after=2,
            escalate_to=["triage_lead"],
        )
    assert CommentSpec(template="reminder.md.j2", every=3, repeat=True).repeat


def test_escalation_roles_are_checked():
    with pytest.raises(ValidationError):
        CommentSpec(template="r.md.j2", every=3, escalate_after=2, escalate_to=["everyone"])


def test_repeat_keeps_a_periodic_nudge_once_per_period():
    from datetime import timedelta

    from triage.commands.demo_data import TASKS
    from triage.issues.snapshot import LabelEvent, Note
    from triage.planner import plan_issue
    from triage.policy.model import Rule

    from support import BOT, NOW, at, block, settings, snapshot, with_details, workspace

    ws = workspace()
    nudge = Rule.model_validate(
        {
            "id": "nudge",
            "stages": ["Approved"],
            "when": {"state": "opened"},
            "actions": [{"comment": {"template": "reminder.md.j2", "every": 2, "repeat": True}}],
        }
    )
    policy = ws.policy.model_copy(update={"rules": [nudge]})
    events = (LabelEvent("rowan", "proposal::Approved", "add", at("2026-01-06T09:00:00Z")),)
    issue = snapshot(
        labels=("Services Calculator", "proposal::Approved"),
        done=TASKS,
        data=block(),
        created="2026-01-05T09:00:00Z",
        updated="2026-01-06T09:00:00Z",
    )

    def keys(now, notes=()):
        planned = plan_issue(policy, with_details(issue, notes, events), now, settings(ws))
        return [c.key for c in planned.comments]

    assert keys(NOW) == ["nudge/reminder.md.j2/p2"]  # Mon 01-12: 4 business days in Approved
    posted = (Note(1, BOT, "<!-- ps-triage:nudge/reminder.md.j2/p2 rev=abcdefabcdef -->", NOW),)
    assert keys(NOW + timedelta(days=1), posted) == []  # 5 days: still the second period
    assert keys(NOW + timedelta(days=2), posted) == ["nudge/reminder.md.j2/p3"]
