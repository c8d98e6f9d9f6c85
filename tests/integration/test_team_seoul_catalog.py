"""The Seoul team's catalog page (issue 33.12): its headings and words are the team's, from its
own `catalog.md.j2` (they were fixed English in code: "Service catalog", "Deliverables",
"typically", "per ... day"); the offerings its catalog's, the prices in won with no minor unit."""

from click.testing import CliRunner
from test_team_seoul import ARCHITECT, CONSULTANT, adopt

from triage.cli import main

KOREAN_PAGE = """\
# 서비스 카탈로그

{% for offering in offerings %}
## {{ offering.title }} (`{{ offering.id }}`)

{{ offering.description }}

*{{ offering.role }}{% if offering.days %}, 보통 {{ offering.days | num }}일{% endif %}; \
{% if offering.unit %}1{{ offering.unit }}당{% else %}{{ offering.role }} 1일당{% endif %} \
{{ offering.price | money }}*

{% for heading, items in [("산출물", offering.deliverables), ("사전 요구 사항", \
offering.prerequisites), ("가정", offering.assumptions), ("범위 제외", offering.out_of_scope)] \
if items %}
**{{ heading }}**

{% for item in items %}
- {{ item }}
{% endfor %}

{% endfor %}
{% endfor %}
"""
ENGLISH = ("Service catalog", "Deliverables", "Prerequisites", "Out of scope", "typically", "per")


def test_the_seoul_teams_catalog_page_is_in_its_own_words(tmp_path, monkeypatch):
    target = tmp_path / "ops"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    adopt(target)
    (target / "templates/catalog.md.j2").write_text(KOREAN_PAGE)
    monkeypatch.chdir(target)
    page = CliRunner().invoke(main, ["catalog", "--format", "markdown"])
    assert page.exit_code == 0, page.output
    text = page.output
    assert text.startswith(
        "# 서비스 카탈로그\n\n## 데브옵스 성숙도 진단 (`hb_devops_assessment`)\n"
    )
    assert f"*{CONSULTANT}, 보통 5일; {CONSULTANT} 1일당 ₩1,500,000*" in text
    assert f"*{ARCHITECT}, 보통 4일; {ARCHITECT} 1일당 ₩1,900,000*" in text
    assert f"*{CONSULTANT}; 1명당 ₩890,000*" in text
    assert "**산출물**\n\n- 우선순위 로드맵을 담은 진단 보고서\n" in text
    assert "**사전 요구 사항**\n\n- 팀 리더와 전달 지표에 대한 접근\n" in text
    assert "**범위 제외**\n\n- 로드맵 구현\n" in text
    for word in ENGLISH:
        assert word not in text, word
    assert "USD" not in text and ".00" not in text


def test_a_team_without_the_page_template_is_told_how_to_get_it(tmp_path, monkeypatch):
    target = tmp_path / "ops"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    (target / "templates/catalog.md.j2").unlink()
    monkeypatch.chdir(target)
    page = CliRunner().invoke(main, ["catalog", "--format", "markdown"])
    assert page.exit_code == 1
    assert (
        "no template 'catalog.md.j2' among the templates: it words the catalog page; "
        "`triage init --update` adds the shipped one (`triage init NEW_FOLDER` writes it), "
        "to write in your words"
    ) in page.output
