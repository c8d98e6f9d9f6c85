"""Resource label events, award emoji and members (gitlab-api-facts §3, §4)."""

import gitlab
import pytest


def test_label_events_carry_user_label_action_and_time(project, tag, new_issue, gl):
    issue = new_issue()
    project.issues.update(issue.iid, {"add_labels": f"ev-{tag}"})
    project.issues.update(issue.iid, {"remove_labels": f"ev-{tag}"})
    found = issue.resourcelabelevents.list(get_all=True)
    gl.auth()
    assert [(e.action, e.label["name"]) for e in found] == [
        ("add", f"ev-{tag}"),
        ("remove", f"ev-{tag}"),
    ]
    assert all(e.user["username"] == gl.user.username and e.created_at.endswith("Z") for e in found)
    assert found[0].resource_id == issue.id and found[0].resource_type == "Issue"


def test_award_on_issue_and_note(new_issue, gl):
    issue = new_issue()
    award = issue.awardemojis.create({"name": "thumbsup"})
    gl.auth()
    assert (award.name, award.user["username"], award.awardable_type) == (
        "thumbsup",
        gl.user.username,
        "Issue",
    )
    note = issue.notes.create({"body": "approve me"})
    on_note = note.awardemojis.create({"name": "thumbsup"})
    assert on_note.awardable_id == note.id and on_note.awardable_type == "Note"
    assert [a.name for a in note.awardemojis.list()] == ["thumbsup"]


def test_duplicate_award_fails_as_gitlab_does(new_issue):
    issue = new_issue()
    issue.awardemojis.create({"name": "tada"})
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        issue.awardemojis.create({"name": "tada"})
    assert caught.value.response_code == 404
    assert caught.value.error_message == "404 Award Emoji Name has already been taken Not Found"


def test_unknown_emoji_name_is_refused(new_issue):
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        new_issue().awardemojis.create({"name": "definitely_not_an_emoji"})
    assert caught.value.error_message == "404 Award Emoji Name is not a valid emoji name Not Found"


def test_members_all_includes_inherited_at_highest_level(project, emulator):
    direct = {m.username: m.access_level for m in project.members.list(get_all=True)}
    every = {m.username: m.access_level for m in project.members_all.list(get_all=True)}
    assert direct["rowan"] == 20 and every["rowan"] == 40  # Maintainer through the group
    assert set(direct) <= set(every)


def test_group_members_all(gl, emulator):
    group = gl.groups.get("ps")
    assert {m.username: m.access_level for m in group.members_all.list(get_all=True)} == {
        "rowan": 40
    }


def test_non_member_cannot_see_a_private_project(target, emulator):
    with pytest.raises(gitlab.GitlabGetError) as caught:
        target.client("outsider-token").projects.get(target.project_path)
    assert caught.value.error_message == "404 Project Not Found"


def test_users_lookup_by_username(gl, emulator):
    assert [u.username for u in gl.users.list(username="dana")] == ["dana"]


def test_one_direct_member_is_served_and_an_inherited_one_only_by_members_all(project, emulator):
    """`lib/api/members.rb`: GET `:id/members/:user_id` finds among the direct members
    (`source.members.find_by!`: RecordNotFound is "404 Not found"); `members/all/:user_id`
    includes the inherited ones."""
    by_name = {m.username: m.id for m in project.members_all.list(get_all=True)}
    dana = project.members.get(by_name["dana"])
    assert (dana.username, dana.access_level) == ("dana", 30)
    assert project.members.get(by_name["rowan"]).access_level == 20  # direct: Reporter
    assert project.members_all.get(by_name["rowan"]).access_level == 40  # through `ps`
    with pytest.raises(gitlab.GitlabGetError) as caught:
        project.members.get(999_999)
    assert (caught.value.response_code, caught.value.error_message) == (404, "404 Not found")
