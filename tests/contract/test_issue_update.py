"""Label updates, scoped labels, state events and updated_at (gitlab-api-facts §1.3)."""

import gitlab
import pytest


def events(project, iid):
    issue = project.issues.get(iid, lazy=True)
    return [
        (e.action, e.label["name"], e.user["username"])
        for e in issue.resourcelabelevents.list(get_all=True)
    ]


def test_add_and_remove_in_one_request(project, tag, new_issue):
    issue = new_issue(labels=f"keep-{tag},drop-{tag}")
    updated = project.issues.update(
        issue.iid, {"add_labels": f"new-{tag}", "remove_labels": f"drop-{tag}"}
    )
    assert sorted(updated["labels"]) == sorted([f"keep-{tag}", f"new-{tag}"])


def test_csv_and_json_array_are_both_accepted(project, tag, new_issue):
    issue = new_issue()
    project.issues.update(issue.iid, {"add_labels": f"c1-{tag},c2-{tag}"})
    project.issues.update(issue.iid, {"add_labels": [f"j1-{tag}", f"j2-{tag}"]})
    assert project.issues.get(issue.iid).labels == sorted(
        f"{p}-{tag}" for p in ("c1", "c2", "j1", "j2")
    )


def test_labels_replaces_the_whole_set(project, tag, new_issue):
    issue = new_issue(labels=f"old-{tag}")
    project.issues.update(issue.iid, {"labels": [f"only-{tag}"]})
    assert project.issues.get(issue.iid).labels == [f"only-{tag}"]
    project.issues.update(issue.iid, {"labels": ""})
    assert project.issues.get(issue.iid).labels == []


def test_scoped_label_added_last_wins_with_both_events(project, tag, new_issue, gl, target):
    if target.emulator is not None and not target.emulator.store.premium:
        pytest.skip("Free tier")
    issue = new_issue(labels=f"stage-{tag}::one")
    project.issues.update(issue.iid, {"add_labels": f"stage-{tag}::two"})
    assert project.issues.get(issue.iid).labels == [f"stage-{tag}::two"]
    gl.auth()
    assert events(project, issue.iid)[-2:] == [
        ("remove", f"stage-{tag}::one", gl.user.username),
        ("add", f"stage-{tag}::two", gl.user.username),
    ]


def test_nested_scope_key_is_before_the_last_separator(project, tag, new_issue):
    issue = new_issue(labels=f"a-{tag}::b::c")
    project.issues.update(issue.iid, {"add_labels": f"a-{tag}::b::d"})
    project.issues.update(issue.iid, {"add_labels": f"a-{tag}::x"})
    assert project.issues.get(issue.iid).labels == sorted([f"a-{tag}::b::d", f"a-{tag}::x"])


def test_free_tier_keeps_both_scoped_labels(gitlab_emulator):
    emu = gitlab_emulator(
        {
            "tier": "free",
            "users": [{"username": "bot", "token": "t"}],
            "projects": [
                {
                    "path": "g/p",
                    "members": [{"username": "bot", "access_level": 40}],
                    "issues": [{"iid": 1, "title": "x", "author": "bot", "labels": ["s::a"]}],
                }
            ],
        }
    )
    project = gitlab.Gitlab(emu.url, private_token="t").projects.get("g/p")
    project.issues.update(1, {"add_labels": "s::b"})
    assert project.issues.get(1).labels == ["s::a", "s::b"]


def test_guest_label_changes_are_silently_dropped(target, guest, tag):
    guest_project = guest.projects.get(target.project_path)
    issue = guest_project.issues.create({"title": f"guest {tag}", "labels": f"g-{tag}"})
    assert issue.labels == []  # a Guest cannot set metadata, even on create
    answer = guest_project.issues.update(
        issue.iid, {"add_labels": f"g2-{tag}", "title": f"guest {tag} edited"}
    )
    assert answer["labels"] == [] and answer["title"] == f"guest {tag} edited"


def test_missing_label_is_created_for_label_managers(project, tag, new_issue):
    issue = new_issue()
    project.issues.update(issue.iid, {"add_labels": f"fresh-{tag}"})
    assert any(
        label.name == f"fresh-{tag}"
        for label in project.labels.list(search=f"fresh-{tag}", get_all=True)
    )


def test_remove_labels_never_creates(project, tag, new_issue):
    issue = new_issue()
    project.issues.update(issue.iid, {"remove_labels": f"ghost-{tag}"})
    assert not any(label.name == f"ghost-{tag}" for label in project.labels.list(get_all=True))


def test_close_and_reopen(project, new_issue, gl):
    issue = new_issue()
    closed = project.issues.update(issue.iid, {"state_event": "close"})
    gl.auth()
    assert closed["state"] == "closed" and closed["closed_by"]["username"] == gl.user.username
    assert closed["closed_at"] is not None
    reopened = project.issues.update(issue.iid, {"state_event": "reopen"})
    assert reopened["state"] == "opened" and reopened["closed_at"] is None


def test_updated_at_moves_only_on_real_change(project, tag, new_issue, emulator):
    from gitlab_emulator.testing import admin

    issue = new_issue(labels=f"same-{tag}")
    admin(emulator.url, "clock", {"advance_seconds": 60})
    same = project.issues.update(issue.iid, {"add_labels": f"same-{tag}"})
    assert same["updated_at"] == issue.updated_at
    changed = project.issues.update(issue.iid, {"add_labels": f"other-{tag}"})
    assert changed["updated_at"] > issue.updated_at


def test_description_title_and_assignee_edits_leave_system_notes_by_the_editor(
    project, new_issue, gl
):
    gl.auth()
    issue = new_issue(description="first")
    project.issues.update(
        issue.iid,
        {"description": "second", "title": issue.title + " (edited)", "assignee_ids": [gl.user.id]},
    )
    system = [n for n in issue.notes.list(get_all=True, sort="asc") if n.system]
    assert {n.author["username"] for n in system} == {gl.user.username}
    bodies = [n.body for n in system]
    assert "changed the description" in bodies
    assert any(b.startswith("changed title from **") for b in bodies)
    assert f"assigned to @{gl.user.username}" in bodies


def test_label_and_state_changes_are_not_notes(project, tag, new_issue):
    issue = new_issue()
    project.issues.update(issue.iid, {"add_labels": f"n-{tag}", "state_event": "close"})
    assert [n for n in issue.notes.list(get_all=True) if n.system] == []
