"""Issue fields on request: label details in lists, and the Premium `weight`.

Follows GitLab's documentation `doc/api/issues.md` (`with_labels_details`: "labels" as
objects with id, name, color, description, description_html, text_color;
`lib/api/entities/label_basic.rb`) and `ee/lib/ee/api/entities/issue.rb` with
`doc/api/issues.md` (`weight` on create and update, Premium).
"""

import pytest


def test_with_labels_details_gives_label_objects(project, tag, new_issue):
    issue = new_issue(labels=f"b-{tag},a-{tag}")
    plain = project.issues.list(iids=[issue.iid])[0]
    assert plain.labels == [f"a-{tag}", f"b-{tag}"]
    detailed = project.issues.list(iids=[issue.iid], with_labels_details=True)[0]
    assert [label["name"] for label in detailed.labels] == [f"a-{tag}", f"b-{tag}"]
    assert {"id", "name", "color", "description", "text_color"} <= set(detailed.labels[0])


def test_weight_is_stored_and_returned(target, project, new_issue):
    issue = new_issue()
    shown = project.issues.get(issue.iid).attributes
    if target.emulator is None and "weight" not in shown:
        pytest.skip("issue weights need GitLab Premium: this GitLab shows no weight")
    assert shown["weight"] is None  # the emulator's seed is Premium
    assert project.issues.update(issue.iid, {"weight": 3})["weight"] == 3
    assert project.issues.get(issue.iid).weight == 3
    assert project.issues.update(issue.iid, {"weight": ""})["weight"] is None
