"""The planner: `plan(policy, snapshots, now, ...) -> Plan`. Pure: no I/O, no clock, no network
(tests/unit/test_architecture.py follows its imports). It is handed everything as values: the
policy, the snapshots, the time, the compiled templates and the memory of earlier plans
(`Settings`, `IssueSnapshot.quiet`).

For each issue it derives the state the policy wants, from GitLab's data alone:
1. the stage is the one `<prefix>::<stage>` label (two of them: the one added last wins);
2. bot transitions fire from that stage, chained until none fires, so that planning again
   after applying finds nothing to do;
3. rules run on the resulting state;
4. the difference from the issue as it is becomes one label/state update and the comments
   not already posted (found by their hidden markers on the bot's own notes).
When an issue needs data the listing lacks (notes, label events), its plan says so in
`needs`; the runner fetches exactly that and plans the issue again.

The modules: `records` (what a plan is), `lifecycle` (the stage and its transitions, the rules,
the difference), `gates` (approvals that count), `comments` (what templates see, the comments
not yet posted), `moves` and `assignment` (replayed stage moves, the EM pool), `memory` (whether
an issue's remembered plan still holds).
"""

from .context import template_context
from .lifecycle import after, assignments_for, plan, plan_issue
from .records import (
    IssuePlan,
    Plan,
    PlannedComment,
    PlannedEdit,
    PlannedIssue,
    Renderer,
    Settings,
)

__all__ = [
    "IssuePlan",
    "Plan",
    "PlannedComment",
    "PlannedEdit",
    "PlannedIssue",
    "Renderer",
    "Settings",
    "after",
    "assignments_for",
    "plan",
    "plan_issue",
    "template_context",
]
