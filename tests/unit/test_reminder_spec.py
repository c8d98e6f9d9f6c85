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


def test_reminders_wait_for_the_teams_business_hours_in_its_time_zone():
    """Issue 32, item 2: a reminder due on Mon 2026-01-12 is not posted at 05:00 or 13:00 UTC
    (00:00 and 08:00 in New York): the plan says nothing, and holds no later than 09:00 New York
    time, when it is posted; at 17:00 there it waits for the next morning."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from triage.commands.demo_data import TASKS
    from triage.issues.snapshot import LabelEvent
    from triage.planner import plan_issue

    from support import at, block, settings, snapshot, with_details, workspace

    ws = workspace()
    new_york = ZoneInfo("America/New_York")
    calendar = ws.policy.calendar.model_copy(update={"time_zone": "America/New_York"})
    calendar.read(new_york, {None: frozenset()})
    policy = ws.policy.model_copy(update={"calendar": calendar})
    events = (
        LabelEvent("harriet", "proposal::Estimate_Feedback", "add", at("2026-01-06T15:00:00Z")),
    )
    issue = snapshot(
        labels=("Services Calculator", "proposal::Estimate_Feedback", "EM_Confidence::Amber"),
        done=TASKS[:1],
        data=block(),
        created="2026-01-05T15:00:00Z",
        updated="2026-01-06T15:00:00Z",
    )

    def planned(hour_utc, day=12):
        now = datetime(2026, 1, day, hour_utc, tzinfo=UTC)
        return plan_issue(policy, with_details(issue, (), events), now, settings(ws))

    def reminders(found):
        return [c.key for c in found.comments if c.origin == "account-team-reminder"]

    for hour in (5, 13):
        early = planned(hour)
        assert reminders(early) == []
        assert early.holds_until <= datetime(2026, 1, 12, 9, tzinfo=new_york)
    assert reminders(planned(14)) != []  # 09:00 in New York
    late = planned(22)  # 17:00 in New York
    assert reminders(late) == []
    assert late.holds_until <= datetime(2026, 1, 13, 9, tzinfo=new_york)
