"""`internal: true` from someone who may not mark notes internal, and deleting one's own note.

Follows GitLab's `app/services/notes/build_service.rb` (`Notes::BuildService#new_note`: the flag
is kept only when `can?(current_user, :mark_note_as_internal, note)`; otherwise the note takes its
discussion's confidentiality, and a new thread has none, so the note is saved public) with
`app/policies/issue_policy.rb` (`planner_or_reporter_access` enables `mark_note_as_internal`), and
`lib/api/notes.rb` answering 201 with the note as saved. Deleting: `lib/api/helpers/notes_helpers.rb`
`delete_note` (`authorize! :admin_note`, which a note's author has and a Guest who is not the
author lacks; `destroy_conditionally!` answers 204 No Content).
"""

from __future__ import annotations

from typing import Any

import gitlab
import pytest


def _as(client: gitlab.Gitlab, target: Any, iid: int) -> Any:
    return client.projects.get(target.project_path, lazy=True).issues.get(iid, lazy=True)


@pytest.mark.parametrize("flag", ["internal", "confidential"])  # `confidential`: deprecated name
def test_a_guest_internal_note_is_saved_public_with_201(target, new_issue, guest, flag):
    issue = new_issue()
    theirs = _as(guest, target, issue.iid)
    answer = guest.http_request(
        "post", f"{theirs.notes.path}", post_data={"body": "cost 29,320", flag: True}
    )
    assert answer.status_code == 201
    note = answer.json()
    assert note["internal"] is False and note["confidential"] is False
    # What GitLab keeps: a public note, which the Guest (and everyone who sees the issue) reads.
    assert issue.notes.get(note["id"]).internal is False
    assert [n.body for n in theirs.notes.list(get_all=True)] == ["cost 29,320"]


def test_the_same_note_from_a_member_who_may_is_internal(target, new_issue, guest):
    issue = new_issue()
    note = issue.notes.create({"body": "cost 29,320", "internal": True})
    assert note.internal is True
    assert _as(guest, target, issue.iid).notes.list(get_all=True) == []


def test_the_author_deletes_their_own_note_with_204_and_no_one_else_may(target, new_issue, guest):
    issue = new_issue()
    theirs = _as(guest, target, issue.iid)
    own = theirs.notes.create({"body": "cost 29,320", "internal": True})
    other = issue.notes.create({"body": "the maintainer's"})
    with pytest.raises(gitlab.GitlabDeleteError) as caught:
        theirs.notes.delete(other.id)
    assert caught.value.response_code == 403
    answer = guest.http_request("delete", f"{theirs.notes.path}/{own.id}")
    assert answer.status_code == 204 and answer.content == b""
    with pytest.raises(gitlab.GitlabGetError) as missing:
        issue.notes.get(own.id)
    assert missing.value.response_code == 404
    with pytest.raises(gitlab.GitlabDeleteError) as again:
        theirs.notes.delete(own.id)
    assert again.value.response_code == 404
    assert [n.body for n in issue.notes.list(get_all=True)] == ["the maintainer's"]
