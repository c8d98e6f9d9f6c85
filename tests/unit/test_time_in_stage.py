"""Time in stage counts from when the stage label was added, the bot's own moves included: a
stage the bot puts the issue back in this very run began now, not when the issue was created."""

from datetime import timedelta

from triage.commands.demo_data import TASKS
from triage.issues.snapshot import LabelEvent
from triage.planner import plan_issue
from triage.policy.model import Rule

from support import NOW, at, block, settings, snapshot, with_details, workspace

WS = workspace()
STUCK = Rule.model_validate(
    {
        "id": "stuck-in-approval",
        "stages": ["Ready For Approval"],
        "when": {"days_in_stage": {"gte": 3}},
        "actions": [{"add_labels": ["Stuck"]}],
    }
)
POLICY = WS.policy.model_copy(update={"rules": [*WS.policy.rules, STUCK]})


def test_a_stage_the_bot_sends_the_issue_back_to_counts_from_now():
    """In Ready For Approval since 2025-12-01; harriet, no approver, sets Approved an hour ago:
    the gate sends it back, so the stage starts again now (before: counted from the stage's
    previous entry, 2025-12-01, or the issue's creation, for lack of this run's own add event)."""
    events = (
        LabelEvent("harriet", "proposal::SOW_WIP", "add", at("2025-11-10T09:00:00Z")),
        LabelEvent("harriet", "proposal::SOW_WIP", "remove", at("2025-12-01T09:00:00Z")),
        LabelEvent("harriet", "proposal::Ready For Approval", "add", at("2025-12-01T09:00:00Z")),
        LabelEvent("harriet", "proposal::Ready For Approval", "remove", NOW - timedelta(hours=1)),
        LabelEvent("harriet", "proposal::Approved", "add", NOW - timedelta(hours=1)),
    )
    issue = snapshot(
        labels=("Services Calculator", "proposal::Approved"),
        done=TASKS,
        data=block(),
        created="2025-11-10T09:00:00Z",
        updated=(NOW - timedelta(hours=1)).isoformat(),
    )
    issue_plan = plan_issue(POLICY, with_details(issue, (), events), NOW, settings(WS))
    assert issue_plan.error is None and not issue_plan.needs
    assert "proposal::Ready For Approval" in issue_plan.add_labels  # refused, sent back
    assert "Stuck" not in issue_plan.add_labels


def test_a_stage_entered_days_ago_counts_from_its_label_event():
    events = (
        LabelEvent("harriet", "proposal::Ready For Approval", "add", at("2026-01-06T09:00:00Z")),
    )
    issue = snapshot(
        labels=("Services Calculator", "proposal::Ready For Approval"),
        done=TASKS,
        data=block(),
        created="2025-11-10T09:00:00Z",
        updated="2026-01-06T09:00:00Z",
    )
    issue_plan = plan_issue(POLICY, with_details(issue, (), events), NOW, settings(WS))
    assert "Stuck" in issue_plan.add_labels  # Tue 01-06 to Mon 01-12: 4 business days
