"""The team's calendar: "today" is the date in the policy's time zone, and business days skip the
public holidays of its country (or of the EM's region) and the company days kept by hand. The
planner reads neither the clock nor the system for it: all is read when the policy is loaded."""

import builtins
import io
import json
import os
from datetime import date

import pytest
from pydantic import ValidationError

from triage.issues.snapshot import LabelEvent
from triage.planner import plan_issue
from triage.policy import calendars
from triage.policy.calendars import KeptHolidays, read_places
from triage.policy.loader import PolicyInvalid, load_policy
from triage.policy.model import Calendar

from support import BOT, ROOT, at, settings, snapshot, with_details, workspace

WS = workspace()


def policy_with(**calendar):
    """The shipped policy with another calendar, read as the loader reads it; business hours all
    day (these tests are about which day it is)."""
    calendar.setdefault("business_hours", {"start": "00:00", "end": "23:59:59"})
    policy = WS.policy.model_copy(
        update={"calendar": Calendar(fiscal_year_start_month=2, **calendar)}
    )
    assert read_places(policy) == []
    return policy


def first_touch_due(policy, now, *, em="dana", entered="2026-01-05T09:00:00Z"):
    """Whether the daily first-touch reminder (Awaiting_Discovery, every business day) is due."""
    issue = with_details(
        snapshot(
            labels=("Services Calculator", "proposal::Awaiting_Discovery", "Segment::Ent_EAST"),
            assignees=(em,),
            created=entered,  # triaged by the bot at intake
        ),
        (),
        # moved there by the bot's triage: the EM has not touched the issue yet
        (LabelEvent(BOT, "proposal::Awaiting_Discovery", "add", at(entered)),),
    )
    plan = plan_issue(policy, issue, at(now), settings(WS))
    assert plan.error is None, plan.error
    return any(c.key.startswith("first-touch/") for c in plan.comments)


def test_today_is_the_date_in_the_teams_time_zone():
    # Friday 23:30 UTC is Saturday 00:30 in Berlin: no reminder on a Saturday there.
    friday_night = "2026-01-09T23:30:00Z"
    assert first_touch_due(policy_with(time_zone="UTC"), friday_night)
    assert not first_touch_due(policy_with(time_zone="Europe/Berlin"), friday_night)
    # Sunday 23:30 UTC is Monday 00:30 in Berlin: the Monday reminder is due there already.
    sunday_night = "2026-01-11T23:30:00Z"
    assert not first_touch_due(policy_with(time_zone="UTC"), sunday_night)
    assert first_touch_due(policy_with(time_zone="Europe/Berlin"), sunday_night)


def test_public_holidays_of_the_teams_country_and_subdivision_are_not_business_days():
    epiphany = "2026-01-06T10:00:00Z"  # a holiday in Bavaria, not in Berlin
    assert not first_touch_due(policy_with(country="DE", subdivision="BY"), epiphany)
    assert first_touch_due(policy_with(country="DE", subdivision="BE"), epiphany)
    assert first_touch_due(policy_with(), epiphany)


def test_company_days_kept_by_hand_add_to_the_public_holidays():
    calendar = policy_with(country="DE", subdivision="BY", holidays=[date(2026, 1, 7)]).calendar
    assert {date(2026, 1, 6), date(2026, 1, 7), date(2026, 12, 25)} <= calendar.days_off()
    assert not first_touch_due(
        policy_with(country="DE", subdivision="BY", holidays=[date(2026, 1, 7)]),
        "2026-01-07T10:00:00Z",
    )


def test_each_em_skips_the_public_holidays_of_their_region():
    """Martin Luther King Jr. Day (2026-01-19) is a US holiday, not an English one; the Early May
    bank holiday (2026-05-04) is English, not American."""
    regions = {
        "EMEA": {"country": "GB", "subdivision": "ENG", "pools": ["Ent_EMEA"], "people": ["kaito"]},
        "AMER": {"country": "US", "pools": ["Ent_EAST"]},
    }
    policy = policy_with(regions=regions)
    mlk = "2026-01-19T15:00:00Z"
    assert not first_touch_due(policy, mlk, em="dana")  # Ent_EAST: AMER
    assert first_touch_due(policy, mlk, em="harriet")  # Ent_EMEA: EMEA
    assert first_touch_due(policy, mlk, em="kaito")  # named in EMEA's people
    may_day = "2026-05-04T10:00:00Z"
    assert first_touch_due(policy, may_day, em="dana", entered="2026-04-30T09:00:00Z")
    assert not first_touch_due(policy, may_day, em="harriet", entered="2026-04-30T09:00:00Z")


def test_a_region_naming_a_pool_the_assignment_lacks_is_refused():
    data = WS.policy.model_dump(by_alias=True)
    data["calendar"]["regions"] = {"EMEA": {"country": "GB", "pools": ["Ent_EMAE"]}}
    with pytest.raises(ValidationError, match=r"Ent_EMAE not in `assignment.pools`"):
        type(WS.policy).model_validate(data)


@pytest.mark.parametrize(
    ("calendar", "key", "words"),
    [
        ("  time_zone: Europe/Berln", "time_zone", "not an IANA time zone"),
        ("  country: DE\n  subdivision: XX", "subdivision", "not a subdivision of DE; use one of"),
        ("  country: QQ", "country", "not a country the holidays library knows"),
        ("  subdivision: BY", "", "needs the `country`"),
    ],
)
def test_an_unknown_time_zone_or_place_is_a_policy_error_at_its_line(
    tmp_path, calendar, key, words
):
    text = (ROOT / "policies/ps-scoping.yml").read_text()
    text = text.replace("  time_zone: UTC ", "  # time_zone: UTC ", 1)
    text = text.replace("  country: US ", "  # country: US ", 1)  # the shipped team's
    text = text.replace("\ncalendar:\n", f"\ncalendar:\n{calendar}\n", 1)
    (tmp_path / "p.yml").write_text(text)
    with pytest.raises(PolicyInvalid) as caught:
        load_policy(tmp_path)
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if t.startswith(f"  {key}:")) if key else None
    assert words in str(caught.value)
    if line:
        assert f"p.yml:{line}:" in str(caught.value)


def test_a_calendar_not_read_from_the_system_refuses_to_count():
    with pytest.raises(RuntimeError, match="not read"):
        Calendar(country="DE").days_off()
    assert Calendar(holidays=[date(2026, 1, 7)]).days_off() == {date(2026, 1, 7)}


def test_the_planner_reads_no_file_for_the_time_zone_or_the_holidays(monkeypatch):
    """Both are read when the policy is loaded; planning opens no file, time zone database or
    holiday translation included."""
    policy = policy_with(
        time_zone="Europe/Berlin",
        country="DE",
        subdivision="BY",
        regions={"AMER": {"country": "US", "pools": ["Ent_EAST"]}},
    )

    def refused(*args, **kwargs):
        raise AssertionError(f"the planner read a file: {args[:1]}")

    for module, name in ((builtins, "open"), (io, "open"), (os, "open"), (os, "stat")):
        monkeypatch.setattr(module, name, refused)
    assert first_touch_due(policy, "2026-01-20T10:00:00Z")
    assert not first_touch_due(policy, "2026-01-19T10:00:00Z")  # MLK Day for dana (AMER)


REGIONS = """
calendar:
  country: DE
  subdivision: BY
  regions:
    AMER: {country: US, pools: [Ent_EAST]}
"""


def policy_folder(tmp_path, calendar=REGIONS):
    """The shipped policy with another calendar, as a folder `load_policy` reads."""
    text = (ROOT / "policies/ps-scoping.yml").read_text()
    text = text.replace("  country: US ", "  # country: US ", 1)
    text = text.replace("\ncalendar:\n", calendar.rstrip("\n") + "\n", 1)
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "ps-scoping.yml").write_text(text)
    return folder


KEY = "the-bots-token"


def test_a_scheduled_run_keeps_the_public_holidays_it_read_and_the_next_reads_them_there(
    tmp_path, monkeypatch
):
    """The holidays library imports all of its ~250 countries to read one (~90 ms of every
    run's start): a run with the details cache keeps the dates beside it (`KeptHolidays`), and
    the next run counts the same days off without asking the library."""
    folder, kept_file = policy_folder(tmp_path), tmp_path / "details.json.holidays"
    first = KeptHolidays.load(kept_file, KEY)
    policy = load_policy(folder, first)
    first.save()
    assert kept_file.exists()

    def not_read(*args):
        raise AssertionError(f"the holidays library was asked again: {args}")

    monkeypatch.setattr(calendars, "public_holidays", not_read)
    again = load_policy(folder, KeptHolidays.load(kept_file, KEY))
    for region in (None, "AMER"):
        assert again.calendar.days_off(region) == policy.calendar.days_off(region)
    assert date(2026, 1, 6) in again.calendar.days_off()  # Epiphany, in Bavaria
    assert date(2026, 1, 19) in again.calendar.days_off("AMER")  # MLK Day


def kept_by_the_bot(tmp_path):
    kept_file = tmp_path / "details.json.holidays"
    kept = KeptHolidays.load(kept_file, KEY)
    load_policy(policy_folder(tmp_path), kept)
    kept.save()
    return kept_file


def without_mlk_day(text):
    """The kept file with MLK Day 2026 taken out of the days off (a work day, forged)."""
    data = json.loads(text)
    data["kept"]["US"].remove("2026-01-19")
    return json.dumps(data)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda text: "not JSON", KEY),
        (lambda text: text.replace('"seal": "', '"seal": "0'), KEY),
        (without_mlk_day, KEY),  # by someone without the key: its seal is the bot's no more
        (lambda text: json.dumps({"kept": json.loads(text)["kept"]}), KEY),  # the seal taken out
        (lambda text: text, "another-token"),  # written with another token
    ],
    ids=["unreadable", "seal changed", "days changed", "no seal", "another token"],
)
def test_a_kept_holidays_file_changed_unreadable_or_sealed_by_another_is_read_again(
    tmp_path, change, key
):
    kept_file = kept_by_the_bot(tmp_path)
    kept_file.write_text(change(kept_file.read_text()))
    other = tmp_path / "other"
    other.mkdir()
    holidays = KeptHolidays.load(kept_file, key)
    assert holidays.days == {}
    policy = load_policy(policy_folder(other), holidays)
    assert date(2026, 1, 6) in policy.calendar.days_off()
    assert date(2026, 1, 19) in policy.calendar.days_off("AMER")
    holidays.save()  # and written again, for the next run
    assert KeptHolidays.load(kept_file, key).days == holidays.used


def test_a_kept_holidays_file_of_another_release_of_the_library_is_read_again(
    tmp_path, monkeypatch
):
    kept_file = kept_by_the_bot(tmp_path)
    assert KeptHolidays.load(kept_file, KEY).days
    monkeypatch.setattr(calendars, "_release", lambda: "999.0")
    assert KeptHolidays.load(kept_file, KEY).days == {}


def test_a_kept_holidays_file_does_not_make_an_unknown_place_known(tmp_path):
    kept_file = kept_by_the_bot(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(PolicyInvalid, match="not a subdivision of DE"):
        load_policy(
            policy_folder(other, REGIONS.replace("BY", "XX")), KeptHolidays.load(kept_file, KEY)
        )
