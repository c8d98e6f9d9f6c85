"""The inbox: per-issue debounce, repeated deliveries, retries, and pending issues kept across a
restart; and the worker's handling of what a plan came to. Times are plain numbers."""

from __future__ import annotations

import json
from pathlib import Path

from triage.serve.inbox import Inbox
from triage.serve.metrics import Metrics
from triage.serve.receiver import Key
from triage.serve.worker import Planned, Worker

A: Key = ("ps/ps-plan", 1)
B: Key = ("ps/ps-plan", 2)


def test_an_issue_is_ready_after_quiet_or_at_most_after_its_first_event() -> None:
    inbox = Inbox(quiet=3, most=15)
    for t in range(0, 20, 2):  # an event every 2 s: never 3 s of quiet
        inbox.add(A, "Note Hook", float(t))
        if t < 14:
            assert inbox.take_ready(float(t) + 1) == []
        if t == 14:
            assert [k for k, _ in inbox.take_ready(15.0)] == [A]  # 15 s after the first
    assert [k for k, _ in inbox.take_ready(21.0)] == [A]  # the events after the plan: again
    inbox.add(B, "Issue Hook", 100.0)
    assert inbox.take_ready(102.9) == []
    ready = inbox.take_ready(103.0)
    assert [k for k, _ in ready] == [B]
    assert ready[0][1].events == [("Issue Hook", 100.0)]


def test_three_ticks_in_quick_succession_give_one_plan() -> None:
    inbox = Inbox(quiet=3, most=15)
    for t in (0.0, 0.8, 1.9):
        inbox.add(A, "Issue Hook", t)
    assert inbox.take_ready(4.8) == []
    (key, entry), *rest = inbox.take_ready(4.9)
    assert (key, len(entry.events), rest) == (A, 3, [])


def test_a_delivery_id_seen_before_is_a_repeat_for_a_day() -> None:
    inbox = Inbox(remember=86_400, capacity=3)
    assert not inbox.repeat("k1", 0)
    assert inbox.repeat("k1", 10)
    assert not inbox.repeat(None, 10) and not inbox.repeat(None, 10)  # no id: never a repeat
    assert not inbox.repeat("k1", 86_401)  # forgotten after a day
    for n in range(5):  # at most `capacity` ids kept
        inbox.repeat(f"x{n}", 86_402)
    assert len(inbox._seen) <= 3


def test_an_issue_put_back_is_tried_again_later_with_the_events_that_came_meanwhile() -> None:
    inbox = Inbox(quiet=1, most=5, retry=4)
    inbox.add(A, "Note Hook", 0)
    ((key, entry),) = inbox.take_ready(1)
    inbox.add(A, "Emoji Hook", 2)
    inbox.put_back(key, entry, 2)
    assert inbox.take_ready(5.9) == []
    ((_, again),) = inbox.take_ready(6)
    assert [e for e, _ in again.events] == ["Note Hook", "Emoji Hook"]


def test_pending_issues_survive_a_restart_and_are_ready_at_once(tmp_path: Path) -> None:
    state = tmp_path / "serve.json"
    inbox = Inbox(state, quiet=3, most=15)
    inbox.add(A, "Note Hook", 1000)
    inbox.add(B, "Issue Hook", 1000)
    inbox.take_ready(1003)  # both taken
    inbox.add(B, "Emoji Hook", 1010)  # B pending when the service stops
    restarted = Inbox(state, quiet=3, most=15)
    assert restarted.keys() == [B]
    assert [k for k, _ in restarted.take_ready(0)] == [B]
    assert json.loads(state.read_text()) == {"pending": []}


def test_a_damaged_state_file_is_an_empty_inbox_said_once(tmp_path: Path) -> None:
    state = tmp_path / "serve.json"
    state.write_text('{"pending": [{"project": 3}')
    inbox = Inbox(state)
    assert len(inbox) == 0
    assert inbox.problem is not None and "could not be read" in inbox.problem
    state.write_text('{"pending": [{"project": "a/b", "iid": "1"}, {"project": "a/b", "iid": 2}]}')
    assert Inbox(state).keys() == [("a/b", 2)]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_worker_logs_one_line_per_event_and_retries_a_busy_lease() -> None:
    clock = Clock()
    inbox = Inbox(quiet=1, most=5, retry=2)
    lines: list[str] = []
    answers = [Planned("lease busy", retry=True, lease_busy=True), Planned("applied, 2 writes", 2)]
    asked: list[tuple[Key, int | None]] = []

    def replan(key: Key, budget: int | None) -> Planned:
        asked.append((key, budget))
        return answers.pop(0)

    metrics = Metrics()
    worker = Worker(inbox, replan, metrics, lines.append, clock=clock, writes_per_minute=60)
    inbox.add(A, "Note Hook", 0)
    inbox.add(A, "Emoji Hook", 0.5)
    clock.now = 1.5
    worker.step()
    assert (lines, worker.planned, len(inbox)) == ([], [], 1)  # busy: pending, no line yet
    clock.now = 3.5
    worker.step()
    assert asked == [(A, 60), (A, 60)]
    assert lines == [
        "ps/ps-plan#1 Note Hook: applied, 2 writes (3.50 s)",
        "ps/ps-plan#1 Emoji Hook: applied, 2 writes (3.00 s)",
    ]
    assert worker.planned == [A] and len(inbox) == 0
    assert metrics.get("triage_lease_busy_total") == 1
    assert metrics.total("triage_writes_total") == 2
    text = metrics.text()
    assert 'triage_plans_total{outcome="applied"} 1' in text
    assert "triage_event_to_plan_seconds_count 2" in text


def test_the_minutes_note_budget_is_shared_by_every_plan() -> None:
    """GitLab.com limits note creation to 60 a minute per user; label updates and the run
    lease's emoji are writes under the general limit (2,000 a minute), not notes."""
    clock = Clock()
    inbox = Inbox(quiet=0, most=0, retry=1)
    budgets: list[int | None] = []

    def replan(key: Key, budget: int | None) -> Planned:
        budgets.append(budget)
        return Planned("applied, 6 writes", 6, notes=3)  # 3 notes, a label update, the lease

    worker = Worker(inbox, replan, Metrics(), lambda line: None, clock=clock, writes_per_minute=5)
    inbox.add(A, "Note Hook", 0)
    inbox.add(B, "Note Hook", 0)
    worker.step()
    assert budgets == [5, 2]  # the notes counted, not the 6 writes (which would leave none)
    inbox.add(A, "Note Hook", 1)
    clock.now = 1
    worker.step()  # nothing left this minute: pending, not planned
    assert budgets == [5, 2] and inbox.keys() == [A]
    clock.now = 61
    worker.step()
    assert budgets == [5, 2, 5]
