"""Editing a note: commands in the new text, and what PUT takes.

Follows GitLab's source: `app/services/notes/update_service.rb` (commands in an edit run; a
note edited down to commands only is deleted), `lib/api/helpers/notes_helpers.rb`
(`update_note` passes only `body` and `confidential`; `process_note_creation_result` answers
202 with `Entities::NoteCommands`), `lib/api/notes.rb` (PUT declares `body` and `confidential`,
no `internal`) and the Note validation "can not be changed for existing notes".
"""

import gitlab
import pytest


def test_a_note_edited_down_to_commands_runs_them_and_is_deleted(project, new_issue):
    issue = new_issue()
    note = issue.notes.create({"body": "will become a command"})
    answer = issue.notes.update(note.id, {"body": "/close"})
    assert answer == {
        "commands_changes": {"state_event": "close"},
        "summary": ["Closed this issue."],
    }
    with pytest.raises(gitlab.GitlabGetError) as caught:
        issue.notes.get(note.id)
    assert caught.value.response_code == 404
    assert project.issues.get(issue.iid).state == "closed"


def test_commands_in_an_edit_beside_text_run_and_leave_the_text(project, new_issue):
    issue = new_issue()
    note = issue.notes.create({"body": "first"})
    answer = issue.notes.update(note.id, {"body": "second\n/close"})
    assert answer["body"] == "second" and answer["id"] == note.id
    assert project.issues.get(issue.iid).state == "closed"


def test_internal_on_put_is_ignored(new_issue):
    issue = new_issue()
    note = issue.notes.create({"body": "public"})
    answer = issue.notes.update(note.id, {"body": "still public", "internal": True})
    assert (answer["body"], answer["internal"]) == ("still public", False)
    assert issue.notes.get(note.id).internal is False


def test_changing_confidential_on_put_is_400_with_gitlabs_message(new_issue):
    issue = new_issue()
    note = issue.notes.create({"body": "public"})
    with pytest.raises(gitlab.GitlabUpdateError) as caught:
        issue.notes.update(note.id, {"body": "public", "confidential": True})
    assert caught.value.response_code == 400
    assert (
        caught.value.error_message
        in (
            '400 Bad request - Note {:confidential=>["can not be changed for existing notes"]}',
            '400 Bad request - Note {confidential: ["can not be changed for existing notes"]}',  # Ruby 3.4
        )
    )
    same = issue.notes.update(note.id, {"body": "edited", "confidential": False})
    assert same["body"] == "edited"
