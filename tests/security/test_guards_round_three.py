"""Guards no test protected (issue 29, 19-23): each was deleted or inverted in a copy of the code
and the whole suite stayed green. Each test here fails without its guard."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import gitlab
import pytest

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import demo_seed
from triage.forecast import forecast
from triage.gitlab import lease as lease_module
from triage.gitlab.adapter import GitLab, GitLabProblem
from triage.issues.snapshot import Note
from triage.planner import plan_issue
from triage.testing import BOT_TOKEN, Scoping, scoping_gitlab

from support import GATE_DATA, GATE_TASKS, NOW, block, settings, snapshot, with_details, workspace

ROOT = Path(__file__).resolve().parents[2]
DATA, TASKS = GATE_DATA, GATE_TASKS  # a deal ready for approval (support.py)


def writes(url: str) -> dict[str, int]:
    return {r: n for r, n in admin(url, "stats")["routes"].items() if not r.startswith("GET ")}


# 19 ----------------------------------------------------------------------------------------


def test_a_marker_in_someone_elses_note_is_not_the_bots_comment():
    """A person pastes the bot's own comment (marker and all) before the bot posts it: the bot
    still posts its own, as it finds its notes only among those its own user wrote."""
    issue = snapshot(labels=("Services Calculator", "proposal::Estimate_Feedback"), data=block())
    first = plan_issue(workspace().policy, with_details(issue), NOW, settings())
    [summary] = [c for c in first.comments if c.key.startswith("estimate-summary/")]
    body = f"<!-- ps-triage:{summary.key} rev={summary.rev} -->\n{summary.body}"
    pasted = Note(9, "mallory", body, NOW, False, False)
    again = plan_issue(workspace().policy, with_details(issue, (pasted,)), NOW, settings())
    assert [c.key for c in again.comments] == [c.key for c in first.comments]
    # the bot's own note of the same body is found: nothing to post
    own = replace(pasted, author="ps-bot")
    done = plan_issue(workspace().policy, with_details(issue, (own,)), NOW, settings())
    assert summary.key not in [c.key for c in done.comments]


def test_the_merge_request_plan_note_is_found_only_among_the_bots_notes():
    seed = demo_seed()
    seed["projects"][0]["merge_requests"] = [{"iid": 7, "title": "Policy change", "author": "dana"}]
    token = "<!-- ps-triage:plan -->"
    with running_emulator(seed) as emu:
        dana = gitlab.Gitlab(emu.url, private_token="dana-token").projects.get("ps/ps-plan")
        dana.mergerequests.get(7, lazy=True).notes.create({"body": f"{token}\nmy own words"})
        posted = GitLab(emu.url, "demo-bot-token").upsert_mr_note(
            "ps/ps-plan", 7, f"{token}\nplan", token
        )
        assert posted == "created"
        notes = dana.mergerequests.get(7, lazy=True).notes.list(get_all=True)
        bodies = sorted((n.author["username"], n.body) for n in notes)
        assert bodies == [("dana", f"{token}\nmy own words"), ("ps-bot", f"{token}\nplan")]


# 20 ----------------------------------------------------------------------------------------


def test_the_forecast_weights_come_from_the_policy():
    policy = workspace().policy
    weights = {"Green": 0.5, "Amber": 0.2, "Red": 0.0, "Grey": 0.0}
    mine = policy.model_copy(
        update={"forecast": policy.forecast.model_copy(update={"weights": weights})}
    )
    green = snapshot(
        iid=1,
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data=block(confidence={"value": "Green", "rationale": "signed soon"}),
    )
    fc = forecast(mine, [green], [], NOW)
    assert fc.weights == weights
    assert fc.weighted() == fc.total(("Green",)) * 5 / 10


# 21 ----------------------------------------------------------------------------------------


def _bot_as_guest(seed: dict[str, Any]) -> None:
    member = next(m for m in seed["projects"][0]["members"] if m["username"] == "ps-bot")
    member["access_level"] = 10


def test_a_token_below_reporter_stops_the_run_before_any_write():
    with scoping_gitlab(ROOT / "policies", ROOT / "templates", seed_with=_bot_as_guest) as scoping:
        scoping.issue(stage="SOW_WIP", tasks=TASKS, data=DATA)
        admin(scoping.emulator.url, "stats/reset", {})
        with pytest.raises(GitLabProblem) as stopped:
            scoping.run()
        assert "needs Reporter" in str(stopped.value) and "nothing was written" in str(
            stopped.value
        )
        assert writes(scoping.emulator.url) == {}


# 22 ----------------------------------------------------------------------------------------


def test_the_lease_is_confirmed_right_before_the_first_write(scoping: Scoping, monkeypatch):
    """A run that stalled between taking the lease and its first write, long enough for the
    lease to expire, writes nothing to the issues: the lease is checked before that write."""
    scoping.issue(stage="SOW_WIP", tasks=TASKS, data=DATA)
    take = lease_module.RunLease.take

    def stall(client, project):
        lease = take(client, project)
        admin(scoping.emulator.url, "clock", {"advance_seconds": 21 * 60})
        monkeypatch.setattr(lease_module, "CHECK_EVERY", 0.0)
        return lease

    monkeypatch.setattr(lease_module.RunLease, "take", stall)
    admin(scoping.emulator.url, "stats/reset", {})
    with pytest.raises(lease_module.LeaseLost):
        scoping.run()
    # the lease issue, opened by the first run, and the lease's award: nothing else
    done = {r for r in writes(scoping.emulator.url) if "award_emoji" not in r}
    assert done == {"POST /projects/:id/issues"}
    assert scoping.comments(1) == []


# 23 ----------------------------------------------------------------------------------------


def test_the_delivery_issue_link_note_is_posted_once_when_the_wrap_up_runs_again(scoping):
    """Someone reopens a won deal: the wrap-up runs again (and closes it again), and neither
    a second delivery issue nor a second link to it is posted."""
    iid = scoping.issue(stage="Approved", tasks=TASKS, data=DATA, author="rowan")
    scoping.run()
    scoping.emulator.store.clock.advance(600)
    desk = scoping.member_of("ps/deal-desk")
    scoping.as_person(desk).issues.update(iid, {"add_labels": "proposal::Closed_Won"})
    scoping.run()
    assert scoping.state(iid) == "closed"
    links = [b for b in scoping.comments(iid) if "/issue-link " in b]
    assert len(links) == 1
    scoping.emulator.store.clock.advance(600)
    scoping.as_person(desk).issues.update(iid, {"state_event": "reopen"})
    scoping.run()
    assert scoping.state(iid) == "closed"
    assert [b for b in scoping.comments(iid) if "/issue-link " in b] == links
    bot = gitlab.Gitlab(scoping.emulator.url, private_token=BOT_TOKEN)
    assert len(bot.projects.get("ps/delivery").issues.list(get_all=True)) == 1
