"""`IssueSnapshot.changed`: a copy with fields replaced, keeping what was parsed from the
description unless the description itself changed."""

from __future__ import annotations

import pytest

from support import snapshot


def test_a_copy_keeps_what_was_parsed_unless_the_description_changed():
    issue = snapshot(description_text="- [x] Discovery call held\n").parsed()
    assert [t.text for t in issue.tasks] == ["Discovery call held"]
    retitled = issue.changed(title="Another")
    assert retitled.title == "Another" and retitled.tasks is issue.tasks
    assert issue.title != "Another"  # the original is left as it was
    rewritten = issue.changed(description="- [ ] Customer agreed price and scope\n")
    assert [t.text for t in rewritten.tasks] == ["Customer agreed price and scope"]
    assert rewritten.description_digest != issue.description_digest


def test_a_field_the_record_does_not_have_is_refused():
    with pytest.raises(TypeError, match="no field colour"):
        snapshot().changed(colour="red")


def test_a_copy_in_another_project_or_number_has_its_own_ref():
    """An issue's ref is made once and kept by its copies, but not by a copy that moved."""
    issue = snapshot()
    assert issue.ref == f"{issue.project}#{issue.iid}"
    assert issue.changed(title="Renamed").ref == issue.ref
    assert issue.changed(project="ps/other").ref == f"ps/other#{issue.iid}"
    assert issue.changed(iid=issue.iid + 1).ref == f"{issue.project}#{issue.iid + 1}"
