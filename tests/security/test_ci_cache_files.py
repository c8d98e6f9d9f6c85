"""Attacks by someone who can write the CI cache a scheduled run keeps its files in (`--cache
FILE`, and beside it FILE.holidays, FILE.renders, FILE.checked): nothing they write there can
make the bot count other days off, post a text the data does not say, or stop running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from triage.testing import BOT_TOKEN, Scoping

from support import ROOT


def apply(scoping: Scoping, cache: Path) -> subprocess.CompletedProcess[str]:
    """`triage apply --cache FILE` in its own process, as a scheduled job runs it (the suite's
    own loads of the workspace keep no file beside the cache: tests/conftest.py)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("TRIAGE_PROJECT",)}
    environment.update(GITLAB_URL=scoping.emulator.url, GITLAB_TOKEN=BOT_TOKEN, NO_COLOR="1")
    environment.update(CI_PROJECT_PATH="")
    paths = ["--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")]
    paths += ["--cache", str(cache)]
    return subprocess.run(
        [sys.executable, "-c", "from triage.cli import entry; entry()", "apply", *paths],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cache.parent,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("kept", ["holidays", "renders"])
def test_a_kept_file_with_a_seal_that_is_no_hex_is_worked_out_again(scoping, tmp_path, kept):
    """A seal of non-ASCII text made Python's `hmac.compare_digest` raise TypeError: every
    scheduled run stopped before its first request, for as long as the file stayed."""
    scoping.issue(stage="SOW_WIP", data={"customer": "Acme", "line_items": []})
    cache = tmp_path / "details.json"
    first = apply(scoping, cache)
    assert first.returncode == 0, first.stdout + first.stderr
    path = cache.with_name(f"details.json.{kept}")
    sealed = json.loads(path.read_text())
    path.write_text(json.dumps({"kept": sealed["kept"], "seal": "é" * 64}))
    again = apply(scoping, cache)
    assert again.returncode == 0, again.stdout + again.stderr
    rewritten = json.loads(path.read_text())  # worked out again and sealed by the bot
    assert rewritten["kept"] and rewritten["seal"] != "é" * 64
