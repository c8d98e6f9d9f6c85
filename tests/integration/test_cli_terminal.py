"""The command line where people put things (issue 20, item 13): the common flags before or
after the command, `--now` as a date or a time (or a usage error), a closed pipe, colour and
width only on a terminal, the forecast as a terminal view."""

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitlab_emulator.testing import running_emulator
from triage.cli import main
from triage.commands.demo_data import demo_seed

from support import ROOT, bot_run

TOKEN = "demo-bot-token"
TRIAGE = str(Path(sys.executable).parent / "triage")
PATHS = ["--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")]
ENV = {"GITLAB_TOKEN": TOKEN, "TRIAGE_PROJECT": None, "CI_PROJECT_PATH": None}
ESC = "\x1b["


def invoke(url, args):
    return CliRunner().invoke(main, args, env={**ENV, "GITLAB_URL": url})


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_and_verbose_work_after_the_command_too(demo, where):
    for flag, shown, hidden in (("-q", "plan: 9 issues scanned", "at http"), ("-v", "", "")):
        args = [flag, "plan", *PATHS] if where == "before" else ["plan", *PATHS, flag]
        result = invoke(demo.url, args)
        assert result.exit_code == 0, result.output
        assert shown in result.output and (not hidden or hidden not in result.output)
        if flag == "-v":  # verbose: one line per issue planned, on stderr
            assert "issues' details read at once" in result.output


@pytest.mark.parametrize(
    ("given", "now"),
    [
        ("2026-01-24", "2026-01-24T00:00:00+00:00"),  # a date: its midnight, UTC (no zone named)
        ("2026-01-24T10:00", "2026-01-24T10:00:00+00:00"),
        ("2026-01-24T10:00:00+01:00", "2026-01-24T09:00:00+00:00"),
        ("2026-01-24T09:00:00Z", "2026-01-24T09:00:00+00:00"),
    ],
)
def test_now_takes_a_date_or_a_time_before_or_after_the_command(demo, tmp_path, given, now):
    for before in (True, False):
        report = tmp_path / "r.json"
        args = ["plan", *PATHS, "--report", str(report)]
        args = ["--now", given, *args] if before else [*args, "--now", given]
        result = invoke(demo.url, args)
        assert result.exit_code == 0, result.output
        data = json.loads(report.read_text())
        assert data["now"] == now and data["errors"] == [] and data["issues_scanned"] == 9


@pytest.mark.parametrize("command", ["plan", "apply", "explain 4101", "report"])
def test_a_bad_now_is_a_usage_error(command):
    name, *rest = command.split()
    for args in ([name, *rest, "--now", "24/01/2026"], ["--now", "tomorrow", name, *rest]):
        result = CliRunner().invoke(main, args, env={**ENV, "GITLAB_URL": "http://127.0.0.1:9"})
        assert result.exit_code == 2, result.output
        assert "is neither a date (2026-01-24) nor an ISO 8601 time" in result.output
        assert "bug" not in result.output


def test_the_explain_of_a_date_has_no_type_error(demo):
    result = invoke(demo.url, ["explain", "4101", *PATHS, "--now", "2026-01-24"])
    assert result.exit_code == 0, result.output
    # as of the 24th, not GitLab's clock (the 12th): the close date on the 23rd has passed
    assert "✓ close date 2026-01-23 (FY26-Q4) has passed" in result.output


@pytest.mark.parametrize("args", [["graph", "--policies", str(ROOT / "policies")]])
def test_a_closed_pipe_is_quiet(args):
    """`triage graph | head -0`: the reader is gone before the first line is written."""
    process = subprocess.Popen(
        [TRIAGE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy()
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the command has imported anything: its first write fails
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0 and stderr == ""


def run_on(url, args, *, tty_columns=None, env=None):
    """`triage ARGS` in a subprocess, its stdout a terminal `tty_columns` wide, or a pipe."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "TRIAGE_PROJECT", "CI_PROJECT_PATH")
    }
    environment.update(GITLAB_URL=url, GITLAB_TOKEN=TOKEN, TERM="xterm-256color", **(env or {}))
    if tty_columns is None:
        done = subprocess.run(
            [TRIAGE, *args], capture_output=True, env=environment, timeout=120, check=False
        )
        return done.returncode, done.stdout.decode()
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, tty_columns, 0, 0))
    process = subprocess.Popen(
        [TRIAGE, *args], stdout=follower, stderr=subprocess.DEVNULL, env=environment
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    code = process.wait(timeout=120)
    return code, b"".join(chunks).decode().replace("\r\n", "\n")


def visible(text):
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_the_table_takes_the_terminals_width_and_colour_only_on_a_terminal():
    with running_emulator(demo_seed()) as emu:
        args = ["plan", *PATHS, "--now", "2026-01-12T09:00:00Z"]
        code, piped = run_on(emu.url, args)
        assert code == 0 and ESC not in piped  # redirected: no colour codes
        for columns in (72, 150):
            code, shown = run_on(emu.url, args, tty_columns=columns)
            assert code == 0 and ESC in shown  # a terminal: colour
            lines = [line for line in visible(shown).splitlines() if not line.startswith("plan:")]
            assert max(map(len, lines)) <= columns  # the table; the summary is one long line
            assert max(map(len, lines)) > columns - 10  # and it uses the width it has
        # words wrap whole: the stage names are never cut
        assert "Awaiting_Discovery" in visible(shown) and "Awaiting_Discovery" in piped


def test_no_color_keeps_a_terminal_plain():
    with running_emulator(demo_seed()) as emu:
        code, shown = run_on(emu.url, ["plan", *PATHS], tty_columns=100, env={"NO_COLOR": "1"})
    assert code == 0 and ESC not in shown and "Awaiting_Discovery" in shown


def test_the_terminal_report_is_tables_not_markdown(demo, tmp_path):
    bot_run(demo.url)
    result = CliRunner().invoke(
        main, ["report", *PATHS], env={**ENV, "GITLAB_URL": demo.url, "COLUMNS": "110"}
    )
    assert result.exit_code == 0, result.output
    text = result.output
    assert "|---" not in text and "```" not in text and "## " not in text
    assert text.startswith("PS forecast FY26-Q4: 13 business days left (ends 2026-01-31)\n")
    rows = {" ".join(line.split()) for line in text.splitlines()}
    assert "Commit (Green) 2 USD 156,000.00 0.9" in rows
    assert "Forecast (commit + best case) 3 USD 272,800.00" in rows
    assert any(r.startswith("Lantern Health Network ps/ps-plan#4103 harriet") for r in rows)
    assert max(map(len, text.splitlines())) <= 110
    output = tmp_path / "forecast.txt"
    written = CliRunner().invoke(
        main, ["report", *PATHS, "-o", str(output)], env={**ENV, "GITLAB_URL": demo.url}
    )
    assert written.exit_code == 0 and "Commit (Green)" in output.read_text()
    assert ESC not in output.read_text()


def test_help_stays_fast_without_rich():
    """`triage --help` imports no table library: rich is imported when a table is shown."""
    code = "import sys; from triage.cli import main; print('rich' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"  # how long it takes: bench/startup.py
