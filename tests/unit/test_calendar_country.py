"""`country: kr` is read as KR, and a country the holidays library does not know gets a fix line
whose command runs (issue 33.17: a raw pattern error, and `python -m holidays`, which does not
run)."""

import shlex
import subprocess
import sys
from datetime import date

import pytest

from triage.policy.loader import PolicyInvalid, policy_from_texts

from support import ROOT

SHIPPED = (ROOT / "policies/ps-scoping.yml").read_text()


def with_calendar(lines):
    # in place of the shipped team's country (US)
    text = SHIPPED.replace("  country: US ", "  # country: US ", 1)
    text = text.replace("\ncalendar:\n", "\ncalendar:\n" + lines, 1)
    return policy_from_texts([("ps-scoping.yml", text)])


def test_a_lower_case_country_is_the_country():
    policy = with_calendar("  country: kr\n")
    assert policy.calendar.country == "KR"
    assert date(2026, 10, 9) in policy.days_off(None)  # Hangul Day


def test_an_unknown_country_has_a_fix_line_that_runs():
    with pytest.raises(PolicyInvalid) as raised:
        with_calendar("  country: XQ\n")
    message = str(raised.value)
    assert "calendar.country: 'XQ' is not a country the holidays library knows" in message
    fix = message.split("fix: use a code the holidays library lists: ", 1)[1].strip()
    command = shlex.split(fix)
    assert command[0] == "python"
    listed = subprocess.run(
        [sys.executable, *command[1:]], capture_output=True, text=True, timeout=60, check=True
    )
    assert "KR" in listed.stdout.split() and "DE" in listed.stdout.split()


def test_a_country_written_by_its_name_gets_its_code_in_the_fix():
    """A Tokyo team writing `country: Japan` heard only the pattern, with no fix."""
    with pytest.raises(PolicyInvalid) as raised:
        with_calendar("  country: Japan\n")
    message = str(raised.value)
    assert "calendar.country: String should match pattern" in message
    assert "fix: write the country's ISO 3166-1 code: JP for Japan." in message
    with pytest.raises(PolicyInvalid) as raised:
        with_calendar("  country: Nippon-koku\n")
    assert "fix: write the country's ISO 3166-1 code, e.g. JP, DE or KR." in str(raised.value)


def test_a_currency_not_in_capitals_gets_a_fix():
    text = SHIPPED.replace("  currency: USD ", "  currency: jpy ", 1)
    with pytest.raises(PolicyInvalid) as raised:
        policy_from_texts([("ps-scoping.yml", text)])
    assert "rates.currency: String should match pattern" in str(raised.value)
    assert "fix: write the currency's ISO 4217 code, e.g. JPY, EUR or KRW." in str(raised.value)
