"""Approver groups are read only when a run must judge someone against them (issue 31 item 8).

An idle run (no gated label on any issue, no emoji on an approval request) reads no approver
group: 6 requests an hour for nothing. The moment someone sets a gated label or gives an emoji
on the bot's request, the run reads the groups and judges them as ever: a non-approver's setting
is taken back, an approver's emoji approves. A plan that judged someone is remembered (the
details cache) with the approvers it was judged against: it is never recalled without reading
them again, so an approver who left the group no longer approves."""

from __future__ import annotations

from datetime import timedelta

from gitlab_emulator.testing import admin
from triage.gitlab.adapter import GitLab
from triage.gitlab.cache import DetailsCache
from triage.runner import run
from triage.testing import BOT_TOKEN, Scoping

from support import GATE_DATA, GATE_TASKS


def group_reads(scoping: Scoping) -> int:
    """The approver-group requests GitLab answered since the last count."""
    routes = admin(scoping.emulator.url, "stats")["routes"]
    admin(scoping.emulator.url, "stats/reset", {})
    return sum(count for route, count in routes.items() if route.startswith("GET /groups"))


def settled(scoping: Scoping) -> int:
    """A deal waiting for its approval (the bot's request posted, no emoji on it yet), run until
    a run has nothing to do; the counts start after that run."""
    iid = scoping.issue(stage="Ready For Approval", tasks=GATE_TASKS, data=GATE_DATA)
    scoping.run()
    assert scoping.comments(iid, "approval-request")
    scoping.run()
    admin(scoping.emulator.url, "stats/reset", {})
    return iid


def test_an_idle_run_reads_no_approver_group(scoping):
    iid = settled(scoping)
    result = scoping.run()
    assert result.outcomes == [] and result.errors == []
    assert scoping.stage(iid) == "Ready For Approval"
    assert group_reads(scoping) == 0


def test_a_gated_label_set_after_idle_runs_is_judged_against_the_groups(scoping):
    iid = settled(scoping)
    scoping.run()
    assert group_reads(scoping) == 0
    scoping.emulator.store.clock.advance(600)
    scoping.as_person("felix").issues.update(iid, {"add_labels": "proposal::Approved"})
    scoping.run()
    assert group_reads(scoping) == 6  # 3 groups: each one's members and its invitations
    assert scoping.stage(iid) == "Ready For Approval"
    [note] = scoping.comments(iid, "refused")
    assert "set by [felix](" in note


def test_an_emoji_after_idle_runs_is_judged_against_the_groups(scoping):
    """A Deal Desk clerk's :thumbsup: on the request approves nothing and is told so; the
    director's approves. Both only once someone gave one: the idle run before read no group."""
    iid = settled(scoping)
    [request] = scoping.comments(iid, "approval-request")
    scoping.run()
    assert group_reads(scoping) == 0
    for who in (scoping.member_of("ps/deal-desk"), "rowan"):
        scoping.emulator.store.clock.advance(600)
        person = scoping.as_person(who).issues.get(iid, lazy=True)
        note = next(n for n in person.notes.list(get_all=True) if n.body == request)
        person.notes.get(note.id, lazy=True).awardemojis.create({"name": "thumbsup"})
        scoping.run()
        assert group_reads(scoping) == 6
        approved = who == "rowan"
        assert (scoping.stage(iid) == "Approved") is approved
    [refused] = scoping.comments(iid, "refused")
    assert f"set by [{scoping.member_of('ps/deal-desk')}](" in refused


def test_a_remembered_approval_is_judged_again_once_its_approver_left_the_group(scoping):
    """A TA's review, remembered as "nothing to do" by the details cache, is recalled only after
    reading the groups again: once the TA left ps/ps-ta it no longer counts."""
    ta = scoping.member_of("ps/ps-ta")
    iid = scoping.issue(stage="SOW_WIP", tasks=GATE_TASKS[:2], data=GATE_DATA)
    scoping.emulator.store.clock.advance(600)
    scoping.as_person(ta).issues.update(iid, {"add_labels": "TA::Approved"})
    ws = scoping.workspace
    client = GitLab(scoping.emulator.url, BOT_TOKEN)
    cache = DetailsCache(client.url, client.bot_username())

    def cached_run():
        return run(
            ws.policy, GitLab(client.url, BOT_TOKEN), ws.templates, mode="apply", cache=cache
        )

    for _ in range(3):
        last = cached_run()
    assert last.outcomes == [] and last.recalled == 1
    assert "TA::Approved" in scoping.labels(iid)
    admin(scoping.emulator.url, "stats/reset", {})
    assert cached_run().recalled == 1  # recalled: with the groups read (the review is judged)
    assert group_reads(scoping) == 6
    store = scoping.emulator.store
    group, user = store.group_by_ref("ps/ps-ta"), store.user_by_username(ta)
    assert group is not None and user is not None
    del group.members[user.id]
    store.clock.advance(timedelta(minutes=5).total_seconds())
    cached_run()
    assert "TA::Approved" not in scoping.labels(iid)
    [note] = scoping.comments(iid, "refused")
    assert f"set by [{ta}](" in note
