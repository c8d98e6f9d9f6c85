"""Routes GitLab serves beside the ones the bot uses most: one award on a note, deleting a
note, HEAD on a GET route, one label; and how label events answer for a missing issue or an
anonymous caller.

Follows GitLab's source `lib/api/award_emoji.rb` (GET/DELETE `.../notes/:note_id/award_emoji/
:award_id`), `lib/api/notes.rb` and `lib/api/helpers/notes_helpers.rb` (`delete_note`: 204),
Grape (a HEAD route for every GET), `lib/api/labels.rb` (GET `/projects/:id/labels/:label_id`
by id or title; "404 Label Not Found") and `lib/api/resource_label_events.rb`
(`authenticate!`; the issue found with `find_noteable`: "404 Issue Not Found").
"""

import gitlab
import pytest
import requests


def test_one_award_on_a_note_is_read_and_deleted_by_id(new_issue):
    note = new_issue().notes.create({"body": "award me"})
    award = note.awardemojis.create({"name": "tada"})
    assert note.awardemojis.get(award.id).name == "tada"
    note.awardemojis.delete(award.id)
    assert note.awardemojis.list(get_all=True) == []
    with pytest.raises(gitlab.GitlabGetError) as caught:
        note.awardemojis.get(award.id)
    assert caught.value.response_code == 404


def test_a_note_is_deleted_by_its_author(new_issue):
    issue = new_issue()
    note = issue.notes.create({"body": "going"})
    issue.notes.delete(note.id)
    assert [n.id for n in issue.notes.list(get_all=True)] == []


def test_someone_else_may_not_delete_a_note(target, new_issue, guest):
    issue = new_issue()
    note = issue.notes.create({"body": "mine"})
    theirs = guest.projects.get(target.project_path, lazy=True).issues.get(issue.iid, lazy=True)
    with pytest.raises(gitlab.GitlabDeleteError) as caught:
        theirs.notes.delete(note.id)
    assert caught.value.response_code == 403
    assert issue.notes.get(note.id).body == "mine"


def test_head_is_answered_on_a_get_route(target, project, new_issue):
    issue = new_issue()
    answer = requests.head(
        f"{target.url}/api/v4/projects/{project.id}/issues/{issue.iid}",
        headers={"PRIVATE-TOKEN": target.token},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.content == b""


def test_one_label_by_id_or_title(project, tag, new_issue):
    new_issue(labels=f"one-{tag}")
    by_name = project.labels.get(f"one-{tag}")
    assert project.labels.get(by_name.id).name == f"one-{tag}"
    with pytest.raises(gitlab.GitlabGetError) as caught:
        project.labels.get(f"none-{tag}")
    assert caught.value.error_message == "404 Label Not Found"


def test_label_events_of_a_missing_issue_are_404_issue_not_found(project):
    missing = project.issues.get(999_999, lazy=True)
    with pytest.raises(gitlab.GitlabListError) as caught:
        missing.resourcelabelevents.list()
    assert caught.value.error_message == "404 Issue Not Found"


def test_label_events_need_authentication(target, project, new_issue):
    issue = new_issue()
    answer = requests.get(
        f"{target.url}/api/v4/projects/{project.id}/issues/{issue.iid}/resource_label_events",
        timeout=10,
    )
    assert answer.status_code == 401 and answer.json() == {"message": "401 Unauthorized"}
