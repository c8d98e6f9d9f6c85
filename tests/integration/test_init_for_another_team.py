"""A PS team that is not ours adopts ps-triage on the first try: `triage init`, then its own rate
card (euros, its own roles, German number format), its time zone and its public holidays, with no
code change: `validate` passes, the generated policy tests pass, and a whole lifecycle on the
emulator shows every amount in euros."""

import io
import re
import subprocess
import sys

import docx
import yaml
from click.testing import CliRunner

from triage.cli import main
from triage.testing import scoping_gitlab

TASKS = (
    "Discovery call held",
    "Customer agreed price and scope",
    "SoW reviewed by account team and customer",
)
# An amount as de_DE writes it (4.500,00), and as en_US does (4,500.00): every one must carry €.
GERMAN_AMOUNT = re.compile(r"\d{1,3}(?:\.\d{3})*,\d{2}")
ENGLISH_AMOUNT = re.compile(r"\b\d{1,3}(?:,\d{3})+\.\d{2}\b|\b[1-9]\d{2}\.\d{2}\b")


def edit(path, *replacements):
    text = path.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)


def adopt(target):
    """What the team edits: the rate card, its service catalog's roles (the catalog names roles of
    the rate card), the calendar, and its issue template's example role."""
    catalog = target / "policies/catalog.yml"
    text = catalog.read_text()
    for old, new in (("PSE", "Consultant"), ("TA", "Architect"), ("PM", "Consultant")):
        assert f"    role: {old}\n" in text, old
        text = text.replace(f"    role: {old}\n", f"    role: {new}\n")
    catalog.write_text(text)
    policy = target / "policies/ps-scoping.yml"
    text = policy.read_text()
    start, end = text.index("\nrates:\n"), text.index("\nsow:\n")
    rates = (
        "\nrates:\n  currency: EUR\n  locale: de_DE\n  currency_display: symbol\n"
        "  margin_floor_pct: 30\n  roles:\n"
        "    Consultant: {price: 1500, cost: 700}\n    Architect: {price: 1900, cost: 900}\n"
    )
    policy.write_text(text[:start] + rates + text[end:])
    # their own time zone and country in place of the shipped team's (UTC, US)
    lines = [
        t
        for t in policy.read_text().splitlines()
        if not t.startswith(("  time_zone:", "  country:"))
    ]
    policy.write_text("\n".join(lines) + "\n")
    edit(
        policy,
        (
            "\ncalendar:\n",
            "\ncalendar:\n  time_zone: Europe/Berlin\n  country: DE\n  subdivision: BY\n",
        ),
    )


def validate(target):
    return subprocess.run(
        [sys.executable, "-c", "from triage.cli import entry; entry()", "validate"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=120,
    )


def tick(scoping, iid, task):
    issue = scoping.as_person("dana").issues.get(iid)
    issue.description = issue.description.replace(f"- [ ] {task}", f"- [x] {task}")
    issue.save()


def bot_texts(scoping):
    """Every note the bot wrote and every issue it opened (forecast, delivery), in every project."""
    store = scoping.emulator.store
    bot = store.user_by_username("ps-bot")
    texts = []
    for project in store.projects.values():
        for issue in project.issues.values():
            if issue.author_id == bot.id:
                texts.append(issue.description)
            texts += [n.body for n in issue.notes if n.author_id == bot.id and not n.system]
    return texts


def test_a_euro_team_with_its_own_roles_and_holidays_adopts_it_without_code(tmp_path):
    target = tmp_path / "ops"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    adopt(target)

    # The issue template still names a role of the old rate card: validate says where and how.
    refused = validate(target)
    assert refused.returncode == 1
    assert "Scoping.md:" in refused.stderr and "'PSE' is not in the rate card" in refused.stderr
    assert "use a role of `rates.roles` (Architect, Consultant)" in refused.stderr
    edit(target / ".gitlab/issue_templates/Scoping.md", ("role: PSE", "role: Consultant"))
    passed = validate(target)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "1 issue template with a scoping data block" in passed.stdout

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0 and "1 passed" in tests.stdout, tests.stdout + tests.stderr

    with scoping_gitlab(target / "policies", target / "templates") as scoping:
        block = {
            "customer": "Auwald Energie",
            "segment": "Ent_EMEA",
            "close_date": "2026-01-29",
            "opportunity": "006XX0000EURO01",
            "people": {"sa": "felix", "ae": "imogen"},
            "confidence": {"value": "Green", "rationale": "Bestellung liegt vor"},
            "line_items": [
                {"activity": "Workshops", "role": "Consultant", "days": 20},
                {"activity": "Architektur", "role": "Architect", "days": 10},
            ],
            "discount_pct": 10,
        }
        deal = scoping.issue(data=block, assignee=None)
        big = scoping.issue(  # over the Technical Architect threshold: 40 x 1,500 = 60,000
            title="Brenner Logistik - Scope Issue and Write SOW",
            stage="Strawman_WIP",
            tasks=TASKS[:1],
            data={
                **block,
                "customer": "Brenner Logistik",
                "line_items": [{"activity": "Migration", "role": "Consultant", "days": 40}],
                "discount_pct": 0,
            },
        )
        scoping.run()
        assert scoping.stage(deal) == "Awaiting_Discovery"
        assert "TA::Needs-Review" in scoping.labels(big)
        tick(scoping, deal, TASKS[0])
        scoping.run(days=1 / 24)
        assert scoping.stage(deal) == "Estimate_Feedback"
        tick(scoping, deal, TASKS[1])
        scoping.run(days=1 / 24)
        assert scoping.stage(deal) == "SOW_WIP"
        tick(scoping, deal, TASKS[2])
        scoping.run(days=1 / 24)
        assert scoping.stage(deal) == "Ready For Approval"
        director = scoping.member_of("ps/ps-directors")
        scoping.as_person(director).issues.update(deal, {"add_labels": "proposal::Approved"})
        scoping.run(days=1 / 24)
        desk = scoping.member_of("ps/deal-desk")
        scoping.as_person(desk).issues.update(deal, {"add_labels": "proposal::Closed_Won"})
        scoping.run(days=1 / 24)
        assert scoping.state(deal) == "closed"

        rules = {
            c.split(" ", 2)[1].split("/")[0].removeprefix("ps-triage:")
            for c in scoping.comments(deal) + scoping.comments(big)
        }
        for rule in (
            "estimate-summary",
            "sow-draft",
            "cost-estimate",
            "approval-request",
            "signature-request",
            "closed-won-wrap-up",
            "ta-review",
        ):
            assert rule in rules, rule
        texts = bot_texts(scoping)
        amounts = [a for text in texts for a in GERMAN_AMOUNT.findall(text)]
        # 30,000 + 19,000 = 49,000 list, 10% off: 44.100,00 € net; COGS 14,000 + 9,000
        assert "44.100,00\xa0€" in "\n".join(texts) and "23.000,00\xa0€" in "\n".join(texts)
        assert len(amounts) > 20
        for text in texts:
            for found in GERMAN_AMOUNT.finditer(text):
                assert text[found.end() : found.end() + 2] == "\xa0€", text[found.start() - 40 :][
                    :80
                ]
            assert "USD" not in text and "$" not in text, text
            assert not ENGLISH_AMOUNT.search(text), ENGLISH_AMOUNT.search(text)


# The team's own service catalog: its offerings, one a course priced per seat.
TEAM_CATALOG = """\
catalog:
  - id: nlc_devops_assessment
    title: DevOps maturity assessment
    aliases: [DevOps assessment]
    description: Interviews and workshops on how the Customer's teams plan, build and release.
    objective: a prioritised DevOps roadmap the Customer's leadership agrees with
    deliverables: ["An assessment report with a prioritised roadmap"]
    prerequisites: ["Access to the team leads and their delivery metrics"]
    out_of_scope: ["Implementing the roadmap"]
    role: Consultant
    days: 5
  - id: nlc_platform_architecture
    title: Platform architecture
    description: A target architecture for the Customer's GitLab platform, sized with its operators.
    objective: an architecture the Customer's operations team can build and run
    deliverables: ["An architecture document with sizing and topology"]
    role: Architect
    days: 4
  - id: nlc_ci_course
    title: GitLab CI/CD foundation course
    description: A two-day hands-on course on GitLab CI/CD, remote, priced per participant.
    deliverables: ["Course material and a certificate of attendance for every participant"]
    role: Consultant
    pricing: fixed
    fixed: {unit: seat, price: 890, cost: 310}
"""
TEAM_SOW = """
sow:
  provider: Nordlicht Consulting GmbH
  provider_short: Nordlicht
  closing_deliverable: A closing workshop with the results and the next steps
  governing_terms: the Nordlicht General Terms for Services
  billing: Invoiced on signature, payable within 30 days
  billing_terms: [Invoiced on signature, payable within 30 days]
  number_prefix: NLC-LB
  passive_acceptance_days: 10
  validity_days: 60
"""
TEAM_DEAL = """\
customer: Auwald Energie
legal_entity: Auwald Energie GmbH
segment: Ent_EMEA
close_date: 2026-01-29
agreement: standard
line_items:
  - {activity: DevOps assessment, days: 5}
  - {activity: nlc_platform_architecture, days: 2.5}
  - {activity: nlc_ci_course, units: 12}
discount_pct: 10
"""


def adopt_catalog_and_sow(target):
    """The team's own offerings and its own SoW terms: who provides the services and signs."""
    (target / "policies/catalog.yml").write_text(TEAM_CATALOG)
    policy = target / "policies/ps-scoping.yml"
    text = policy.read_text()
    start, end = text.index("\nsow:\n"), text.index("\ncontacts:\n")
    policy.write_text(text[:start] + TEAM_SOW + text[end:])


def document_text(data):
    """Every paragraph of a .docx, its tables' cells, header and footer, as python-docx reads it."""
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def assert_the_teams_document(text):
    # 5 x 1,500 + 2.5 x 1,900 + 12 x 890 = 7,500 + 4,750 + 10,680 = 22,930 list; 10% off 20,637
    for amount in ("7.500,00\xa0€", "4.750,00\xa0€", "10.680,00\xa0€", "22.930,00\xa0€"):
        assert amount in text, amount
    assert "20.637,00\xa0€" in text and "- 2.293,00\xa0€" in text
    assert "12 seats at 890,00\xa0€ per seat" in text
    assert "2,5" in text and "7,5 days" in text  # days written as the locale writes numbers
    assert not re.search(r"(?<![.\d])\d+\.\d{1,2}\b(?![,.\d])", text)  # no 2.5 beside 4.750,00 €
    assert "Nordlicht Consulting GmbH" in text and "Nordlicht General Terms for Services" in text
    assert 'Nordlicht Consulting GmbH ("Nordlicht") and Auwald Energie GmbH' in text
    assert "Nordlicht performs the following activities" in text
    assert "DevOps maturity assessment" in text and "GitLab CI/CD foundation course" in text
    assert "NLC-LB-" in text and "within 10 business days" in text
    # Dates as de_DE writes them (the version's date, the offer's validity), not 2026-11-27.
    assert re.search(r"valid for 60 days from \d{2}\.\d{2}\.\d{4}, the date", text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert "GitLab Inc." not in text and "GitLab Professional Services" not in text
    assert "A closing workshop with the results and the next steps" in text  # the team's words
    assert "A closing report with outcomes" not in text
    assert "USD" not in text and "$" not in text, text
    assert not ENGLISH_AMOUNT.search(text), ENGLISH_AMOUNT.search(text)


def test_a_euro_team_gets_its_own_word_sow_and_catalog(tmp_path, monkeypatch):
    """The other team's Word SoW (rendered locally and uploaded by the bot) and its catalog show
    its euro amounts and numbers as de_DE writes them, its roles and offerings (a course priced
    per seat), and its own name as the provider, never ours."""
    target = tmp_path / "ops"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    adopt(target)
    adopt_catalog_and_sow(target)
    monkeypatch.chdir(target)
    # The issue template's example still names our role and an offering of our catalog: every
    # issue made from it would get the data-block note, so validate says where and how.
    refused = CliRunner().invoke(main, ["validate"])
    assert refused.exit_code == 1
    assert (
        "Scoping.md:28: line_items[0].activity 'Discovery and wave planning' is not in the service"
        " catalog" in refused.output
    )
    assert "fix: name an offering of `catalog` by its id or an alias" in refused.output
    edit(
        target / ".gitlab/issue_templates/Scoping.md",
        ("activity: Discovery and wave planning, role: PSE", "activity: DevOps assessment"),
    )
    passed = CliRunner().invoke(main, ["validate"])
    assert passed.exit_code == 0, passed.output

    # The README's `triage demo`, run in the team's folder: its policies, the shipped samples.
    demo = CliRunner().invoke(main, ["demo"])
    assert demo.exit_code == 0, demo.output  # was a traceback (exit 3): no estimate summary
    assert "the sample issues are written for the shipped policy" in demo.output
    assert "rate card lacks (PM, PSE, TA)" in demo.output
    assert "The last run made 0 writes" in demo.output

    listed = CliRunner().invoke(main, ["catalog"])
    assert listed.exit_code == 0, listed.output
    assert "890,00\xa0€ per seat" in listed.output
    assert "1.500,00\xa0€ per Consultant day" in listed.output
    assert "USD" not in listed.output and "PSE" not in listed.output

    (target / "deal.yml").write_text(TEAM_DEAL)
    rendered = CliRunner().invoke(main, ["render", "sow", "--data", "deal.yml", "--docx", "out"])
    assert rendered.exit_code == 0, rendered.output
    [written] = (target / "out").iterdir()  # a folder that did not exist yet: created
    assert re.fullmatch(r"Auwald-Energie-SoW-\d{4}-\d{2}-\d{2}\.docx", written.name)
    assert_the_teams_document(document_text(written.read_bytes()))

    # The Markdown preview names the team too.
    draft = CliRunner().invoke(main, ["render", "sow-draft.md.j2", "--data", "deal.yml"])
    assert draft.exit_code == 0, draft.output
    assert 'Nordlicht Consulting GmbH ("Nordlicht")' in draft.output
    assert "| | Nordlicht Consulting GmbH | Auwald Energie GmbH |" in draft.output
    assert "GitLab Inc." not in draft.output and "USD" not in draft.output
    # A unit whose plural is not the unit and an s, in the team's language.
    catalog = target / "policies/catalog.yml"
    edit(catalog, ("{unit: seat, price", "{unit: Platz, plural: Plätze, price"))
    german = CliRunner().invoke(main, ["render", "sow-draft.md.j2", "--data", "deal.yml"])
    assert german.exit_code == 0, german.output
    assert "12 Plätze at 890,00\xa0€ per Platz" in german.output and "Platzs" not in german.output
    edit(catalog, ("{unit: Platz, plural: Plätze, price", "{unit: seat, price"))

    # On GitLab: entering SOW_WIP uploads the team's document, linked from the SoW note.
    with scoping_gitlab(target / "policies", target / "templates") as scoping:
        deal = scoping.issue(
            stage="Estimate_Feedback",
            tasks=TASKS[:2],
            data=yaml.safe_load(TEAM_DEAL),
        )
        scoping.run()
        assert scoping.stage(deal) == "SOW_WIP"
        (note,) = scoping.comments(deal, "sow-draft")
        project = scoping.emulator.store.project_by_ref(scoping.project_path)
        (upload,) = project.uploads
        assert f"/uploads/{upload.secret}/{upload.filename}" in note
        assert_the_teams_document(document_text(upload.data))
        assert "GitLab Inc." not in note and "USD" not in note
