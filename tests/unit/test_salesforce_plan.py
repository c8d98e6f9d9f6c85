"""The sync's three-way compare (issue 35), on values alone: the value GitLab wants, the value
Salesforce has, the value the bot last wrote."""

from __future__ import annotations

from decimal import Decimal

from triage.policy.model import SalesforceSync
from triage.salesforce.sync import Said, Wanted, disagreement, fitted, plan

SYNC = SalesforceSync(instance_url="https://acme.my.salesforce.com", api_version="64.0")
BOT, PERSON = "005000000000001", "005000000000002"
OPP = "006000000000001AAA"


def wanted(**values) -> Wanted:
    return Wanted(
        opportunity=OPP,
        ref="ps/ps-plan#1",
        project="ps/ps-plan",
        iid=1,
        customer="Acme",
        stage=values.pop("stage", "Approved"),
        values={"EM_Confidence__c": values.pop("confidence", "Green")},
        close_date="2026-01-30",
        net=Decimal("1000"),
        currency="USD",
    )


def record(value, by=PERSON, **extra):
    return {OPP: {"EM_Confidence__c": value, "LastModifiedById": by, **extra}}


def test_the_bots_own_last_value_is_replaced():
    p = plan(
        SYNC, [wanted()], record("Amber", by=PERSON), {OPP: {"EM_Confidence__c": "Amber"}}, BOT
    )
    assert [dict(c.fields) for c in p.changes] == [{"EM_Confidence__c": "Green"}]


def test_a_value_other_than_the_bots_last_is_a_persons_and_kept():
    p = plan(SYNC, [wanted()], record("Red"), {OPP: {"EM_Confidence__c": "Amber"}}, BOT)
    assert p.changes == () and [c.salesforce for c in p.conflicts] == ["Red"]
    assert p.conflicts[0].edited_by == PERSON


def test_with_no_record_an_empty_field_is_filled_and_a_set_one_kept_unless_the_bot_edited_last():
    assert plan(SYNC, [wanted()], record(None), {}, BOT).changes
    assert plan(SYNC, [wanted()], record("Red"), {}, BOT).conflicts
    assert plan(SYNC, [wanted()], record("Red", by=BOT + "AAA"), {}, BOT).changes


def test_an_equal_value_is_adopted_as_the_bots():
    p = plan(SYNC, [wanted()], record("Green"), {}, BOT)
    assert p.changes == () and p.known[OPP] == {"EM_Confidence__c": "Green"}


def test_an_unknown_opportunity_is_listed_not_written():
    p = plan(SYNC, [wanted()], {}, {}, BOT)
    assert p.unknown and not p.changes


def test_disagreements_come_from_is_won_and_is_closed_not_stage_names():
    deal = wanted(stage="Approved")
    won = {"IsWon": True, "IsClosed": True, "StageName": "Gagnée"}
    assert disagreement(deal, won) == (Said("won", "Gagnée", "Approved"),)
    assert "won (Gagnée)" in disagreement(deal, won)[0].text
    lost = {"IsWon": False, "IsClosed": True, "StageName": "Perdue"}
    assert disagreement(deal, lost) == (Said("closed", "Perdue"),)
    assert "closed, not won (Perdue)" in disagreement(deal, lost)[0].text
    assert disagreement(wanted(stage="Closed_Won"), {"IsWon": True, "IsClosed": True}) == ()
    [not_won] = disagreement(wanted(stage="Closed_Won"), {"IsWon": False})
    assert not_won.kind == "not_won" and "GitLab records the win" in not_won.text


def test_close_date_amount_and_currency_differences_are_said():
    deal = wanted()
    said = disagreement(deal, {"CloseDate": "2026-02-27", "Amount": 900, "CurrencyIsoCode": "USD"})
    # each side's value, for the note's template to word (issue 33.12)
    assert said == (
        Said("close_date", "2026-02-27", "2026-01-30"),
        Said("amount", "900.00", "1000.00", "USD"),
    )
    assert [s.text for s in said] == [  # the operator's lines (`triage salesforce plan`)
        "close date: 2026-01-30 in GitLab, 2026-02-27 in Salesforce",
        "amount: 1000.00 USD in GitLab, 900.00 USD in Salesforce",
    ]
    [currency] = disagreement(deal, {"Amount": 1000, "CurrencyIsoCode": "EUR"})
    assert currency.text == "currency: USD in GitLab, EUR in Salesforce"


def test_text_is_cut_to_the_fields_length_with_an_ellipsis():
    assert fitted("x" * 300, 255) == "x" * 254 + "…"
    assert fitted("short", 255) == "short"
