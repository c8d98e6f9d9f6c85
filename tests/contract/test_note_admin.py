"""Who may edit or delete a note (`authorize! :admin_note`), and what an edit shows.

Follows GitLab's source: `lib/api/helpers/notes_helpers.rb` (`update_note` and `delete_note`
find the note among all the issue's notes, then `authorize! :admin_note`),
`app/policies/note_policy.rb` (the author may; never on a system note, `~editable`; an internal
note only for who may read it) and `app/policies/project_policy.rb` (Maintainers get
`admin_note`: they edit anyone's note), and `lib/api/entities/note.rb` (a note shows its
`created_at` and `updated_at`, and no editor).
"""

from __future__ import annotations

from typing import Any

import gitlab
import pytest

from gitlab_emulator.testing import admin


def as_user(target: Any, token: str) -> Any:
    return target.client(token).projects.get(target.project_path)


def test_a_maintainer_edits_anyones_note_and_it_stays_theirs(emulator, target, new_issue):
    issue = new_issue()
    dana = as_user(target, "dana-token").issues.get(issue.iid, lazy=True)
    note = dana.notes.create({"body": "Dana's words"})
    admin(target.url, "clock", {"advance_seconds": 60})
    maintainer = issue.notes.update(note.id, {"body": "A Maintainer's words"})
    assert maintainer["body"] == "A Maintainer's words"
    assert maintainer["author"]["username"] == "dana"  # nothing says who edited it
    assert maintainer["updated_at"] > maintainer["created_at"] == note.created_at
    assert "last_edited_by" not in maintainer


def test_a_developer_may_not_edit_someone_elses_note(emulator, target, new_issue):
    issue = new_issue()
    note = issue.notes.create({"body": "the bot's words"})
    dana = as_user(target, "dana-token").issues.get(issue.iid, lazy=True)
    with pytest.raises(gitlab.GitlabUpdateError) as caught:
        dana.notes.update(note.id, {"body": "Dana's words"})
    assert caught.value.response_code == 403
    with pytest.raises(gitlab.GitlabDeleteError) as deleted:
        dana.notes.delete(note.id)
    assert deleted.value.response_code == 403


def test_a_system_note_is_edited_or_deleted_by_nobody_not_even_its_author(
    emulator, target, new_issue
):
    issue = new_issue()
    dana = as_user(target, "dana-token")
    dana.issues.update(issue.iid, {"title": f"{issue.title} retitled"})
    notes = dana.issues.get(issue.iid, lazy=True).notes
    (system,) = [n for n in notes.list(get_all=True) if n.system]
    assert system.author["username"] == "dana"
    with pytest.raises(gitlab.GitlabUpdateError) as caught:
        notes.update(system.id, {"body": "rewritten history"})
    assert caught.value.response_code == 403
    with pytest.raises(gitlab.GitlabUpdateError) as by_maintainer:
        issue.notes.update(system.id, {"body": "rewritten history"})
    assert by_maintainer.value.response_code == 403
    with pytest.raises(gitlab.GitlabDeleteError) as deleted:
        notes.delete(system.id)
    assert deleted.value.response_code == 403


def test_a_guest_editing_someone_elses_internal_note_gets_403_not_404(target, new_issue, guest):
    issue = new_issue()
    note = issue.notes.create({"body": "costs", "internal": True})
    notes = guest.projects.get(target.project_path).issues.get(issue.iid, lazy=True).notes
    with pytest.raises(gitlab.GitlabUpdateError) as caught:
        notes.update(note.id, {"body": "mine now"})
    assert caught.value.response_code == 403
    with pytest.raises(gitlab.GitlabGetError) as read:
        notes.get(note.id)
    assert read.value.response_code == 404  # reading it is another matter: not found
