"""Words a reader sees come from the policy or a template, in the team's language (issue 33.12,
33.14): contact titles and the kick-off checklist from `sow`, counters written as Korean,
Japanese and Chinese write them, and a long date form for contracts."""

import shutil
from datetime import date

import pytest
from test_golden import VARIANTS

from triage.planner import plan_issue
from triage.pricing import Rates
from triage.render.money import MoneyFormat
from triage.render.templates import Templates
from triage.workspace import load_workspace

from support import NOW, ROOT, settings, workspace

TEAM_SOW = """\
  contact_roles: {em: Projektleitung, sa: Lösungsarchitektur}
  kickoff_checklist: ["Vertrag im Kunden-Epic verlinkt", "Kick-off mit dem Kunden gehalten"]
"""


def team_workspace(tmp_path):
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    policy = policies / "ps-scoping.yml"
    text = policy.read_text()
    start, end = text.index("  contact_roles:"), text.index("\ncontacts:\n")
    policy.write_text(text[:start] + TEAM_SOW + text[end:])
    return load_workspace(policies, ROOT / "templates")


@pytest.mark.parametrize("variant", ["handoff-corvid.md", "delivery-issue-corvid.md"])
def test_contact_titles_and_the_kickoff_checklist_are_the_policys(tmp_path, variant):
    ws = team_workspace(tmp_path)
    template, case = VARIANTS[variant]
    issue_plan = plan_issue(ws.policy, case(), NOW, settings(ws))
    if template == "delivery-issue.md.j2":
        text = issue_plan.new_issues[0].description
    else:
        [comment] = [c for c in issue_plan.comments if c.template == template]
        text = comment.body
    assert "Projektleitung" in text and "Lösungsarchitektur" in text
    assert "Account Executive" in text  # a title the team left out keeps the shipped one
    assert "Vertrag im Kunden-Epic verlinkt" in text and "Kick-off mit dem Kunden gehalten" in text
    for shipped in ("Engagement Manager", "Solutions Architect", "Internal transition meeting"):
        assert shipped not in text, shipped


def render(source, locale="ko_KR", **context):
    templates = Templates({"t.md.j2": source}, money=MoneyFormat("KRW", locale))
    return templates.render("t.md.j2", context).strip()


def test_counters_of_scripts_written_without_a_space():
    assert render("{{ 12 | plural('명') }} {{ 2 | plural('회') }} {{ 1 | plural('日') }}") == (
        "12명 2회 1日"
    )
    assert render("{{ 2.5 | plural('day') }} {{ 3 | plural('Tag', 'Tage') }}") == "2.5 days 3 Tage"


def test_a_long_date_form_for_contracts():
    day = date(2026, 11, 27)
    assert render("{{ d | day('long') }}", d=day) == "2026년 11월 27일"
    assert render("{{ d | day('long') }}", "de_DE", d=day) == "27. November 2026"
    assert render("{{ d | day('long') }}", "en_US", d="2026-11-27") == "November 27, 2026"
    assert render("{{ d | day }}", "en_US", d=day) == "Nov 27, 2026"


def test_a_rate_card_in_a_currency_of_large_numbers_loads():
    """A role-day runs to millions in won or rupiah: the bounds were USD-sized (1,000,000)."""
    rates = Rates(
        currency="KRW",
        locale="ko_KR",
        roles={
            "컨설턴트": {"price": 1_500_000, "cost": 700_000},
            "x": {"price": 25_000_000, "cost": 9_000_000},
        },
    )
    assert rates.roles["컨설턴트"].price == 1_500_000


def test_the_plan_and_explain_write_amounts_as_the_locale_does(tmp_path):
    """Issue 33.13: `net KRW 4,500,000.00` in explain, the plan table and the MR plan."""
    from triage.explain import explain_issue

    from support import snapshot, with_details

    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    policy = policies / "ps-scoping.yml"
    text = policy.read_text()
    start, end = text.index("\nrates:\n"), text.index("\nsow:\n")
    rates = (
        "\nrates:\n  currency: KRW\n  locale: ko_KR\n  currency_display: symbol\n  roles:\n"
        "    PSE: {price: 1500000, cost: 700000}\n    TA: {price: 1900000, cost: 900000}\n"
        "    PM: {price: 1200000, cost: 500000}\n"
    )
    policy.write_text(text[:start] + rates + text[end:])
    ws = load_workspace(policies, ROOT / "templates")
    issue = snapshot(
        labels=("Services Calculator", "proposal::Estimate_Feedback"),
        done=("Discovery call held",),
        data={"customer": "Acme", "line_items": [{"activity": "A", "role": "PSE", "days": 3}]},
    )
    issue = with_details(issue)
    issue_plan = plan_issue(ws.policy, issue, NOW, settings(ws))
    assert any("net ₩4,500,000" in reason for reason in issue_plan.reasons), issue_plan.reasons
    explained = explain_issue(ws.policy, issue, NOW, settings(ws))
    assert "✓ estimate valid: 3 days, net ₩4,500,000" in explained
    assert "KRW" not in explained and ".00" not in explained


def test_plain_amounts_have_the_currencys_minor_unit_digits():
    """Issue 33.13: the Salesforce CSV and the catalog JSON gave KRW two decimals it has not."""
    from triage.commands.catalog import published
    from triage.render.money import plain_amount

    assert plain_amount("5130000", "KRW") == "5130000"
    assert plain_amount("67200", "USD") == "67200.00"
    assert plain_amount("1.5", "BHD") == "1.500"
    rates = Rates(
        currency="KRW", locale="ko_KR", roles={"컨설턴트": {"price": 1_500_000, "cost": 1}}
    )
    ws = workspace()
    offering = next(o for o in ws.policy.catalog if o.pricing == "per_day")
    offering = offering.model_copy(update={"role": "컨설턴트"})
    assert published(offering, rates)["price"]["amount"] == 1500000
    assert isinstance(published(offering, rates)["price"]["amount"], int)
