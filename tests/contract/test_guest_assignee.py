"""A Guest who is an issue's assignee may retitle, close and reopen it; other Guests may not.

Follows GitLab's source `app/policies/issuable_policy.rb`: `can?(:guest_access) &
assignee_or_author` enables `update_issue` and `reopen_issue`; `lib/api/issues.rb` PUT
authorizes `update_issue` (403 without it), and `IssuableBaseService#filter_params` drops the
metadata (labels) of who cannot `admin_issue`.
"""

from __future__ import annotations

import gitlab
import pytest


def test_a_guest_assignee_retitles_closes_and_reopens(target, project, new_issue, guest, tag):
    guest.auth()
    issue = new_issue(assignee_ids=[guest.user.id])
    mine = guest.projects.get(target.project_path).issues
    answer = mine.update(issue.iid, {"title": f"retitled {tag}", "add_labels": f"g-{tag}"})
    assert answer["title"] == f"retitled {tag}" and answer["labels"] == []  # labels dropped
    assert mine.update(issue.iid, {"state_event": "close"})["state"] == "closed"
    assert mine.update(issue.iid, {"state_event": "reopen"})["state"] == "opened"
    assert project.issues.get(issue.iid).title == f"retitled {tag}"


def test_a_guest_who_is_not_assigned_gets_403(target, new_issue, guest, tag):
    issue = new_issue()
    with pytest.raises(gitlab.GitlabUpdateError) as caught:
        guest.projects.get(target.project_path).issues.update(
            issue.iid, {"title": f"not mine {tag}"}
        )
    assert caught.value.response_code == 403
