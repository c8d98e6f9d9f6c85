"""An unexpected move the same run carries on from: the note says where the bot moved it on to,
and the next run, reading the bot's move from the label events, writes the same note (issue
33.16: the note said the bot leaves the issue as it is while the same run moved it)."""

from dataclasses import replace

from test_golden import stage

from triage.commands.demo_data import TASKS
from triage.issues.snapshot import LabelEvent
from triage.planner import plan_issue

from support import NOW, at, settings, with_details, workspace

WS = workspace()
# dana jumped the issue from Awaiting_Discovery to SOW_WIP; every task is ticked, so the bot
# moves it on to Ready For Approval (sow-reviewed) in the same run.
EVENTS = (
    LabelEvent("imogen", "proposal::Awaiting_Discovery", "add", at("2025-12-01T09:00:00Z")),
    LabelEvent("dana", "proposal::Awaiting_Discovery", "remove", at("2026-01-12T08:00:00Z")),
    LabelEvent("dana", "proposal::SOW_WIP", "add", at("2026-01-12T08:00:00Z")),
)


def note_of(issue):
    issue_plan = plan_issue(WS.policy, issue, NOW, settings(WS))
    return [c for c in issue_plan.comments if c.key == "unexpected-move"], issue_plan


def test_the_note_says_where_the_run_moved_it_on_to_and_the_next_run_agrees():
    moved = stage(
        "SOW_WIP", done=TASKS, created="2025-12-01T09:00:00Z", updated="2026-01-12T08:00:00Z"
    )
    [first], issue_plan = note_of(with_details(moved, (), EVENTS))
    assert "proposal::Ready For Approval" in issue_plan.add_labels
    assert 'From there, ps-triage moved it on to ~"proposal::Ready For Approval"' in first.body
    assert "leaves it as it is" not in first.body
    # The next run: the bot's move is in the label events, the issue in Ready For Approval.
    later = at("2026-01-12T09:00:00Z")
    after = with_details(
        replace(
            moved,
            labels=("EM_Confidence::Green", "Services Calculator", "proposal::Ready For Approval"),
        ),
        (),
        (
            *EVENTS,
            LabelEvent("ps-bot", "proposal::SOW_WIP", "remove", later),
            LabelEvent("ps-bot", "proposal::Ready For Approval", "add", later),
        ),
    )
    [second], _ = note_of(after)
    assert second.body == first.body  # the same revision: no second note


def test_a_move_nothing_follows_is_left_as_it_is():
    moved = stage(
        "SOW_WIP", done=TASKS[:1], created="2025-12-01T09:00:00Z", updated="2026-01-12T08:00:00Z"
    )
    [note], _ = note_of(with_details(moved, (), EVENTS))
    assert "ps-triage leaves it as it is" in note.body and "moved it on" not in note.body
