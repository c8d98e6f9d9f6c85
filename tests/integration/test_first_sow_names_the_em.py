"""The first SoW of a deal the bot assigns and moves in the same run names the EM it assigned
(issue 33.15: it said "Engagement Manager: to be confirmed", and the next run posted a second
revision to fill the name in)."""

from triage.testing import TASKS, scoping_gitlab

from support import ROOT

NAMES = {"kaito": "Kaito Mori", "dana": "Dana Okafor"}


def with_names(seed):
    for user in seed["users"]:
        if user["username"] in NAMES:
            user["name"] = NAMES[user["username"]]


def test_the_first_sow_names_the_em_the_same_run_assigned():
    with scoping_gitlab(ROOT / "policies", ROOT / "templates", seed_with=with_names) as scoping:
        block = {
            "customer": "Acme",
            "segment": "Ent_APAC",
            "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
        }
        # kaito's other deal: the listing shows his name.
        scoping.issue(
            stage="Strawman_WIP", data=block, assignee="kaito", labels=["Segment::Ent_APAC"]
        )
        deal = scoping.issue(
            stage="Estimate_Feedback",
            tasks=TASKS[:2],
            data=block,
            assignee=None,
            labels=["Segment::Ent_APAC"],
        )
        scoping.run()
        assert scoping.stage(deal) == "SOW_WIP"
        (draft,) = scoping.comments(deal, "sow-draft")
        assert "- Engagement Manager: Kaito Mori" in draft
        assert "to be confirmed" not in draft.split("Engagement Manager:", 1)[1].split("\n")[0]
        scoping.run(days=1 / 24)
        assert len(scoping.comments(deal, "sow-draft")) == 1  # no second revision
