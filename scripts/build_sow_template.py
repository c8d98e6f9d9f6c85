"""Build `templates/sow.docx`, the Word template of the Statement of Work, from code.

    python scripts/build_sow_template.py [OUT]      (default: templates/sow.docx)

The team owns the result: open it in Word or LibreOffice and edit it freely (keep the `{{ }}` and
`{% %}` tags). This script shows how it was made and makes it again, byte for byte (fixed dates
in the file), so a change to it is a reviewable diff here rather than a binary blob.

Tags (docxtpl, rendered in the bot's sandbox with every value XML-escaped): `{{ value }}` in a
paragraph, `{%p ... %}` alone in a paragraph repeats or drops paragraphs, `{%tr ... %}` alone in
a table row repeats or drops rows. The template sees what the Markdown SoW draft sees
(`customer`, `deal`, `estimate`, `sow`) less anything internal: no cost, COGS or margin, no
usernames; and `date`, the revision date. Filters: `money`, `num`, `plural`, `day` (a date as
the policy's locale writes it).
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

INK = RGBColor(0x1F, 0x1E, 0x24)
ACCENT = RGBColor(0x54, 0x3A, 0x9E)  # headings and rules
MUTED = RGBColor(0x5E, 0x5D, 0x66)
HEADER_FILL = "EDE9F7"  # the line-item table's header row
FIXED = datetime(2026, 11, 27, 0, 0, 0)  # every date in the file: the build is reproducible


def build() -> bytes:
    doc = Document()
    _styles(doc)
    _page(doc)
    _title_block(doc)
    _parties(doc)
    _objectives(doc)
    _scope(doc)
    _deliverables(doc)
    _timeline(doc)
    _fees(doc)
    _contacts(doc)
    _terms(doc)
    _signatures(doc)
    props = doc.core_properties
    props.author = "ps-triage"
    props.last_modified_by = "ps-triage"
    props.title = "Statement of Work"
    props.subject = "Professional services"
    props.comments = "Made by scripts/build_sow_template.py; rendered by ps-triage (docxtpl)."
    props.created = props.modified = FIXED
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return _reproducible(out.getvalue())


# Styles and page ---------------------------------------------------------------------------


def _styles(doc: Document) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.font.color.rgb = INK
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    for name, size, before in (("Heading 1", 13, 16), ("Heading 2", 11, 10)):
        style = styles[name]
        style.font.name = "Calibri"
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = ACCENT
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
    title = styles["Title"]
    title.font.name = "Calibri"
    title.font.size = Pt(26)
    title.font.color.rgb = ACCENT
    subtitle = styles["Subtitle"]
    subtitle.font.name = "Calibri"
    subtitle.font.size = Pt(15)
    subtitle.font.italic = False
    subtitle.font.color.rgb = INK
    for name in ("List Bullet", "List Number"):
        styles[name].font.name = "Calibri"
        styles[name].font.size = Pt(10.5)
        styles[name].paragraph_format.space_after = Pt(3)


def _page(doc: Document) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.left_margin = section.right_margin = Cm(2.3)
    section.top_margin = Cm(2.2)
    section.bottom_margin = Cm(2.0)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(header, "{{ sow.provider }} · Statement of Work {{ deal.sow_number }}", 8.5)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "{{ customer }} · Version {{ estimate.version }} · Confidential · Page ", 8.5)
    _field(footer, "PAGE")
    _run(footer, " of ", 8.5)
    _field(footer, "NUMPAGES")


def _run(
    paragraph: Paragraph,
    text: str,
    size: float | None = None,
    *,
    bold: bool = False,
    colour: RGBColor | None = MUTED,
) -> None:
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A field Word fills in (the page number)."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "17")
    props.append(size)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _heading(doc: Document, text: str) -> None:
    doc.add_heading(text, level=1)


def _para(doc: Document, text: str, style: str | None = None) -> Paragraph:
    return doc.add_paragraph(text, style=style)


def _tag(doc: Document, tag: str) -> None:
    """A docxtpl paragraph tag (`{%p ... %}`): the paragraph itself is dropped when rendered."""
    doc.add_paragraph(tag)


def _bullets(doc: Document, items: str, item: str = "item", text: str = "{{ item }}") -> None:
    _tag(doc, f"{{%p for {item} in {items} %}}")
    _para(doc, text, "List Bullet")
    _tag(doc, "{%p endfor %}")


# Tables --------------------------------------------------------------------------------------


def _shade(cell: _Cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _keep_together(row: _Row) -> None:
    """A row never split across two pages."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _repeat_header(table: Table) -> None:
    row = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row.append(header)


def _cell(
    cell: _Cell, text: str, *, bold: bool = False, right: bool = False, size: float | None = None
) -> Paragraph:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(2)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(paragraph, text, size, bold=bold, colour=None)
    return paragraph


def _widths(table: Table, widths: list[float]) -> None:
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice follows
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def _row(
    table: Table,
    texts: list[str],
    *,
    bold: bool = False,
    right: tuple[int, ...] = (),
    fill: str | None = None,
) -> None:
    cells = table.add_row().cells
    for index, (cell, text) in enumerate(zip(cells, texts, strict=True)):
        _cell(cell, text, bold=bold, right=index in right)
        if fill:
            _shade(cell, fill)


# Sections ------------------------------------------------------------------------------------


def _title_block(doc: Document) -> None:
    doc.add_paragraph("Statement of Work", style="Title")
    doc.add_paragraph("{{ deal.legal_entity or customer }}", style="Subtitle")
    facts = doc.add_table(rows=0, cols=2)
    for name, value in (
        ("Provider", "{{ sow.provider }}"),
        ("Customer", "{{ deal.legal_entity or customer }}"),
        ("SoW number", "{{ deal.sow_number }}"),
        ("Version", "{{ estimate.version }} of {{ date | day }} (ref {{ estimate.revision[:8] }})"),
        ("Fees", "{{ estimate.net_price | money }}"),
        ("Fee type", "{{ deal.fee_type }}"),
    ):
        cells = facts.add_row().cells
        _cell(cells[0], name, bold=True)
        _cell(cells[1], value)
    _widths(facts, [4.0, 12.4])
    rule = doc.add_paragraph()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "8"), ("space", "1"), ("color", "543A9E")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    rule._p.get_or_add_pPr().append(borders)


def _parties(doc: Document) -> None:
    _heading(doc, "1. Parties and background")
    _para(
        doc,
        "This Statement of Work is entered into between {{ sow.provider }} "
        '("{{ sow.provider_short }}") and '
        '{{ deal.legal_entity or customer }} ("Customer") under {% if deal.msa %}the Master '
        "Services Agreement {{ deal.msa.name }} dated {{ deal.msa.date | day }}{% else %}"
        "{{ sow.governing_terms }}{% endif %}. It describes the professional services "
        "{{ sow.provider_short }} provides to the Customer.",
    )


def _objectives(doc: Document) -> None:
    _heading(doc, "2. Objectives")
    _tag(doc, "{%p if estimate.scope.objectives %}")
    _para(
        doc,
        "This engagement helps {{ customer }} reach these outcomes, within "
        '{{ estimate.total_days | plural("consulting day") }}{% if estimate.lines | '
        'selectattr("units") | list %} and the packaged services listed{% endif %}:',
    )
    _bullets(doc, "estimate.scope.objectives", "objective", "{{ objective }}")
    _tag(doc, "{%p else %}")
    _para(
        doc,
        "Deliver the activities below so that {{ customer }} reaches the outcomes agreed during "
        'scoping, within {{ estimate.total_days | plural("consulting day") }}.',
    )
    _tag(doc, "{%p endif %}")


def _scope(doc: Document) -> None:
    _heading(doc, "3. Scope and activities")
    _para(
        doc,
        "{{ sow.provider_short }} performs the following activities. Fees are shown at list price.",
    )
    table = doc.add_table(rows=1, cols=5)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text, right in zip(
        table.rows[0].cells,
        ["#", "Activity", "Role", "Days or units", "Amount"],
        [False, False, False, True, True],
        strict=True,
    ):
        _cell(cell, text, bold=True, right=right)
        _shade(cell, HEADER_FILL)
    _repeat_header(table)
    _row(table, ["{%tr for line in estimate.lines %}", "", "", "", ""])
    row = table.add_row()
    _keep_together(row)
    cells = row.cells
    _cell(cells[0], "{{ loop.index }}")
    _cell(cells[1], "{{ line.title }}", bold=True)
    description = cells[1].add_paragraph()
    description.paragraph_format.space_after = Pt(2)
    _run(
        description,
        "{% if line.in_catalog %}{{ line.description }}{% else %}[Describe this activity: it is "
        "not in the service catalog.]{% endif %}",
        9,
    )
    cells[1].add_paragraph("{%p if line.notes %}")
    _run(cells[1].add_paragraph(), "Notes: {{ line.notes }}", 9)
    cells[1].add_paragraph("{%p endif %}")
    _cell(cells[2], "{{ line.role }}")
    _cell(
        cells[3],
        "{% if line.units %}{{ line.units | plural(line.unit) }}{% else %}"
        "{{ line.days | num }}{% endif %}",
        right=True,
    )
    _cell(cells[4], "{{ line.amount | money }}", right=True)
    _row(table, ["{%tr endfor %}", "", "", "", ""])
    _row(
        table,
        [
            "",
            "Total",
            "",
            "{{ estimate.total_days | num }} days",
            "{{ estimate.list_price | money }}",
        ],
        bold=True,
        right=(3, 4),
        fill="F6F5F9",
    )
    _widths(table, [0.9, 8.2, 2.4, 2.4, 3.1])


def _deliverables(doc: Document) -> None:
    _heading(doc, "4. Deliverables")
    _bullets(doc, "estimate.scope.deliverables[:-1]", "deliverable", "{{ deliverable }}")
    _bullets(
        doc,
        "estimate.scope.unknown",
        "item",
        "{{ item.activity }}: [describe what this activity delivers]",
    )
    _para(doc, "{{ estimate.scope.deliverables[-1] }}", "List Bullet")  # the closing report


def _timeline(doc: Document) -> None:
    _heading(doc, "5. Timeline and staffing")
    _para(
        doc,
        "{% if deal.timeline.start %}Work runs from {{ deal.timeline.start | day }} to "
        '{{ deal.timeline.end | day }}, about {{ deal.timeline.weeks | plural("week") }}.'
        "{% else %}Work starts at a date agreed with the Customer, typically about four weeks "
        "after signature{% if deal.timeline.weeks %}, and runs over about "
        '{{ deal.timeline.weeks | plural("week") }} of delivery from the start date, the roles '
        "working in parallel{% endif %}.{% endif %}",
    )
    table = doc.add_table(rows=1, cols=2)
    table.style = doc.styles["Table Grid"]
    headers = ["Role", "Days or units"]
    for cell, text, right in zip(table.rows[0].cells, headers, [False, True], strict=True):
        _cell(cell, text, bold=True, right=right)
        _shade(cell, HEADER_FILL)
    _repeat_header(table)
    _row(table, ['{%tr for staff in estimate.roles if staff.days != "0" %}', ""])
    _row(table, ["{{ staff.role }}", "{{ staff.days | num }}"], right=(1,))
    _row(table, ["{%tr endfor %}", ""])
    _row(table, ["{%tr for line in estimate.lines if line.units %}", ""])  # packaged services
    _row(
        table,
        ["{{ line.role }}: {{ line.title }}", "{{ line.units | plural(line.unit) }}"],
        right=(1,),
    )
    _row(table, ["{%tr endfor %}", ""])
    _widths(table, [9.0, 3.0])


def _fees(doc: Document) -> None:
    _heading(doc, "6. Fees, billing and expenses")
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    _row(table, ["List price", "{{ estimate.list_price | money }}"], right=(1,))
    _row(table, ['{%tr if estimate.discount != "0" %}', ""])
    _row(
        table,
        ["Discount ({{ estimate.discount_pct | num }}%)", "- {{ estimate.discount | money }}"],
        right=(1,),
    )
    _row(table, ["{%tr endif %}", ""])
    _row(
        table, ["Fees", "{{ estimate.net_price | money }}"], bold=True, right=(1,), fill=HEADER_FILL
    )
    _widths(table, [8.0, 5.0])
    _para(doc, "")
    _bullets(
        doc,
        "estimate.lines if line.units",
        "line",
        "Included in the fees at a fixed price: {{ line.title }}, "
        "{{ line.units | plural(line.unit) }} at {{ line.rate | money }} per {{ line.unit }}, "
        '{{ line.amount | money }}{% if estimate.discount != "0" %} before the discount{% endif %}.',
    )
    _para(doc, "Fee type: {{ deal.fee_type }}.", "List Bullet")
    _tag(doc, '{%p if deal.fee_type_id == "time_and_materials" %}')
    _para(
        doc,
        "The fees are an estimate: the Customer pays for the days delivered.",
        "List Bullet",
    )
    _tag(doc, "{%p endif %}")
    _para(doc, "Billing: {{ deal.billing }}.", "List Bullet")
    _para(doc, "Payment: {{ deal.payment_terms }}.", "List Bullet")
    _bullets(doc, "deal.clauses", "clause", "{{ clause }}")
    _para(doc, "All amounts are in {{ estimate.currency }}, exclusive of taxes.", "List Bullet")
    _para(
        doc,
        "Travel and expenses, where on-site work is agreed, are billed separately at cost.",
        "List Bullet",
    )


def _contacts(doc: Document) -> None:
    _heading(doc, "7. Contacts")
    _bullets(
        doc,
        "deal.contacts",
        "person",
        '{{ person.role }}: {{ person.name or "to be confirmed" }}',
    )


def _terms(doc: Document) -> None:
    _heading(doc, "8. Assumptions and customer obligations")
    _tag(doc, "{%p if estimate.scope.prerequisites %}")
    _para(doc, "Before the activities start, the Customer provides:")
    _bullets(doc, "estimate.scope.prerequisites")
    _tag(doc, "{%p endif %}")
    _para(doc, "The fees and timeline rest on these assumptions:")
    _bullets(doc, "estimate.scope.assumptions")
    for text in (
        "The Customer provides timely access to systems, accounts and people needed for each "
        "activity",
        "Work is delivered remotely during business hours unless stated otherwise",
        "Activities run in sequence; delays caused by missing prerequisites may need a change "
        "order",
    ):
        _para(doc, text, "List Bullet")

    _heading(doc, "9. Out of scope")
    _bullets(doc, "estimate.scope.out_of_scope")
    _para(doc, "Anything not listed in section 3", "List Bullet")
    _para(
        doc,
        "Production support after the engagement; ongoing operation of the Customer's systems",
        "List Bullet",
    )

    _heading(doc, "10. Acceptance")
    _para(
        doc,
        "Each activity is accepted when completed. Unless the Customer raises a written "
        'objection within {{ sow.passive_acceptance_days | plural("business day") }} of '
        "completion, it is deemed accepted.",
    )
    _heading(doc, "11. Change control")
    _para(
        doc,
        "Changes to scope, timeline or fees are agreed in a written change order signed by both "
        "parties before the changed work starts.",
    )
    _heading(doc, "12. Validity")
    _para(
        doc,
        'This offer is valid for {{ sow.validity_days | plural("day") }} from {{ date | day }}, the '
        "date of this version.",
    )


def _signatures(doc: Document) -> None:
    _heading(doc, "13. Signatures")
    intro = _para(
        doc,
        "Signed by the authorised representatives of the parties. Each party keeps a copy.",
    )
    intro.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=3)
    table.style = doc.styles["Table Grid"]
    for cell, text in zip(
        table.rows[0].cells,
        ["", "{{ sow.provider }}", "{{ deal.legal_entity or customer }}"],
        strict=True,
    ):
        _cell(cell, text, bold=True)
        _shade(cell, HEADER_FILL)
    for name, height in (("Name", 0.9), ("Title", 0.9), ("Signature", 1.8), ("Date", 0.9)):
        row = table.add_row()
        row.height = Cm(height)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        _keep_together(row)
        _cell(row.cells[0], name, bold=True)
    # The block on one page: each row's paragraphs kept with the next row (Word's way).
    for row in table.rows[:-1]:
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
    _widths(table, [3.0, 6.7, 6.7])


# Reproducible bytes ----------------------------------------------------------------------------


def _reproducible(data: bytes) -> bytes:
    """The same bytes on every build: the zip's entries dated FIXED, in a fixed order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            info = zipfile.ZipInfo(name, date_time=FIXED.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()


def main(argv: list[str]) -> int:
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root = Path(__file__).resolve().parent.parent
    out = Path(argv[1]) if len(argv) > 1 else root / "templates" / "sow.docx"
    out.write_bytes(build())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
