"""`triage init`: a new operations repository that validates and whose own policy test passes."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import triage
from triage.cli import main
from triage.commands import init as init_command
from triage.testing import BOT_TOKEN, scoping_gitlab

from support import ROOT


def test_init_into_an_empty_folder_then_its_validate_and_tests_pass(tmp_path):
    target = tmp_path / "ps-ops"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    for path in (
        "policies/ps-scoping.yml",
        "templates/sow-draft.md.j2",
        "templates/sow.docx",
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
    shipped = (ROOT / "templates" / "sow.docx").read_bytes()
    assert (target / "templates/sow.docx").read_bytes() == shipped
    ci = (target / ".gitlab-ci.yml").read_text()
    assert "resource_group: ps-triage" in ci and "merge_request_event" in ci and '"schedule"' in ci
    readme = " ".join((target / "README.md").read_text().split())
    assert "project access token, role **Reporter**, scope **api**" in readme
    assert "Pipeline schedules" in readme
    assert "| `GITLAB_TOKEN` | the apply token (`api`) | yes | **yes**" in readme
    assert "| `GITLAB_READ_TOKEN` | the read token (`read_api`) | yes | **no**" in readme
    assert "role **Reporter**, scope **read_api**" in readme
    assert "`PS_TRIAGE_REGISTRY_PROJECT`" in readme and "triage init --update" in readme

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


def _invoke_init(*args: str):
    return CliRunner().invoke(main, ["init", *args])


def test_init_pins_the_ci_to_its_own_version_from_the_gitlab_registry_only(tmp_path):
    assert _invoke_init(str(tmp_path)).exit_code == 0
    ci = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    assert ci["variables"]["PS_TRIAGE_VERSION"] == triage.__version__
    install = "\n".join(ci["default"]["before_script"])
    # ps-triage itself from the project's package registry, by exact version, with --index-url only
    assert '--no-deps --index-url "$PS_TRIAGE_INDEX_URL" "ps-triage==$PS_TRIAGE_VERSION"' in install
    assert "--extra-index-url" not in (tmp_path / ".gitlab-ci.yml").read_text()
    assert ci["variables"]["PS_TRIAGE_INDEX_URL"] == (
        "$CI_API_V4_URL/projects/$PS_TRIAGE_REGISTRY_PROJECT/packages/pypi/simple"
    )
    # no other line names the package where the public index could answer for it
    others = [line for line in ci["default"]["before_script"] if "ps-triage==" not in line]
    assert not any(
        re.search(r"pip install.*[\s\"'=-]ps-triage([\s\"'=<>~!\[}]|$)", line) for line in others
    )
    record = json.loads((tmp_path / ".ps-triage-init.json").read_text())
    assert record["version"] == triage.__version__
    assert set(record["files"]) == {
        p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()
    } - {".ps-triage-init.json"}


def _new_release(tmp_path: Path, monkeypatch) -> Path:
    """The shipped defaults as a next release would ship them: two templates changed, one added."""
    defaults = tmp_path / "release"
    shutil.copytree(init_command.DEFAULTS, defaults)
    for name in ("intake.md.j2", "sow-draft.md.j2"):
        path = defaults / "templates" / name
        path.write_text(path.read_text() + "\n{# changed in 9.9.9 #}\n")
    (defaults / "templates" / "new-in-9.9.9.md.j2").write_text("new\n")
    monkeypatch.setattr(init_command, "DEFAULTS", defaults)
    monkeypatch.setattr(init_command, "__version__", "9.9.9")
    return defaults


def test_init_update_rewrites_what_the_team_did_not_edit_and_merges_its_edits(
    tmp_path, monkeypatch
):
    """Issue 33.11: an edited file the release changes is merged three ways (what init wrote,
    the team's file, the release's); before, the whole diff was shown, undoing the team's edits."""
    ops = tmp_path / "ops"
    assert _invoke_init(str(ops)).exit_code == 0
    sow = ops / "templates/sow-draft.md.j2"
    shipped = sow.read_text()
    sow.write_text("{# Our own opening line #}\n" + shipped)  # the team's edit
    (ops / "templates/closed.md.j2").unlink()  # a file the team removed
    _new_release(tmp_path, monkeypatch)

    result = _invoke_init("--update", str(ops))
    assert result.exit_code == 0, result.output
    # the diff is shown for what is rewritten; the merged file's is not (nothing conflicts)
    assert '+  PS_TRIAGE_VERSION: "9.9.9"' in result.output
    assert (
        "Our own opening line" not in result.output
        and "sow-draft.md.j2 (yours)" not in result.output
    )
    # not edited: rewritten; edited: merged; removed: not brought back; new: added
    assert "changed in 9.9.9" in (ops / "templates/intake.md.j2").read_text()
    assert 'PS_TRIAGE_VERSION: "9.9.9"' in (ops / ".gitlab-ci.yml").read_text()
    assert (
        sow.read_text() == "{# Our own opening line #}\n" + shipped + "\n{# changed in 9.9.9 #}\n"
    )
    assert not (ops / "templates/closed.md.j2").exists()
    assert (ops / "templates/new-in-9.9.9.md.j2").read_text() == "new\n"
    assert "3 updated, 1 added, 1 kept as they are" in result.output
    assert (
        "  merged templates/sow-draft.md.j2 (your edits kept, ps-triage 9.9.9's changes taken up)"
        in result.output
    )
    assert json.loads((ops / ".ps-triage-init.json").read_text())["version"] == "9.9.9"

    # a second update changes nothing more, and still keeps the edit
    again = _invoke_init("--update", str(ops))
    assert again.exit_code == 0, again.output
    assert sow.read_text().startswith("{# Our own opening line #}\n")
    assert "0 updated, 0 added" in again.output


def test_init_update_shows_only_what_conflicts(tmp_path, monkeypatch):
    ops = tmp_path / "ops"
    assert _invoke_init(str(ops)).exit_code == 0
    sow = ops / "templates/sow-draft.md.j2"
    shipped = sow.read_text()
    sow.write_text(shipped + "\n{# ours at the end #}\n")  # where the release changes it too
    _new_release(tmp_path, monkeypatch)

    result = _invoke_init("--update", str(ops))
    assert result.exit_code == 0, result.output
    conflict = (
        "templates/sow-draft.md.j2: 1 conflict (yours, then ps-triage's):\n"
        "<<<<<<< yours\n{# ours at the end #}\n=======\n{# changed in 9.9.9 #}\n"
        ">>>>>>> ps-triage 9.9.9\n"
    )
    assert conflict in result.output
    assert shipped.splitlines()[3] not in result.output  # no line of the rest of the file
    assert sow.read_text().startswith(shipped + "\n<<<<<<< yours\n")
    assert "  merged templates/sow-draft.md.j2 (with 1 conflict marked <<<<<<< in it" in (
        result.output
    )


def test_init_update_takes_up_a_new_word_template_unless_the_team_edited_theirs(
    tmp_path, monkeypatch
):
    ops, edited = tmp_path / "ops", tmp_path / "edited"
    assert _invoke_init(str(ops)).exit_code == 0
    assert _invoke_init(str(edited)).exit_code == 0
    (edited / "templates/sow.docx").write_bytes(b"the team's own Word template")
    release = _new_release(tmp_path, monkeypatch)
    (release / "templates" / "sow.docx").write_bytes(b"the Word template of 9.9.9")

    result = _invoke_init("--update", str(ops))
    assert result.exit_code == 0, result.output
    assert (ops / "templates/sow.docx").read_bytes() == b"the Word template of 9.9.9"
    assert "Binary file templates/sow.docx differs" in result.output

    result = _invoke_init("--update", str(edited))
    assert result.exit_code == 0, result.output
    assert (edited / "templates/sow.docx").read_bytes() == b"the team's own Word template"
    assert "kept templates/sow.docx (edited by you" in result.output
    # A Word file cannot be merged from a diff: the release's copy is beside it, to compare.
    beside = edited / "templates/sow.ps-triage-9.9.9.docx"
    assert beside.read_bytes() == b"the Word template of 9.9.9"
    assert "beside it as templates/sow.ps-triage-9.9.9.docx" in result.output


def test_init_update_shows_no_diff_to_merge_for_an_edited_file_the_release_does_not_change(
    tmp_path, monkeypatch
):
    """A team's own catalog and Word template, unchanged in the new release: nothing to merge
    (before, the whole diff back to the shipped catalog was shown with "merge the diff above
    by hand", which would have undone the team's catalog)."""
    ops = tmp_path / "ops"
    assert _invoke_init(str(ops)).exit_code == 0
    catalog = ops / "policies/catalog.yml"
    own = "catalog:\n  - {id: nlc_ci_course, title: CI course, description: A course., role: PSE}\n"
    catalog.write_text(own)
    (ops / "templates/sow.docx").write_bytes(b"the team's own Word template")
    _new_release(tmp_path, monkeypatch)  # changes two comment templates, not these

    result = _invoke_init("--update", str(ops))
    assert result.exit_code == 0, result.output
    assert catalog.read_text() == own
    assert "policies/catalog.yml (yours)" not in result.output
    assert "Binary file templates/sow.docx" not in result.output
    for name in ("policies/catalog.yml", "templates/sow.docx"):
        assert f"kept {name} (edited by you; unchanged in 9.9.9: nothing to merge)" in result.output
    assert not list((ops / "templates").glob("sow.ps-triage-*"))


def test_init_update_without_a_record_overwrites_nothing(tmp_path, monkeypatch):
    ops = tmp_path / "ops"
    assert _invoke_init(str(ops)).exit_code == 0
    (ops / ".ps-triage-init.json").unlink()
    before = {p: p.read_bytes() for p in ops.rglob("*") if p.is_file()}
    _new_release(tmp_path, monkeypatch)
    result = _invoke_init("--update", str(ops))
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes() for p in before} == before
    assert "+{# changed in 9.9.9 #}" in result.output and "0 updated" in result.output


def _ops_project(seed):
    """The operations repository, with the merge request whose pipeline runs the plan job."""
    seed["projects"].append(
        {
            "path": "ps/ps-ops",
            "members": [{"username": "ps-bot", "access_level": 20}],
            "merge_requests": [{"iid": 1, "title": "Raise the TA threshold", "author": "dana"}],
        }
    )


@pytest.mark.parametrize("note", [False, True], ids=["read-token-only", "with-note-token"])
def test_the_merge_request_plan_job_passes_with_only_the_read_token(tmp_path, note):
    """A feature branch's pipeline has no protected variable: the plan job runs on the
    unprotected GITLAB_READ_TOKEN alone, and posts a note only with GITLAB_PLAN_NOTE_TOKEN
    (the emulator checks roles, not token scopes)."""
    ops = tmp_path / "ops"
    assert _invoke_init(str(ops)).exit_code == 0
    ci = yaml.safe_load((ops / ".gitlab-ci.yml").read_text())
    script = "\n".join(["set -eo pipefail", *ci["plan"]["script"]])  # as GitLab Runner runs it
    with scoping_gitlab(ops / "policies", ops / "templates", seed_with=_ops_project) as scoping:
        scoping.issue(stage="Awaiting_Discovery", tasks=["Discovery call held"])
        env = {
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "HOME": str(tmp_path),
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_IID": "1",
            "CI_PROJECT_PATH": "ps/ps-ops",
            "GITLAB_URL": scoping.emulator.url,
            "TRIAGE_PROJECT": scoping.project_path,
            "GITLAB_READ_TOKEN": "read-only-token-unused" if note else BOT_TOKEN,
            **({"GITLAB_PLAN_NOTE_TOKEN": BOT_TOKEN} if note else {}),
        }  # and no GITLAB_TOKEN
        job = subprocess.run(
            ["bash", "-c", script], cwd=ops, env=env, capture_output=True, text=True, timeout=120
        )
        mr = scoping.emulator.store.project_by_ref("ps/ps-ops").merge_requests[1]
        notes = [n.body for n in mr.notes]
    assert job.returncode == 0, job.stdout + job.stderr
    report = json.loads((ops / "report.json").read_text())
    assert report["mode"] == "plan" and report["issues_scanned"] == 1
    assert "discovery-held" in (ops / "plan.md").read_text()
    assert len(notes) == (1 if note else 0)
    if note:
        assert "discovery-held" in notes[0]


def test_the_plan_job_without_the_read_token_says_which_variable_to_set(tmp_path):
    assert _invoke_init(str(tmp_path)).exit_code == 0
    ci = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    script = "\n".join(["set -eo pipefail", *ci["plan"]["script"]])  # as GitLab Runner runs it
    env = {"PATH": os.environ["PATH"], "GITLAB_TOKEN": "the-protected-one-is-not-used"}
    job = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert job.returncode == 1
    assert "set GITLAB_READ_TOKEN (read_api, masked, not protected)" in job.stderr
    assert not (tmp_path / "plan.md").exists()
