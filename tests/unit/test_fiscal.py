"""Fiscal quarters (GitLab: FY starts 1 February, named for the year it ends) and business days."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.rules.fiscal import business_days_between, fiscal_quarter


@pytest.mark.parametrize(
    ("day", "name", "label", "start", "end"),
    [
        (
            date(2023, 2, 1),
            "FY24-Q1",
            "Q124",
            date(2023, 2, 1),
            date(2023, 4, 30),
        ),  # the handbook's example
        (date(2023, 4, 30), "FY24-Q1", "Q124", date(2023, 2, 1), date(2023, 4, 30)),
        (date(2026, 1, 12), "FY26-Q4", "Q426", date(2025, 11, 1), date(2026, 1, 31)),
        (date(2026, 1, 31), "FY26-Q4", "Q426", date(2025, 11, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), "FY27-Q1", "Q127", date(2026, 2, 1), date(2026, 4, 30)),
        (date(2026, 11, 26), "FY27-Q4", "Q427", date(2026, 11, 1), date(2027, 1, 31)),
    ],
)
def test_gitlab_fiscal_quarters(day, name, label, start, end):
    quarter = fiscal_quarter(day, 2)
    assert (quarter.name, quarter.label, quarter.start, quarter.end) == (name, label, start, end)


def test_calendar_year_fiscal_year():
    quarter = fiscal_quarter(date(2026, 5, 15), 1)
    assert (quarter.name, quarter.start, quarter.end) == (
        "FY26-Q2",
        date(2026, 4, 1),
        date(2026, 6, 30),
    )


def test_business_days_skip_weekends_and_holidays():
    assert (
        business_days_between(date(2026, 1, 12), date(2026, 1, 31)) == 14
    )  # the research's example
    assert (
        business_days_between(date(2026, 1, 12), date(2026, 1, 31), frozenset({date(2026, 1, 19)}))
        == 13
    )
    assert business_days_between(date(2026, 1, 31), date(2026, 1, 12)) == 0


def counted_day_by_day(start, end, holidays):
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if (day := start + timedelta(days=n)).weekday() < 5 and day not in holidays
    )


dates = st.dates(date(2024, 1, 1), date(2028, 12, 31))


@given(dates, dates, st.frozensets(dates, max_size=8))
def test_business_days_counted_by_weeks_match_counting_each_day(start, end, holidays):
    assert business_days_between(start, end, holidays) == counted_day_by_day(start, end, holidays)


def test_a_close_date_centuries_away_is_counted_right():
    assert business_days_between(date(2026, 1, 12), date(2999, 12, 31)) == counted_day_by_day(
        date(2026, 1, 12), date(2999, 12, 31), frozenset()
    )
