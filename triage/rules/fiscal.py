"""Fiscal quarters for a fiscal year that starts on the first of a configured month, named by
the calendar year in which it ends (`named_by="end"`) or starts (`"start"`).

GitLab's fiscal year starts on 1 February and is named for the calendar year in which it
ends: FY24-Q1 = 2023-02-01..2023-04-30. Named by its start year, that quarter is FY23-Q1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

NamedBy = Literal["end", "start"]


@dataclass(frozen=True)
class FiscalQuarter:
    year: int  # the fiscal year's name (the calendar year it ends in, or starts in)
    quarter: int  # 1..4
    start: date
    end: date  # last day, inclusive

    @property
    def label(self) -> str:
        """`close_qtr` style: Q<quarter><YY>, e.g. Q427 for FY27-Q4."""
        return f"Q{self.quarter}{self.year % 100:02d}"

    @property
    def name(self) -> str:
        return f"FY{self.year % 100:02d}-Q{self.quarter}"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _ends_later(start_month: int, named_by: NamedBy) -> int:
    """How many years the fiscal year's name is after the calendar year it starts in."""
    return 1 if named_by == "end" and start_month != 1 else 0


def fiscal_quarter(day: date, start_month: int = 2, named_by: NamedBy = "end") -> FiscalQuarter:
    offset = (day.month - start_month) % 12
    fy_start = _add_months(date(day.year, day.month, 1), -offset)
    year = fy_start.year + _ends_later(start_month, named_by)
    quarter = offset // 3 + 1
    q_start = _add_months(fy_start, (quarter - 1) * 3)
    q_end = _add_months(q_start, 3) - timedelta(days=1)
    return FiscalQuarter(year, quarter, q_start, q_end)


def quarter_named(name: str, start_month: int = 2, named_by: NamedBy = "end") -> FiscalQuarter:
    """`FY27-Q4` -> that fiscal quarter (of the 2000s); ValueError for another name."""
    match = re.fullmatch(r"FY(\d{2})-Q([1-4])", name.strip().upper())
    if not match:
        raise ValueError(f"'{name}' is not a fiscal quarter: write it like FY27-Q4")
    year, quarter = 2000 + int(match.group(1)), int(match.group(2))
    first = date(year - _ends_later(start_month, named_by), start_month, 1)
    return fiscal_quarter(_add_months(first, (quarter - 1) * 3), start_month, named_by)


def business_days_between(start: date, end: date, holidays: frozenset[date] = frozenset()) -> int:
    """Weekdays after `start` up to and including `end` that are not holidays (0 if end <= start).
    Counted by whole weeks, not day by day: a close date years away costs no more than one."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    weekday = start.weekday()
    days = 5 * weeks + sum(1 for step in range(1, rest + 1) if (weekday + step) % 7 < 5)
    return days - sum(1 for day in holidays if start < day <= end and day.weekday() < 5)
