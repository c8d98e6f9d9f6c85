"""The run's placeholders (a note posted earlier in the same run, a document's link) are
written in by the apply step; issue text spelling one out must stay text, never become a note
id or a link (DESIGN: trust boundaries)."""

from __future__ import annotations

import pytest

from triage.planner.comments import document_placeholder, fill_posted, posted_placeholder
from triage.render.markdown import escape

KEY = "estimate-summary/estimate-summary.md.j2"


@pytest.mark.parametrize("placeholder", [posted_placeholder(KEY), document_placeholder(KEY)])
def test_issue_text_spelling_a_placeholder_is_escaped_out_of_its_shape(placeholder):
    assert placeholder not in escape(f"Customer {placeholder} Inc.")


def test_a_customer_named_like_the_posted_placeholder_keeps_its_name():
    customer = escape(posted_placeholder(KEY))
    body = f"Estimate for {customer}: [summary](https://gl/x#note_{posted_placeholder(KEY)})"
    filled = fill_posted(body, {KEY: 42})
    assert filled.endswith("(https://gl/x#note_42)")
    assert filled.startswith(f"Estimate for {customer}:")
    assert "42" not in filled.removesuffix("(https://gl/x#note_42)")
