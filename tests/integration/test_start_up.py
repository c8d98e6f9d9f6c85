"""What a scheduled run's process loads before its first request (issue 31, item 10): what
only another command needs is not imported, and what an earlier run with the details cache
already read is not read again. Structural, from `python -X importtime` of the real command in
its own process: which modules were imported, never how long anything took (bench/idle_run.py
and bench/startup.py measure that)."""

import os
import subprocess
import sys

from gitlab_emulator.testing import running_emulator
from triage.commands.demo_data import demo_seed

from support import ROOT

TOKEN = "demo-bot-token"


def imported_by(url, *args, cwd):
    """The modules `triage ARGS` imported, run as its own process (its exit code too)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("TRIAGE_PROJECT",)}
    environment.update(GITLAB_URL=url, GITLAB_TOKEN=TOKEN, CI_PROJECT_PATH="")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from triage.cli import entry; entry()", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    modules = {line.rsplit("|", 1)[1].strip() for line in lines[1:]}
    return done.returncode, modules, done.stdout + done.stderr


def countries(modules):
    return sum(1 for name in modules if name.startswith("holidays.countries."))


def test_a_scheduled_apply_imports_neither_explain_nor_after_its_first_run_every_holidays_country(
    tmp_path,
):
    """`triage apply --cache FILE`: `explain` is `triage explain`'s alone. The holidays library
    imports all of its ~250 countries to read one; the first run keeps the dates beside the
    details cache (`FILE.holidays`), and the next counts the same days off from there."""
    args = [
        *("-q", "apply", "--policies", str(ROOT / "policies")),
        *("--templates", str(ROOT / "templates"), "--cache", str(tmp_path / "details.json")),
    ]
    with running_emulator(demo_seed()) as emulator:
        code, first, output = imported_by(emulator.url, *args, cwd=tmp_path)
        assert code == 0, output
        assert countries(first) > 200  # the shipped policy names its country (US): all of them
        assert (tmp_path / "details.json.holidays").exists()
        code, second, output = imported_by(emulator.url, *args, cwd=tmp_path)
        assert code == 0, output
    assert "triage.commands.run" in second and "triage.runner.run" in second  # it ran
    assert "triage.explain" not in first | second
    assert countries(second) == 0
