"""The team's time zone and public holidays, read when the policy is loaded.

Both read files: `zoneinfo` the time zone database (the system's, else the `tzdata` package),
`holidays` its translations of holiday names. So they are read here, once per process and
place, while the policy is validated; the planner only looks up the dates and the zone it got.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

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
