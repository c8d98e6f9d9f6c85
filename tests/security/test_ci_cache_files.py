"""Attacks by someone who can write the CI cache a scheduled run keeps its files in (`--cache
FILE`, and beside it FILE.holidays, FILE.renders, FILE.checked): nothing they write there can
make the bot count other days off, post a text the data does not say, or stop running."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from triage.gitlab.adapter import GitLab
from triage.gitlab.cache import DetailsCache
from triage.policy.loader import load_policy
from triage.render.kept import KeptRenders
from triage.render.templates import load_templates
from triage.runner import RunResult, run
from triage.testing import BOT_TOKEN, Scoping
from triage.workspace import _digest

from support import GATE_DATA, GATE_TASKS, ROOT, project_as


def apply(
    scoping: Scoping, cache: Path, templates: Path = ROOT / "templates"
) -> subprocess.CompletedProcess[str]:
    """`triage apply --cache FILE` in its own process, as a scheduled job runs it (the suite's
    own loads of the workspace keep no file beside the cache: tests/conftest.py)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("TRIAGE_PROJECT",)}
    environment.update(GITLAB_URL=scoping.emulator.url, GITLAB_TOKEN=BOT_TOKEN, NO_COLOR="1")
    environment.update(CI_PROJECT_PATH="")
    paths = ["--policies", str(ROOT / "policies"), "--templates", str(templates)]
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


def test_a_details_cache_entry_read_in_the_future_is_read_again(scoping, tmp_path):
    """The details cache is not sealed: a tampered entry can only delay an action, until the
    issue changes or the entry expires (docs/operations.md). An entry whose `read` time is in
    the future never expired: a Developer's TA::Approved, with the label event forged to a TA's
    in the cache, stood run after run, past the cache's 24 hours."""
    ta = scoping.member_of("ps/ps-ta")
    iid = scoping.issue(stage="SOW_WIP", tasks=GATE_TASKS[:2], data=GATE_DATA)
    path = tmp_path / "details.json"
    client = GitLab(scoping.emulator.url, BOT_TOKEN)
    ws = scoping.workspace

    def cached_run(mode: str = "apply") -> RunResult:
        cache = DetailsCache.load(path, gitlab=client.url, bot=client.bot_username())
        done = run(ws.policy, GitLab(client.url, BOT_TOKEN), ws.templates, mode=mode, cache=cache)
        cache.save(path)
        return done

    for _ in range(3):
        last = cached_run()
    assert last.outcomes == []
    scoping.emulator.store.clock.advance(600)
    scoping.as_person("felix").issues.update(iid, {"add_labels": "TA::Approved"})
    cached_run("plan")  # the entry as the next run would keep it: felix's label event in it
    data = json.loads(path.read_text())
    ref = next(r for r in data["issues"] if r.endswith(f"#{iid}"))
    entry = json.loads(data["issues"][ref])
    user = scoping.emulator.store.user_by_username(ta)
    assert user is not None
    for event in entry["events"]:
        if event[0] == "felix" and event[1] == "TA::Approved":
            event[0], event[4] = ta, user.id  # forged: the TA set it
    entry["read"], entry["quiet"] = "2999-01-01T00:00:00+00:00", None
    data["issues"][ref] = json.dumps(entry)
    path.write_text(json.dumps(data))
    scoping.emulator.store.clock.advance(25 * 3600)  # past the cache's 24 hours
    cached_run()
    assert "TA::Approved" not in scoping.labels(iid)
    [note] = scoping.comments(iid, "refused")
    assert "set by [felix](" in note


def test_a_forged_checked_file_does_not_hide_a_template_that_fails_its_check(scoping, tmp_path):
    """FILE.checked keeps the digest of the last workspace that passed the templates' check; the
    same one is not checked again. Anyone who can write the CI cache can work out the digest of
    a workspace that fails it (the code, the policy and the templates are the repository's):
    the run must still say which template fails, not skip the check for them."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "revisit.md.j2").write_text("{{ no_such_value }}\n", encoding="utf-8")
    cache = tmp_path / "cache" / "details.json"
    cache.parent.mkdir()
    first = apply(scoping, cache, templates)
    assert "revisit.md.j2" in first.stderr, first.stdout + first.stderr
    digest = _digest(load_policy(ROOT / "policies"), load_templates(templates))
    cache.with_name("details.json.checked").write_text(digest, encoding="utf-8")
    again = apply(scoping, cache, templates)
    assert "revisit.md.j2" in again.stderr, again.stdout + again.stderr


def test_a_kept_file_is_never_written_through_a_link_planted_in_the_cache(tmp_path):
    """The bot wrote a kept file to `FILE.renders.<its pid>.tmp`, then renamed it into place: a
    link planted there (CI caches restore links; a job's process ids are small and predictable)
    had the bot write into whatever file it points to."""
    victim = tmp_path / "victim.txt"
    victim.write_text("the job's own file\n", encoding="utf-8")
    path = tmp_path / "details.json.renders"
    path.with_name(f"{path.name}.{os.getpid()}.tmp").symlink_to(victim)
    kept = KeptRenders.load(path, BOT_TOKEN, "edition")
    kept.keep("digest", "text")
    kept.save()
    assert victim.read_text(encoding="utf-8") == "the job's own file\n"
    assert KeptRenders.load(path, BOT_TOKEN, "edition").texts == {"digest": "text"}


def forecast_of(scoping: Scoping) -> str:
    issues = project_as(scoping.emulator.url, "dana").issues.list(get_all=True, state="all")
    return next(i for i in issues if i.title.startswith("PS forecast")).description


def test_a_forged_label_event_in_the_details_cache_never_reaches_the_forecast(scoping, tmp_path):
    """The forecast issue is a write made from the label events a run remembered (days since
    approval, SLA breaches): the details cache must be the bot's own. A label event's time
    moved 60 days back in the CI cache made the forecast say the deal was approved weeks ago."""
    scoping.issue(stage="Approved", tasks=GATE_TASKS, data=GATE_DATA, author="rowan")
    scoping.emulator.store.clock.advance(3600)
    cache = tmp_path / "details.json"
    for _ in range(3):
        done = apply(scoping, cache)
        assert done.returncode == 0, done.stdout + done.stderr
    before = forecast_of(scoping)
    assert "approved 0 business days ago" in before
    data = json.loads(cache.read_text())
    for ref, text in data["issues"].items():
        entry = json.loads(text)
        for event in entry["events"] or []:
            if event[1] == "proposal::Approved":
                event[3] = (datetime.fromisoformat(event[3]) - timedelta(days=60)).isoformat()
        data["issues"][ref] = json.dumps(entry)
    cache.write_text(json.dumps(data))
    done = apply(scoping, cache)
    assert done.returncode == 0, done.stdout + done.stderr
    assert forecast_of(scoping) == before


@pytest.mark.parametrize("name", ["details.json.listing", "details.json.holidays", "details.json"])
def test_a_pipe_planted_for_a_kept_file_does_not_hold_the_run(scoping, tmp_path, name):
    """A kept file is read whole, at start: a named pipe planted in its place (or a link to one,
    or to a device such as /dev/zero: CI caches restore links) had the scheduled run wait for a
    writer, or read, until the job's timeout, every run. One that is no regular file is as
    good as none."""
    scoping.issue(stage="SOW_WIP", data={"customer": "Acme", "line_items": []})
    cache = tmp_path / "details.json"
    first = apply(scoping, cache)
    assert first.returncode == 0, first.stdout + first.stderr
    planted = tmp_path / name
    planted.unlink()
    os.mkfifo(planted)
    again = apply(scoping, cache)  # in its own process: stopped after 120 s if it waits
    assert again.returncode == 0, again.stdout + again.stderr
