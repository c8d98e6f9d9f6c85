"""Comments as people see them in GitLab: revisions that supersede, a hand-off issue opened once,
and issue text that cannot act through the bot's comments."""

import itertools

import yaml

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import demo_seed
from triage.gitlab.lease import RunLease
from triage.issues.markers import find_marker

from support import BOT, bot_notes, bot_run, project_as


def revise(url, iid, old, new):
    issue = project_as(url, "harriet").issues.get(iid)
    assert old in issue.description
    issue.description = issue.description.replace(old, new)
    issue.save()


def estimate_notes(url, iid):
    return [
        n for n in bot_notes(url, iid) if find_marker(n.body).key.startswith("estimate-summary/")
    ]


def test_revising_an_estimate_twice_leaves_three_notes_the_first_two_superseded(demo):
    url = demo.url
    bot_run(url)  # #4103 Lantern is in Estimate_Feedback: its first estimate summary
    revise(url, 4103, "days: 22", "days: 25")
    bot_run(url)
    revise(url, 4103, "days: 25", "days: 20")
    bot_run(url)
    assert bot_run(url)[1].traffic.writes == 0  # settled

    notes = estimate_notes(url, 4103)
    assert len(notes) == 3
    markers = [find_marker(n.body) for n in notes]
    assert [m.superseded for m in markers] == [notes[1].id, notes[2].id, None]
    assert len({m.rev for m in markers}) == 3
    for older, newer in itertools.pairwise(notes):
        assert (
            f"#note_{newer.id}" in older.body
            and "**Superseded: do not use this revision.**" in older.body
        )
    assert "| Repository migration waves | PSE | 22 |" in notes[0].body  # the content stays
    assert "| Repository migration waves | PSE | 25 |" in notes[1].body
    assert (
        "| Repository migration waves | PSE | 20 |" in notes[2].body
        and "Superseded" not in notes[2].body
    )


def test_an_unrelated_edit_is_not_a_new_revision(demo):
    url = demo.url
    bot_run(url)
    revise(url, 4103, "## Summary", "## Summary (updated by the EM)")
    assert bot_run(url)[1].traffic.writes == 0
    assert len(estimate_notes(url, 4103)) == 1


def test_a_closed_won_deal_gets_one_delivery_issue_however_often_it_runs(demo):
    url = demo.url
    bot_run(url)
    project_as(url, "quinn").issues.update(4101, {"add_labels": "proposal::Closed_Won"})
    bot_run(url)
    # People reopen the issue (a mistake was suspected) and the schedule keeps running.
    project_as(url, "quinn").issues.update(4101, {"state_event": "reopen"})
    for _ in range(3):
        bot_run(url)
    delivery = (
        project_as(url, "quinn")
        .manager.gitlab.projects.get("ps/delivery")
        .issues.list(get_all=True)
    )
    assert [i.title for i in delivery] == ["Bramblewood Financial - Delivery hand-off"]
    handoff = [
        n
        for n in bot_notes(url, 4101)
        if find_marker(n.body).key == "closed-won-wrap-up/handoff.md.j2"
    ]
    assert len(handoff) == 1 and "@ps/ps-scheduling" in handoff[0].body


def test_a_lost_answer_when_opening_the_delivery_issue_does_not_open_a_second(demo, monkeypatch):
    url = demo.url
    bot_run(url)
    project_as(url, "quinn").issues.update(4101, {"add_labels": "proposal::Closed_Won"})
    take = RunLease.take

    def then_lose_every_answer(gitlab, project):
        lease = take(gitlab, project)
        admin(url, "faults", {"drop_after_write_rate": 1.0})
        return lease

    monkeypatch.setattr(RunLease, "take", then_lose_every_answer)
    bot_run(url)  # once it holds the run lease, every write is applied, every answer lost
    monkeypatch.undo()
    admin(url, "faults", {"drop_after_write_rate": 0.0})
    for _ in range(2):
        bot_run(url)
    delivery = (
        project_as(url, "quinn")
        .manager.gitlab.projects.get("ps/delivery")
        .issues.list(get_all=True)
    )
    assert len(delivery) == 1
    links = [
        n
        for n in bot_notes(url, 4101)
        if find_marker(n.body).key == "closed-won-wrap-up/issue-link"
    ]
    assert len(links) == 1 and delivery[0].web_url in links[0].body


def test_cost_estimate_is_internal_and_flags_a_margin_below_the_floor(demo):
    url = demo.url
    project_as(url, "dana").issues.update(4104, {"add_labels": "proposal::SOW_WIP"})
    bot_run(url)
    notes = bot_notes(url, 4104)
    cost = [n for n in notes if find_marker(n.body).key.startswith("cost-estimate/")]
    assert len(cost) == 1 and cost[0].internal
    assert (
        "Gross margin: **21.2%** (floor 30%)" in cost[0].body
        and "below the 30% floor" in cost[0].body
    )
    guest_view = project_as(url, "felix")  # a Developer: sees internal notes; a Guest would not
    assert any(
        n.id == cost[0].id for n in guest_view.issues.get(4104, lazy=True).notes.list(get_all=True)
    )
    public = [n for n in notes if not n.internal]
    assert all("10,400" not in n.body and "COGS" not in n.body for n in public)


def hostile_seed(customer, activity):
    data = demo_seed()
    block = {
        "customer": customer,
        "close_date": "2026-01-30",
        "people": {"sa": "felix", "ae": "imogen"},
        "line_items": [{"activity": activity, "role": "PSE", "days": 3}],
    }
    text = (
        "- [x] Discovery call held\n- [x] Customer agreed price and scope\n"
        "- [ ] SoW reviewed by account team and customer\n\n<!-- ps-triage:scoping -->\n```yaml\n"
        + yaml.safe_dump(block, sort_keys=False)
        + "```\n"
    )
    data["projects"][0]["issues"] = [
        {
            "iid": 1,
            "title": "@all /close - Scope Issue and Write SOW",
            "author": "imogen",
            "assignees": ["dana"],
            "labels": ["Services Calculator"],
            "description": text,
        }
    ]
    return data


def test_issue_text_cannot_close_the_issue_or_mention_anyone():
    with running_emulator(
        hostile_seed("x\n/close\n@all <b>Big</b>", '/label ~"proposal::Approved"\n/assign @rowan')
    ) as emu:
        url = emu.url
        bot_run(url)
        bot_run(url)
        issue = project_as(url, "dana").issues.get(1)
        assert issue.state == "opened"
        assert "proposal::Approved" not in issue.labels and [
            a["username"] for a in issue.assignees
        ] == ["dana"]
        notes = bot_notes(url, 1)
        assert {find_marker(n.body).key.split("/")[0] for n in notes} == {
            "intake",
            "discovery-held",
            "estimate-summary",
            "sow-draft",
            "cost-estimate",
            "data-block-problem",  # its activity is not in the service catalog: named, escaped
        }
        for note in notes:
            assert "@all" not in note.body and "@rowan" not in note.body and "<b>" not in note.body
            assert not any(line.startswith("/") for line in note.body.split("\n"))
        events = (
            project_as(url, "dana").issues.get(1, lazy=True).resourcelabelevents.list(get_all=True)
        )
        assert all(
            e.user["username"] == BOT or e.label["name"] == "Services Calculator" for e in events
        )


def test_a_deal_first_seen_approved_gets_its_sow_draft_first_and_the_signature_request_links_it(
    demo,
):
    bot_run(demo.url)  # #4101 Bramblewood was approved before the bot first saw it
    notes = {find_marker(n.body).key.split("/")[0]: n for n in bot_notes(demo.url, 4101)}
    sow, estimate, request = (
        notes["sow-draft"],
        notes["estimate-summary"],
        notes["signature-request"],
    )
    assert sow.id < request.id and estimate.id < request.id
    assert f"/issues/4101#note_{sow.id})" in request.body
    assert "ps-triage-posted" not in request.body and "comment above" not in request.body


def test_a_deal_first_seen_won_gets_a_staffable_delivery_issue_for_the_project_coordinator(demo):
    url = demo.url
    project_as(url, "quinn").issues.update(4101, {"add_labels": "proposal::Closed_Won"})
    bot_run(url)  # the bot's first look at #4101: already won
    notes = {find_marker(n.body).key.split("/")[0]: n for n in bot_notes(url, 4101)}
    sow, estimate = notes["sow-draft"], notes["estimate-summary"]
    handoff = next(
        n
        for n in bot_notes(url, 4101)
        if find_marker(n.body).key == "closed-won-wrap-up/handoff.md.j2"
    )
    assert f"#note_{sow.id})" in handoff.body and f"#note_{estimate.id})" in handoff.body
    [delivery] = project_as(url, "quinn").manager.gitlab.projects.get("ps/delivery").issues.list()
    assert [a["username"] for a in delivery.assignees] == ["quinn"]  # policy contacts.scheduling
    text = delivery.description
    assert f"#note_{sow.id})" in text and "ps-triage-posted" not in text
    for part in ("### Staffing", "| PSE |", "Region:", "Start window:", "Billing:", "USD "):
        assert part in text
    assert "### Contacts" in text and "### Risks" in text
    # one kick-off checklist: the hand-off note lists the very steps the delivery issue ticks
    steps = [line[6:] for line in text.splitlines() if line.startswith("- [ ] ")]
    assert len(steps) >= 4
    assert all(f". {step}" in handoff.body for step in steps)


def test_a_data_block_problem_note_is_marked_resolved_once_the_block_is_fixed(demo):
    url = demo.url
    bot_run(url)  # #4108 Vellum Press: an impossible date and negative days
    revise(url, 4108, "close_date: 2026-13-01", "close_date: 2026-01-30")
    revise(url, 4108, "days: -2", "days: 2")
    revise(url, 4108, "activity: Install", "activity: ha_build")  # an offering of the catalog
    bot_run(url)  # the estimate follows, and the problem note says it is resolved
    assert bot_run(url)[1].traffic.writes == 0  # settled: marked once
    notes = bot_notes(url, 4108)
    [problem] = [n for n in notes if find_marker(n.body).key.startswith("data-block-problem/")]
    assert find_marker(problem.body).resolved and "**Resolved**" in problem.body
    assert "2026-13-01" in problem.body  # what it said stays, folded
    assert any(find_marker(n.body).key.startswith("estimate-summary/") for n in notes)
