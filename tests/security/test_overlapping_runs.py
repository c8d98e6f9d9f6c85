"""Runs started together (a manual pipeline beside the schedule, a job without its
`resource_group`) never duplicate a note, a revision, a delivery issue or the forecast issue.

Each test starts `triage apply` runs against a GitLab emulator whose every answer is delayed (so
the runs' reads and writes interleave as they would across a network), then reads what GitLab
shows: every bot marker once per issue, one issue per token, and a normal run afterwards that
has nothing left to write."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from gitlab_emulator.store import Issue
from gitlab_emulator.testing import admin
from triage.gitlab.adapter import GitLab
from triage.issues.markers import find_marker
from triage.runner import RunResult, run
from triage.testing import BOT_TOKEN, TASKS, Scoping

ROOT = Path(__file__).resolve().parents[2]
LATENCY_MS = 25
LEASE_EXPIRY_SECONDS = 20 * 60  # docs/operations.md, "Overlapping runs"


def items(*rows: tuple[str, str, int]) -> list[dict[str, object]]:
    return [{"activity": a, "role": r, "days": d} for a, r, d in rows]


def data(customer: str) -> dict[str, object]:
    return {
        "customer": customer,
        "segment": "Ent_EAST",
        "close_date": "2026-03-20",
        "currency": "USD",
        "people": {"sa": "felix", "ae": "imogen"},
        "confidence": {"value": "Amber", "rationale": "Budget approved, timing unsure"},
        "line_items": items(("Discovery", "PSE", 3), ("Migration", "PSE", 10), ("PM", "PM", 2)),
        "discount_pct": 0,
    }


def whoever_may_set(scoping: Scoping, label: str) -> str:
    """The person the policy lets set `label` (its gate's first user or group), else an EM."""
    gate = next((g for g in scoping.workspace.policy.approvals if g.label == label), None)
    if gate is None:
        return "imogen"
    return gate.users[0] if gate.users else scoping.member_of(gate.groups[0])


def closed_won_by_whoever_may(scoping: Scoping, iid: int) -> None:
    """Record Closed Won as the person the policy lets do it (its gate, if it has one)."""
    who = whoever_may_set(scoping, "proposal::Closed_Won")
    store = scoping.emulator.store
    project = store.project_by_ref(scoping.project_path)
    user = store.user_by_username(who)
    assert project is not None and user is not None
    store.change_labels(project, project.issues[iid], user, add=["proposal::Closed_Won"])


def twelve_issues(scoping: Scoping) -> list[int]:
    """A dozen scoping issues that each get comments on a first run: new ones (intake), agreed
    estimates (SoW draft and internal cost estimate), line items in a strawman (estimate
    summary), and a deal approved then recorded Closed Won (hand-off and a delivery issue)."""
    made = []
    for n in range(12):
        customer = f"Customer {n:02d}"
        kind = n % 4
        if kind == 0:
            made.append(scoping.issue(title=f"{customer} - Scope Issue and Write SOW"))
        elif kind == 1:
            made.append(
                scoping.issue(
                    stage="Estimate_Feedback", tasks=TASKS[:2], data=data(customer), title=customer
                )
            )
        elif kind == 2:
            made.append(
                scoping.issue(
                    stage="Strawman_WIP", tasks=TASKS[:1], data=data(customer), title=customer
                )
            )
        else:
            iid = scoping.issue(
                stage="Approved",
                tasks=TASKS,
                data=data(customer),
                title=customer,
                author=whoever_may_set(scoping, "proposal::Approved"),
            )
            closed_won_by_whoever_may(scoping, iid)
            made.append(iid)
    return made


def one_apply(scoping: Scoping) -> tuple[RunResult, GitLab]:
    client = GitLab(scoping.emulator.url, BOT_TOKEN, sleep=lambda s: None)
    ws = scoping.workspace
    return run(ws.policy, client, ws.templates, mode="apply"), client


def applies_at_once(scoping: Scoping, count: int) -> list[tuple[RunResult, GitLab]]:
    """`count` runs started at the same instant, each with its own connection."""
    start = threading.Barrier(count)
    ended: list[tuple[RunResult, GitLab]] = []
    failed: list[BaseException] = []

    def one() -> None:
        start.wait()
        try:
            ended.append(one_apply(scoping))
        except BaseException as error:  # reported below, with the others' outcome
            failed.append(error)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failed, failed
    assert len(ended) == count
    return ended


def bot_markers(scoping: Scoping) -> Counter[tuple[int, str, str]]:
    """(iid, key, revision) of every marked note the bot wrote, counted, on every scoping issue."""
    store = scoping.emulator.store
    bot = store.user_by_username("ps-bot")
    project = store.project_by_ref(scoping.project_path)
    assert bot is not None and project is not None
    found: Counter[tuple[int, str, str]] = Counter()
    for issue in project.issues.values():
        for note in issue.notes:
            marker = find_marker(note.body)
            if note.author_id == bot.id and marker:
                found[(issue.iid, marker.key, marker.rev)] += 1
    return found


def bot_issues(scoping: Scoping, path: str) -> list[Issue]:
    store = scoping.emulator.store
    bot = store.user_by_username("ps-bot")
    project = store.project_by_ref(path)
    assert bot is not None and project is not None
    return [i for i in project.issues.values() if i.author_id == bot.id]


def hidden_tokens(issues: list[Issue]) -> Counter[str]:
    """The hidden `<!-- token -->` line each issue's description starts with, counted."""
    return Counter((i.description or "").split("\n", 1)[0] for i in issues)


def lease_awards(scoping: Scoping) -> list[tuple[int, str]]:
    """(issue iid, emoji) of every award the bot holds in the scoping project."""
    store = scoping.emulator.store
    bot = store.user_by_username("ps-bot")
    project = store.project_by_ref(scoping.project_path)
    assert bot is not None and project is not None
    return [
        (issue.iid, award.name)
        for issue in list(project.issues.values())
        for award in list(issue.awards)
        if award.user_id == bot.id
    ]


def test_overlapping_applies_never_duplicate_a_note_a_revision_or_an_issue(scoping):
    twelve_issues(scoping)
    scoping.emulator.set_faults(latency_ms=LATENCY_MS)

    runs = applies_at_once(scoping, 3)

    scoping.emulator.set_faults(latency_ms=0)
    markers = bot_markers(scoping)
    assert markers, "the runs wrote nothing at all"
    assert {k: n for k, n in markers.items() if n > 1} == {}
    delivery = bot_issues(scoping, "ps/delivery")
    assert delivery, "no delivery issue was opened: the Closed Won deals were not handed off"
    assert {t: n for t, n in hidden_tokens(delivery).items() if n > 1} == {}
    forecast = [
        i
        for i in bot_issues(scoping, scoping.project_path)
        if "ps-triage-forecast" in i.description
    ]
    assert len(forecast) == 1
    # The runs that found the lease held wrote nothing, and said why.
    waited = [(result, client) for result, client in runs if result.lease_busy]
    assert waited
    for result, client in waited:
        assert client.traffic.writes == 0 and not result.outcomes
        assert "another run holds the lease since" in result.lease_busy
    # They end converged, with the lease given back.
    result, client = one_apply(scoping)
    assert client.traffic.writes == 0 and not result.outcomes and not result.lease_busy
    assert lease_awards(scoping) == []


def start_apply_and_kill_it_once_it_holds_the_lease(scoping: Scoping) -> None:
    """`triage apply` in a process of its own, killed (SIGKILL: no clean-up) as soon as GitLab
    shows the lease it took."""
    scoping.emulator.set_faults(latency_ms=150)
    env = {
        **os.environ,
        "GITLAB_URL": scoping.emulator.url,
        "GITLAB_TOKEN": BOT_TOKEN,
        "TRIAGE_PROJECT": scoping.project_path,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from triage.cli import entry; entry()",
            "apply",
            "--policies",
            str(ROOT / "policies"),
            "--templates",
            str(ROOT / "templates"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not lease_awards(scoping):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the run never took the lease"
            time.sleep(0.005)
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        if process.stderr:
            process.stderr.close()
    scoping.emulator.set_faults(latency_ms=0)
    assert lease_awards(scoping), "the killed run left no lease behind"


def test_a_lease_not_yet_expired_makes_the_next_run_write_nothing(scoping):
    issues = twelve_issues(scoping)
    start_apply_and_kill_it_once_it_holds_the_lease(scoping)
    before = bot_markers(scoping), [scoping.labels(i) for i in issues]
    admin(scoping.emulator.url, "clock", {"advance_seconds": LEASE_EXPIRY_SECONDS - 60})

    result, client = one_apply(scoping)

    assert result.lease_busy and "another run holds the lease since" in result.lease_busy
    assert "nothing written" in result.lease_busy
    assert client.traffic.writes == 0 and not result.outcomes
    assert (bot_markers(scoping), [scoping.labels(i) for i in issues]) == before


def test_a_killed_run_whose_lease_expired_does_not_block_the_next_run(scoping):
    twelve_issues(scoping)
    start_apply_and_kill_it_once_it_holds_the_lease(scoping)
    stale = lease_awards(scoping)
    admin(scoping.emulator.url, "clock", {"advance_seconds": LEASE_EXPIRY_SECONDS + 60})

    result, client = one_apply(scoping)

    assert not result.lease_busy and not result.errors
    assert client.traffic.writes > 0
    assert {k: n for k, n in bot_markers(scoping).items() if n > 1} == {}
    assert lease_awards(scoping) == []  # the stale award was taken over, then given back
    assert stale
    again, client = one_apply(scoping)
    assert client.traffic.writes == 0 and not again.outcomes


def test_a_run_whose_lease_was_taken_over_stops_before_writing(scoping, monkeypatch):
    """A run stalled past the lease's expiry (a frozen runner) finds, before its next write,
    that another run took the lease over, and stops: the other run's work is not done twice."""
    from triage.gitlab import lease as lease_module

    twelve_issues(scoping)
    take = lease_module.RunLease.take
    stalled: list[object] = []

    def stall_once_held(gitlab, project):
        lease = take(gitlab, project)
        if not stalled:  # the first run stalls here while another one runs from start to end
            stalled.append(lease)
            admin(scoping.emulator.url, "clock", {"advance_seconds": LEASE_EXPIRY_SECONDS + 60})
            other, client = one_apply(scoping)
            assert not other.lease_busy and client.traffic.writes > 0
            monkeypatch.setattr(lease_module, "CHECK_EVERY", 0.0)  # the stall outlasted it
        return lease

    monkeypatch.setattr(lease_module.RunLease, "take", stall_once_held)
    client = GitLab(scoping.emulator.url, BOT_TOKEN, sleep=lambda s: None)
    ws = scoping.workspace
    try:
        run(ws.policy, client, ws.templates, mode="apply")
    except lease_module.LeaseLost as lost:
        assert "expired and may be another run's now" in str(lost)
    else:
        raise AssertionError("the stalled run went on writing")
    assert client.traffic.writes == 0
    assert {k: n for k, n in bot_markers(scoping).items() if n > 1} == {}
