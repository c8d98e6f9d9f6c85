"""The policy-test harness teams use (`triage.testing`, fixture `scoping`), on the shipped policy."""

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
