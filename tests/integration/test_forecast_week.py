"""The weekly forecast call (issue 32.4): the forecast issue says what moved since last week's
forecast, against a snapshot the bot keeps once a week in a note of its own on that issue,
trusted only as the bot wrote it."""

import threading
from datetime import date

from test_forecast import forecast_issues, forecast_text, move_close_date

from gitlab_emulator.testing import admin
from triage.forecast_week import Snapshot, read, week_of
from triage.gitlab.adapter import GitLab
from triage.issues.markers import find_marker
from triage.runner import run

from support import BOT, BOT_TOKEN, bot_notes, bot_run, project_as, workspace


def snapshots(url):
    [issue] = [i for i in forecast_issues(url) if i.title == "PS forecast FY26-Q4"]
    notes = bot_notes(url, issue.iid)
    return issue, [
        n for n in notes if (m := find_marker(n.body)) and m.key.startswith("forecast-week/")
    ]


def test_the_forecast_shows_what_moved_since_last_weeks_forecast(demo):
    """Mon 2026-01-12: the forecast issue is created and its week kept (one note, and no second
    one on later runs that week); there is nothing to compare with yet. A person's note dressed
    as an earlier week's snapshot is no snapshot. The next Monday, after Corvid's close date moved
    to 2026-02-27 and Orchard Lane went from Red to Amber, the forecast says so: Corvid slipped,
    Orchard Lane came in; the week is kept again."""
    url = demo.url
    bot_run(url)
    text = forecast_text(url, "FY26-Q4")
    assert "### Since last week" in text
    assert "No forecast of an earlier week to compare with yet" in text
    issue, kept = snapshots(url)
    assert [find_marker(n.body).key for n in kept] == ["forecast-week/2026-01-12"]
    bot_run(url)
    assert len(snapshots(url)[1]) == 1  # once a week
    # a forged snapshot of an earlier week, by a person: copied from the bot's, data changed
    forged = kept[0].body.replace("forecast-week/2026-01-12", "forecast-week/2026-01-05")
    project_as(url, "dana").issues.get(issue.iid, lazy=True).notes.create({"body": forged})

    admin(url, "clock", {"now": "2026-01-19T15:00:00Z"})
    move_close_date(url, "mateo", 4102, "2026-02-27")
    project_as(url, "dana").issues.update(
        4104, {"add_labels": "EM_Confidence::Amber", "remove_labels": "EM_Confidence::Red"}
    )
    bot_run(url)
    text = forecast_text(url, "FY26-Q4")
    issues = f"{url}/ps/ps-plan/-/issues"
    assert "Compared with the forecast of the week of 2026-01-12:" in text  # not the forged one
    assert (
        f"- slipped: [Corvid Aerospace Systems]({issues}/4102), close date 2026-01-30 to "
        "2026-02-27\n" in text  # out of the quarter: no colour of it in FY26-Q4
    )
    assert (
        f"- in: [Orchard Lane Retail]({issues}/4104), Best case (Amber), USD 13,200.00, was At risk (Red)\n"
        in text
    )
    assert [find_marker(n.body).key for n in snapshots(url)[1]] == [
        "forecast-week/2026-01-12",
        "forecast-week/2026-01-19",
    ]


def test_a_snapshot_counts_only_as_the_bot_wrote_it():
    kept = Snapshot(
        date(2026, 1, 12),
        {"ps/ps-plan#1": {"customer": "Acme", "url": "u", "colour": "Green", "net": "10", "close": "2026-01-30"}},
    )  # fmt: skip
    body = f"{kept.marker()}\ntext\n\n{kept.hidden()}\n"
    assert read(body, BOT, BOT) == kept
    assert read(body, "dana", BOT) is None  # a person's copy
    edited = body.replace(kept.hidden(), Snapshot(kept.week, {}).hidden())
    assert read(edited, BOT, BOT) is None  # data that is not what its revision says
    assert week_of(date(2026, 1, 18)) == date(2026, 1, 12)


def test_a_team_folder_from_an_older_release_gets_the_shipped_snapshot_template():
    """The code renders the snapshot note and the terminal's bookings line by itself: a team's
    templates folder copied before they existed still works; its own copy wins when it has one."""
    from triage.render.templates import Templates
    from triage.runner.forecast_issue import with_shipped

    old = Templates({"forecast.md.j2": "x"})
    for name in ("forecast-snapshot.md.j2", "report-bookings.txt.j2"):
        assert "{{" in with_shipped(old, name).sources[name]
        assert with_shipped(Templates({name: "mine"}), name).sources[name] == "mine"


def test_the_forecast_issues_weeks_are_read_while_the_listing_goes_on(demo):
    """The weekly snapshots on the forecast issue are read beside the listing, once the bot's
    own issues are in, not after it: one round trip less at the end of every run (issue 31,
    item 10). The listing's last issue waits until that read has begun."""
    bot_run(demo.url)  # the forecast issue, and this week's snapshot on it
    begun = threading.Event()
    waited = []

    class Watched(GitLab):
        def notes(self, project, iid):
            if iid == forecast_iid:
                begun.set()
            return super().notes(project, iid)

        def list_issues(self, scope, *args, **kwargs):
            listed = list(super().list_issues(scope, *args, **kwargs))
            if scope.state == "opened" and scope.labels:  # the scoping issues' listing
                yield from listed[:-1]
                waited.append(not begun.wait(timeout=10))
                yield from listed[-1:]
            else:
                yield from listed

    [forecast_iid] = [i.iid for i in forecast_issues(demo.url) if i.title == "PS forecast FY26-Q4"]
    client = Watched(demo.url, BOT_TOKEN, sleep=lambda s: None)
    ws = workspace()
    result = run(ws.policy, client, ws.templates, mode="apply")
    assert waited == [False], "the forecast's weeks were read only after the listing"
    assert result.forecast == "forecast FY26-Q4: unchanged"
