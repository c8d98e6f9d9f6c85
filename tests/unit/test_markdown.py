"""Escaping issue text for GitLab Markdown: no quick action, no mention, no HTML, no broken table."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitlab_emulator.quick_actions import extract
from triage.commands.demo_data import TASKS
from triage.planner import plan_issue
from triage.render.markdown import Trusted, code, escape, label, mention, mermaid, title
from triage.render.templates import Templates

from support import NOW, snapshot, with_details, workspace
from support import settings as plan_settings

MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9_.]")


def test_escape_examples():
    assert escape("x\n/close") == "x /close"  # one line: the slash can no longer start one
    assert escape("  /close") == "  \\/close"
    assert escape("/label ~x") == "\\/label \\~x"
    assert escape("@all please") == "@\u2060all please"
    assert escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape("[click](javascript:x)") == "\\[click\\](javascript:x)"
    assert escape("a | b") == "a \\| b"
    # a lone `&` is text in GitLab's Markdown: left as written, so the raw text reads right
    # (issue 32.7); one that would start a character reference is escaped
    assert escape("Harbor & Finch") == "Harbor & Finch"
    assert escape("&lt;b&gt; &#60; &#x3C;") == "&amp;lt;b&amp;gt; &amp;\\#60; &amp;\\#x3C;"
    assert escape(Trusted("@dana")) == "@dana"


def test_code_span_cannot_be_closed_from_inside():
    assert code("a`b\nc") == "`a\u02cbb c`"


def test_label_is_a_reference_only_when_its_name_is_plain():
    assert label("EM_Confidence::Green") == '~"EM_Confidence::Green"'
    assert label("proposal::Ready For Approval") == '~"proposal::Ready For Approval"'
    assert label("EM_Confidence::Green @all") == "`EM_Confidence::Green @all`"
    assert label('x" <img src=x>\n/close') == '`x" <img src=x> /close`'


def test_mermaid_names_keep_only_plain_characters():
    assert mermaid("Awaiting_Discovery") == "Awaiting_Discovery"
    assert mermaid("Best case") == "Best case"
    assert mermaid('X"] : 1\n%%{init}%%\n```\n@all <b>') == "X 1 init all b"
    assert mermaid("#quot;&lt;") == "quot lt"
    assert mermaid("@@") == "-"
    assert mermaid("Commit (Green), 4.500,00\u00a0€") == "Commit (Green), 4.500,00 €"  # de_DE


@given(st.text(max_size=80))
def test_no_name_can_leave_a_mermaid_slice(name):
    assert re.fullmatch(r"[\w .,()/+'$€£¥₹₩₽₺₪₫₱฿-]+", mermaid(name))


def test_title_is_one_line_that_mentions_no_one():
    assert title("Acme @all\n/close") == "Acme @\u2060all /close"


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
    assert extract(rendered)[1] == []  # the emulator's own extractor, as GitLab's works
    assert not MENTION.search(rendered.replace("@\u2060", ""))
    assert "<" not in rendered.replace("&lt;", "")
    assert rendered.count("\n") == 4  # one line per template line: the value added none


@given(st.text(max_size=200))
def test_no_issue_text_can_become_a_quick_action_or_a_mention(name):
    check(name)


@given(st.text(alphabet=st.sampled_from(list("/@\n\r`|<>&*_[]\\#~ all close label")), max_size=60))
def test_hostile_alphabet(name):
    check(name)


# Through the shipped templates: whatever the issue says, its comments run no quick action and
# mention only the people the policy names.

WS = workspace()
CONFIGURED = {"@rowan", "@ps/ps-directors", "@ps/ps-scheduling"}  # approvers: the director gate
TEXT = st.text(
    alphabet=st.sampled_from(list("/@\n\r\u2028`|<>&*_[]\\#~ :-allcloseabelrowan"))
    | st.characters(),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=TEXT,
    customer=TEXT,
    activity=TEXT,
    stage=st.sampled_from(["Estimate_Feedback", "SOW_WIP", "Ready For Approval", "Closed_Won"]),
)
def test_comments_from_any_issue_text_run_nothing_and_mention_only_configured_people(
    title, customer, activity, stage
):
    data = {"customer": customer, "line_items": [{"activity": activity, "role": "PSE", "days": 2}]}
    issue = with_details(
        snapshot(
            labels=("Services Calculator", f"proposal::{stage}"), done=TASKS, data=data, title=title
        )
    )
    issue_plan = plan_issue(WS.policy, issue, NOW, plan_settings(WS))
    bodies = [c.body for c in issue_plan.comments] + [i.description for i in issue_plan.new_issues]
    assert bodies, issue_plan
    for body in bodies:
        assert extract(body)[1] == []
        mentions = {m.group(0) for m in re.finditer(r"(?<![\w`])@[A-Za-z0-9_./-]+", body)}
        assert mentions <= CONFIGURED, mentions


def _escape_every_time(text: str) -> str:
    """escape() as it was before it skipped text with nothing to escape: every replacement."""
    text = re.sub(
        r"[\x00-\x08\x0e-\x1f\x7f]", "", re.sub(r"[\r\n\v\f\x85\u2028\u2029]+", " ", text)
    )
    text = re.sub(r"&(?=#?[A-Za-z0-9]+;)", "&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\`*_\[\]#|~])", r"\\\1", text).replace("@", "@\u2060")
    stripped = text.lstrip()
    return text[: len(text) - len(stripped)] + "\\" + stripped if stripped.startswith("/") else text


@given(st.text(max_size=80) | st.text(alphabet=st.characters(max_codepoint=0x2100), max_size=20))
def test_skipping_text_with_nothing_to_escape_changes_no_result(text):
    assert escape(text) == _escape_every_time(text)


def test_a_person_is_linked_to_their_gitlab_page_never_mentioned():
    """Issue 32.7: the refusal note names people by a link to their page (a mention would mail
    them): from the GitLab root the issue's link shows, relative root included, never the host."""
    from triage.render.markdown import profile_url

    issue = "https://gitlab.example.com/ps/ps-plan/-/issues/7"
    assert profile_url(issue, "ps/ps-plan", "imogen") == "/imogen"
    assert profile_url(issue, "ps/ps-plan", "ps/ps-directors") == "/ps/ps-directors"
    under = "https://example.com/gitlab/ps/ps-plan/-/issues/7"
    assert profile_url(under, "ps/ps-plan", "imogen") == "/gitlab/imogen"
    for name in (None, "", "@all", "a b", "x)(javascript:1", "../admin"):
        assert profile_url(issue, "ps/ps-plan", name) is None, name
