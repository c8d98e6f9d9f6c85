"""Money: the rate card's currency and roles come from the policy only, and every amount shows
its currency, formatted for the policy's locale."""

import csv
import io
import re
from decimal import Decimal

import pytest

from triage.forecast import forecast
from triage.forecast_report import deals_csv, salesforce_csv
from triage.issues.scoping import parse_scoping
from triage.policy.loader import load_policy
from triage.preview import check_templates
from triage.pricing import Rates, estimate
from triage.render.markdown import Unit
from triage.render.money import MoneyFormat
from triage.workspace import load_workspace

from support import NOW, ROOT, block, snapshot

EURO_CARD = """
rates:
  currency: EUR
  locale: de_DE
  currency_display: symbol
  margin_floor_pct: 30
  roles:
    Consultant: {price: 1500, cost: 700}
    Architect: {price: 1900, cost: 900}
"""


def euro_workspace(tmp_path, rates=EURO_CARD):
    """The shipped policy with its rate card replaced, as a team would edit it."""
    text = (ROOT / "policies/ps-scoping.yml").read_text()
    start = text.index("\nrates:\n")
    end = text.index("\nsow:\n")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies/ps-scoping.yml").write_text(text[:start] + rates + text[end:])
    return load_workspace(tmp_path / "policies", ROOT / "templates")


def test_amounts_show_their_currency_in_the_policys_locale():
    assert MoneyFormat("EUR", "en_US")(Decimal("4500")) == "EUR 4,500.00"
    assert MoneyFormat("USD", "en_US")("24000") == "USD 24,000.00"
    assert MoneyFormat("EUR", "de_DE", "symbol")(4500) == "4.500,00\xa0€"
    assert MoneyFormat("EUR", "de_DE")(4500) == "4.500,00\xa0EUR"
    assert MoneyFormat("JPY", "ja_JP", "symbol")(4500) == "￥4,500"  # no cents in yen


def test_numbers_and_dates_are_written_for_the_locale_and_plural_takes_another_form(
    tmp_path,
):
    """Days in a de_DE SoW read 2,5 like its amounts (4.750,00 €), never 2.5; a template in
    another language gives its own plural."""
    german = euro_workspace(tmp_path).templates.environment
    english = load_workspace(ROOT / "policies", ROOT / "templates").templates.environment
    source = '{{ 2.5 | num }}/{{ "7.50" | plural("day") }}/{{ 1 | plural("Tag", "Tage") }}/{{ 3 | plural("Tag", "Tage") }}'
    assert german.from_string(source).render() == "2,5/7,5 days/1 Tag/3 Tage"
    assert english.from_string(source).render() == "2.5/7.5 days/1 Tag/3 Tage"
    assert english.from_string("{{ 1250 | num }}").render() == "1250"  # no grouping, as before
    units = "{{ 3 | plural(platz) }}/{{ 1 | plural(platz) }}/{{ 2 | plural(seat) }}"
    places = {"platz": Unit("Platz", "Plätze"), "seat": Unit("seat")}
    assert german.from_string(units).render(places) == "3 Plätze/1 Platz/2 seats"
    dates = '{{ "2026-11-27" | day }}/{{ "soon" | day }}'
    assert german.from_string(dates).render() == "27.11.2026/soon"
    assert english.from_string(dates).render() == "Nov 27, 2026/soon"


TOKYO_CARD = """
rates:
  currency: JPY
  locale: ja_JP
  currency_display: symbol
  margin_floor_pct: 30
  roles:
    Consultant: {price: 180000, cost: 80000}
"""


def test_a_time_a_note_gives_is_dated_as_the_locale_writes_dates(tmp_path):
    """A refusal's `attempt.at` and an unexpected move's `move.at` are text the code makes
    (`2026-01-12 21:00 JST`); `day` writes their date as the team's locale does, keeping the
    time and its zone, so a Tokyo team's notes need no ISO date."""
    tokyo = euro_workspace(tmp_path, TOKYO_CARD)
    at = "2026-01-12 21:00 JST"  # Calendar.stamp in Asia/Tokyo
    env = tokyo.templates.environment
    source = '{{ at | day }}/{{ at | day("long") }}/{{ "2026-01-12 21:00" | day }}'
    assert env.from_string(source).render(at=at) == (
        "2026/01/12 21:00 JST/2026年1月12日 21:00 JST/2026/01/12 21:00"
    )
    english = load_workspace(ROOT / "policies", ROOT / "templates").templates.environment
    assert english.from_string("{{ at | day }}").render(at="2026-01-12 12:00 UTC") == (
        "Jan 12, 2026 12:00 UTC"
    )
    assert english.from_string("{{ at | day }}").render(at="2026-01-12 noon") == "2026-01-12 noon"


def test_a_quarter_is_named_in_the_templates_words(tmp_path):
    """The bot names a fiscal quarter FY26-Q4 (the forecast's `quarter`, a note's
    `close_quarter`); a Tokyo team writes 2026年度 第4四半期 with `quarter`."""
    env = euro_workspace(tmp_path, TOKYO_CARD).templates.environment
    source = '{{ q | quarter("{year}年度 第{q}四半期") }}/{{ q | quarter("Q{q} FY{yy}") }}/{{ q | quarter }}'
    assert env.from_string(source).render(q="FY26-Q4") == "2026年度 第4四半期/Q4 FY26/FY26-Q4"
    assert env.from_string('{{ q | quarter("{year}") }}').render(q="soon") == "soon"
    # Nothing but the three names is replaced: no format string reaches the value.
    odd = '{{ q | quarter("{0.__class__}{q}") }}'
    assert env.from_string(odd).render(q="FY26-Q1") == "{0.\\_\\_class\\_\\_}1"


def test_an_unknown_locale_or_currency_is_a_policy_error_naming_its_line(tmp_path):
    for bad, words in (("locale: xx_QQ", "not a locale"), ("currency: XYZ", "not an ISO 4217")):
        (tmp_path / bad[:6]).mkdir()
        key = bad.split(":")[0]
        text = re.sub(
            rf"^  {key}: .*$",
            "  " + bad,
            (ROOT / "policies/ps-scoping.yml").read_text(),
            count=1,
            flags=re.M,
        )
        (tmp_path / bad[:6] / "p.yml").write_text(text)
        with pytest.raises(Exception) as caught:
            load_policy(tmp_path / bad[:6])
        line = text.splitlines().index("  " + bad) + 1
        assert words in str(caught.value) and f"p.yml:{line}" in str(caught.value)


def test_templates_check_against_a_sample_issue_made_from_the_rate_card(tmp_path):
    """A rate card in euros with the team's own roles needs no code change: every shipped
    template renders for its sample issue (it used to fail on `'None' has no attribute`)."""
    ws = euro_workspace(tmp_path)
    assert check_templates(ws.policy, ws.templates) == []


def test_a_rate_card_without_roles_names_the_policy_key_to_fix(tmp_path):
    with pytest.raises(Exception) as caught:
        euro_workspace(tmp_path, "\nrates:\n  currency: EUR\n")
    assert "rate card (`rates.roles`) names no role" in str(caught.value)


def test_a_data_block_without_currency_is_priced_in_the_rate_cards():
    rates = Rates(currency="EUR", roles={"Consultant": {"price": 1500, "cost": 700}})
    data = parse_scoping(
        "<!-- ps-triage:scoping -->\n```yaml\ncustomer: Acme\n"
        "line_items: [{activity: A, role: Consultant, days: 2}]\n```\n"
    ).data
    found, problems = estimate(data, rates)
    assert problems == [] and found.currency == "EUR" and found.net_price == Decimal(3000)


def test_a_data_block_in_another_currency_is_a_problem_with_its_fix():
    rates = Rates(currency="EUR", roles={"Consultant": {"price": 1500, "cost": 700}})
    data = parse_scoping(
        "<!-- ps-triage:scoping -->\n```yaml\ncustomer: Acme\ncurrency: USD\n"
        "line_items: [{activity: A, role: Consultant, days: 2}]\n```\n"
    ).data
    found, problems = estimate(data, rates)
    assert found is None
    assert problems == [
        "`currency` is USD but the rate card is in EUR: leave `currency` out (the rate card's is "
        "used) or write `currency: EUR`"
    ]


def test_the_estimate_comments_show_euros_and_no_dollars(tmp_path):
    ws = euro_workspace(tmp_path)
    from triage.planner import template_context

    issue = snapshot(
        iid=7,
        labels=("proposal::Estimate_Feedback",),
        data=block(
            currency=None,
            line_items=[
                {"activity": "Workshop", "role": "Consultant", "days": 3},
                {"activity": "Design", "role": "Architect", "days": 1},
            ],
        ),
    )
    context = template_context(ws.policy, issue, "Estimate_Feedback", why="test")
    for name in ("estimate-summary.md.j2", "cost-estimate.md.j2", "sow-draft.md.j2"):
        text = ws.templates.render(name, {**context, "links": {}, "rule": "r"})
        assert "$" not in text and "USD" not in text, name
    summary = ws.templates.render("estimate-summary.md.j2", {**context, "rule": "r"})
    assert "6.400,00\xa0€" in summary and "1.500,00\xa0€" in summary  # 3 x 1,500 + 1,900


def test_the_csv_exports_keep_a_plain_number_and_a_currency_column(tmp_path):
    ws = euro_workspace(tmp_path)
    issue = snapshot(
        iid=4,
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data=block(
            currency=None,
            close_date="2026-01-28",
            line_items=[{"activity": "Workshop", "role": "Consultant", "days": 3}],
        ),
    )
    deals = list(csv.DictReader(io.StringIO(deals_csv(forecast(ws.policy, [issue], [], NOW)))))
    assert (deals[0]["Net"], deals[0]["Currency"]) == ("4500.00", "EUR")
    rows = list(csv.DictReader(io.StringIO(salesforce_csv(ws.policy, [issue], NOW).text)))
    assert (rows[0]["GitLab Net Price"], rows[0]["Currency"]) == ("4500.00", "EUR")


def test_the_money_format_refuses_what_babel_cannot_format():
    with pytest.raises(ValueError, match="not a locale"):
        MoneyFormat("EUR", "nowhere")
    with pytest.raises(ValueError, match="not an ISO 4217"):
        MoneyFormat("XYZ", "en_US")
