"""Issue text in the Word SoW: a reporter writes template tags, Word XML and characters XML cannot
hold into the data block through GitLab's API; the document made from that issue shows them as
text, runs nothing, and still opens."""

from __future__ import annotations

import io
import zipfile

import docx
import yaml
from click.testing import CliRunner

from triage.cli import main
from triage.testing import BOT_TOKEN, TASKS, Scoping

from support import ROOT

CUSTOMER = "Evil {{ 7 * 7 }} {% if true %}Corp{% endif %} & Sons {_{ deal }_}"
ACTIVITY = '</w:t></w:r></w:p><w:p><w:r><w:t>INJECTED</w:t></w:r></w:p><w:p w:rsidR="1">'
NOTES = "{%p for x in range(3) %}{{ x }}{%p endfor %} <w:br/> \x07bell\x0cpage\x0bvtab"


def write_issue(scoping: Scoping) -> int:
    """The scoping issue as a reporter (imogen) writes it through the API."""
    data = {
        "customer": CUSTOMER,
        "line_items": [
            {"activity": ACTIVITY, "role": "PSE", "days": 3, "notes": NOTES},
            {"activity": "{{ estimate.cogs }}", "role": "PM", "days": 1},
        ],
    }
    block = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    description = "\n".join(f"- [x] {task}" for task in TASKS[:2])
    description += f"\n\n<!-- ps-triage:scoping -->\n```yaml\n{block}```\n"
    project = scoping.as_person("imogen")
    issue = project.issues.create(
        {
            "title": "Evil - Scope Issue and Write SOW",
            "description": description,
            "labels": "Services Calculator,proposal::SOW_WIP",
        }
    )
    return int(issue.iid)


def test_tags_and_xml_in_issue_text_are_written_literally_into_the_word_sow(scoping, tmp_path):
    iid = write_issue(scoping)
    out = tmp_path / "sow.docx"
    result = CliRunner().invoke(
        main,
        [
            "render",
            "sow",
            "--policies",
            str(ROOT / "policies"),
            "--templates",
            str(ROOT / "templates"),
            "--issue",
            str(iid),
            "--docx",
            str(out),
        ],
        env={"GITLAB_URL": scoping.emulator.url, "GITLAB_TOKEN": BOT_TOKEN},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    document = docx.Document(io.BytesIO(out.read_bytes()))  # it opens
    assert document.paragraphs[1].text == CUSTOMER
    cells = [[c.text for c in row.cells] for row in document.tables[1].rows]
    assert cells[1][1].split("\n")[0] == ACTIVITY
    assert cells[1][1].split("\n")[2] == (
        "Notes: {%p for x in range(3) %}{{ x }}{%p endfor %} <w:br/> bellpagevtab"
    )
    assert cells[2][1].split("\n")[0] == "{{ estimate.cogs }}"
    body = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert "INJECTED</w:t></w:r></w:p>" not in body and "&lt;/w:t&gt;" in body
    text = "\n".join(p.text for p in document.paragraphs)
    assert "49" not in text.replace("{{ 7 * 7 }}", "")
    assert f"This engagement helps {CUSTOMER}" in text or f"so that {CUSTOMER} reaches" in text


def test_issue_text_cannot_place_or_multiply_the_document_link(scoping):
    """A customer named like the spot where the bot writes in the upload's link: the note still
    has one link, where the template puts it, and the name is shown as text."""
    from triage.planner.comments import document_placeholder

    spot = document_placeholder("sow-draft/sow-draft.md.j2")
    iid = scoping.issue(
        stage="Estimate_Feedback",
        tasks=TASKS[:2],
        data={
            "customer": f"Acme {spot}",
            "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
        },
    )
    scoping.run()
    [note] = scoping.comments(iid, "sow-draft")
    assert note.count("/uploads/") == 1
    assert "Acme &lt;ps-triage-document:sow-draft/sow-draft.md.j2&gt;" in note
