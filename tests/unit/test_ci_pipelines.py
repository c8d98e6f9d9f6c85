"""The two `.gitlab-ci.yml` (this project's, and the one `triage init` writes): valid for GitLab's
CI schema, and the jobs each pipeline source selects."""

from __future__ import annotations

import fnmatch
import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from triage import __version__
from triage.commands.init import files_to_write

ROOT = Path(__file__).resolve().parents[2]
# GitLab's own CI schema (gitlab-org/gitlab app/assets/javascripts/editor/schema/ci.json, as
# SchemaStore publishes it), vendored by check-jsonschema (the `test` extra).
SCHEMA = json.loads(
    (files("check_jsonschema") / "builtin_schemas" / "vendor" / "gitlab-ci.json").read_text()
)
KEYWORDS = {
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
}


def _project_ci() -> dict[str, Any]:
    return yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"))


def _init_ci(tmp_path: Path) -> dict[str, Any]:
    text = files_to_write(tmp_path)[tmp_path / ".gitlab-ci.yml"]
    return yaml.safe_load(text)


def _jobs(ci: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: job for name, job in ci.items() if name not in KEYWORDS and not name.startswith(".")
    }


def _script(job: dict[str, Any]) -> str:
    """A job's script as one text (GitLab flattens nested lists, as `*install` gives)."""
    lines: list[str] = []
    for item in job.get("script", []):
        lines += item if isinstance(item, list) else [item]
    return "\n".join(lines)


def _errors(ci: dict[str, Any]) -> list[str]:
    validator = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(ci)
    ]


def test_this_projects_ci_is_valid_for_gitlabs_ci_schema():
    assert _errors(_project_ci()) == []


def test_the_ci_init_writes_is_valid_for_gitlabs_ci_schema(tmp_path):
    assert _errors(_init_ci(tmp_path)) == []


@pytest.mark.parametrize(
    "breakage",
    [
        lambda ci: ci["plan"]["rules"][0].update(when="sometimes"),
        lambda ci: ci["triage"].update(artifact=ci["triage"].pop("artifacts")),
        lambda ci: ci["triage"].update(resource_group=["ps-triage"]),
    ],
)
def test_the_schema_check_refuses_a_broken_pipeline(tmp_path, breakage):
    for ci in (_project_ci(), _init_ci(tmp_path)):
        breakage(ci)
        assert _errors(ci), "the schema accepted a broken pipeline"


# --- which jobs a pipeline source selects --------------------------------------------------------

_COMPARISON = re.compile(r'^\$(\w+)\s*(==|!=)\s*"([^"]*)"$|^\$(\w+)\s*=~\s*/(.*)/$')


def _condition(expression: str, env: dict[str, str]) -> bool:
    """GitLab's `rules:if`, for the forms these pipelines use (anything else fails the test)."""
    match = _COMPARISON.match(expression.strip())
    assert match, f"an `if:` this test does not understand: {expression!r}"
    if match.group(1):
        value = env.get(match.group(1), "")
        return (value == match.group(3)) == (match.group(2) == "==")
    value = env.get(match.group(4))
    return value is not None and re.search(match.group(5), value) is not None


def _changed(patterns: list[str], env: dict[str, str], changed: list[str]) -> bool:
    # GitLab evaluates `changes` as true where there is no push to compare with (schedules, tags).
    if env["CI_PIPELINE_SOURCE"] not in ("push", "merge_request_event") or env.get("CI_COMMIT_TAG"):
        return True
    return any(
        fnmatch.fnmatch(path, pattern.replace("/**/*", "/*"))
        for path in changed
        for pattern in patterns
    )


def _selected(ci: dict[str, Any], env: dict[str, str], changed: list[str]) -> set[str]:
    jobs = _jobs(ci)
    chosen = set()
    for name, job in jobs.items():
        assert job.get("stage") in ci["stages"], f"{name}: stage {job.get('stage')} not in stages"
        assert "only" not in job and "except" not in job, f"{name}: use rules"
        for rule in job.get("rules", [{}]):
            if "if" in rule and not _condition(rule["if"], env):
                continue
            if "changes" in rule and not _changed(rule["changes"], env, changed):
                continue
            if rule.get("when", "on_success") != "never":
                chosen.add(name)
            break
    for name in chosen:
        for need in jobs[name].get("needs", []):
            assert need in chosen, f"{name} needs {need}, which this pipeline does not run"
    return chosen


PUSH = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature"}
MERGE_REQUEST = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "4"}
SCHEDULE = {"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main"}
TAG = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": f"v{__version__}"}


def test_this_project_tests_and_builds_on_pushes_and_validates_policy_changes():
    ci = _project_ci()
    assert _selected(ci, PUSH, ["triage/plan.py"]) == {"test", "wheel"}
    assert _selected(ci, PUSH, ["policies/ps-scoping.yml"]) == {"test", "wheel", "validate"}


def test_this_project_plans_merge_requests_that_change_policies():
    ci = _project_ci()
    assert _selected(ci, MERGE_REQUEST, ["templates/sow-draft.md.j2"]) == {
        "test",
        "wheel",
        "validate",
        "plan",
    }
    assert "plan" in _selected(ci, MERGE_REQUEST, ["README.md"])


def test_this_project_applies_on_schedules_only():
    ci = _project_ci()
    assert _selected(ci, SCHEDULE, []) == {"triage"}
    for env in (PUSH, MERGE_REQUEST, TAG):
        assert "triage" not in _selected(ci, env, ["policies/ps-scoping.yml"])


def test_this_project_publishes_its_wheel_on_a_version_tag_only():
    ci = _project_ci()
    assert _selected(ci, TAG, []) == {"test", "wheel", "validate", "publish"}
    assert "publish" not in _selected(ci, {**TAG, "CI_COMMIT_TAG": "nightly"}, [])
    for env in (PUSH, MERGE_REQUEST, SCHEDULE):
        assert "publish" not in _selected(ci, env, ["triage/plan.py"])
    script = _script(ci["publish"])
    assert 'TWINE_PASSWORD="$CI_JOB_TOKEN"' in script
    assert '"${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/packages/pypi"' in script
    assert "dist/" in ci["wheel"]["artifacts"]["paths"]


def test_the_init_pipeline_tests_on_pushes_plans_merge_requests_and_applies_on_schedules(tmp_path):
    ci = _init_ci(tmp_path)
    assert _selected(ci, PUSH, ["policies/ps-scoping.yml"]) == {"policy-tests"}
    assert _selected(ci, MERGE_REQUEST, ["policies/ps-scoping.yml"]) == {"policy-tests", "plan"}
    assert _selected(ci, SCHEDULE, []) == {"triage"}


@pytest.mark.parametrize("which", ["project", "init"])
def test_the_plan_job_reads_with_the_read_only_token_and_only_schedules_hold_the_apply_token(
    tmp_path, which
):
    ci = _project_ci() if which == "project" else _init_ci(tmp_path)
    plan = _script(ci["plan"])
    assert 'export GITLAB_TOKEN="${GITLAB_PLAN_NOTE_TOKEN:-$GITLAB_READ_TOKEN}"' in plan
    # the note is posted only with the note token; the read token cannot write one
    assert "${GITLAB_PLAN_NOTE_TOKEN:+--merge-request" in plan
    assert "triage apply" not in plan
    # apply runs in the schedule's job alone
    appliers = {name for name, job in _jobs(ci).items() if "triage apply" in _script(job)}
    assert appliers == {"triage"}
