"""`triage init`: a new operations repository that validates and whose own policy test passes."""

import subprocess
import sys

from click.testing import CliRunner

from triage.cli import main


def test_init_into_an_empty_folder_then_its_validate_and_tests_pass(tmp_path):
    target = tmp_path / "ps-ops"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    for path in (
        "policies/ps-scoping.yml",
        "templates/sow-draft.md.j2",
        ".gitlab-ci.yml",
        "README.md",
        ".gitlab/issue_templates/Scoping.md",
        "tests/test_policy.py",
        "conftest.py",
        "policy.schema.json",
    ):
        assert (target / path).is_file(), path
    assert (
        (target / "policies/ps-scoping.yml")
        .read_text()
        .startswith("# yaml-language-server: $schema=../policy.schema.json\n")
    )
    ci = (target / ".gitlab-ci.yml").read_text()
    assert "resource_group: ps-triage" in ci and "merge_request_event" in ci and '"schedule"' in ci
    readme = " ".join((target / "README.md").read_text().split())
    assert "project access token, role **Reporter**, scope **api**" in readme
    assert "**masked** and **protected**" in readme and "Pipeline schedules" in readme

    validate = subprocess.run(
        [sys.executable, "-c", "from triage.cli import entry; entry()", "validate"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert validate.returncode == 0, validate.stderr
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "1 passed" in tests.stdout


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "README.md").write_text("mine")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        "these files exist already; nothing was written" in result.output
        and "README.md" in result.output
    )
    assert (tmp_path / "README.md").read_text() == "mine" and not (tmp_path / "policies").exists()
