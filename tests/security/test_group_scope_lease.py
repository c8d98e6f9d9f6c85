"""A run narrowed to one project of a group scope takes the group run's lease.

With `scope: {group: ...}` the scheduled run takes its run lease in the forecast's project
(`runner.run.run_home`). `triage serve` plans an event's issue in its own project, and
`apply --project P --issue N` does the same: each used to take a lease of that project, which
no scheduled run holds, and wrote while the group run was writing the same issue. Issue numbers
are per project, so `--issue N` alone, with a group scope, named #N of every project.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_group_scope_access import ESTIMATE, OTHER, ROOT, TASKS, group_policies

from triage.cli import main
from triage.gitlab.adapter import GitLab
from triage.gitlab.lease import RunLease
from triage.serve.service import replanner
from triage.testing import BOT_TOKEN, Scoping, scoping_gitlab


def _with_field_project(seed: dict[str, Any]) -> None:
    plan = seed["projects"][0]
    seed["projects"].append({"path": OTHER, "members": list(plan["members"])})


@pytest.fixture
def group(tmp_path: Path) -> Iterator[tuple[Scoping, Scoping, Path]]:
    policies = group_policies(tmp_path)
    with scoping_gitlab(policies, ROOT / "templates", seed_with=_with_field_project) as plan:
        yield plan, Scoping(plan.workspace, plan.emulator, OTHER), policies


def apply(scoping: Scoping, policies: Path, *args: str) -> Any:
    return CliRunner().invoke(
        main,
        ["apply", "--policies", str(policies), "--templates", str(ROOT / "templates"), *args],
        env={"GITLAB_URL": scoping.emulator.url, "GITLAB_TOKEN": BOT_TOKEN, "NO_COLOR": "1"},
    )


def test_serve_waits_for_the_group_runs_lease(group):
    plan, field, _ = group
    iid = field.issue(stage="SOW_WIP", tasks=TASKS, data=ESTIMATE)
    bot = GitLab(plan.emulator.url, BOT_TOKEN)
    held = RunLease.take(bot, "ps/ps-plan")  # the scheduled group run, under way
    assert isinstance(held, RunLease)
    replan = replanner(plan.workspace.policy, bot, plan.workspace.templates)
    outcome = replan((OTHER, iid), None)
    assert outcome.lease_busy and outcome.retry and outcome.writes == 0
    assert field.comments(iid) == []
    held.release()
    done = replan((OTHER, iid), None)
    assert not done.lease_busy and done.writes > 0 and field.comments(iid)


def test_apply_narrowed_to_one_project_waits_for_the_group_runs_lease(group):
    plan, field, policies = group
    iid = field.issue(stage="SOW_WIP", tasks=TASKS, data=ESTIMATE)
    held = RunLease.take(GitLab(plan.emulator.url, BOT_TOKEN), "ps/ps-plan")
    assert isinstance(held, RunLease)
    result = apply(plan, policies, "--project", OTHER, "--issue", str(iid))
    assert "another run holds the lease" in result.output, result.output
    assert field.comments(iid) == []


def test_an_issue_number_alone_is_refused_with_a_group_scope(group):
    plan, field, policies = group
    iid = field.issue(stage="SOW_WIP", tasks=TASKS, data=ESTIMATE)
    same = plan.issue(stage="SOW_WIP", tasks=TASKS, data=ESTIMATE)
    assert same == iid  # the same number in both projects
    result = apply(plan, policies, "--issue", str(iid))
    assert result.exit_code == 1, result.output
    assert f"issue #{iid}: issue numbers are per project" in result.output
    assert "fix: name the issue's project too (--project PATH)" in result.output
    assert field.comments(iid) == [] and plan.comments(iid) == []


@pytest.mark.parametrize("command", ["explain", "render"])
def test_explain_and_render_refuse_an_issue_number_alone_too(group, command):
    plan, _, policies = group
    which = ["sow-draft.md.j2", "--issue", "1"] if command == "render" else ["1"]
    result = CliRunner().invoke(
        main,
        [command, *which, "--policies", str(policies), "--templates", str(ROOT / "templates")],
        env={"GITLAB_URL": plan.emulator.url, "GITLAB_TOKEN": BOT_TOKEN, "NO_COLOR": "1"},
    )
    assert result.exit_code == 1, result.output
    assert "issue numbers are per project" in result.output
