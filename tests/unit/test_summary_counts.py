"""The run's summary line counts in the singular for one (issue 33.12: "1 issues")."""

from collections import Counter

from triage.planner import IssuePlan
from triage.report import summary
from triage.runner.run import Outcome, RunResult


def test_one_issue_one_write_one_request_one_error():
    failed = Outcome(
        IssuePlan(project="ps/ps-plan", iid=1, title="A", web_url="https://x"), "failed", error="x"
    )
    result = RunResult(mode="plan", issues_scanned=1, outcomes=[failed])
    line = summary(result, 1, Counter({"GET": 1}))
    assert line.startswith("plan: 1 issue scanned, 0 would change, 1 write, 1 API request, 1 error")
    many = summary(RunResult(mode="apply", issues_scanned=9), 2, Counter({"GET": 3}))
    assert many.startswith("apply: 9 issues scanned, 0 changed, 2 writes, 3 API requests, 0 errors")
