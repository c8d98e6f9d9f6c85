"""The SoW names the Solutions Architect the data block names, by the name on their GitLab
profile, read from the project's member listing the run makes anyway (issue 32 item 5: it said
"Solutions Architect: to be confirmed" though the data block named them), with no request more."""

from triage.testing import TASKS, scoping_gitlab

from support import ROOT

NAMES = {"felix": "Felix Marchetti", "imogen": "Imogen Hale"}


def with_names(seed):
    for user in seed["users"]:
        if user["username"] in NAMES:
            user["name"] = NAMES[user["username"]]


def test_the_sow_names_the_sa_the_data_block_names():
    with scoping_gitlab(ROOT / "policies", ROOT / "templates", seed_with=with_names) as scoping:
        block = {
            "customer": "Acme",
            "segment": "Ent_APAC",
            "people": {"sa": "Felix", "ae": "imogen"},  # as people type it: any case
            "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
        }
        deal = scoping.issue(
            stage="Estimate_Feedback", tasks=TASKS[:2], data=block, labels=["Segment::Ent_APAC"]
        )
        scoping.run()
        assert scoping.stage(deal) == "SOW_WIP"
        (draft,) = scoping.comments(deal, "sow-draft")
        assert "- Solutions Architect: Felix Marchetti\n" in draft
        assert "- Account Executive: Imogen Hale\n" in draft
        assert "to be confirmed" not in draft
        assert "name is not known to the bot" not in draft
        scoping.run(days=1 / 24)
        assert len(scoping.comments(deal, "sow-draft")) == 1  # no second revision


def sage_in_the_ta_group_only(seed):
    """`sage`, named on their profile, a member of ps/ps-ta but not of the project."""
    seed["users"].append({"username": "sage", "name": "Sage Okoro", "token": "sage-token"})
    [ta] = [g for g in seed["groups"] if g["path"] == "ps/ps-ta"]
    ta["members"].append({"username": "sage", "access_level": 30})


def test_a_person_is_named_the_same_whether_or_not_the_run_read_the_approver_groups():
    """Names come from the scope's member listing only: a run reads the approver groups only
    when it must judge someone (issue 31.8), and what a comment calls a person must not depend
    on that (the SoW would be revised back and forth)."""
    block = {
        "customer": "Acme",
        "segment": "Ent_APAC",
        "people": {"sa": "sage", "ae": "imogen"},
        "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
    }
    with scoping_gitlab(
        ROOT / "policies", ROOT / "templates", seed_with=sage_in_the_ta_group_only
    ) as scoping:
        drafts = []
        for judged in (False, True):
            if judged:  # someone who is no TA sets TA::Approved: the groups are read
                other = scoping.issue(stage="SOW_WIP", tasks=TASKS[:2], data=block)
                scoping.as_person("felix").issues.update(other, {"add_labels": "TA::Approved"})
            deal = scoping.issue(
                stage="Estimate_Feedback", tasks=TASKS[:2], data=block, labels=["Segment::Ent_APAC"]
            )
            scoping.run()
            (draft,) = scoping.comments(deal, "sow-draft")
            drafts.append(
                next(line for line in draft.splitlines() if "Solutions Architect" in line)
            )
        assert drafts[0] == drafts[1]
