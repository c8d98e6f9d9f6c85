"""A Word template whose tags do not close is refused, naming the paragraph; a rendered document
that lost a heading of its template is refused (issue 33.1: one missing `}` deleted sections 1-3
and validate and render both succeeded)."""

import io
import re
import zipfile

import docx
import pytest
from click.testing import CliRunner
from test_sow_document import CORVID, render

from triage.cli import main
from triage.errors import TemplateProblem
from triage.render.document import render_document
from triage.render.document_check import check_headings, tag_problem

from support import ROOT

SHIPPED = (ROOT / "templates" / "sow.docx").read_bytes()


def with_body(template: bytes, old: str, new: str) -> bytes:
    """The template with one edit of its body's XML, as a slip in Word makes it."""
    with zipfile.ZipFile(io.BytesIO(template)) as package:
        parts = {member: package.read(member) for member in package.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for member, data in parts.items():
            if member.filename == "word/document.xml":
                text = data.decode()
                assert text.count(old) >= 1, old
                data = text.replace(old, new, 1).encode()
            package.writestr(member, data)
    return out.getvalue()


# The issue's slip: `{{ sow.provider_short }` in section 1's last sentence.
SLIP = with_body(
    SHIPPED,
    "{{ sow.provider_short }} provides to the Customer.",
    "{{ sow.provider_short } provides to the Customer.",
)


def test_one_missing_brace_is_refused_naming_its_paragraph():
    with pytest.raises(TemplateProblem) as raised:
        render(CORVID, SLIP)
    assert str(raised.value) == (
        "sow.docx: in the paragraph 'This Statement of Work is entered into between "
        "{{ sow.provid…', the tag '{{ sow.provider_short } provides to the…' does not close: "
        "add its '}}' (every tag opens and closes in one paragraph; fix it in Word or LibreOffice)"
    )


def test_validate_refuses_the_slip_and_render_writes_nothing(tmp_path, monkeypatch):
    assert CliRunner().invoke(main, ["init", str(tmp_path / "ops")]).exit_code == 0
    monkeypatch.chdir(tmp_path / "ops")
    (tmp_path / "ops/templates/sow.docx").write_bytes(SLIP)
    refused = CliRunner().invoke(main, ["validate"])
    assert refused.exit_code == 1
    assert "sow.docx: in the paragraph 'This Statement of Work is entered into" in refused.output
    assert "the tag '{{ sow.provider_short } provides to the…' does not close" in refused.output
    (tmp_path / "ops/deal.yml").write_text(
        "customer: Corvid\nline_items: [{activity: Discovery, role: PSE, days: 2}]\n"
    )
    rendered = CliRunner().invoke(
        main, ["render", "sow", "--data", "deal.yml", "--docx", "out.docx"]
    )
    assert rendered.exit_code == 1 and not (tmp_path / "ops/out.docx").exists()


def test_every_slip_of_one_closing_brace_in_the_shipped_template_is_refused():
    """Each `}}` of the template in turn written `}`: none renders (on the old code 17 of them
    rendered, 9 losing section headings)."""
    with zipfile.ZipFile(io.BytesIO(SHIPPED)) as package:
        body = package.read("word/document.xml").decode()
    closings = [m.start() for m in re.finditer(r"\}\}", body)]
    assert len(closings) > 60
    rendered = []
    for at in closings:
        # Each slip at its own place: the shared prefix keeps the replacement unique.
        before = body[max(0, at - 60) : at]
        slipped = with_body(SHIPPED, before + "}}", before + "}")
        try:
            render(CORVID, slipped)
        except TemplateProblem:
            continue
        rendered.append(before[-40:])
    assert rendered == []


def test_a_stray_closing_brace_and_a_well_formed_paragraph():
    assert tag_problem("{{ a }} and {{ b }}") is None
    assert tag_problem("{{ '{{' }} literal") is None
    assert tag_problem("{%p if x %}") is None
    assert (
        tag_problem("{{ a } and more") == "the tag '{{ a } and more' does not close: add its '}}'"
    )
    assert tag_problem("{% if a } x") == "the tag '{% if a } x' does not close: add its '%}'"
    assert tag_problem("{ a }} x") == "'}}' closes a tag that no '{{' opens"
    assert tag_problem("x %} y") == "'%}' closes a tag that no '{%' opens"


def test_a_rendered_document_that_lost_a_heading_is_refused():
    document = render(CORVID)
    lost = with_body(document, "2. Objectives", "")
    with pytest.raises(TemplateProblem) as raised:
        check_headings("sow.docx", SHIPPED, lost)
    assert str(raised.value) == (
        "sow.docx: the rendered document lacks its template's heading '2. Objectives': a tag "
        "before it took it in; look for a tag that does not close, and fix it in Word or "
        "LibreOffice"
    )
    check_headings("sow.docx", SHIPPED, document)  # the whole document: no problem


def test_a_heading_inside_a_block_tag_or_with_a_tag_may_change():
    """A heading between `{%p if %}` and `{%p endif %}` is the template's choice to drop, and a
    heading with a tag of its own reads as its value."""
    made = docx.Document()
    made.add_heading("Always", level=1)
    made.add_paragraph("{%p if show %}")
    made.add_heading("Sometimes", level=1)
    made.add_paragraph("{%p endif %}")
    made.add_heading("For {{ who }}", level=1)
    out = io.BytesIO()
    made.save(out)
    document = render_document("t.docx", out.getvalue(), {"show": False, "who": "Corvid"})
    headings = [p.text for p in docx.Document(io.BytesIO(document)).paragraphs]
    assert headings == ["Always", "For Corvid"]
