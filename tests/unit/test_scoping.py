"""The scoping data block and task list parsed from a description."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

import triage.issues.scoping
from triage.commands.demo_data import description
from triage.issues.scoping import MAX_PROBLEMS, parse_scoping
from triage.issues.tasks import line_by_line, parse_tasks

from support import snapshot


def test_valid_block():
    text = description(
        "s",
        block={
            "customer": "Acme",
            "close_date": "2026-01-30",
            "people": {"sa": "@felix"},
            "line_items": [{"activity": "A", "role": "PSE", "days": 2.5}],
        },
    )
    block = parse_scoping(text)
    assert block.status == "valid"
    assert block.data.close_date == date(2026, 1, 30) and block.data.people.sa == "felix"
    assert block.data.line_items[0].days == 2.5 and block.data.currency is None


def test_missing_block():
    assert parse_scoping("no block here").status == "missing"


def test_marker_without_fence_says_how_to_fix():
    block = parse_scoping("text\n<!-- ps-triage:scoping -->\ncustomer: x\n")
    assert block.status == "invalid"
    assert str(block.problems[0]) == (
        "line 2, `scoping block`: the marker must be followed by a fenced block "
        "opened with ```yaml and closed with ```"
    )


def test_problems_name_line_field_and_fix():
    text = "intro\n<!-- ps-triage:scoping -->\n```yaml\ncustomer: X\ncurency: USD\nconfidence: {value: Purple}\n```\n"
    problems = [str(p) for p in parse_scoping(text).problems]
    assert problems == [
        "line 6, `confidence.value`: Input should be 'Grey', 'Red', 'Amber' or 'Green'; use one of the listed values",
        "line 5, `curency`: Extra inputs are not permitted; remove it or correct its spelling; the fields are: customer, "
        "segment, close_date, currency, opportunity, people, confidence, line_items, discount_pct, margin_waiver, revisit_on, legal_entity, agreement, billing_terms, fee_type, start_date, end_date, "
        "region, skills, start_window, risks, links",
    ]


def test_bad_yaml_and_bad_dates_are_problems_not_crashes():
    bad_yaml = parse_scoping("<!-- ps-triage:scoping -->\n```yaml\ncustomer: [unclosed\n```\n")
    assert bad_yaml.status == "invalid" and bad_yaml.problems[0].line == 4
    bad_date = parse_scoping(
        "<!-- ps-triage:scoping -->\n```yaml\ncustomer: x\nclose_date: 2026-13-01\n```\n"
    )
    assert str(bad_date.problems[0]).startswith(
        "line 4, `scoping block`: not valid YAML: '2026-13-01' is not a valid value"
    )


def test_a_huge_description_is_handled():
    text = "x" * 1_000_000 + description("s", block={"customer": "Acme"})
    assert parse_scoping(text).status == "valid"


def test_tasks_ignore_code_blocks_and_inapplicable_items():
    tasks = parse_tasks(
        "- [x] one\n* [ ] two\n1. [X] three\n- [~] skipped\n```\n- [x] in code\n```\n"
    )
    assert [(t.text, t.done) for t in tasks] == [("one", True), ("two", False), ("three", True)]


def block_of(yaml_text):
    return f"<!-- ps-triage:scoping -->\n```yaml\n{yaml_text}\n```\n"


def test_a_block_nested_thousands_deep_is_a_problem_not_a_crash():
    block = parse_scoping(block_of("customer: " + "[" * 5000 + "]" * 5000))
    assert block.status == "invalid"
    assert str(block.problems[0]) == (
        "line 3, `scoping block`: nested too deeply to read (more than 10 levels of lists and "
        "mappings); nest lists and mappings a few levels deep at most"
    )


def test_what_yaml_would_quietly_accept_is_still_reported():
    # The common case is read without positions; these must still reach the reader that has them.
    twice = parse_scoping(block_of("customer: A\ncustomer: B"))
    assert str(twice.problems[0]) == (
        "line 4, `scoping block`: not valid YAML: duplicate key 'customer' "
        "(YAML would silently keep only the last)"
    )
    boolean = parse_scoping(block_of("customer: A\nlinks: {on: x}"))
    assert str(boolean.problems[0]).startswith(
        "line 4, `scoping block`: not valid YAML: the key `on` is read by YAML as True"
    )


def test_a_listed_issue_keeps_what_is_parsed_from_its_description_not_the_text():
    issue = snapshot(data={"customer": "Acme"}, done=("Discovery call held",))
    held = issue.parsed()
    assert held.description == ""
    assert held.scoping == issue.scoping and held.scoping.data.customer == "Acme"
    assert held.tasks == issue.tasks and held.tasks[0].done
    moved = held.changed(labels=("proposal::Strawman_WIP",))  # the planner's copies keep them
    assert moved.scoping.data.customer == "Acme" and moved.tasks == issue.tasks


def test_an_issue_whose_description_cannot_be_parsed_keeps_it_for_its_plan_to_report(
    monkeypatch,
):
    def broken(text):
        raise RuntimeError("boom")

    monkeypatch.setattr(triage.issues.scoping, "parse_scoping", broken)
    issue = snapshot(data={"customer": "Acme"})
    assert issue.parsed() is issue


def test_an_estimate_of_thousands_of_line_items_is_a_problem_not_a_huge_comment():
    items = [{"activity": f"Task {n}", "role": "PSE", "days": 1} for n in range(201)]
    block = parse_scoping(description("s", block={"customer": "Acme", "line_items": items}))
    assert [str(p).split(": ", 1)[1] for p in block.problems] == [
        "201 line items; at most 200: group them, one per activity and role"
    ]
    assert parse_scoping(description("s", block={"customer": "A", "line_items": items[:200]})).data


def test_texts_a_comment_repeats_have_a_length_a_comment_can_hold():
    block = parse_scoping(
        description(
            "s",
            block={
                "customer": "x" * 201,
                "confidence": {"rationale": "r" * 2001},
                "line_items": [{"activity": "a" * 201, "role": "PSE", "days": 1}],
                "links": {f"doc{n}": "https://example.com" for n in range(21)},
            },
        )
    )
    assert sorted(f"`{p.field}`: {p.message}" for p in block.problems) == [
        "`confidence.rationale`: String should have at most 2000 characters; shorten it",
        "`customer`: String should have at most 200 characters; shorten it",
        "`line_items[0].activity`: String should have at most 200 characters; shorten it",
        "`links`: Dictionary should have at most 20 items after validation, not more; "
        "keep the ones that matter",
    ]


def test_thousands_of_wrong_values_are_listed_twenty_then_counted():
    items = "".join(f"  - wrong {n}\n" for n in range(3000))
    block = parse_scoping(block_of("customer: A\nline_items:\n" + items))
    assert block.status == "invalid" and len(block.problems) == MAX_PROBLEMS + 1
    assert str(block.problems[-1]) == (
        "`scoping block`: 2,980 more problems; fix the ones above first"
    )


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "- [x] Discovery call held",
                "- [ ] Customer agreed price and scope",
                "  * [X] ticked, indented  ",
                "1. [~] not applicable",
                "2) [ ] numbered",
                "-[x] no space",
                "- [x]",
                "- [x] two  spaces\t",
                "\t+ [x] tabbed\r",
                "```",
                "   ~~~ fence",
                "    ```",
                "text with - [x] inside",
                "",
                " ",
            ]
        ),
        max_size=12,
    )
)
def test_tasks_read_in_one_pass_are_those_read_line_by_line(lines):
    """A description without a fence is read in one pass: the very items a reading line by
    line (which knows what a fence holds) finds."""
    description = "\n".join(lines)
    assert parse_tasks(description) == line_by_line(description)
