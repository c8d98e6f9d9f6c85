"""Notes: order, internal notes, editing, limits and quick actions (gitlab-api-facts §2)."""

import gitlab
import pytest


def test_notes_list_newest_first_by_default(project, new_issue, emulator):
    from gitlab_emulator.testing import admin

    issue = new_issue()
    for text in ("first", "second", "third"):
        issue.notes.create({"body": text})
        admin(emulator.url, "clock", {"advance_seconds": 1})
    assert [n.body for n in issue.notes.list(get_all=True)] == ["third", "second", "first"]
    assert [n.body for n in issue.notes.list(sort="asc", get_all=True)] == [
        "first",
        "second",
        "third",
    ]


def test_marker_comes_back_byte_for_byte(new_issue):
    issue = new_issue()
    body = "<!-- ps-triage:transition key=x rev=3f2a -->\nMoved **on**."
    issue.notes.create({"body": body})
    assert issue.notes.list()[0].body == body


def test_internal_note_hidden_from_guests(target, project, new_issue, guest):
    issue = new_issue()
    issue.notes.create({"body": "public"})
    note = issue.notes.create({"body": "cost 29,320", "internal": True})
    assert note.internal is True and note.confidential is True
    seen = (
        guest.projects.get(target.project_path, lazy=True)
        .issues.get(issue.iid, lazy=True)
        .notes.list(get_all=True)
    )
    assert [n.body for n in seen] == ["public"]


def test_only_the_author_edits_a_note(target, project, new_issue, guest):
    issue = new_issue()
    note = issue.notes.create({"body": "mine"})
    their_view = guest.projects.get(target.project_path, lazy=True).issues.get(issue.iid, lazy=True)
    with pytest.raises(gitlab.GitlabUpdateError) as caught:
        their_view.notes.update(note.id, {"body": "theirs"})
    assert caught.value.response_code == 403
    issue.notes.update(note.id, {"body": "mine, edited"})
    assert issue.notes.get(note.id).body == "mine, edited"


def test_body_over_one_million_characters_is_refused(new_issue):
    issue = new_issue()
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        issue.notes.create({"body": "x" * 1_000_001})
    assert caught.value.response_code == 400
    assert "is too long (maximum is 1000000 characters)" in str(caught.value.error_message)


def test_quick_action_runs_and_its_line_is_removed(project, new_issue):
    issue = new_issue()
    note = issue.notes.create({"body": "hello\n/close\nworld"})
    assert note.body == "hello\nworld"
    assert project.issues.get(issue.iid).state == "closed"


def test_label_quick_action_records_the_author_in_events(project, tag, new_issue, gl):
    issue = new_issue()
    project.issues.update(issue.iid, {"add_labels": f"q-{tag}"})
    project.issues.update(issue.iid, {"remove_labels": f"q-{tag}"})
    issue.notes.create({"body": f'text\n/label ~"q-{tag}"'})
    gl.auth()
    last = issue.resourcelabelevents.list(get_all=True)[-1]
    assert (last.action, last.label["name"], last.user["username"]) == (
        "add",
        f"q-{tag}",
        gl.user.username,
    )


def test_commands_only_body_answers_202_and_creates_no_note(project, new_issue):
    issue = new_issue()
    before = len(issue.notes.list(get_all=True))
    answer = issue.notes.create({"body": "/close"})
    assert "id" not in answer.attributes
    assert answer.commands_changes == {"state_event": "close"}
    assert len(issue.notes.list(get_all=True)) == before
    assert project.issues.get(issue.iid).state == "closed"


@pytest.mark.parametrize(
    "body",
    [
        "```\n/close\n```",
        "~~~\n/close\n~~~",
        ">>>\n/close\n>>>",
        "> /close",
        " /close",
        "`/close`",
        "please /close this",
        "\\/close",
    ],
)
def test_text_that_is_not_a_command_line_does_not_run(project, new_issue, body):
    issue = new_issue()
    note = issue.notes.create({"body": body})
    assert note.body == body
    assert project.issues.get(issue.iid).state == "opened"


def test_at_all_in_a_note_is_stored_as_written(new_issue):
    issue = new_issue()
    assert issue.notes.create({"body": "`@all` is quoted"}).body == "`@all` is quoted"


def test_assign_and_unlabel_quick_actions(project, tag, new_issue, gl):
    gl.auth()
    issue = new_issue(labels=f"u1-{tag},u2-{tag}")
    answer = issue.notes.create({"body": f'/assign @{gl.user.username}\n/unlabel ~"u1-{tag}"'})
    assert "id" not in answer.attributes
    assert answer.commands_changes["assignee_ids"] == [gl.user.id]
    fresh = project.issues.get(issue.iid)
    assert [a["username"] for a in fresh.assignees] == [gl.user.username] and fresh.labels == [
        f"u2-{tag}"
    ]


def test_system_notes_and_activity_filter(gitlab_emulator):
    emu = gitlab_emulator(
        {
            "users": [{"username": "bot", "token": "t"}],
            "projects": [
                {
                    "path": "g/p",
                    "members": [{"username": "bot", "access_level": 40}],
                    "issues": [
                        {
                            "iid": 1,
                            "title": "x",
                            "author": "bot",
                            "notes": [
                                {
                                    "author": "bot",
                                    "body": "changed the description",
                                    "system": True,
                                },
                                {"author": "bot", "body": "a comment"},
                            ],
                        }
                    ],
                }
            ],
        }
    )
    issue = (
        gitlab.Gitlab(emu.url, private_token="t")
        .projects.get("g/p", lazy=True)
        .issues.get(1, lazy=True)
    )
    assert [n.body for n in issue.notes.list(activity_filter="only_comments")] == ["a comment"]
    assert [(n.body, n.system) for n in issue.notes.list(activity_filter="only_activity")] == [
        ("changed the description", True)
    ]
    with pytest.raises(gitlab.GitlabListError) as caught:
        issue.notes.list(activity_filter="everything")
    assert caught.value.error_message == "activity_filter does not have a valid value"


def test_a_comment_within_a_minute_of_an_update_leaves_updated_at(project, new_issue):
    """`Issue` includes `ThrottledTouch`: a new note touches its issue only when the issue's last
    update is over a minute old. `user_notes_count` counts the comment either way. (On the
    emulator's pinned clock no time passes here; the next test moves it.)"""
    issue = new_issue()
    issue.labels = ["touched"]
    issue.save()
    before = project.issues.get(issue.iid)
    issue.notes.create({"body": "right after the edit"})
    after = project.issues.get(issue.iid)
    assert after.updated_at == before.updated_at
    assert after.user_notes_count == before.user_notes_count + 1


def test_a_comment_touches_an_issue_last_updated_over_a_minute_ago(project, new_issue, emulator):
    from gitlab_emulator.testing import admin

    issue = new_issue()
    before = project.issues.get(issue.iid).updated_at
    admin(emulator.url, "clock", {"advance_seconds": 61})
    issue.notes.create({"body": "later"})
    touched = project.issues.get(issue.iid).updated_at
    assert touched > before
    admin(emulator.url, "clock", {"advance_seconds": 30})
    note = issue.notes.create({"body": "half a minute later"})
    assert project.issues.get(issue.iid).updated_at == touched
    admin(emulator.url, "clock", {"advance_seconds": 61})
    note.body = "edited"
    note.save()
    assert project.issues.get(issue.iid).updated_at > touched
