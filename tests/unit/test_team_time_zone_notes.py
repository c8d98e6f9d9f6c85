"""Refusal and unexpected-move notes give times in the team's time zone (issue 33.6: they were
`%Y-%m-%d %H:%M UTC`, fixed in code, whatever `calendar.time_zone` said)."""

import shutil

from test_golden import CASES

from triage.planner import plan_issue
from triage.workspace import load_workspace

from support import NOW, ROOT, settings


def seoul_workspace(tmp_path):
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    policy = policies / "ps-scoping.yml"
    text = policy.read_text()
    assert "  time_zone: UTC " in text
    policy.write_text(text.replace("  time_zone: UTC ", "  time_zone: Asia/Seoul ", 1))
    return load_workspace(policies, ROOT / "templates")


def body(ws, template):
    issue_plan = plan_issue(ws.policy, CASES[template](), NOW, settings(ws))
    [comment] = [c for c in issue_plan.comments if c.template == template]
    return comment.body


def test_a_refused_approval_and_an_unexpected_move_show_the_teams_time(tmp_path):
    ws = seoul_workspace(tmp_path)
    # imogen set proposal::Approved at 15:00 UTC on 9 January: midnight in Seoul.
    refused = body(ws, "approval-refused.md.j2")
    assert "set by [imogen](/imogen) on 2026-01-10 00:00 KST," in refused and "UTC" not in refused
    # dana moved the issue at 08:00 UTC on 12 January: 17:00 in Seoul.
    moved = body(ws, "unexpected-move.md.j2")
    assert "on 2026-01-12 17:00 KST, a move the lifecycle" in moved and "UTC" not in moved
