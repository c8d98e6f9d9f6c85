"""How a run reads details for a batch of issues: several at a time, a failed read costs only
its issue, and a fatal one stops the run once the reads in flight have ended."""

import contextlib
import sys
import threading
import time
from datetime import timedelta

import pytest

from triage.gitlab.adapter import GitLabProblem
from triage.gitlab.readers import START, Readers
from triage.gitlab.records import Traffic
from triage.issues.snapshot import LabelEvent
from triage.runner import run
from triage.runner.details import DetailReads, plan_batch

from support import MEMBERS, NOW, settings, snapshot, workspace


class Reads:
    """Stands in for the adapter's detail reads: empty answers, slow enough to overlap."""

    def __init__(self, failing=(), fatal=False):
        self.failing, self.fatal = set(failing), fatal
        self.lock = threading.Lock()
        self.running = self.peak = 0
        self.read = []
        self.timed_by = threading.local()
        self.traffic = Traffic()

    @contextlib.contextmanager
    def timed(self, told):
        self.timed_by.told = told
        yield
        self.timed_by.told = None

    def _read(self, iid):
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.read.append(iid)
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
        self.timed_by.told(0.02)
        if iid in self.failing:
            raise GitLabProblem(f"read of #{iid} failed", fatal=self.fatal)
        return ()

    def notes(self, project, iid):
        return self._read(iid)

    def label_events(self, project, iid):
        return self._read(iid)

    def note_awards(self, project, iid, note_id):
        return self._read(iid)


def new_issues(count):
    """Issues with no stage yet: the move into Awaiting_Discovery needs their notes and events."""
    return [snapshot(iid=iid, labels=("Services Calculator",)) for iid in range(1, count + 1)]


def plans(reads, issues, readers=None):
    with DetailReads(reads, readers or Readers.fixed(START)) as background:
        return plan_batch(workspace().policy, issues, NOW, settings(), background, {}, None)


def test_details_are_read_several_issues_at_a_time():
    reads = Reads()
    planned = plans(reads, new_issues(2 * START))
    assert reads.peak == START
    assert all(p.has_changes for p in planned.values())  # each got its intake move


def test_a_failed_read_costs_only_its_issue():
    reads = Reads(failing={3})
    planned = plans(reads, new_issues(6))
    failed = {key[1]: p for key, p in planned.items() if isinstance(p, GitLabProblem)}
    assert list(failed) == [3] and str(failed[3]) == "read of #3 failed"
    assert all(p.has_changes for key, p in planned.items() if key[1] != 3)


def test_a_fatal_problem_stops_the_run_after_the_reads_in_flight():
    reads = Reads(failing={2}, fatal=True)
    with pytest.raises(GitLabProblem, match="read of #2 failed"):
        plans(reads, new_issues(6))
    assert sorted(set(reads.read)) == [1, 2, 3, 4, 5, 6]  # none left running behind the error
    assert reads.running == 0


class Listing(Reads):
    """GitLab as `run` sees it: a listing that shows its last issue only once a detail read has
    begun (or 5 s have passed), so a run that reads nothing before the listing ends waits."""

    def __init__(self, issues):
        super().__init__()
        self.issues = issues
        self.began = threading.Event()
        self.waited_in_listing = None

    def _read(self, iid):
        self.began.set()
        return super()._read(iid)

    def bot_username(self):
        return "ps-bot"

    def group_members(self, group, inherited=False):
        return {}

    def people_ids(self, usernames):
        return {}

    def scope_members(self, scope):
        return MEMBERS  # who GitLab lists as the project's members (the EMs among them)

    def member_names(self):
        return {}

    def now(self):
        return NOW

    def list_issues(self, scope, iids=None, updated_after=None):
        if scope.state == "closed":  # the closed issues the gates check: none here
            return
        *first, last = self.issues
        yield from first
        self.waited_in_listing = not self.began.wait(timeout=5)
        yield last


def without_forecast():
    """The shipped policy, keeping no forecast issue: the runs below only plan."""
    policy = workspace().policy
    return policy.model_copy(
        update={"forecast": policy.forecast.model_copy(update={"project": None})}
    )


def test_reads_start_while_the_listing_is_still_arriving():
    policy = without_forecast()
    assigned = [snapshot(iid=iid, labels=("Services Calculator",)) for iid in range(1, 5)]
    gitlab = Listing(assigned)
    result = run(policy, gitlab, workspace().templates, mode="plan")
    assert gitlab.waited_in_listing is False  # #1's reads began before #4 was listed
    assert sorted(set(gitlab.read)) == [1, 2, 3, 4]
    assert [o.plan.iid for o in result.outcomes] == [1, 2, 3, 4]  # each moves into its stage


def test_an_issue_that_may_get_an_em_is_planned_once_the_listing_is_whole():
    policy = without_forecast()
    # its details already at hand (as from the details cache): its first plan needs no reads
    unassigned = snapshot(iid=7, labels=("Services Calculator",), assignees=(), notes=(), events=())
    gitlab = Listing([snapshot(iid=1, labels=("Services Calculator",)), unassigned])
    result = run(policy, gitlab, workspace().templates, mode="plan")
    plans = {o.plan.iid: o.plan for o in result.outcomes}
    assert plans[7].assign == ("dana",)  # the triage lead: it has no Segment:: label
    assert sorted(gitlab.read) == [1, 1]  # its notes and label events


def test_planning_ahead_stops_once_enough_issues_wait_for_reads(monkeypatch):
    monkeypatch.setattr("triage.runner.details.AHEAD", 2)
    policy = without_forecast()
    gitlab = Listing([snapshot(iid=iid, labels=("Services Calculator",)) for iid in range(1, 6)])
    read_in_listing = []

    def listed(scope, iids=None, updated_after=None):
        if scope.state == "closed":
            return
        yield from gitlab.issues
        assert gitlab.began.wait(timeout=5)
        time.sleep(0.2)  # time for any other read started ahead to begin
        read_in_listing.extend(sorted(set(gitlab.read)))

    gitlab.list_issues = listed
    result = run(policy, gitlab, workspace().templates, mode="plan")
    assert read_in_listing == [1, 2]  # the others waited for their batch
    assert [o.plan.iid for o in result.outcomes] == [1, 2, 3, 4, 5]


def test_threads_switch_often_while_details_are_read_from_afar_and_as_before_after():
    before = sys.getswitchinterval()
    far = Reads()
    far.traffic.fastest = 0.030
    with DetailReads(far, Readers.fixed(2)):
        assert sys.getswitchinterval() == pytest.approx(DetailReads.SWITCH)
        assert before > DetailReads.SWITCH  # an answer is taken sooner while the planner runs
    assert sys.getswitchinterval() == before
    near = Reads()
    near.traffic.fastest = 0.001  # answers faster than a switch: the run is bound by its CPU
    with DetailReads(near, Readers.fixed(2)):
        assert sys.getswitchinterval() == before


class Groups(Listing):
    """A listing that shows its last issue only once the approver groups are being read (or 5 s
    have passed); the groups read are counted."""

    def __init__(self, issues):
        super().__init__(issues)
        self.groups_read = []
        self.asked = threading.Event()

    def group_members(self, group, inherited=False):
        self.groups_read.append(group)
        self.asked.set()
        return {}

    def label_events(self, project, iid):
        self._read(iid)
        set_by = LabelEvent("felix", "proposal::Approved", "add", NOW - timedelta(hours=1))
        return (set_by,) if iid == 1 else ()

    def list_issues(self, scope, iids=None, updated_after=None):
        if scope.state == "closed":
            return
        *first, last = self.issues
        yield from first
        self.waited_in_listing = not self.asked.wait(timeout=5)
        yield last


def test_the_approvers_are_read_while_the_listing_arrives_once_it_shows_a_gated_label():
    """Their reads begin as the gated label is listed, beside the listing, not once its plan has
    read who set it (a round of reads later, after the listing)."""
    approved = snapshot(iid=1, labels=("Services Calculator", "proposal::Approved"))
    gitlab = Groups([approved, snapshot(iid=2, labels=("Services Calculator",))])
    result = run(without_forecast(), gitlab, workspace().templates, mode="plan")
    assert gitlab.waited_in_listing is False
    assert sorted(gitlab.groups_read) == ["ps/deal-desk", "ps/ps-directors", "ps/ps-ta"]  # once
    # felix, judged against them (no one is in the groups here): refused, as it must be
    [plan] = [o.plan for o in result.outcomes if o.plan.iid == 1]
    assert "proposal::Approved" in plan.remove_labels
    assert "gate director: proposal::Approved set by @felix, not an approver" in plan.reasons


def test_a_run_without_a_gated_label_reads_no_approver_group():
    gitlab = Groups([snapshot(iid=iid, labels=("Services Calculator",)) for iid in (1, 2)])
    gitlab.asked.set()  # the listing does not wait
    result = run(without_forecast(), gitlab, workspace().templates, mode="plan")
    assert [o.plan.iid for o in result.outcomes] == [1, 2] and not result.errors
    assert gitlab.groups_read == []
