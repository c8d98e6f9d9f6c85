"""The Word SoW: the shipped template (templates/sow.docx) rendered for the research's Corvid deal
and read back with python-docx, as the account team would open it.

Corvid (see test_golden.py): 44 role-days and two System Administration training sessions (a
fixed-price catalog item, 2 x 6,000): list price USD 116,800.00; with 5% off, USD 5,840.00 off
and USD 110,960.00 net. COGS 49,920 and the 57.3% margin must not appear anywhere.
"""

import importlib.util
import io
import re
from datetime import date

import docx
import pytest

from triage.planner.context import document_context
from triage.preview import document_source
from triage.render.document import document_name, render_document
from triage.render.templates import Limits, TemplateProblem

from support import ROOT, snapshot, workspace

WS = workspace()
DAY = date(2026, 11, 27)
CORVID = {
    "customer": "Corvid Aerospace Systems",
    "segment": "Ent_EAST",
    "close_date": "2026-01-23",
    "people": {"sa": "felix", "ae": "imogen"},
    "legal_entity": "Corvid Aerospace Systems, LLC",
    "agreement": {"msa": "CAS-2025-031", "date": "2025-06-02"},
    "billing_terms": "Billed monthly in arrears for the days delivered",
    "discount_pct": 5,
    "line_items": [
        {"activity": "Architecture design", "role": "TA", "days": 6},
        {"activity": "HA primary build", "role": "PSE", "days": 12},
        {"activity": "Geo secondary", "role": "PSE", "days": 10, "notes": "Huntsville site"},
        {"activity": "Air-gapped mirror and scanning", "role": "PSE", "days": 8},
        {"activity": "Project management", "role": "PM", "days": 8},
        {"activity": "training_system_administration", "units": 2},
    ],
}
HEADINGS = [
    "1. Parties and background",
    "2. Objectives",
    "3. Scope and activities",
    "4. Deliverables",
    "5. Timeline and staffing",
    "6. Fees, billing and expenses",
    "7. Contacts",
    "8. Assumptions and customer obligations",
    "9. Out of scope",
    "10. Acceptance",
    "11. Change control",
    "12. Validity",
    "13. Signatures",
]


def render(data, template=None, name="sow.docx", **kwargs):
    issue = snapshot(labels=("Services Calculator", "proposal::SOW_WIP"), data=data, iid=4102)
    source = document_source(WS.policy, issue, "sow.docx", "SOW_WIP")
    body = template if template is not None else (ROOT / "templates" / "sow.docx").read_bytes()
    return render_document(
        name, body, document_context(source, DAY), money=WS.templates.money, **kwargs
    )


def opened(data: bytes):
    return docx.Document(io.BytesIO(data))


def everything(document) -> str:
    """All the text a reader sees: paragraphs, tables, headers and footers."""
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in (*section.header.paragraphs, *section.footer.paragraphs)]
    return "\n".join(parts)


def rows(table):
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_shipped_template_renders_every_section_as_a_word_heading():
    document = opened(render(CORVID))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == HEADINGS
    assert document.paragraphs[0].text == "Statement of Work"
    assert document.paragraphs[0].style.name == "Title"
    assert document.paragraphs[1].text == "Corvid Aerospace Systems, LLC"


def test_the_title_block_names_the_parties_number_version_date_and_fees():
    document = opened(render(CORVID))
    facts = dict(map(tuple, rows(document.tables[0])))
    # The version a customer signs is a number (the first draft's: no earlier SoW note); the
    # estimate revision is a short reference beside it.
    ref = re.fullmatch(r"1 of Nov 27, 2026 \(ref ([0-9a-f]{8})\)", facts["Version"])
    assert ref
    assert facts == {
        "Provider": "GitLab Inc.",
        "Customer": "Corvid Aerospace Systems, LLC",
        "SoW number": "PS-SOW-4102",
        "Version": f"1 of Nov 27, 2026 (ref {ref.group(1)})",
        "Fees": "USD 110,960.00",
        "Fee type": "Fixed price",
    }
    header = document.sections[0].header.paragraphs[0].text
    assert header == "GitLab Inc. · Statement of Work PS-SOW-4102"
    footer = document.sections[0].footer.paragraphs[0].text
    assert footer.startswith("Corvid Aerospace Systems · Version 1 · Confidential · Page ")


def test_the_copy_sent_for_signature_never_says_draft():
    # The approved document is the one the account team sends: no word of it says "draft".
    text = everything(opened(render(CORVID)))
    assert not re.search(r"draft", text, re.IGNORECASE), text


def test_the_document_states_the_timeline_fee_type_and_payment_terms():
    # TA 6, PSE 30, PM 8 in parallel: 6 weeks (30 / 5), not the 9 of 44 days / 5.
    text = everything(opened(render(CORVID)))
    assert "runs over about 6 weeks of delivery from the start date, the roles working" in text
    assert "Fee type: Fixed price." in text
    assert "Payment: Invoices are payable within 30 days of their date." in text
    assert "The fees are an estimate" not in text
    dated = {**CORVID, "start_date": "2026-03-02", "end_date": "2026-05-29"}
    dated |= {"fee_type": "time_and_materials"}
    text = everything(opened(render(dated)))
    assert "Work runs from Mar 2, 2026 to May 29, 2026, about 13 weeks." in text
    assert "Fee type: Time and materials." in text
    assert "The fees are an estimate: the Customer pays for the days delivered." in text


def test_the_line_item_table_has_a_header_row_each_catalog_item_and_the_totals():
    table = rows(opened(render(CORVID)).tables[1])
    assert table[0] == ["#", "Activity", "Role", "Days or units", "Amount"]
    assert [row[0] for row in table[1:-1]] == ["1", "2", "3", "4", "5", "6"]
    titles = [row[1].split("\n")[0] for row in table[1:-1]]
    assert titles == [
        "Reference architecture design",
        "High-availability GitLab build",
        "Geo secondary site",
        "Air-gapped container mirror and scanning",
        "Project management",
        "System Administration training",
    ]
    assert "Notes: Huntsville site" in table[3][1]
    assert [row[2:] for row in table[1:-1]] == [
        ["TA", "6", "USD 16,800.00"],
        ["PSE", "12", "USD 28,800.00"],
        ["PSE", "10", "USD 24,000.00"],
        ["PSE", "8", "USD 19,200.00"],
        ["PM", "8", "USD 16,000.00"],
        ["PSE", "2 sessions", "USD 12,000.00"],
    ]
    assert table[-1] == ["", "Total", "", "44 days", "USD 116,800.00"]


def test_the_fees_show_list_price_discount_and_net_with_their_currency():
    document = opened(render(CORVID))
    assert rows(document.tables[3]) == [
        ["List price", "USD 116,800.00"],
        ["Discount (5%)", "- USD 5,840.00"],
        ["Fees", "USD 110,960.00"],
    ]
    text = everything(document)
    assert (
        "Included in the fees at a fixed price: System Administration training, 2 sessions at "
        "USD 6,000.00 per session, USD 12,000.00 before the discount." in text
    )
    assert "Billing: Billed monthly in arrears for the days delivered." in text
    assert "All amounts are in USD, exclusive of taxes." in text
    # No discount: no discount row.
    plain = opened(render({**CORVID, "discount_pct": 0}))
    assert rows(plain.tables[3]) == [["List price", "USD 116,800.00"], ["Fees", "USD 116,800.00"]]


def test_the_terms_come_from_the_policy_and_the_data_block():
    text = everything(opened(render(CORVID)))
    assert (
        'between GitLab Inc. ("GitLab") and Corvid Aerospace Systems, LLC ("Customer") under the '
        "Master Services Agreement CAS-2025-031 dated Jun 2, 2025." in text
    )
    assert "within 5 business days of completion, it is deemed accepted" in text
    assert "This offer is valid for 30 days from Nov 27, 2026" in text
    assert "Engagement Manager: Dana Okafor" not in text  # the snapshot has no profile names
    assert "Engagement Manager: to be confirmed" in text
    assert "Anything not listed in section 3" in text


def test_the_signature_table_has_both_parties():
    table = rows(opened(render(CORVID)).tables[4])
    assert table[0] == ["", "GitLab Inc.", "Corvid Aerospace Systems, LLC"]
    assert [row[0] for row in table[1:]] == ["Name", "Title", "Signature", "Date"]


def test_no_cost_cogs_or_margin_reaches_the_document():
    issue = snapshot(labels=("Services Calculator", "proposal::SOW_WIP"), data=CORVID)
    source = document_source(WS.policy, issue, "sow.docx", "SOW_WIP")
    priced = source["estimate"]
    assert priced["cogs"] == "49920"  # the context the comment sees has them...
    context = document_context(source, DAY)
    flat = repr(context)
    for key in ("cogs", "margin", "cost", "username", "below_floor"):
        assert key not in flat  # ...the document's has none of them
    text = everything(opened(render(CORVID)))
    assert not re.search(r"COGS|margin|49,920|57\.3|cost rate|felix|imogen|dana", text, re.I)


def test_the_template_is_what_the_script_builds():
    path = ROOT / "scripts" / "build_sow_template.py"
    spec = importlib.util.spec_from_file_location("build_sow_template", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == (ROOT / "templates" / "sow.docx").read_bytes(), (
        "run `python scripts/build_sow_template.py` and commit templates/sow.docx"
    )


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        ("Bramblewood Financial", "Bramblewood-Financial-SoW-2026-11-27.docx"),
        ("Zürich Versicherung AG", "Zürich-Versicherung-AG-SoW-2026-11-27.docx"),
        ("Zu\u0308rich", "Zürich-SoW-2026-11-27.docx"),  # NFC: one ü
        # Issue 33.8: a name in another script is kept (it was `Customer-SoW-...` for every deal).
        ("서울 로보틱스", "서울-로보틱스-SoW-2026-11-27.docx"),
        ("日本 株式会社", "日本-株式会社-SoW-2026-11-27.docx"),
        ("a\u202egpj.exe_b", "a-gpj-exe-b-SoW-2026-11-27.docx"),  # no bidi override, no _
        ("../../etc/passwd", "etc-passwd-SoW-2026-11-27.docx"),
        ("Acme, Inc. <script>", "Acme-Inc-script-SoW-2026-11-27.docx"),
        ("--- !!", "Customer-SoW-2026-11-27.docx"),
        ("", "Customer-SoW-2026-11-27.docx"),
        ("A" * 300, "A" * 60 + "-SoW-2026-11-27.docx"),
    ],
)
def test_the_file_name_is_the_customer_sow_and_date_in_safe_characters(customer, expected):
    assert document_name(customer, DAY) == expected


def word_template(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("paragraph", "message"),
    [
        (
            "Dear {{ customer.nmae }}",
            "t.docx: 'str object' has no attribute 'nmae' (in the paragraph 'Dear {{ customer.nmae }}')",
        ),
        ("{% if customer %}never closed", "t.docx: Unexpected end of template."),
        (
            "{{ estimate.__class__.__mro__ }}",
            "t.docx: access to attribute '__class__' of 'dict' object is unsafe.",
        ),
        (
            "{% for i in range(100000) %}x{% endfor %}",
            "t.docx: range() of 100,000 numbers; at most 10,000",
        ),
    ],
)
def test_a_broken_template_names_itself_and_the_paragraph(paragraph, message):
    with pytest.raises(TemplateProblem) as caught:
        render(CORVID, word_template(paragraph), name="t.docx")
    assert str(caught.value).startswith(message)


def test_a_render_that_would_never_end_is_cut_short():
    loop = "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}"
    with pytest.raises(TemplateProblem, match=r"t\.docx: rendering took more than 0\.2 s"):
        render(CORVID, word_template(loop), name="t.docx", limits=Limits(seconds=0.2))


def test_a_file_that_is_not_a_word_document_is_named():
    with pytest.raises(TemplateProblem, match=r"^t\.docx: not a Word document \(\.docx\)"):
        render(CORVID, b"{{ customer }}", name="t.docx")


def test_every_document_variable_is_documented():
    from triage.reference import DOCUMENT_VARIABLES

    issue = snapshot(labels=("Services Calculator", "proposal::SOW_WIP"), data=CORVID)
    context = document_context(document_source(WS.policy, issue, "sow.docx"), DAY)
    assert set(context) == set(DOCUMENT_VARIABLES)


def test_staffing_lists_role_days_then_packaged_services():
    assert rows(opened(render(CORVID)).tables[2]) == [
        ["Role", "Days or units"],
        ["TA", "6"],
        ["PSE", "30"],
        ["PM", "8"],
        ["PSE: System Administration training", "2 sessions"],
    ]


def test_deliverables_end_with_the_closing_report_after_unknown_activities():
    data = {
        **CORVID,
        "line_items": [*CORVID["line_items"], {"activity": "Custom", "role": "PSE", "days": 1}],
    }
    document = opened(render(data))
    start = next(i for i, p in enumerate(document.paragraphs) if p.text == "4. Deliverables")
    items = []
    for paragraph in document.paragraphs[start + 1 :]:
        if paragraph.style.name != "List Bullet":
            break
        items.append(paragraph.text)
    assert items[-2:] == [
        "Custom: [describe what this activity delivers]",
        "A closing report with outcomes, open risks and recommendations",
    ]
    assert "The course delivered, with its material for each attendee" in items
