"""The SoW version number, counted from the estimate revisions (`sow=`) the comment's earlier
notes showed, oldest first (planner/comments.sow_version)."""

import pytest

from triage.planner.comments import sow_version, with_version


@pytest.mark.parametrize(
    ("shown", "current", "version"),
    [
        ([], "a", 1),  # the first draft
        (["a"], "a", 1),  # nothing new: the same number, so the same rendered text
        (["a"], "b", 2),  # a revised estimate
        (["a", "b"], "b", 2),
        (["a", "a", "b"], "b", 2),  # re-posted with the same estimate: the number stays
        (["a", "b"], "a", 3),  # changed back: a new version, never an older number
        (["a", "b", "a"], "a", 3),
        ([None, "a"], "a", 1),  # a note without `sow=` says nothing of the estimate
    ],
)
def test_the_version_counts_the_changes_of_the_estimate_revision(shown, current, version):
    assert sow_version(shown, current) == version


def test_only_a_context_with_an_estimate_gets_a_version():
    assert with_version({"estimate": None}, ["a"]) == {"estimate": None}
    estimate = {"revision": "b", "version": 1}
    versioned = with_version({"estimate": estimate}, ["a"])
    assert versioned["estimate"] == {"revision": "b", "version": 2}
    assert estimate["version"] == 1  # the shared context is left as it was
