"""Templates: sandboxed, strict, errors naming template and line; golden renders of the shipped ones."""

import pytest

from triage.commands.demo_data import TASKS
from triage.planner import plan_issue
from triage.render.templates import TemplateProblem, Templates

from support import NOW, block, settings, snapshot, with_details, workspace


def test_missing_variable_names_template_and_line():
    templates = Templates({"t.md.j2": "line one\n{{ customer.name }}\n"})
    with pytest.raises(TemplateProblem) as caught:
        templates.render("t.md.j2", {})
    assert str(caught.value) == "t.md.j2:2: 'customer' is undefined"


def test_syntax_error_names_template_and_line():
    assert Templates({"t.md.j2": "ok\n{% if %}\n"}).check_syntax() == [
        "t.md.j2:2: Expected an expression, got 'end of statement block'"
    ]


def test_sandbox_blocks_attribute_escapes():
    templates = Templates({"t.md.j2": "{{ ''.__class__.__mro__[1].__subclasses__() }}"})
    with pytest.raises(TemplateProblem, match="unsafe"):
        templates.render("t.md.j2", {})


def test_unknown_template_is_named():
    with pytest.raises(TemplateProblem, match=r"template 'nope\.md\.j2' not found"):
        Templates({}).render("nope.md.j2", {})


def test_golden_transition_comment():
    issue = with_details(
        snapshot(labels=("Services Calculator", "proposal::Awaiting_Discovery"), done=TASKS[:1])
    )
    comment = plan_issue(workspace().policy, issue, NOW, settings()).comments[0]
    assert comment.body == (
        f"<!-- ps-triage:discovery-held/transition.md.j2 rev={comment.rev} -->\n"
        'Moved from ~"proposal::Awaiting_Discovery" to ~"proposal::Strawman_WIP".\n'
        "\n"
        "The discovery call was held; the EM drafts the strawman estimate next.\n"
        "\n"
        "<sub>Why: task 'Discovery call held' ticked. — ps-triage, rule `discovery-held`</sub>\n"
    )


def test_golden_closed_lost_comment():
    issue = with_details(
        snapshot(labels=("Services Calculator", "proposal::SOW_WIP", "Lost::budget"), data=block())
    )
    comment = plan_issue(workspace().policy, issue, NOW, settings()).comments[0]
    assert comment.body.split("\n", 1)[1] == (
        'Closed as ~"proposal::Closed_Lost" (Lost::budget).\n'
        "\n"
        "The `close_qtr::` label records the fiscal quarter in which the deal closed. If this was a\n"
        "mistake, reopen the issue and set the right stage label.\n"
        "\n"
        "<sub>— ps-triage, rule `closed-lost-wrap-up`</sub>\n"
    )


def test_hostile_title_and_labels_stay_text_in_comments():
    issue = with_details(
        snapshot(
            labels=("Services Calculator", "proposal::SOW_WIP", "Lost::@all\n/close"),
            title="x\n/close @all",
        )
    )
    body = plan_issue(workspace().policy, issue, NOW, settings()).comments[0].body
    assert "\n/close" not in body and "@all" not in body


def test_loader_is_confined_to_the_templates_folder(tmp_path):
    from triage.render.templates import load_templates

    (tmp_path / "secret.txt").write_text("token=glpat-xyz")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "evil.md.j2").write_text('{% include "../secret.txt" %}')
    (folder / "also.md.j2").write_text('{% include "/etc/passwd" %}')
    templates = load_templates(folder)
    for name in ("evil.md.j2", "also.md.j2"):
        with pytest.raises(TemplateProblem, match="not found"):
            templates.render(name, {})


def render_within(limits, source, **context):
    from triage.render.templates import Limits

    with pytest.raises(TemplateProblem) as caught:
        Templates({"t.md.j2": source}, Limits(**limits)).render("t.md.j2", context)
    return str(caught.value)


def test_a_comment_growing_past_the_limit_stops_where_it_grows():
    source = "# Heading\n{% for n in range(100) %}\n{{ 'row ' * 10 }}\n{% endfor %}\n"
    assert render_within({"output": 500}, source) == (
        "t.md.j2:3: a comment of more than 500 characters"
    )


def test_texts_and_lists_are_refused_before_they_are_made():
    for source in (
        "{{ 'ab' * 300 }}",
        "{{ 'ab' ~ 'c' * 499 }}",
        "{{ [0] * 600 }}",
        "{{ 'x'.center(900) }}",
    ):
        assert render_within({"output": 500}, "ok\n" + source) == (
            "t.md.j2:2: text or list of more than 500 characters or items"
        )


def test_a_render_that_takes_too_long_stops_at_its_deadline():
    source = "ok\n{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"
    assert render_within({"seconds": 0.05}, source) == "t.md.j2:2: rendering took more than 0.05 s"


def test_includes_stop_at_their_depth():
    assert render_within({"includes": 3}, "ok\n{% include 't.md.j2' %}") == (
        "t.md.j2:2: templates include each other more than 3 levels deep (does a template "
        "include itself?)"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{{ '%999999999d' % 1 }}",
        "{{ '%*d' % (10**9, 1) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '{x:>{w}}'.format_map({'x': 1, 'w': 10**9}) }}",
        "{{ '%(a)5000000d'|format(a=1) }}",
    ],
)
def test_format_widths_of_millions_are_refused_before_they_are_made(source):
    assert render_within({}, "ok\n" + source) == (
        "t.md.j2:2: a format width or precision of millions"
    )


def test_ordinary_formats_numbers_and_loops_still_render():
    source = (
        "{{ 'Order 12345678: %s' % 'x' }} {{ '{:,}'.format(123456789) }} {{ '%05.2f' % 3.14159 }} "
        "{{ '{:>{w}}'.format(1, w=3) }} {{ 2 ** 10 }} {{ 'ab' * 2 }} {{ [1] + [2] }}"
        "{% for x in items %} {{ loop.index }}/{{ loop.length }}{% endfor %}"
    )
    assert Templates({"t.md.j2": source}).render("t.md.j2", {"items": "ab"}) == (
        "Order 12345678: x 123,456,789 03.14   1 1024 abab \\[1, 2\\] 1/2 2/2\n"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{% set l = ['x'] %}{% for i in range(100) %}{{ l.extend(l) or '' }}{% endfor %}",
        "{{ (['x' * 999999] * 999999)|map('string')|join }}",
        "{{ ('a\\n' * 20)|indent('y' * 99999) }}",
        "{{ ('a' * 999)|replace('a', 'b' * 9999) }}",
        "{{ ([['x'] * 999999] * 999999)|sum(start=[]) }}",
    ],
)
def test_lists_grown_in_place_and_growing_filters_stop_at_the_limit(source):
    assert render_within({}, "ok\n" + source) == (
        "t.md.j2:2: text or list of more than 1,000,000 characters or items"
    )
