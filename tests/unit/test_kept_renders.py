"""Renders kept between scheduled runs (`Templates.render_kept`, `render/kept.py`): the forecast
issue's text, which every run renders to compare, is rendered again only when something it is
made of changed; a kept text is used only when the bot sealed it."""

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from triage.render.kept import KeptRenders, canonical
from triage.render.markdown import Trusted
from triage.render.money import MoneyFormat
from triage.render.templates import Templates

KEY, EDITION = "the-bots-token", "code 1"
SOURCE = "{{ customer }} owes {{ net|money }} by {{ due }}{% for n in notes %}; {{ n }}{% endfor %}"
CONTEXT = {"customer": "A*B", "net": "1250", "due": date(2026, 1, 30), "notes": ["x_y"]}


def kept_templates(tmp_path, source=SOURCE, key=KEY, edition=EDITION, **changes):
    renders = KeptRenders.load(tmp_path / "details.json.renders", key, edition)
    return replace(Templates({"t.md.j2": source}, **changes), kept=renders)


def kept_once(tmp_path, context=CONTEXT):
    """A first run: renders and keeps the text."""
    first = kept_templates(tmp_path)
    text = first.render_kept("t.md.j2", context)
    first.kept.save()
    return text


def rendered(templates):
    """Whether the templates were compiled (a render made): their environment exists."""
    return "environment" in vars(templates)


def test_the_next_run_uses_the_kept_text_without_rendering(tmp_path):
    text = kept_once(tmp_path)
    assert text == Templates({"t.md.j2": SOURCE}).render("t.md.j2", CONTEXT)
    assert text.startswith("A\\*B owes USD 1,250.00 by 2026-01-30; x\\_y")
    again = kept_templates(tmp_path)
    assert again.render_kept("t.md.j2", CONTEXT) == text
    assert not rendered(again)
    again.kept.save()  # the same texts: the file stays as it was
    assert kept_templates(tmp_path).render_kept("t.md.j2", CONTEXT) == text


@pytest.mark.parametrize(
    "context",
    [
        {**CONTEXT, "customer": "A*C"},
        {**CONTEXT, "customer": Trusted("A*B")},  # unescaped: another text
        {**CONTEXT, "net": Decimal("1250")},
        {**CONTEXT, "due": "2026-01-30"},
        {**CONTEXT, "notes": ("x_y",)},
        {**CONTEXT, "notes": ["x_y", "z"]},
        {"notes": ["x_y"], "due": date(2026, 1, 30), "net": "1250", "customer": "A*B"},  # order
    ],
)
def test_anything_the_text_is_made_of_changed_renders_it_again(tmp_path, context):
    kept_once(tmp_path)
    again = kept_templates(tmp_path)
    assert again.render_kept("t.md.j2", context) == Templates({"t.md.j2": SOURCE}).render(
        "t.md.j2", context
    )
    assert rendered(again)


@pytest.mark.parametrize(
    "changes",
    [
        {"source": SOURCE + "."},
        {"edition": "code 2"},  # another release of the bot or of a library
        {"money": MoneyFormat("EUR", "de_DE")},
        {"key": "another-token"},
    ],
)
def test_other_templates_code_money_or_token_render_it_again(tmp_path, changes):
    kept_once(tmp_path)
    again = kept_templates(tmp_path, **changes)
    again.render_kept("t.md.j2", CONTEXT)
    assert rendered(again)


def test_a_kept_text_changed_by_anyone_else_is_not_used(tmp_path):
    """Whoever can write the CI cache cannot make the bot write their text to the issue."""
    text = kept_once(tmp_path)
    path = tmp_path / "details.json.renders"
    data = json.loads(path.read_text())
    data["kept"] = {digest: "forged" for digest in data["kept"]}
    path.write_text(json.dumps(data))
    again = kept_templates(tmp_path)
    assert again.render_kept("t.md.j2", CONTEXT) == text
    assert rendered(again)


def test_a_context_the_key_cannot_write_down_is_rendered_every_time(tmp_path):
    class Deal:
        def __str__(self):
            return "a deal"

    first = kept_templates(tmp_path)
    assert first.render_kept("t.md.j2", {**CONTEXT, "customer": Deal()}).startswith("a deal")
    first.kept.save()
    assert not (tmp_path / "details.json.renders").exists()


def test_canonical_tells_apart_what_a_template_tells_apart():
    values = ["1", Trusted("1"), 1, 1.0, Decimal("1"), True, ["1"], ("1",), {"1": 1}, None]
    values += [[["1"], "2"], [["1", "2"]], [[], "1", "2"], {"1": ["2"]}, {"1": "2"}, ["d", 1]]
    values += [[{"1": "2"}, "3"], [{"1": "2", "3": None}], date(2026, 1, 30), "2026-01-30"]
    assert len({json.dumps(canonical(v)) for v in values}) == len(values)
