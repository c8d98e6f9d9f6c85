"""Scheduled runs on the demo's issues: read-only plans, idempotent applies, one listing,
details only where needed, a run cut short, faults."""

from dataclasses import replace

import pytest

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import demo_seed
from triage.gitlab.adapter import GitLab, GitLabProblem
from triage.gitlab.lease import EXPIRY
from triage.issues.markers import find_marker
from triage.planner import Settings, plan_issue
from triage.runner import run

from support import APPROVERS, as_state, bot_notes, bot_run, project_as, workspace

IIDS = range(4101, 4110)


def snapshot_of(url):
    project = project_as(url, "dana")
    issues = {iid: project.issues.get(iid) for iid in IIDS}
    mine = {
        iid: [
            n
            for n in issue.notes.list(get_all=True, sort="asc")
            if n.author["username"] == "ps-bot"
        ]
        for iid, issue in issues.items()
    }
    which = {n.id: f"{iid}/{i}" for iid, notes in mine.items() for i, n in enumerate(notes)}
    return {
        iid: (
            sorted(issue.labels),
            issue.state,
            [as_state(n.body, url, which) for n in mine[iid]],
        )
        for iid, issue in issues.items()
    }


def test_plan_never_writes(demo):
    result, client = bot_run(demo.url, mode="plan")
    planned = sorted(o.plan.iid for o in result.outcomes if o.status == "planned")
    assert planned == list(range(4101, 4110))
    assert client.traffic.writes == 0
    served = admin(demo.url, "stats")["requests"]
    assert served["POST"] == served["PUT"] == served["DELETE"] == 0


def test_second_apply_makes_zero_writes_with_one_listing(demo):
    bot_run(demo.url)
    admin(demo.url, "stats/reset", {})
    result, client = bot_run(demo.url)
    assert client.traffic.writes == 0 and not result.outcomes
    # What an idle run still reads, because nothing is remembered between runs:
    # - each approver group's members, once; the project's members (who may be mentioned), once;
    # - label events of every issue with a timer (when did its stage start?) or a gated label
    #   (who set it?): all 9;
    # - the digest issues (one listing), and no person's notes: no deal is overdue for anyone
    #   on its reminder's clock (issue 32.1), which the description edits of Fri 01-09 started
    #   again (the stage's days made it 5 people's digests, whose notes were read, before);
    # - notes of 9: the 6 with a comment checked by revision or period, #4101, older than 45
    #   days with a recent update (was it people? only its notes can say), and the 2 waiting for
    #   their EM's first touch (#4106, #4107: did the EM act on them? only their notes say).
    assert admin(demo.url, "stats")["routes"] == {
        "GET /user": 1,
        # the scoping issues; the closed ones the gates check (updated since the lookback; the
        # quarter's closed deals, its wins gated, the forecast made from them all); the bot's
        # own issues (the forecast's, the digest's: listed once). Whether the token may write
        # is asked only by a run with something to write, before its first write.
        "GET /projects/:id/issues": 4,
        # the approver groups (directors, TAs, Deal Desk): their direct members and invitations
        "GET /groups/:id": 3,
        "GET /groups/:id/members": 3,
        "GET /projects/:id/members/all": 1,
        "GET /projects/:id/issues/:eventable_id/resource_label_events": 9,
        # and the forecast issue's (its weekly snapshots: the movement since last week, issue
        # 32.4)
        "GET /projects/:id/issues/:noteable_id/notes": 10,
        # nothing to write: no run lease taken (issue 31 item 7)
    }


def test_details_are_fetched_only_for_issues_that_need_them(demo):
    bot_run(demo.url, mode="plan")
    routes = admin(demo.url, "stats")["routes"]
    # one of the scoping issues, two of the closed ones the gates check (updated within the
    # look-back; the quarter's, which the forecast is made from too), one of the bot's own
    assert routes["GET /projects/:id/issues"] == 4
    # all 9: 8 have a comment due, and #4101 is old enough to be stale, recently updated
    assert routes["GET /projects/:id/issues/:noteable_id/notes"] == 9
    # all 9: timers of stages entered earlier, who set a gated label, who relabelled an issue
    # old enough to be stale, and moves on the issues updated within the 2-day look-back
    assert routes["GET /projects/:id/issues/:eventable_id/resource_label_events"] == 9


def test_a_run_cut_between_comment_and_label_change_converges_without_duplicates(demo):
    ws = workspace()
    client = GitLab(demo.url, "demo-bot-token")
    listed = next(client.list_issues(ws.policy.scope, iids=[4104]))
    snap = replace(
        listed,
        notes=client.notes(listed.project, 4104),
        label_events=client.label_events(listed.project, 4104),
    )
    intended = plan_issue(
        ws.policy,
        snap,
        client.now(),
        Settings(bot="ps-bot", templates=ws.templates, approvers=APPROVERS),
    )
    assert [c.key for c in intended.comments] == [
        "discovery-held/transition.md.j2",
        "estimate-summary/estimate-summary.md.j2",
    ]
    first = intended.comments[0]
    client.create_note(
        snap.project, snap.iid, first.body, marker_key=first.key, marker_rev=first.rev
    )
    # ... and the run dies here: the second comment and the label change never happen.
    assert "proposal::Awaiting_Discovery" in project_as(demo.url, "dana").issues.get(4104).labels
    bot_run(demo.url)
    assert "proposal::Estimate_Feedback" in project_as(demo.url, "dana").issues.get(4104).labels
    assert [find_marker(n.body).key for n in bot_notes(demo.url, 4104)] == [
        "discovery-held/transition.md.j2",
        "estimate-summary/estimate-summary.md.j2",
    ]


@pytest.mark.parametrize("fault_seed", [3, 17])
def test_faults_end_in_the_state_a_clean_run_reaches(fault_seed):
    with running_emulator(demo_seed()) as clean:
        bot_run(clean.url)
        expected = snapshot_of(clean.url)
    with running_emulator(demo_seed()) as chaos:
        admin(
            chaos.url,
            "faults",
            {"seed": fault_seed, "error_rate": 0.15, "drop_after_write_rate": 0.3},
        )
        for _ in range(20):
            try:
                result, client = bot_run(chaos.url)
            except Exception:  # a run that gave up: the schedule runs again
                continue
            if result.lease_busy:  # a run that gave up holding it: the lease expires
                admin(chaos.url, "clock", {"advance_seconds": EXPIRY.total_seconds()})
                continue
            if not result.errors and client.traffic.writes == 0:
                break
        admin(chaos.url, "faults", {"error_rate": 0.0, "drop_after_write_rate": 0.0})
        assert snapshot_of(chaos.url) == expected


def test_write_budget_stops_visibly(demo):
    result, client = bot_run(demo.url, max_writes=3)
    assert result.budget_exhausted and client.traffic.writes <= 3
    assert any(o.status == "skipped" for o in result.outcomes)


def test_a_note_budget_leaves_issues_whose_notes_do_not_fit_for_later(demo):
    """`max_notes` (serve's share of GitLab.com's 60 note creations a minute) counts notes,
    not the other writes: each applied issue fits it, and the rest wait, said as skipped."""
    result, client = bot_run(demo.url, max_notes=3)
    assert result.budget_exhausted and 0 < client.traffic.notes <= 3
    skipped = [o for o in result.outcomes if o.status == "skipped"]
    assert skipped and all(len(o.plan.comments) > 0 for o in skipped)
    assert client.traffic.writes > client.traffic.notes  # labels moved as well: not counted
    again, _ = bot_run(demo.url)  # the next run, without a budget, does the rest
    assert not again.budget_exhausted and not any(o.status == "skipped" for o in again.outcomes)


def test_the_bot_slows_down_before_the_rate_limit_bites():
    seed = demo_seed()
    seed["rate_limit"] = {"per_minute": 30, "headers": True, "period_seconds": 2}
    with running_emulator(seed) as emu:
        client = GitLab(emu.url, "demo-bot-token")  # real sleeps: it waits for the window to reset
        ws = workspace()
        result = run(ws.policy, client, ws.templates, mode="apply")
        stats = admin(emu.url, "stats")
        assert (
            not result.errors and sum(stats["requests"].values()) > 30
        )  # more than one window's worth
        assert stats["throttled"] == 0  # and never a 429


def test_a_listing_that_fails_after_its_first_pages_stops_the_run_before_any_write():
    seed = demo_seed()
    first = seed["projects"][0]["issues"][0]
    seed["projects"][0]["issues"] += [{**first, "iid": iid} for iid in range(5001, 5400)]
    with running_emulator(seed) as emu:
        client = GitLab(emu.url, "demo-bot-token", max_retries=1, sleep=lambda s: None)
        listing = client.list_issues

        def failing_after_one_page(scope, **kwargs):
            for count, issue in enumerate(listing(scope, **kwargs), start=1):
                yield issue
                if count == 100:  # pages 2 and 3 may be in already (read ahead); 4 is not
                    admin(emu.url, "faults", {"seed": 1, "error_rate": 1.0})

        client.list_issues = failing_after_one_page
        ws = workspace()
        with pytest.raises(GitLabProblem, match=rf"^GitLab at {emu.url} answered 50[023]"):
            run(ws.policy, client, ws.templates, mode="apply")
        admin(emu.url, "faults", {"error_rate": 0.0})
        served = admin(emu.url, "stats")
        assert served["routes"]["GET /projects/:id/issues"] >= 3  # it failed mid-listing
        writes = {r for r in served["routes"] if not r.startswith("GET ")}
        assert writes == set()  # it failed while planning, before it took the run lease
