"""Text from an issue never becomes a link in a bot note.

GitLab links bare URLs in Markdown: `http://` and `https://`, `www.` (the GFM autolink
extension of its CommonMark parser) and any other `scheme://` (its AutolinkFilter: smb, ftp,
...); an e-mail address too. A bot note quoting a customer name or an activity that holds one
would carry a live link under the bot's name (a phishing link the bot vouches for). Escaped
issue text keeps every character a reader sees, with U+2060 WORD JOINER (invisible) after the
scheme's `:` and after `www`, so no such pattern is left for GitLab to find.
"""

from __future__ import annotations

import re

import pytest

from triage.render.markdown import WORD_JOINER, escape, title
from triage.testing import TASKS

URLS = [
    "https://evil.example/login",
    "http://evil.example",
    "HTTPS://EVIL.EXAMPLE/x",
    "smb://evil.example/share",
    "ftp://evil.example/file",
    "git+ssh://evil.example/repo",
    "www.evil.example/offer",
    "WWW.evil.example",
    "billing@evil.example",
]
# What GitLab links: a scheme and `://` (both its autolinkers), `www.` after a space or
# punctuation (GFM), an e-mail address (GFM).
LINKED = re.compile(
    r"[a-z][a-z0-9+.-]*://|(?:^|[\s*_~(])www\.|[\w.+-]+@[\w-]+\.[\w.-]+", re.IGNORECASE
)


@pytest.mark.parametrize("url", URLS)
def test_a_bare_url_in_issue_text_is_escaped_to_no_link_and_reads_the_same(url):
    text = f"see {url} (now)"
    escaped = escape(text)
    assert not LINKED.search(escaped), escaped
    assert escaped.replace(WORD_JOINER, "") == text


def test_text_without_a_url_is_left_as_it_is():
    for text in ("10:30", "a: b", "https", "awww.x", "dana"):
        assert escape(text) == text


def test_bare_urls_in_an_issue_never_become_links_in_the_bot_notes(scoping):
    data = {
        "customer": "Acme https://evil.example/login www.evil.example",
        "line_items": [
            {"activity": "Workshop smb://evil.example/share", "role": "PSE", "days": 3},
            {"activity": "Review billing@evil.example", "role": "PSE", "days": 1},
        ],
    }
    iid = scoping.issue(
        stage="Estimate_Feedback",
        data=data,
        tasks=TASKS[:2],
        title="Acme https://evil.example/title - Scope Issue and Write SOW",
    )
    scoping.run()
    notes = scoping.comments(iid)
    assert scoping.stage(iid) == "SOW_WIP" and len(notes) >= 3
    quoted = [note for note in notes if "evil" in note]
    assert quoted, "the notes quote the customer and the activities"
    for note in quoted:
        found = [
            m.group() for m in LINKED.finditer(note) if "evil" in note[m.start() : m.end() + 5]
        ]
        assert found == [], note
        assert "evil.example" in note.replace(WORD_JOINER, "")


@pytest.mark.parametrize("url", URLS)
def test_a_bare_url_in_the_title_of_an_issue_the_bot_opens_links_nowhere(url):
    """GitLab renders titles with its single-line pipeline, whose AutolinkFilter links any
    `scheme://` (lib/banzai/pipeline/single_line_pipeline.rb): the delivery issue the bot opens
    is titled by the customer's name."""
    shown = title(f"Acme {url} - delivery")
    assert not LINKED.search(shown), shown
    assert shown.replace(WORD_JOINER, "") == f"Acme {url} - delivery"
