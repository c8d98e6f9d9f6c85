"""The run lease on the demo's GitLab: `plan` works while it is held, `apply` says who holds it
and exits 0, a held lease is renewed, given back on an interrupt, and its issue is never
triaged. (The overlapping runs themselves: tests/security/test_overlapping_runs.py.)"""

import json

import pytest
from test_cli import invoke

from gitlab_emulator.store import Award
from gitlab_emulator.testing import admin
from triage.emoji import canonical
from triage.gitlab import lease as lease_module
from triage.gitlab.adapter import GitLab, IssueAward
from triage.gitlab.lease import RENEW_AFTER, Busy, RunLease
from triage.issues.markers import find_marker

from support import BOT, BOT_TOKEN, bot_run, project_as, workspace

PROJECT = "ps/ps-plan"


def held(url: str) -> RunLease:
    taken = RunLease.take(GitLab(url, BOT_TOKEN), PROJECT)
    assert isinstance(taken, RunLease)
    return taken


def bot_awards(url: str, iid: int) -> list[str]:
    awards = project_as(url, "dana").issues.get(iid, lazy=True).awardemojis.list(get_all=True)
    return [a.name for a in awards if a.user["username"] == BOT]


def test_plan_works_while_the_lease_is_held(demo):
    held(demo.url)
    admin(demo.url, "stats/reset", {})
    result, _ = bot_run(demo.url, mode="plan")
    assert not result.lease_busy
    assert sorted(o.plan.iid for o in result.outcomes if o.status == "planned") == list(
        range(4101, 4110)
    )
    served = admin(demo.url, "stats")["requests"]
    assert served["POST"] == served["PUT"] == served["DELETE"] == 0


def test_an_apply_that_finds_the_lease_held_says_so_writes_nothing_and_exits_0(demo, tmp_path):
    lease = held(demo.url)
    admin(demo.url, "stats/reset", {})
    report = tmp_path / "report.json"
    result = invoke(["apply", "--report", str(report)], demo.url)
    assert result.exit_code == 0
    line = (
        "apply: another run holds the lease since 2026-01-12 09:00:00 UTC "
        "(until 09:20:00 UTC unless that run renews it), nothing written"
    )
    assert line in result.output.splitlines()
    assert json.loads(report.read_text())["lease_busy"] == line.removeprefix("apply: ")
    served = admin(demo.url, "stats")["requests"]
    assert served["POST"] == served["PUT"] == served["DELETE"] == 0
    lease.release()
    assert invoke(["apply"], demo.url).exit_code == 0  # given back: the next run goes on
    assert bot_awards(demo.url, lease.iid) == []


def test_a_held_lease_is_renewed_and_a_renewed_lease_holds_past_the_first_expiry(demo, monkeypatch):
    lease = held(demo.url)
    first = lease.award
    admin(demo.url, "clock", {"advance_seconds": RENEW_AFTER.total_seconds() + 60})
    monkeypatch.setattr(lease_module, "CHECK_EVERY", 0.0)
    lease.keep()
    assert lease.award.id != first.id and bot_awards(demo.url, lease.iid) == [lease.award.name]
    admin(demo.url, "clock", {"advance_seconds": 16 * 60})  # 22 minutes after the first award
    lease.keep()
    assert isinstance(RunLease.take(GitLab(demo.url, BOT_TOKEN), PROJECT), Busy)


def test_every_generation_of_the_lease_is_read_as_gitlab_stores_its_name(demo, monkeypatch):
    """GitLab stores an award under the emoji's canonical name (`stop_sign` is kept as
    `octagonal_sign`): the holder keeps its lease through every generation (it stopped itself
    with LeaseLost at the third), and another run sees the lease live all along."""
    lease = held(demo.url)
    monkeypatch.setattr(lease_module, "CHECK_EVERY", 0.0)
    names = [lease.award.name]
    for _ in lease_module.NAMES:
        admin(demo.url, "clock", {"advance_seconds": RENEW_AFTER.total_seconds() + 60})
        lease.keep()
        names.append(lease.award.name)
        assert bot_awards(demo.url, lease.iid) == [lease.award.name]
        assert isinstance(RunLease.take(GitLab(demo.url, BOT_TOKEN), PROJECT), Busy)
    assert names == ["hourglass", "construction", "octagonal_sign", "no_entry", "hourglass"]


def test_the_lease_names_are_the_ones_gitlab_stores():
    assert [canonical(name) for name in lease_module.NAMES] == list(lease_module.NAMES)


def test_the_lease_is_given_back_when_a_run_is_interrupted(demo, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C while the listing arrives

    monkeypatch.setattr(GitLab, "list_issues", interrupted)
    with pytest.raises(KeyboardInterrupt):
        bot_run(demo.url)
    monkeypatch.undo()
    lease_issue = project_as(demo.url, "dana").issues.list(search="ps-triage-run-lease")
    assert len(lease_issue) == 1 and bot_awards(demo.url, lease_issue[0].iid) == []
    assert not bot_run(demo.url)[0].lease_busy


def test_the_lease_issue_is_never_triaged_even_by_a_scope_without_labels(demo):
    ws = workspace()
    scope = ws.policy.scope.model_copy(update={"labels": []})
    unfiltered = ws.__class__(
        **{**vars(ws), "policy": ws.policy.model_copy(update={"scope": scope})}
    )
    for _ in range(2):
        result, _ = bot_run(demo.url, ws=unfiltered)
        assert not result.errors and not result.lease_busy
    project = project_as(demo.url, "dana")
    (lease_issue,) = project.issues.list(search="ps-triage-run-lease")
    assert lease_issue.confidential and lease_issue.labels == []
    assert lease_issue.author["username"] == BOT
    notes = lease_issue.notes.list(get_all=True)
    assert not [n for n in notes if find_marker(n.body or "")]


def test_when_gitlab_saves_two_awards_at_once_only_one_run_holds_the_lease(demo, monkeypatch):
    """GitLab checks an award's uniqueness, then inserts it (no unique index): two runs that
    award the same emoji in the same instant can both be saved. The read-back decides."""
    holder = held(demo.url)  # it awarded, read back and found only its own
    late = GitLab(demo.url, BOT_TOKEN)
    store = demo.store
    project = store.project_by_ref(PROJECT)
    bot = store.user_by_username(BOT)
    issue = project.issues[holder.iid]
    read = GitLab.issue_awards
    reads = []

    def seen_before_the_holder_awarded(self, project_path, iid):
        reads.append(iid)
        return () if len(reads) == 1 else read(self, project_path, iid)

    def saved_beside_the_holders(self, project_path, iid, name):
        assert name == holder.award.name  # the same generation: GitLab would refuse it, mostly
        award = Award(store.new_id("award"), name, bot.id, store.clock.now(), issue.id, "Issue")
        issue.awards.append(award)
        return IssueAward(award.id, name, BOT, award.created_at)

    monkeypatch.setattr(GitLab, "issue_awards", seen_before_the_holder_awarded)
    monkeypatch.setattr(GitLab, "award_issue", saved_beside_the_holders)
    outcome = RunLease.take(late, PROJECT)
    monkeypatch.undo()

    assert isinstance(outcome, Busy)
    assert [(a.id, a.name) for a in issue.awards] == [(holder.award.id, holder.award.name)]
