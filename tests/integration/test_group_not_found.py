"""A policy naming a group GitLab does not show the bot: the error names the group, the gate and
the fix (issue 33.9: it was GitLab's bare `404 Group Not Found`)."""

import pytest

from triage.gitlab.adapter import GitLabProblem
from triage.testing import scoping_gitlab

from support import ROOT


def without_the_deal_desk(seed):
    seed["groups"] = [g for g in seed["groups"] if g["path"] != "ps/deal-desk"]


def test_an_approver_group_gitlab_does_not_show_is_named():
    with scoping_gitlab(
        ROOT / "policies", ROOT / "templates", seed_with=without_the_deal_desk
    ) as scoping:
        scoping.issue(data={"customer": "Acme", "line_items": []})
        with pytest.raises(GitLabProblem) as raised:
            scoping.run()
    message = str(raised.value)
    assert message.startswith(
        "the members of group 'ps/deal-desk' (approvals: deal-desk) could not be read: GitLab at "
    )
    assert "answered 404 (404 Group Not Found)" in message
    assert message.endswith(
        "fix: check `ps/deal-desk` in the gate's `groups`, and that the bot's user can see the "
        "group (a member of it, or the group internal)"
    )
