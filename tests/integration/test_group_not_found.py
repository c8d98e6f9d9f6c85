"""A policy naming a group GitLab does not show the bot: the error names the group, the gate and
the fix (issue 33.9: it was GitLab's bare `404 Group Not Found`). The groups are read when a plan
must judge someone against them (issue 31.8): the issues that need them fail, saying so, and
nothing is written to them; the others are triaged."""

from triage.testing import scoping_gitlab

from support import ROOT


def without_the_deal_desk(seed):
    seed["groups"] = [g for g in seed["groups"] if g["path"] != "ps/deal-desk"]


def test_an_approver_group_gitlab_does_not_show_is_named():
    with scoping_gitlab(
        ROOT / "policies", ROOT / "templates", seed_with=without_the_deal_desk
    ) as scoping:
        plain = scoping.issue(data={"customer": "Acme", "line_items": []})
        gated = scoping.issue(stage="SOW_WIP", data={"customer": "Acme", "line_items": []})
        scoping.as_person("felix").issues.update(gated, {"add_labels": "proposal::Approved"})
        result = scoping.run()
        [failed] = result.errors
        assert failed.plan.iid == gated and failed.status == "failed"
        assert "proposal::Approved" in scoping.labels(gated) and not scoping.comments(gated)
        assert scoping.comments(plain)  # triaged: its intake comment
    message = str(failed.error)
    assert message.startswith(
        "the members of group 'ps/deal-desk' (approvals: deal-desk) could not be read: GitLab at "
    )
    assert "answered 404 (404 Group Not Found)" in message
    assert message.endswith(
        "fix: check `ps/deal-desk` in the gate's `groups`, and that the bot's user can see the "
        "group (a member of it, or the group internal)"
    )
