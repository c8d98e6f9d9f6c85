"""Escaping issue text for GitLab Markdown: no quick action, no mention, no HTML, no broken table."""

import re

from hypothesis import given
from hypothesis import strategies as st

from gitlab_emulator.quick_actions import _command_lines
from triage.render.markdown import Trusted, code, escape, mention
from triage.render.templates import Templates

MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9_.]")


def test_escape_examples():
    assert escape("x\n/close") == "x /close"  # one line: the slash can no longer start one
    assert escape("  /close") == "  \\/close"
    assert escape("/label ~x") == "\\/label \\~x"
    assert escape("@all please") == "@\u2060all please"
    assert escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape("[click](javascript:x)") == "\\[click\\](javascript:x)"
    assert escape("a | b") == "a \\| b"
    assert escape("Harbor & Finch") == "Harbor &amp; Finch"
    assert escape(Trusted("@dana")) == "@dana"


def test_code_span_cannot_be_closed_from_inside():
    assert code("a`b\nc") == "`a\u02cbb c`"


def test_mention_refuses_mass_mentions():
    assert mention("dana") == "@dana"
    for bad in ("all", "here", "dana\n/close", "a b"):
        try:
            mention(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


TEMPLATE = Templates(
    {"t.md.j2": "Customer: {{ name }}\n{{ name }}\n| {{ name }} | x |\n- {{ name }}"}
)


def check(name):
    rendered = TEMPLATE.render("t.md.j2", {"name": name})
    assert _command_lines(rendered) == []  # the emulator's own extractor, as GitLab's works
    assert not MENTION.search(rendered.replace("@\u2060", ""))
    assert "<" not in rendered.replace("&lt;", "")
    assert rendered.count("\n") == 4  # one line per template line: the value added none


@given(st.text(max_size=200))
def test_no_issue_text_can_become_a_quick_action_or_a_mention(name):
    check(name)


@given(st.text(alphabet=st.sampled_from(list("/@\n\r`|<>&*_[]\\#~ all close label")), max_size=60))
def test_hostile_alphabet(name):
    check(name)
