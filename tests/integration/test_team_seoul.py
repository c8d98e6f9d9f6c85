"""A team in Seoul adopts ps-triage with no code change (issue 33): Korean won (no minor unit),
ko_KR, Asia/Seoul, Korean public holidays, Korean roles, tasks, service catalog and Word template.
It goes through `triage init`, its edits, `validate`, the policy tests init wrote (with its own
tasks), `render` with the Word SoW read back, and a lifecycle on the emulator whose every note is
checked for the team's currency, dates, time zone and words."""

import io
import re
import subprocess
import sys

import docx
import yaml
from click.testing import CliRunner
from test_init_for_another_team import bot_texts, document_text, edit, tick, validate

from triage.cli import main
from triage.testing import scoping_gitlab

TASKS = ("디스커버리 미팅 완료", "고객이 가격과 범위에 동의함", "영업팀과 고객이 SoW 검토 완료")
SHIPPED_TASKS = (
    "Discovery call held",
    "Customer agreed price and scope",
    "SoW reviewed by account team and customer",
)
CONSULTANT, ARCHITECT = "컨설턴트", "아키텍트"
RATES = f"""
rates:
  currency: KRW
  locale: ko_KR
  currency_display: symbol
  margin_floor_pct: 30
  max_discount_pct: 30
  roles:
    {CONSULTANT}: {{price: 1500000, cost: 700000}}
    {ARCHITECT}: {{price: 1900000, cost: 900000}}
"""
SOW = """
sow:
  provider: 한빛컨설팅 주식회사
  provider_short: 한빛
  closing_deliverable: 결과와 다음 단계를 정리하는 종료 워크숍
  governing_terms: 한빛 서비스 일반 약관
  billing: 계약 체결 시 청구, 30일 이내 지급
  billing_terms: [계약 체결 시 청구, 30일 이내 지급]
  payment_terms: 청구서 발행일로부터 30일 이내 지급
  fee_types: {fixed_price: 고정 금액, time_and_materials: 투입 시간 기준}
  number_prefix: HB-SOW
  passive_acceptance_days: 10
  validity_days: 60
  contact_roles: {em: 엔게이지먼트 매니저, sa: 솔루션 아키텍트, ae: 영업 대표, ta: 기술 아키텍트}
  kickoff_checklist:
    - 서명된 SoW와 스코핑 이슈를 고객 에픽에 연결
    - 일정 수립 완료, 인력 배정, 시작일 합의
    - 고객 킥오프 미팅 완료
"""
CATALOG = f"""\
catalog:
  - id: hb_devops_assessment
    title: 데브옵스 성숙도 진단
    aliases: [데브옵스 진단]
    description: 고객 팀이 계획하고 빌드하고 릴리스하는 방식을 인터뷰와 워크숍으로 진단합니다.
    objective: 고객 경영진이 합의한 우선순위 데브옵스 로드맵
    deliverables: ["우선순위 로드맵을 담은 진단 보고서"]
    prerequisites: ["팀 리더와 전달 지표에 대한 접근"]
    out_of_scope: ["로드맵 구현"]
    role: {CONSULTANT}
    days: 5
  - id: hb_platform_architecture
    title: 플랫폼 아키텍처 설계
    description: 운영팀과 함께 규모를 산정한 GitLab 플랫폼 목표 아키텍처.
    objective: 고객 운영팀이 구축하고 운영할 수 있는 아키텍처
    deliverables: ["규모 산정과 토폴로지를 담은 아키텍처 문서"]
    role: {ARCHITECT}
    days: 4
  - id: hb_ci_course
    title: GitLab CI/CD 기초 교육
    description: 원격으로 진행하는 이틀간의 실습 교육, 참가자당 가격.
    deliverables: ["모든 참가자의 교육 자료와 수료증"]
    role: {CONSULTANT}
    pricing: fixed
    fixed: {{unit: 명, plural: 명, price: 890000, cost: 310000}}
"""
# 5 x 1,500,000 + 2.5 x 1,900,000 + 12 x 890,000 = 7,500,000 + 4,750,000 + 10,680,000
# = 22,930,000 list; 10% off: 2,293,000 off, 20,637,000 net.
DEAL = """\
customer: 서울 로보틱스
legal_entity: 서울로보틱스 주식회사
segment: Ent_APAC
close_date: 2026-01-29
line_items:
  - {activity: 데브옵스 진단, days: 5}
  - {activity: hb_platform_architecture, days: 2.5}
  - {activity: hb_ci_course, units: 12}
discount_pct: 10
"""
HEADINGS = ["1. 계약 당사자", "2. 범위 및 활동", "3. 비용", "4. 담당자", "5. 유효 기간", "6. 서명"]
# A won amount as ko_KR writes it (₩20,637,000); an amount written with a minor unit or the
# shipped team's currency or format.
WON = re.compile(r"₩\d{1,3}(?:,\d{3})*(?![.,\d])")
NOT_WON = re.compile(r"USD|\$|\d,\d{3}\.\d{2}|₩[\d,]+\.\d")


def korean_sow_template() -> bytes:
    """The team's own Word template, in Korean, made as the team would in Word."""
    document = docx.Document()
    document.add_heading("작업 명세서", level=0)
    document.add_paragraph("{{ deal.legal_entity or customer }} · {{ deal.sow_number }}")
    document.add_heading(HEADINGS[0], level=1)
    document.add_paragraph(
        '본 작업 명세서는 {{ sow.provider }}("{{ sow.provider_short }}")와 '
        '{{ deal.legal_entity or customer }}("고객") 사이에 {{ sow.governing_terms }}에 따라 '
        "체결됩니다."
    )
    document.add_heading(HEADINGS[1], level=1)
    table = document.add_table(rows=1, cols=5)
    for cell, text in zip(
        table.rows[0].cells, ["번호", "활동", "역할", "일수", "금액"], strict=True
    ):
        cell.text = text
    table.add_row().cells[0].text = "{%tr for line in estimate.lines %}"
    cells = table.add_row().cells
    cells[0].text = "{{ loop.index }}"
    cells[1].text = "{{ line.title }}"
    cells[2].text = "{{ line.role }}"
    cells[3].text = (
        "{% if line.units %}{{ line.units | num }}{{ line.unit }}{% else %}"
        "{{ line.days | num }}일{% endif %}"
    )
    cells[4].text = "{{ line.amount | money }}"
    table.add_row().cells[0].text = "{%tr endfor %}"
    document.add_heading(HEADINGS[2], level=1)
    document.add_paragraph(
        "정가 {{ estimate.list_price | money }}, 할인 {{ estimate.discount | money }}, "
        "합계 {{ estimate.net_price | money }} (총 {{ estimate.total_days | num }}일)"
    )
    document.add_paragraph("청구: {{ deal.billing }}")
    document.add_heading(HEADINGS[3], level=1)
    document.add_paragraph("{%p for person in deal.contacts %}")
    document.add_paragraph('{{ person.role }}: {{ person.name or "미정" }}')
    document.add_paragraph("{%p endfor %}")
    document.add_heading(HEADINGS[4], level=1)
    document.add_paragraph("본 제안은 {{ date | day }}부터 {{ sow.validity_days }}일간 유효합니다.")
    document.add_heading(HEADINGS[5], level=1)
    document.add_paragraph("{{ sow.provider }} / {{ deal.legal_entity or customer }}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def adopt(target):
    """What the Seoul team edits: calendar, rate card and thresholds in won, SoW terms, tasks,
    catalog, issue template and Word template."""
    policy = target / "policies/ps-scoping.yml"
    text = policy.read_text()
    text = text[: text.index("\nrates:\n")] + RATES + text[text.index("\nsow:\n") :]
    text = text[: text.index("\nsow:\n")] + SOW + text[text.index("\ncontacts:\n") :]
    text = "\n".join(
        line for line in text.splitlines() if not line.startswith(("  time_zone:", "  country:"))
    )
    text = text.replace("\ncalendar:\n", "\ncalendar:\n  time_zone: Asia/Seoul\n  country: KR\n")
    # The Technical Architect threshold, in won: 70,000,000 (USD 50,000 is about that).
    assert text.count("50000}") == 3
    text = text.replace("50000}", "70000000}")
    policy.write_text(text + "\n")
    template = target / ".gitlab/issue_templates/Scoping.md"
    for path in (policy, template):
        for old, new in zip(SHIPPED_TASKS, TASKS, strict=True):
            edit(path, *[(old, new)] * path.read_text().count(old))
    edit(
        template,
        ("segment: Ent_EAST", "segment: Ent_APAC"),
        ("activity: Discovery and wave planning, role: PSE", "activity: 데브옵스 진단"),
    )
    (target / "policies/catalog.yml").write_text(CATALOG)
    (target / "templates/sow.docx").write_bytes(korean_sow_template())


def check_words(text):
    """The team's currency, dates, time zone and words; nothing of the shipped team's."""
    assert not NOT_WON.search(text), NOT_WON.search(text)
    assert "UTC" not in text and "GitLab Inc." not in text and "GitLab Professional" not in text
    for task in SHIPPED_TASKS:
        assert task not in text, task
    assert not re.search(r"\b(PSE|PM)\b|\| TA \|", text), text
    assert not re.search(r"\b(Jan|Feb|Mar|Dec) \d{1,2}, 20\d\d", text), text  # en_US dates


def test_a_seoul_team_adopts_it_in_its_own_language(tmp_path, monkeypatch):
    target = tmp_path / "ops"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    adopt(target)
    passed = validate(target)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "1 issue template with a scoping data block" in passed.stdout
    assert "warning:" not in passed.stderr, passed.stderr  # nothing left of the shipped team

    # The policy tests init wrote, with the team's own tasks.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0 and "1 passed" in tests.stdout, tests.stdout + tests.stderr

    # The Word SoW, rendered locally and read back.
    monkeypatch.chdir(target)
    (target / "deal.yml").write_text(DEAL)
    rendered = CliRunner().invoke(main, ["render", "sow", "--data", "deal.yml", "--docx", "out"])
    assert rendered.exit_code == 0, rendered.output
    [written] = (target / "out").iterdir()  # the customer's name kept (33.8)
    assert re.fullmatch(r"서울-로보틱스-SoW-\d{4}-\d{2}-\d{2}\.docx", written.name)
    assert_the_teams_document(written.read_bytes())

    with scoping_gitlab(target / "policies", target / "templates") as scoping:
        lifecycle(scoping)


def assert_the_teams_document(data):
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == HEADINGS
    text = document_text(data)
    check_words(text)
    for amount in ("₩7,500,000", "₩4,750,000", "₩10,680,000", "₩22,930,000", "₩20,637,000"):
        assert amount in text, amount
    assert "₩2,293,000" in text and "12명" in text and "2.5일" in text
    assert '한빛컨설팅 주식회사("한빛")와 서울로보틱스 주식회사("고객")' in text
    assert "데브옵스 성숙도 진단" in text and f"{CONSULTANT}" in text and f"{ARCHITECT}" in text
    assert "HB-SOW-" in text
    assert re.search(r"본 제안은 \d{4}\. \d{1,2}\. \d{1,2}\.부터 60일간 유효합니다", text), text


def lifecycle(scoping):
    block = yaml.safe_load(DEAL)
    block.update(
        {
            "opportunity": "006XX0000SEOUL1",
            "people": {"sa": "felix", "ae": "imogen"},
            "confidence": {"value": "Green", "rationale": "구매 주문서 접수"},
        }
    )
    deal = scoping.issue(title="서울 로보틱스 - 스코핑", data=block, assignee=None, tasks=())
    big = scoping.issue(  # over the won threshold: 50 x 1,500,000 = 75,000,000
        title="부산 물류 - 스코핑",
        stage="Strawman_WIP",
        tasks=TASKS[:1],
        data={
            **block,
            "customer": "부산 물류",
            "line_items": [{"activity": "데브옵스 진단", "days": 50}],
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
    # An approval by someone who may not give it: refused, with the time in Seoul.
    scoping.as_person("imogen").issues.update(deal, {"add_labels": "proposal::Approved"})
    scoping.run(days=1 / 24)
    assert scoping.stage(deal) == "Ready For Approval"
    (refusal,) = scoping.comments(deal, "refused")
    assert re.search(
        r"set by \[imogen\]\(/imogen\) on \d{4}-\d{2}-\d{2} \d{2}:\d{2} KST", refusal
    ), refusal
    director = scoping.member_of("ps/ps-directors")
    scoping.as_person(director).issues.update(deal, {"add_labels": "proposal::Approved"})
    scoping.run(days=1 / 24)
    desk = scoping.member_of("ps/deal-desk")
    scoping.as_person(desk).issues.update(deal, {"add_labels": "proposal::Closed_Won"})
    scoping.run(days=1 / 24)
    assert scoping.state(deal) == "closed"

    texts = bot_texts(scoping)
    everything = "\n".join(texts)
    for text in texts:
        check_words(text)
    amounts = WON.findall(everything)
    assert len(amounts) > 20
    # Net 20,637,000; COGS 5 x 700,000 + 2.5 x 900,000 + 12 x 310,000 = 9,470,000.
    assert "₩20,637,000" in everything and "₩9,470,000" in everything
    for word in ("데브옵스 성숙도 진단", CONSULTANT, "한빛컨설팅 주식회사", TASKS[0]):
        assert word in everything, word
    # Counters as Korean writes them (33.14); the team's contact titles and kick-off checklist
    # (33.12); the booking date as ko_KR writes it.
    assert "12명" in everything and "12 명" not in everything
    assert (
        "**Contacts**: 엔게이지먼트 매니저 dana, 솔루션 아키텍트 felix, 영업 대표 imogen."
        in everything
    )
    assert "1. 서명된 SoW와 스코핑 이슈를 고객 에픽에 연결" in everything
    for english in (
        "Engagement Manager dana",
        "Solutions Architect",
        "Internal transition meeting",
    ):
        assert english not in everything, english
    assert re.search(r"recorded the win, 2026\. 1\. \d{1,2}\.", everything)
    # Every upload is the team's Korean document.
    project = scoping.emulator.store.project_by_ref(scoping.project_path)
    documents = [u for u in project.uploads if u.filename.endswith(".docx")]
    assert documents and all(u.filename.startswith("서울-로보틱스-SoW-") for u in documents)
    for upload in documents:
        assert_the_teams_document(upload.data)
