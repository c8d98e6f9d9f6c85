"""Issue 32.1's rule for what a digest repeats (`digest.items.choose`, pure): a digest comes only
when something is new for the person; an overdue deal already listed comes again at most weekly,
or daily in the quarter-end window for a deal of this quarter (`Item.daily`), always beside news,
never as a comment of repeats alone."""

from datetime import date, timedelta

from triage.digest.items import Item, choose, listing

MONDAY = date(2026, 3, 2)  # outside any quarter-end window (FY27-Q1 ends 2026-04-30)


def overdue(ref: str, daily: bool = False) -> Item:
    return Item(ref, "overdue", f"o:{ref}", ref, "", daily)


def news(ref: str, n: int) -> Item:
    """A reminder posted on another deal: new on its day."""
    return Item(ref, "reminder", f"r:{ref}:rule/s{n}", ref, "")


def test_an_item_already_listed_is_not_relisted_within_a_week_outside_the_quarter_end_window():
    """Acme is listed on Monday; every business day after brings news (a new reminder on another
    deal), so a digest is posted each day: Acme, still overdue, is not in any of them until the
    next Monday, seven days on, where it rides beside that day's news."""
    earlier = [listing([overdue("acme")], MONDAY)]
    shown: dict[date, list[str]] = {}
    for n in range(1, 8):
        day = MONDAY + timedelta(days=n)
        if day.weekday() >= 5:
            continue
        choice = choose([overdue("acme"), news(f"deal{n}", n)], earlier, day)
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
