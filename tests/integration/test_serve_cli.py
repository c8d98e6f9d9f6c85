"""`triage serve` as a command: the secret it needs, the address it says first, and a webhook
answered through it, in a process of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from test_gates_and_timers import issue, seed

from gitlab_emulator.testing import running_emulator
from triage.cli import main
from triage.commands.demo_data import BOT_TOKEN, TASKS

from support import ROOT

TRIAGE = str(Path(sys.executable).parent / "triage")


def test_serve_without_a_webhook_secret_exits_1_with_the_reason() -> None:
    result = CliRunner().invoke(
        main,
        ["serve", "--policies", str(ROOT / "policies"), "--port", "0"],
        env={"GITLAB_URL": "http://127.0.0.1:9", "GITLAB_TOKEN": "t", "TRIAGE_WEBHOOK_SECRET": ""},
    )
    assert result.exit_code == 1
    assert "no webhook secret: set TRIAGE_WEBHOOK_SECRET" in result.output


def test_serve_says_where_it_listens_first_and_answers_until_stopped(tmp_path: Path) -> None:
    with running_emulator(seed([issue(1, "Ready For Approval", done=TASKS)])) as emu:
        env = {
            **os.environ,
            "GITLAB_URL": emu.url,
            "GITLAB_TOKEN": BOT_TOKEN,
            "TRIAGE_WEBHOOK_SECRET": "s3cret",
            "TRIAGE_SERVE_STATE": str(tmp_path / "pending.json"),
        }
        process = subprocess.Popen(
            [
                TRIAGE,
                "serve",
                "--port",
                "0",
                "--policies",
                str(ROOT / "policies"),
                "--templates",
                str(ROOT / "templates"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        try:
            assert process.stdout is not None
            first = process.stdout.readline().strip()
            assert first.startswith("serving on http://127.0.0.1:"), first
            url = first.removeprefix("serving on ")
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
                assert json.loads(answer.read())["status"] == "ok"
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=20)
        assert process.returncode == 0, err  # stopped cleanly, the worker too
        assert "serve: stopped; 0 issues pending" in err
        assert "s3cret" not in out + err and BOT_TOKEN not in out + err
