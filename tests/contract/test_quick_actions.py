"""Which note lines GitLab runs as quick actions, and what it answers.

Follows GitLab's source: `lib/gitlab/quick_actions/extractor.rb` (every defined command and
alias, case-insensitive, only in top-level paragraphs found by `Banzai::Filter::
QuickActionFilter`), `lib/gitlab/quick_actions/command_definition.rb` ("Could not apply %{name}
command."), `lib/gitlab/quick_actions/issuable_actions.rb` and `issue_actions.rb` (what each
command does and when it is available), `app/services/notes/create_service.rb` (`do_commands`:
"Failed to apply commands."), `lib/api/helpers/notes_helpers.rb`
(`process_note_creation_result`: 202 with `Entities::NoteCommands`) and
`app/services/quick_actions/interpret_service.rb` (messages joined with a space).
"""

import time

import gitlab
import pytest


def later(target):
    """Let time pass, so that a timestamp that moves can be seen to move."""
    if target.emulator is not None:
        from gitlab_emulator.testing import admin

        admin(target.emulator.url, "clock", {"advance_seconds": 120})
    else:
        time.sleep(1.5)


def bodies(issue):
    return [n.body for n in issue.notes.list(get_all=True) if not n.system]


def test_every_defined_command_leaves_the_note_in_any_case_even_one_that_cannot_run(
    project, new_issue
):
    issue = new_issue()
    note = issue.notes.create({"body": "text\n/merge\n/CLOSE\n/Unlock"})
    assert note.body == "text"
    assert project.issues.get(issue.iid).state == "closed"


def test_a_word_that_is_no_command_stays(new_issue):
    issue = new_issue()
    body = "text\n/closed\n/not_a_command at all"
    assert issue.notes.create({"body": body}).body == body


def test_a_note_of_only_a_command_that_cannot_run_is_202_and_saves_nothing(project, new_issue):
    issue = new_issue()
    project.issues.update(issue.iid, {"state_event": "close"})
    answer = issue.notes.create({"body": "/close"})
    assert "id" not in answer.attributes
    assert answer.commands_changes == {}
    assert answer.summary == ["Could not apply close command."]
    assert bodies(issue) == []


def test_a_guests_label_command_is_taken_out_and_not_applied(
    target, project, new_issue, guest, tag
):
    issue = new_issue(labels=f"exists-{tag}")
    their_issue = guest.projects.get(target.project_path, lazy=True).issues.get(
        issue.iid, lazy=True
    )
    answer = their_issue.notes.create({"body": f'/label ~"exists-{tag}"\n/unlabel'})
    assert "id" not in answer.attributes
    assert answer.summary == ["Could not apply label command. Could not apply unlabel command."]
    mixed = their_issue.notes.create({"body": f"I think\n/label ~other-{tag}"})
    assert mixed.body == "I think"
    assert project.issues.get(issue.iid).labels == [f"exists-{tag}"]


def test_a_label_command_for_a_missing_label_alone_is_400(project, new_issue, tag):
    new_issue(labels=f"some-{tag}")  # the project has labels, so `/label` is available
    issue = new_issue()
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        issue.notes.create({"body": f"/label ~missing-{tag}"})
    assert caught.value.response_code == 400
    assert caught.value.error_message == "400 Bad request - Failed to apply commands."
    assert bodies(issue) == []


def test_a_missing_label_beside_text_saves_the_text(project, new_issue, tag):
    new_issue(labels=f"some-{tag}")
    issue = new_issue()
    note = issue.notes.create({"body": f"see\n/label ~missing-{tag}"})
    assert note.body == "see"
    assert project.issues.get(issue.iid).labels == []


def test_messages_are_one_joined_summary_and_unlabel_alone_removes_all(project, new_issue, tag):
    issue = new_issue(labels=f"a-{tag},b-{tag}")
    answer = issue.notes.create({"body": "/close\n/unlabel"})
    assert answer.summary == ["Closed this issue. Removed all labels."]
    assert answer.commands_changes == {"state_event": "close", "label_ids": []}
    fresh = project.issues.get(issue.iid)
    assert fresh.labels == [] and fresh.state == "closed"


def test_label_without_tilde_names_the_label(project, new_issue, tag):
    new_issue(labels=f"plain-{tag}")
    issue = new_issue()
    answer = issue.notes.create({"body": f"/label plain-{tag}"})
    assert answer.summary == [f'Added ~"plain-{tag}" label.']
    assert project.issues.get(issue.iid).labels == [f"plain-{tag}"]


def test_award_and_react_toggle_an_emoji_reaction_by_its_stored_name(gl, new_issue):
    gl.auth()
    issue = new_issue()
    answer = issue.notes.create({"body": "/award :thumbsup:"})
    assert answer.summary == ["Toggled :thumbsup: emoji reaction."]
    assert answer.commands_changes == {"emoji_award": "thumbsup"}
    assert [(a.name, a.user["username"]) for a in issue.awardemojis.list(get_all=True)] == [
        ("thumbsup", gl.user.username)
    ]
    issue.notes.create({"body": "/react :+1:"})  # the alias toggles the same reaction off
    assert issue.awardemojis.list(get_all=True) == []


def test_confidential_due_and_lock_run(project, new_issue):
    issue = new_issue()
    answer = issue.notes.create({"body": "/confidential\n/due 2026-12-31\n/lock"})
    assert answer.commands_changes == {
        "confidential": True,
        "due_date": "2026-12-31",
        "discussion_locked": True,
    }
    fresh = project.issues.get(issue.iid)
    assert (fresh.confidential, fresh.due_date, fresh.discussion_locked) == (
        True,
        "2026-12-31",
        True,
    )


def test_shrug_is_a_substitution_and_the_note_is_saved(new_issue):
    note = new_issue().notes.create({"body": "/shrug"})
    assert note.body == "\u00af\\\uff3f(\u30c4)\uff3f/\u00af" and "id" in note.attributes


@pytest.mark.parametrize(
    "body",
    [
        "- a list item\n/close",
        "> quoted\n/close",
        "    /close",
        "/close\n---",
        "<details>\n/close\n</details>",
        "see `code\n/close\nspan`",
    ],
)
def test_a_command_line_outside_a_top_level_paragraph_is_text(project, new_issue, body):
    issue = new_issue()
    assert issue.notes.create({"body": body}).body == body
    assert project.issues.get(issue.iid).state == "opened"


def test_a_command_right_after_an_html_comment_runs(project, new_issue):
    """The bot's marker is an HTML comment: a line after it starting with `/` is a command."""
    issue = new_issue()
    note = issue.notes.create({"body": "<!-- marker -->\n/close"})
    assert note.body == "<!-- marker -->"
    assert project.issues.get(issue.iid).state == "closed"


def test_a_command_that_changes_nothing_leaves_updated_at(target, project, new_issue, tag):
    issue = new_issue(labels=f"have-{tag}")
    before = project.issues.get(issue.iid).updated_at
    later(target)
    answer = issue.notes.create({"body": f'/label ~"have-{tag}"'})
    assert "id" not in answer.attributes
    assert project.issues.get(issue.iid).updated_at == before
    later(target)
    issue.notes.create({"body": "/close"})
    assert project.issues.get(issue.iid).updated_at > before


def test_title_and_assign_commands_leave_the_system_notes_an_update_leaves(gl, project, new_issue):
    gl.auth()
    issue = new_issue(title="before")
    issue.notes.create({"body": f"/title after\n/assign @{gl.user.username}"})
    system = [n for n in issue.notes.list(get_all=True, sort="asc") if n.system]
    assert {n.author["username"] for n in system} == {gl.user.username}
    bodies = [n.body for n in system]
    assert any(b.startswith("changed title from **") for b in bodies)
    assert f"assigned to @{gl.user.username}" in bodies
    assert project.issues.get(issue.iid).title == "after"
