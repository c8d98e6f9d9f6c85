"""The team's time zone and public holidays, and its currency and locale, read when the policy
is loaded (`read_places`).

Both read files: `zoneinfo` the time zone database (the system's, else the `tzdata` package),
`holidays` its translations of holiday names. So they are read here, once per process and
place, while the policy is validated; the planner only looks up the dates and the zone it got.
A scheduled run keeps the dates it got beside its details cache (`KeptHolidays`): the next run
reads them there instead of importing the holidays library's ~250 countries to read one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..render.money import check_currency, check_locale
from ..sealed import load_sealed, save_sealed
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


@dataclass
class KeptHolidays:
    """The public holidays an earlier run read, kept in a sealed file beside the details cache
    (`sealed.py`) for the same holidays release and years; only places the library knew are
    kept. A run's own reading (`public_holidays`) imports all of the library's countries to read
    one (~90 ms of a run's start). A file not sealed by the bot for this release is read again
    from the library: the days the bot counts off are the library's."""

    path: Path
    key: str
    days: dict[str, frozenset[date]] = field(default_factory=dict)
    used: dict[str, frozenset[date]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, key: str) -> KeptHolidays:
        kept = cls(path, key)
        found = load_sealed(path, key, _edition())
        try:
            kept.days = {
                str(place): frozenset(map(date.fromisoformat, dates))
                for place, dates in (found or {}).items()
            }
        except (ValueError, TypeError, AttributeError):
            kept.days = {}
        return kept

    def public(self, country: str, subdivision: str | None = None) -> frozenset[date]:
        """`public_holidays(country, subdivision)`, from the file when it has them."""
        place = f"{country}/{subdivision}" if subdivision else country
        found = self.days.get(place)
        if found is None:
            found = public_holidays(country, subdivision)
        self.used[place] = found
        return found

    def save(self) -> None:
        """Keep the places this load read (when they differ from the file's)."""
        if self.used != self.days:
            days = {place: sorted(map(str, found)) for place, found in sorted(self.used.items())}
            save_sealed(self.path, self.key, _edition(), days)


def _edition() -> str:
    """The release of the holidays library and the years read (`YEARS`)."""
    return f"holidays {_release()}, {YEARS.start}-{YEARS.stop - 1}"


@lru_cache(maxsize=1)
def _release() -> str:
    return metadata.version("holidays")


def read_places(policy: Policy, kept: KeptHolidays | None = None) -> list[GraphProblem]:
    """Read what the policy names of the world (its time zone, its public holidays, its currency
    and locale) and hand the calendar its part; each name no library knows is a problem at its
    key. `kept`: the public holidays an earlier run read."""
    problems: list[GraphProblem] = []
    public_days = kept.public if kept is not None else public_holidays

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
        days = known(path, _PLACE_FIX, partial(public_days, cal.country, cal.subdivision))
        public[None] = days or frozenset()
    for name, region in cal.regions.items():
        path = ("calendar", "regions", name, "subdivision" if region.subdivision else "country")
        days = known(path, _PLACE_FIX, partial(public_days, region.country, region.subdivision))
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
