"""The bounds docs/operations.md and docs/benchmarks.md promise, pinned to their numbers.

The attack tests size their input from each constant (`MAX_BLOCK_BYTES + 1`), so they pass
whatever the constant says: doubled, the bound would still "hold". These write the documented
numbers out, the last input read and the first refused, so a changed bound fails here and the
documentation is changed with it.
"""

from __future__ import annotations

import pytest

from triage.issues.scoping import parse_scoping
from triage.policy.loader import PolicyInvalid, policy_from_texts
from triage.render.templates import TemplateProblem, Templates

from support import ROOT


def block(body: str) -> str:
    return f"Scope\n\n<!-- ps-triage:scoping -->\n```yaml\n{body}```\n"


def sized(size: int) -> str:
    """A data block's YAML of exactly `size` bytes: a customer and one long risk."""
    head, tail = "customer: Acme\nx: '", "'\n"
    return head + "a" * (size - len(head) - len(tail)) + tail


def problems(description: str) -> str:
    return " | ".join(str(p) for p in parse_scoping(description).problems)


def test_a_data_block_is_read_up_to_262144_bytes():
    assert len(sized(262_144).encode()) == 262_144
    assert "bytes" not in problems(block(sized(262_144)))  # read: only its unknown field
    assert "Extra inputs are not permitted" in problems(block(sized(262_144)))
    assert "262,145 bytes; at most 262,144 bytes are read" in problems(block(sized(262_145)))


def test_a_data_block_is_read_up_to_10_levels_deep():
    # the block's mapping is the first level, then nine lists
    assert "nested too deeply" not in problems(block("customer: A\nx: " + "[" * 9 + "]" * 9 + "\n"))
    assert "nested too deeply to read (more than 10 levels" in problems(
        block("customer: A\nx: " + "[" * 10 + "]" * 10 + "\n")
    )


def _policy_of(size: int) -> list[tuple[str, str]]:
    """The shipped policy and a file of comments, `size` bytes together."""
    texts = [
        (name, (ROOT / "policies" / name).read_text()) for name in ("catalog.yml", "ps-scoping.yml")
    ]
    used = sum(len(text.encode()) for _, text in texts)
    return [*texts, ("zz-notes.yml", "#" + "x" * (size - used - 2) + "\n")]


def test_a_policy_is_read_up_to_262144_bytes_in_all():
    policy_from_texts(_policy_of(262_144))  # valid: the comments are nothing
    with pytest.raises(PolicyInvalid, match="262,145 bytes of policy; at most 262,144 bytes"):
        policy_from_texts(_policy_of(262_145))


TEMPLATES = Templates(
    {
        "range-10000.md.j2": "{% for i in range(10000) %}{% endfor %}ok",
        "range-10001.md.j2": "{% for i in range(10001) %}{% endfor %}ok",
        "text-1000000.md.j2": "{% set s = 'x' * 1000000 %}{{ s | length }}",
        "text-1000001.md.j2": "{% set s = 'x' * 1000001 %}{{ s | length }}",
        "comment-1000000.md.j2": "{{ 'x' * 999999 }}y",
        "comment-1000001.md.j2": "{{ 'x' * 1000000 }}y",
    }
)


def test_a_template_range_holds_10000_numbers():
    assert TEMPLATES.render("range-10000.md.j2", {}).strip() == "ok"
    with pytest.raises(TemplateProblem, match="range\\(\\) of 10,001 numbers; at most 10,000"):
        TEMPLATES.render("range-10001.md.j2", {})


def test_a_template_text_holds_1000000_characters():
    assert TEMPLATES.render("text-1000000.md.j2", {}).strip() == "1000000"
    with pytest.raises(TemplateProblem, match="more than 1,000,000 characters or items"):
        TEMPLATES.render("text-1000001.md.j2", {})


def test_a_rendered_comment_holds_1000000_characters():
    assert len(TEMPLATES.render("comment-1000000.md.j2", {}).strip()) == 1_000_000
    with pytest.raises(TemplateProblem, match="a comment of more than 1,000,000 characters"):
        TEMPLATES.render("comment-1000001.md.j2", {})
