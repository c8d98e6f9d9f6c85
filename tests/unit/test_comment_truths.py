"""Comments that stay true: a problem note marked resolved once the problem is gone; a SoW
revision that follows what the customer reads, not the deal's internal dates."""

from test_golden import BRAMBLEWOOD

from triage.issues.markers import find_marker, resolve
from triage.issues.snapshot import Note
from triage.planner import plan_issue

from support import BOT, NOW, settings, snapshot, with_details, workspace

WS = workspace()
PROBLEM = "<!-- ps-triage:data-block-problem/data-block-problem.md.j2 rev=aaaaaaaaaaaa -->\nbad"


def plan(issue):
    issue = with_details(issue, issue.notes or ())
    issue_plan = plan_issue(WS.policy, issue, NOW, settings(WS))
    assert issue_plan.error is None and not issue_plan.needs, issue_plan
    return issue_plan


def sow_draft(data):
    issue = snapshot(labels=("Services Calculator", "proposal::SOW_WIP"), data=data)
    return [c for c in plan(issue).comments if c.template == "sow-draft.md.j2"]


def test_a_data_block_problem_note_is_marked_resolved_once_the_block_is_fixed():
    fixed = snapshot(
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data=BRAMBLEWOOD,
        updated="2026-01-12T08:30:00Z",
        notes=(Note(5, BOT, PROBLEM, NOW),),
    )
    [edit] = plan(fixed).edits
    assert edit.note_id == 5 and edit.resolved
    body = resolve(edit.body)
    assert "**Resolved**" in body and find_marker(body).resolved
    assert "bad" in body  # what it said stays, folded


def test_a_resolved_problem_note_is_left_alone():
    fixed = snapshot(
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data=BRAMBLEWOOD,
        updated="2026-01-12T08:30:00Z",
        notes=(Note(5, BOT, resolve(PROBLEM), NOW),),
    )
    assert plan(fixed).edits == ()


def test_a_problem_still_there_is_not_marked_resolved():
    broken = snapshot(
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data="customer: Vellum Press\nclose_date: 2026-13-01\n",
        updated="2026-01-12T08:30:00Z",
        notes=(Note(5, BOT, PROBLEM, NOW),),
    )
    assert not any(edit.resolved for edit in plan(broken).edits)


def test_the_sow_revision_does_not_change_when_only_the_close_date_moves():
    [before] = sow_draft(BRAMBLEWOOD)
    [after] = sow_draft({**BRAMBLEWOOD, "close_date": "2026-03-20"})  # the next fiscal quarter
    assert before.rev == after.rev
    [repriced] = sow_draft({**BRAMBLEWOOD, "discount_pct": 10})
    assert repriced.rev != before.rev
