"""Amounts as people read them: the rate card's currency, formatted for the policy's locale.

`MoneyFormat` is made when the policy is loaded (Babel reads its locale data then), so the
`money` template filter, the forecast and the terminal format amounts without reading files.

    >>> MoneyFormat("EUR", "en_US")(Decimal("4500"))
    'EUR 4,500.00'
    >>> MoneyFormat("EUR", "de_DE", "symbol")(Decimal("4500"))
    '4.500,00\\xa0€'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_decimal_symbol,
    is_currency,
)

if TYPE_CHECKING:
    from ..pricing import Rates

Display = Literal["code", "symbol"]
DATE_FORMS = ("short", "medium", "long")


@lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    """The locale, its data read now (Babel reads it lazily otherwise)."""
    try:
        locale = Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError) as error:
        raise ValueError(
            f"'{name}' is not a locale Babel knows; use a language and territory such as en_US, "
            "de_DE or fr_FR"
        ) from error
    locale.currency_formats  # noqa: B018 (loads the locale's data)
    return locale


def check_locale(name: str) -> str:
    _locale(name)
    return name


def check_currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError(f"'{code}' is not an ISO 4217 currency code; use one such as USD or EUR")
    return code


def _pattern(locale: Locale, display: Display) -> str:
    pattern = str(locale.currency_formats["standard"].pattern)
    if display == "symbol":
        return pattern
    # The ISO code instead of the symbol, a space between it and the digits.
    pattern = pattern.replace("¤", "¤¤")
    pattern = re.sub(r"¤¤(?=[#0-9.,-])", "¤¤ ", pattern)
    return re.sub(r"(?<=[#0-9])¤¤", " ¤¤", pattern)


@dataclass(frozen=True)
class MoneyFormat:
    """How amounts are shown: `currency` (ISO 4217) in `locale`, with its ISO code or symbol."""

    currency: str = "USD"
    locale: str = "en_US"
    display: Display = "code"
    _pattern: str = field(init=False, repr=False, compare=False)
    # The locale's decimal sign, for the numbers written beside amounts (days: 2,5 in de_DE).
    decimal: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_currency(self.currency)
        pattern = _pattern(_locale(self.locale), self.display)
        object.__setattr__(self, "_pattern", pattern)
        object.__setattr__(self, "decimal", get_decimal_symbol(_locale(self.locale)))
        for form in DATE_FORMS:  # the locale's date formats read now, not while rendering
            self.day(date(2026, 1, 1), form)
        self(Decimal(0))  # Babel's global data (currency digits) read now, not while rendering

    def __call__(self, value: Any) -> str:
        """An amount (a number, or its text) with its currency: `USD 4,500.00`."""
        return str(
            format_currency(
                Decimal(str(value)),
                self.currency,
                self._pattern,
                locale=_locale(self.locale),
                currency_digits=True,
            )
        )

    def day(self, value: date, form: str = "medium") -> str:
        """A date as the locale writes it in a sentence: `Nov 27, 2026`, `27.11.2026` (de_DE);
        `long`: `November 27, 2026`, `2026년 11월 27일` (ko_KR)."""
        return str(format_date(value, form, locale=_locale(self.locale)))


def plain_amount(value: Any, currency: str) -> str:
    """An amount as a plain number with the currency's minor unit digits, for files another
    program reads (a CSV): `67200.00` USD, `5130000` KRW, `1.500` BHD."""
    digits = get_currency_precision(currency)
    return f"{Decimal(str(value)):.{digits}f}"


def money_format(rates: Rates) -> MoneyFormat:
    """The policy's: its rate card's currency, written for its locale."""
    return MoneyFormat(rates.currency, rates.locale, rates.currency_display)
