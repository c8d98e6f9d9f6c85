"""The team's time zone and public holidays, and its currency and locale, read when the policy
is loaded (`read_places`).

Both read files: `zoneinfo` the time zone database (the system's, else the `tzdata` package),
`holidays` its translations of holiday names. So they are read here, once per process and
place, while the policy is validated; the planner only looks up the dates and the zone it got.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache, partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..render.money import check_currency, check_locale
from .checks import GraphProblem
from .model import Policy

# Public holidays are known for these years: dates outside them (a close date in 2150) are
# counted with the company days only.
YEARS = range(2000, 2101)


@lru_cache(maxsize=32)
def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"'{name}' is not an IANA time zone; use one such as Europe/Berlin, America/New_York "
            "or UTC"
        ) from error


@lru_cache(maxsize=32)
def public_holidays(country: str, subdivision: str | None = None) -> frozenset[date]:
    """The public holidays of a country (ISO 3166-1 code), or of one of its subdivisions (as
    the `holidays` library names them: `BY` for Bavaria, `ENG` for England)."""
    import holidays  # imported by the policies that name a country (~30 ms)

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(
            f"'{country}' is not a country the holidays library knows; use an ISO 3166-1 code "
            "such as DE, GB or US"
        )
    if subdivision is not None and subdivision not in supported[country]:
        raise ValueError(
            f"'{subdivision}' is not a subdivision of {country}; use one of "
            f"{', '.join(supported[country]) or 'none (leave `subdivision` out)'}"
        )
    found = holidays.country_holidays(country, subdiv=subdivision, years=YEARS, language="en_US")
    return frozenset(found)


def read_places(policy: Policy) -> list[GraphProblem]:
    """Read what the policy names of the world (its time zone, its public holidays, its currency
    and locale) and hand the calendar its part; each name no library knows is a problem at its
    key."""
    problems: list[GraphProblem] = []

    def known(path: tuple[Any, ...], fix: str, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except ValueError as error:
            problems.append(GraphProblem(path, str(error), fix))
            return None

    cal = policy.calendar
    zone = known(
        ("calendar", "time_zone"),
        "name a zone of the IANA database (region/city)",
        lambda: time_zone(cal.time_zone),
    )
    public: dict[str | None, frozenset[date]] = {None: frozenset()}
    if cal.country:
        path: tuple[Any, ...] = ("calendar", "subdivision" if cal.subdivision else "country")
        days = known(path, _PLACE_FIX, lambda: public_holidays(cal.country, cal.subdivision))
        public[None] = days or frozenset()
    for name, region in cal.regions.items():
        path = ("calendar", "regions", name, "subdivision" if region.subdivision else "country")
        days = known(path, _PLACE_FIX, partial(public_holidays, region.country, region.subdivision))
        public[name] = days or frozenset()
    rates = policy.rates
    known(("rates", "currency"), "use the ISO 4217 code", lambda: check_currency(rates.currency))
    known(("rates", "locale"), "write it like en_US", lambda: check_locale(rates.locale))
    if not problems:
        cal.read(zone, public)
    return problems


_PLACE_FIX = (
    'use a code the holidays library lists: python -c "import holidays; '
    'print(*sorted(holidays.list_supported_countries()))"'
)
