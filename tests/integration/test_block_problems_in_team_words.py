"""A team that writes its notes in Korean words the data-block note's problems itself (issue
33.12): each problem reaches the template as a stable `kind` and its `values` (pydantic's error
type and context, the bot's own kinds), so the note the bot posts on a broken block holds no
English from the code; and `validate` renders the team's words against every kind, so a value a
kind does not have fails the check, not a run."""

from __future__ import annotations

import re
import shutil

import pytest

from triage.errors import TemplateProblem
from triage.issues.scoping import parse_scoping
from triage.testing import scoping_gitlab
from triage.workspace import load_workspace

from support import ROOT

# The team's data-block note: every kind it words; the others by a word of its own.
KOREAN = """\
{% set words = {
    "missing": "필수 항목이 없습니다",
    "extra_forbidden": "알 수 없는 항목입니다",
    "username": "GitLab 사용자 이름이 아닙니다",
    "no_block": "마커 다음에 yaml 블록이 없습니다",
    "not_fields": "항목 형식이 아닙니다",
} %}
{% if problems %}
스코핑 데이터 블록을 읽을 수 없습니다:

{% for problem in problems %}
- {% if problem.line %}{{ problem.line }}행, {% endif %}{{ problem.field | code }}: \
{% if problem.kind == "greater_than" %}{{ problem.gt }}보다 커야 합니다 (입력: {{ problem.input }})\
{% elif problem.kind == "less_than" %}{{ problem.lt }}보다 작아야 합니다\
{% elif problem.kind == "mentions_everyone" %}@{{ problem.name }}: 모두에게 알림이 갑니다\
{% elif problem.kind == "date_out_of_range" %}{{ problem.first }}부터 {{ problem.last }}까지의 날짜여야 합니다\
{% elif problem.kind == "ends_before_start" %}{{ problem.start_date }} 이후여야 합니다\
{% elif problem.kind == "second_block" %}두 번째 블록 ({{ problem.first_line }}행에 첫 번째)\
{% elif problem.kind == "unknown_role" %}{{ problem.item + 1 }}번째 항목의 역할 '{{ problem.role }}'이(가) \
단가표에 없습니다 ({{ problem.roles | join(", ") }})\
{% elif problem.kind == "more_problems" %}그 밖에 {{ problem.count }}건\
{% elif problem.kind in words %}{{ words[problem.kind] }}\
{% else %}잘못된 값{% endif +%}
{% endfor %}
{% endif %}

<sub>ps-triage</sub>
"""
BROKEN = {
    "custmer": "서울 로보틱스",  # a misspelt field; `customer` missing
    "people": {"sa": "@all"},
    "close_date": "3000-01-01",
    "start_date": "2026-02-01",
    "end_date": "2026-01-01",
    "line_items": [{"activity": "데브옵스 진단", "role": "PSE", "days": 0}],
    "discount_pct": 100,
}


UNPRICED = {
    "customer": "부산 물류",
    "line_items": [{"activity": "saas_discovery_remote", "role": "마법사", "days": 2}],
}


@pytest.fixture
def korean(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "data-block-problem.md.j2").write_text(KOREAN)
    return templates


def latin_words(text):
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)  # the bot's markers
    return set(re.findall(r"[A-Za-z]+", text))


def test_a_broken_block_is_worded_by_the_teams_template_with_no_english_from_code(korean):
    with scoping_gitlab(ROOT / "policies", korean) as scoping:
        deal = scoping.issue(title="서울 로보틱스 - 스코핑", data=BROKEN)
        scoping.run()
        (note,) = scoping.comments(deal, "data-block-problem")
        description = scoping.as_person("dana").issues.get(deal).description
        unpriced = scoping.issue(title="부산 물류 - 스코핑", data=UNPRICED)
        scoping.run(days=1 / 24)
        (priced_note,) = scoping.comments(unpriced, "data-block-problem")
    problems = parse_scoping(description).problems
    assert {p.kind for p in problems} == {
        "missing",
        "extra_forbidden",
        "mentions_everyone",
        "date_out_of_range",
        "ends_before_start",
        "greater_than",
        "less_than",
    }
    assert "`discount_pct`: 100보다 작아야 합니다" in note, note
    assert "`line_items[0].days`: 0보다 커야 합니다 (입력: 0)" in note, note
    assert "`people.sa`: @all: 모두에게 알림이 갑니다" in note, note
    assert "`end_date`: 2026-02-01 이후여야 합니다" in note, note
    assert "`close_date`: 1970-01-01부터 2999-12-31까지의 날짜여야 합니다" in note, note
    assert "`customer`: 필수 항목이 없습니다" in note and "`custmer`: 알 수 없는" in note, note
    # Not a word of the code's English: only the team's template's and the block's own.
    allowed = latin_words(KOREAN) | latin_words(description)
    assert not latin_words(note) - allowed, (latin_words(note) - allowed, note)
    for problem in problems:
        assert problem.message.split(";")[0] not in note, problem.message
    # A block that cannot be priced (a role the rate card lacks): the policy's roles, no English.
    assert (
        "`estimate`: 1번째 항목의 역할 '마법사'이(가) 단가표에 없습니다 (PM, PSE, TA)"
        in priced_note
    )
    assert latin_words(priced_note) <= latin_words(KOREAN) | {"estimate", "PM", "PSE", "TA"}


def test_validate_renders_the_teams_words_for_every_kind_of_problem(korean):
    # A value the kind does not have (`gt` of `less_than`): the check fails, naming it.
    typo = KOREAN.replace("problem.lt", "problem.gt")
    (korean / "data-block-problem.md.j2").write_text(typo)
    with pytest.raises(TemplateProblem, match=r"data-block-problem\.md\.j2:\d+: .*'gt'"):
        load_workspace(ROOT / "policies", korean)


def test_the_samples_validate_renders_with_hold_every_kind():
    from triage.issues.scoping import KINDS, sample_problems

    kinds = {p.kind for p in sample_problems()}
    assert set(KINDS) <= kinds and {"missing", "greater_than", "too_long"} <= kinds


def test_the_policy_reference_lists_every_kind_and_its_values():
    from triage.issues.scoping import KINDS
    from triage.pricing import KINDS as PRICE_KINDS

    documented = (ROOT / "docs/policy.md").read_text()
    (row,) = [line for line in documented.splitlines() if line.startswith("| `problems` |")]
    for kind, values in {**KINDS, **PRICE_KINDS}.items():
        named = ", ".join(f"`{v}`" for v in values if v != "input")
        assert f"`{kind}` ({named})" in row if named else f"`{kind}`" in row, kind
    assert "`greater_than` (`gt`)" in row and "`missing`" in row
