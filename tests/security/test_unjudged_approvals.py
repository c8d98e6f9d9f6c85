"""Attacks on the approvals a run reads the approver groups for only when it must judge someone
(issue 31 item 8): a gated label or an emoji given by someone who is not an approver, at a
moment the run may not (or cannot) read the groups. Nothing they did may count anywhere."""

from __future__ import annotations

from typing import Any

from test_closed_issue_gates import won_in_report
from test_group_scope_access import OTHER, ROOT, group_policies

from gitlab_emulator.store import GUEST
from triage.gitlab.adapter import GitLab
from triage.gitlab.cache import DetailsCache
from triage.rules.fiscal import fiscal_quarter
from triage.runner import RunResult, run
from triage.serve.service import replanner
from triage.testing import BOT_TOKEN, Scoping, scoping_gitlab

from support import GATE_DATA, GATE_TASKS, project_as

DATA = {**GATE_DATA, "close_date": "2026-01-20"}
TASKS = GATE_TASKS


def hide_group(scoping: Scoping, path: str) -> None:
    """The group becomes private to its members (the bot is none): GitLab answers 404."""
    group = scoping.emulator.store.group_by_ref(path)
    assert group is not None
    group.visibility = "private"


def forecast_text(scoping: Scoping) -> str:
    now = scoping.emulator.store.clock.now()
    quarter = fiscal_quarter(now.date(), 2)
    issues = project_as(scoping.emulator.url, "dana").issues.list(get_all=True, state="all")
    return next(i for i in issues if i.title == f"PS forecast {quarter.name}").description


def won_row(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("| Won (bookings) |"))


def test_a_win_whose_gate_could_not_be_judged_is_counted_nowhere(scoping):
    """Deal Desk's group cannot be read (made private, renamed, the bot removed): a Developer who
    closes an approved deal as won is not judged, and the run fails that issue. The forecast the
    same run writes must not book the win it could not judge."""
    iid = scoping.issue(stage="Approved", tasks=TASKS, data=DATA, author="rowan")
    scoping.run()
    before = won_row(forecast_text(scoping))
    assert before.startswith("| Won (bookings) | 0 |")
    scoping.emulator.store.clock.advance(600)
    hide_group(scoping, "ps/deal-desk")
    quarter = fiscal_quarter(scoping.emulator.store.clock.now().date(), 2).label
    scoping.as_person("felix").issues.update(
        iid, {"add_labels": f"proposal::Closed_Won,close_qtr::{quarter}", "state_event": "close"}
    )
    result = scoping.run()
    assert [o.plan.iid for o in result.errors] == [iid]
    assert "ps/deal-desk" in str(result.errors[0].error)
    assert result.forecast_failed and "its gates could not be checked" in str(result.forecast)
    assert won_row(forecast_text(scoping)) == before


def thumbs_up(scoping: Scoping, who: str, iid: int) -> None:
    """`who` gives :thumbsup: on the bot's approval request of the issue."""
    [request] = scoping.comments(iid, "approval-request")
    person = scoping.as_person(who).issues.get(iid, lazy=True)
    note = next(n for n in person.notes.list(get_all=True) if n.body == request)
    person.notes.get(note.id, lazy=True).awardemojis.create({"name": "thumbsup"})


def test_serve_judges_an_approval_against_the_groups_as_they_are_now(scoping):
    """`triage serve` plans each issue again with one GitLab connection for its whole life. A
    director removed from ps/ps-directors while it runs must approve nothing more: the groups
    it read for an earlier event are not who approves now."""
    first, second = (
        scoping.issue(stage="Ready For Approval", tasks=GATE_TASKS, data=GATE_DATA)
        for _ in range(2)
    )
    scoping.run()
    director = scoping.member_of("ps/ps-directors")
    replan = replanner(
        scoping.workspace.policy,
        GitLab(scoping.emulator.url, BOT_TOKEN),
        scoping.workspace.templates,
    )
    scoping.emulator.store.clock.advance(600)
    thumbs_up(scoping, director, first)
    replan((scoping.project_path, first), None)
    assert scoping.stage(first) == "Approved"  # a director then: the groups were read
    store = scoping.emulator.store
    group, user = store.group_by_ref("ps/ps-directors"), store.user_by_username(director)
    assert group is not None and user is not None
    del group.members[user.id]
    store.clock.advance(600)
    thumbs_up(scoping, director, second)
    replan((scoping.project_path, second), None)
    assert scoping.stage(second) == "Ready For Approval"
    [refused] = scoping.comments(second, "refused")
    assert f"set by [{director}](" in refused


def test_a_gated_label_taken_off_and_set_again_by_a_non_approver_is_judged_despite_memory(
    scoping,
):
    """A TA's review, remembered as "nothing to do" (the details cache): a Developer takes the
    label off and sets it again between two runs. The listing shows the same labels as when the
    plan was remembered; the plan must not be recalled: who set the label now is someone else."""
    ta = scoping.member_of("ps/ps-ta")
    iid = scoping.issue(stage="SOW_WIP", tasks=GATE_TASKS[:2], data=GATE_DATA)
    scoping.emulator.store.clock.advance(600)
    scoping.as_person(ta).issues.update(iid, {"add_labels": "TA::Approved"})
    client = GitLab(scoping.emulator.url, BOT_TOKEN)
    cache = DetailsCache(client.url, client.bot_username())
    ws = scoping.workspace

    def cached_run() -> RunResult:
        return run(
            ws.policy, GitLab(client.url, BOT_TOKEN), ws.templates, mode="apply", cache=cache
        )

    for _ in range(3):
        last = cached_run()
    assert last.outcomes == [] and last.recalled == 1
    scoping.emulator.store.clock.advance(60)
    felix = scoping.as_person("felix")
    felix.issues.update(iid, {"remove_labels": "TA::Approved"})
    felix.issues.update(iid, {"add_labels": "TA::Approved"})
    cached_run()
    assert "TA::Approved" not in scoping.labels(iid)
    [note] = scoping.comments(iid, "refused")
    assert "set by [felix](" in note


def test_a_gated_label_on_an_open_deal_counts_in_no_report_before_the_bot_runs(scoping):
    """`triage report` judged the gates of closed deals only: a Developer's Closed_Won on an
    open approved deal, or their proposal::Approved on one waiting for approval, went into the
    Salesforce file as that stage before the next run took it back."""
    won_deal = scoping.issue(stage="Approved", tasks=TASKS, data=DATA, author="rowan")
    waiting = scoping.issue(stage="Ready For Approval", tasks=GATE_TASKS, data=GATE_DATA)
    scoping.run()
    scoping.emulator.store.clock.advance(600)
    felix = scoping.as_person("felix")
    felix.issues.update(won_deal, {"add_labels": "proposal::Closed_Won"})
    felix.issues.update(waiting, {"add_labels": "proposal::Approved"})
    won, stages = won_in_report(scoping)
    assert won == []
    assert stages[str(won_deal)] == "Approved"
    assert stages[str(waiting)] == "Ready For Approval"


def test_a_win_refused_in_a_project_the_bot_may_not_write_to_is_counted_nowhere(tmp_path):
    """A group scope: in a project where the bot is a Guest, a Developer closes an approved deal
    as won. The run refuses it but may not write there (the project is skipped, as it must be).
    The forecast it writes must not book the win its gate refused."""
    policies = group_policies(tmp_path)

    def seed_with(seed: dict[str, Any]) -> None:
        plan = seed["projects"][0]
        seed["groups"].append({"path": "ps", "visibility": "public"})
        members = [m for m in plan["members"] if m["username"] != "ps-bot"]
        members.append({"username": "ps-bot", "access_level": GUEST})
        seed["projects"].append({"path": OTHER, "visibility": "public", "members": members})

    with scoping_gitlab(policies, ROOT / "templates", seed_with=seed_with) as plan:
        field = Scoping(plan.workspace, plan.emulator, OTHER)
        iid = field.issue(stage="Approved", tasks=TASKS, data=DATA, author="rowan")
        plan.issue(stage="SOW_WIP", data={"customer": "Acme", "line_items": []})
        plan.run()
        plan.emulator.store.clock.advance(600)
        quarter = fiscal_quarter(plan.emulator.store.clock.now().date(), 2).label
        field.as_person("felix").issues.update(
            iid,
            {"add_labels": f"proposal::Closed_Won,close_qtr::{quarter}", "state_event": "close"},
        )
        result = plan.run()
        assert OTHER in result.skipped_projects and field.state(iid) == "closed"
        assert won_row(forecast_text(plan)).startswith("| Won (bookings) | 0 |")
