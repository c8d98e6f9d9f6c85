"""Issue 32.1's rule for what a digest repeats (`digest.items.choose`, pure): a digest comes only
when something is new for the person; an overdue deal already listed comes again at most weekly,
or daily in the quarter-end window for a deal of this quarter (`Item.daily`), always beside news,
never as a comment of repeats alone; a deal nobody acts on backs off (two weeks, then every
four, `digest.repeat_after_days`; weekly at the most) until news on it starts again."""

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from triage.digest.items import Item, choose, listing
from triage.policy.model import DigestConfig

MONDAY = date(2026, 3, 2)  # outside any quarter-end window (FY27-Q1 ends 2026-04-30)


def overdue(ref: str, daily: bool = False) -> Item:
    return Item(ref, "overdue", f"o:{ref}", ref, "", daily)


def news(ref: str, n: int) -> Item:
    """A reminder posted on another deal: new on its day."""
    return Item(ref, "reminder", f"r:{ref}:rule/s{n}", ref, "")


def test_an_item_already_listed_is_not_relisted_within_a_week_outside_the_quarter_end_window():
    """With the shortest backoff a policy may set (weekly): Acme is listed on Monday; every
    business day after brings news (a new reminder on another deal), so a digest is posted each
    day: Acme, still overdue, is not in any of them until the next Monday, seven days on, where it
    rides beside that day's news."""
    earlier = [listing([overdue("acme")], MONDAY)]
    shown: dict[date, list[str]] = {}
    for n in range(1, 8):
        day = MONDAY + timedelta(days=n)
        if day.weekday() >= 5:
            continue
        choice = choose([overdue("acme"), news(f"deal{n}", n)], earlier, day, repeat_after=[7])
        shown[day] = [i.deal for i in choice.items]
        earlier.append(listing(choice.items, day))
    assert shown == {
        date(2026, 3, 3): ["deal1"],
        date(2026, 3, 4): ["deal2"],
        date(2026, 3, 5): ["deal3"],
        date(2026, 3, 6): ["deal4"],
        date(2026, 3, 9): ["deal7", "acme"],  # a week on: the repeat, after the news
    }


def test_repeats_alone_make_no_digest_not_even_daily_ones_of_the_quarter_end_window():
    """Nothing new for the person: no comment, whether the deal's repeat is weekly (due a week
    after its listing) or daily (quarter-end mode, due the next day)."""
    earlier = [listing([overdue("acme"), overdue("quill", daily=True)], MONDAY)]
    assert choose([overdue("quill", daily=True)], earlier, MONDAY + timedelta(days=1)).items == ()
    assert choose([overdue("acme")], earlier, MONDAY + timedelta(days=7)).items == ()
    with_news = choose(
        [overdue("quill", daily=True), overdue("acme"), news("bolt", 1)],
        earlier,
        MONDAY + timedelta(days=1),
    )
    # beside news, the quarter's deal comes daily; the other waits for its week
    assert [i.deal for i in with_news.items] == ["bolt", "quill"] and with_news.repeats == 1


def _weeks(days: list[date]) -> list[int]:
    return [(d - MONDAY).days // 7 for d in days]


def _a_quarter(news_on_acme: frozenset[int] = frozenset(), **kw: list[int]) -> list[date]:
    """Acme, overdue all along, is listed as news on MONDAY; every business day after brings
    news on another deal (so a digest comes each day), and in the weeks of `news_on_acme` a new
    escalation of Acme itself on that week's Monday. The days Acme is repeated as overdue."""
    earlier = [listing([overdue("acme")], MONDAY)]
    repeated: list[date] = []
    for n in range(1, 13 * 7):
        day = MONDAY + timedelta(days=n)
        if day.weekday() >= 5:
            continue
        due = [overdue("acme"), news(f"deal{n}", n)]
        if day.weekday() == 0 and n // 7 in news_on_acme:
            due.append(Item("acme", "escalation", f"r:acme:rule/s{n}/escalation", "acme", ""))
        choice = choose(due, earlier, day, **kw)
        repeated += [day for i in choice.items if i.key == "o:acme"]
        earlier.append(listing(choice.items, day))
    return repeated


def test_a_deal_nobody_acts_on_comes_back_after_two_weeks_then_every_four():
    """The backoff (shipped default): still overdue and nothing new on it, Acme is told again
    two weeks after its listing, then every four weeks: 3 repeats in 13 weeks, not 12 weekly
    ones (the forecast's Needs action lists it on every run meanwhile)."""
    assert _weeks(_a_quarter()) == [2, 6, 10]


def test_news_on_the_deal_starts_its_backoff_again():
    """A new escalation of Acme in week 5 lists the deal (as news, by its escalation): its next
    repeat is two weeks after that news (week 7), then four weeks on (week 11)."""
    assert _weeks(_a_quarter(frozenset({5}))) == [2, 7, 11]


def test_the_policy_sets_the_backoff_and_a_single_step_holds_for_ever():
    assert _weeks(_a_quarter(repeat_after=[7])) == list(range(1, 13))  # weekly, as before
    assert _weeks(_a_quarter(repeat_after=[7, 14, 28])) == [1, 3, 7, 11]
    assert _weeks(_a_quarter(frozenset({5}), repeat_after=[7, 14, 28])) == [1, 3, 6, 8, 12]
    assert DigestConfig().repeat_after_days == [14, 28]
    with pytest.raises(ValidationError):
        DigestConfig(repeat_after_days=[3, 7])  # never more often than weekly
    with pytest.raises(ValidationError):
        DigestConfig(repeat_after_days=[])


def test_daily_repeats_of_the_quarter_end_window_do_not_back_off():
    """A deal of this quarter in its quarter-end mode is listed every day news comes, however
    often it was listed before."""
    earlier = [
        listing([overdue("quill", daily=True)], MONDAY + timedelta(days=7 * k)) for k in range(4)
    ]
    shown = []
    for n in range(22, 26):
        day = MONDAY + timedelta(days=n)
        choice = choose([overdue("quill", daily=True), news(f"d{n}", n)], earlier, day)
        shown.append([i.deal for i in choice.items])
        earlier.append(listing(choice.items, day))
    assert shown == [[f"d{n}", "quill"] for n in range(22, 26)]
