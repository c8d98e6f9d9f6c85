"""What a scheduled run's process loads before its first request (issue 31, item 10): what
only another command needs is not imported, and what an earlier run with the details cache
already read is not read again. Structural, from `python -X importtime` of the real command in
its own process: which modules were imported, never how long anything took (bench/idle_run.py
and bench/startup.py measure that)."""

import json
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


def test_a_scheduled_apply_imports_no_explain_and_reuses_its_kept_holidays_and_forecast(
    tmp_path,
):
    """`triage apply --cache FILE`: `explain` is `triage explain`'s alone. The holidays library
    imports all of its ~250 countries to read one; the first run keeps the dates beside the
    details cache (`FILE.holidays`), and the next counts the same days off from there. The
    forecast's text is kept there too (`FILE.renders`): a settled run finds it unchanged, and,
    its plans recalled, renders nothing: it does not load the template engine (Jinja2)."""
    report = tmp_path / "report.json"
    paths = ["--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")]
    paths += ["--report", str(report)]
    args = ["-q", "apply", *paths, "--cache", str(tmp_path / "details.json")]
    with running_emulator(demo_seed()) as emulator:
        code, first, output = imported_by(emulator.url, *args, cwd=tmp_path)
        assert code == 0, output
        assert countries(first) > 200  # the shipped policy names its country (US): all of them
        assert (tmp_path / "details.json.holidays").exists()
        assert (tmp_path / "details.json.renders").exists()
        for _ in range(3):  # until settled: the demo's first runs move and comment
            code, later, output = imported_by(emulator.url, *args, cwd=tmp_path)
            assert code == 0, output
            assert countries(later) == 0
            if json.loads(report.read_text())["writes"] == 0:
                break
        # a settled run recalls every plan (nothing to render) and finds the kept forecast
        code, idle, output = imported_by(emulator.url, *args, cwd=tmp_path)
        assert code == 0, output
        settled = json.loads(report.read_text())
        # the kept forecast is the one rendered afresh: a plan without the cache sees it so
        code, _, output = imported_by(emulator.url, "-q", "plan", *paths, cwd=tmp_path)
        assert code == 0, output
        fresh = json.loads(report.read_text())
    assert settled["writes"] == 0 and settled["forecast"].endswith(": unchanged"), settled
    assert fresh["forecast"].endswith(": unchanged"), fresh
    assert "triage.commands.run" in idle and "triage.runner.run" in idle  # it ran
    assert "triage.explain" not in first | later | idle
    assert countries(idle) == 0
    assert "jinja2" in first and "jinja2" not in idle  # the template engine: nothing rendered


def ended(*args, before=""):
    """`triage ARGS` in its own process, with `before` run first and a line printed at the
    interpreter's own exit (atexit): its exit code and output."""
    code = (
        "import atexit; atexit.register(lambda: print('the interpreter exited as usual'))\n"
        f"{before}\nfrom triage.cli import entry; entry()"
    )
    environment = {**os.environ, "GITLAB_URL": "http://127.0.0.1:9", "GITLAB_TOKEN": TOKEN}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_the_process_ends_once_its_command_is_done_with_its_code_and_all_its_output():
    """Not freeing every object it made first (`process.done`): the interpreter's own exit
    does not run, and the exit code and everything written are as they were."""
    code, out, err = ended("--version")
    assert code == 0 and "version" in out and "exited as usual" not in out, (out, err)
    code, out, err = ended("plan", "--policies", str(ROOT / "policies"))
    assert code == 1 and "cannot reach GitLab at http://127.0.0.1:9" in err, (out, err)
    assert "exited as usual" not in out
    code, out, err = ended("plan", "--no-such-option")
    assert code == 2 and "No such option" in err and "exited as usual" not in out


def test_a_thread_still_working_at_the_end_is_waited_for():
    started = (
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.5), print('the thread finished'))).start()"
    )
    code, out, err = ended("--version", before=started)
    assert code == 0, err
    assert "the thread finished" in out and "exited as usual" in out


def test_loading_the_bot_builds_no_validator_it_does_not_use():
    """Every model of the bot's builds its validator at its first use (`defer_build`): a
    process that loads the whole run but reads no data block nor policy has built neither the
    data block's, nor the policy's, nor a condition's (each is built with the policy's, once);
    validating a block builds the block's then."""
    probe = (
        "import triage.commands.run\n"
        "from triage.issues.scoping import ScopingData, parse_scoping\n"
        "from triage.policy.model import Policy\n"
        "from triage.rules.conditions import LabelPresent\n"
        "print(ScopingData.__pydantic_complete__, Policy.__pydantic_complete__, "
        "LabelPresent.__pydantic_complete__)\n"
        "parse_scoping('<!-- ps-triage:scoping -->\\n```yaml\\ncustomer: Acme\\n```')\n"
        "print(ScopingData.__pydantic_complete__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["False", "False", "False", "True"], done.stdout + done.stderr
