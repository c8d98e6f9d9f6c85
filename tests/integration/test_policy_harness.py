"""The policy-test harness teams use (`triage.testing`, fixture `scoping`), on the shipped policy."""

import importlib.util

import pytest
from click.testing import CliRunner

from triage.cli import main
from triage.errors import UserError
from triage.testing import scoping_gitlab

from support import ROOT

ESTIMATE = {
    "customer": "Acme Widgets",
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}


def test_an_agreed_estimate_gets_a_sow_draft_and_a_cost_note():
    with scoping_gitlab(ROOT / "policies", ROOT / "templates") as scoping:
        iid = scoping.issue(
            stage="Estimate_Feedback",
            data=ESTIMATE,
            tasks=["Discovery call held", "Customer agreed price and scope"],
        )
        scoping.run()
        assert scoping.stage(iid) == "SOW_WIP"
        assert (
            len(scoping.comments(iid, "sow-draft")) == 1
            and len(scoping.comments(iid, "cost-estimate")) == 1
        )
        scoping.run()
        assert len(scoping.comments(iid, "sow-draft")) == 1


def test_people_act_and_group_members_approve():
    with scoping_gitlab(ROOT / "policies", ROOT / "templates") as scoping:
        iid = scoping.issue(
            stage="Ready For Approval",
            data=ESTIMATE,
            tasks=[
                "Discovery call held",
                "Customer agreed price and scope",
                "SoW reviewed by account team and customer",
            ],
        )
        scoping.run()
        scoping.as_person(scoping.member_of("ps/ps-directors")).issues.update(
            iid, {"add_labels": "proposal::Approved"}
        )
        scoping.run()
        assert scoping.stage(iid) == "Approved"
        scoping.as_person(scoping.member_of("ps/deal-desk")).issues.update(
            iid, {"add_labels": "proposal::Closed_Won"}
        )
        scoping.run()
        assert scoping.state(iid) == "closed" and "close_qtr::Q426" in scoping.labels(iid)


def renamed_team(tmp_path):
    """A team that wrote its tasks in its own words, in its policy and its issue template."""
    target = tmp_path / "ops"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    for path in (target / "policies/ps-scoping.yml", target / ".gitlab/issue_templates/Scoping.md"):
        text = path.read_text()
        for old, new in RENAMED.items():
            assert old in text, (path, old)
            text = text.replace(old, new)
        path.write_text(text)
    return target


RENAMED = {
    "Discovery call scheduled": "Discovery-Call vereinbart",
    "Discovery call held": "Discovery-Call gehalten",
    "Customer agreed price and scope": "Kunde hat Preis und Umfang zugestimmt",
    "SoW reviewed by account team and customer": "SoW von Account-Team und Kunde geprüft",
}


def test_the_harness_writes_the_teams_own_tasks_and_refuses_unknown_ones(tmp_path):
    """Issue 33.2: `tasks=` named tasks the shipped checklist lacks were dropped, so a team that
    renamed its tasks saw its issue never move and a bare assertion."""
    target = renamed_team(tmp_path)
    with scoping_gitlab(target / "policies", target / "templates") as scoping:
        assert scoping.tasks == tuple(RENAMED.values())  # the issue template's checklist
        # the tasks the moves to SOW_WIP wait for (the first touch's is no move's)
        assert scoping.tasks_to("SOW_WIP") == list(RENAMED.values())[1:3]
        iid = scoping.issue(
            stage="Estimate_Feedback",
            data=ESTIMATE,
            tasks=["kunde hat preis und umfang ZUGESTIMMT"],
        )
        description = scoping.emulator.store.project_by_ref(scoping.project_path).issues[iid]
        assert "- [ ] Discovery-Call gehalten\n" in description.description
        assert "- [x] Kunde hat Preis und Umfang zugestimmt\n" in description.description
        scoping.run()
        assert scoping.stage(iid) == "SOW_WIP"
        with pytest.raises(UserError) as refused:
            scoping.issue(tasks=["Discovery call held"])
        assert str(refused.value) == (
            "scoping.issue(tasks=...): 'Discovery call held' is not a task of this team; its tasks: "
            "'Discovery-Call vereinbart', 'Discovery-Call gehalten', "
            "'Kunde hat Preis und Umfang zugestimmt', 'SoW von "
            "Account-Team und Kunde geprüft' (the issue template's checklist and the policy's "
            "`task:` conditions)"
        )


def test_the_policy_test_init_writes_passes_for_a_team_with_its_own_tasks(tmp_path):
    target = renamed_team(tmp_path)
    spec = importlib.util.spec_from_file_location(
        "team_policy_test", target / "tests/test_policy.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with scoping_gitlab(target / "policies", target / "templates") as scoping:
        module.test_an_agreed_estimate_moves_to_sow_wip_with_a_sow_draft(scoping)
