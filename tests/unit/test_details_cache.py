"""The details cache: what it keeps, when it lets an entry be used, and what it refuses."""

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from triage.gitlab.cache import DetailsCache
from triage.issues.markers import find_marker
from triage.issues.snapshot import LabelEvent, Note, Quiet

from support import BOT, at, snapshot

URL = "https://gitlab.example.com"
READ = at("2026-01-12T09:00:00Z")


def listed(**changes):
    """An issue as the listing shows it (no details), with its comment count."""
    return replace(snapshot(updated="2026-01-12T08:30:00Z"), **{"user_notes_count": 2, **changes})


def detailed(issue):
    return replace(
        issue,
        notes=(
            Note(11, BOT, "<!-- ps-triage:intake rev=0123456789ab -->\nThe checklist…", READ),
            Note(12, "dana", "A long comment by a person. " * 50, READ),
            Note(13, "dana", "changed the description", READ, system=True),
        ),
        label_events=(LabelEvent("dana", "proposal::SOW_WIP", "add", READ),),
    )


def saved_and_loaded(tmp_path, cache, **load):
    path = tmp_path / "details.json"
    cache.save(path)
    return DetailsCache.load(path, gitlab=URL, bot=BOT, **load)


def test_an_issue_shown_unchanged_gets_its_details_back_compacted(tmp_path):
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed()), READ)
    again = saved_and_loaded(tmp_path, cache)
    filled, read = again.fill(listed(), READ + timedelta(hours=1))
    assert read == READ
    assert [(n.id, n.author, n.body, n.system) for n in filled.notes] == [
        (11, BOT, "<!-- ps-triage:intake rev=0123456789ab -->", False),  # the marker, no more
        (12, "dana", "", False),  # people's notes: who and when
        (13, "dana", "", True),
    ]
    assert filled.label_events == detailed(listed()).label_events


def test_a_notes_edit_time_is_kept_so_an_edited_note_of_the_bots_stays_someone_elses(tmp_path):
    edited = READ + timedelta(minutes=5)
    issue = detailed(listed())
    issue = replace(issue, notes=(replace(issue.notes[0], updated_at=edited), *issue.notes[1:]))
    cache = DetailsCache(URL, BOT)
    cache.keep(issue, READ)
    filled, _ = saved_and_loaded(tmp_path, cache).fill(listed(), READ + timedelta(hours=1))
    assert [n.updated_at for n in filled.notes] == [edited, None, None]
    marker = find_marker(filled.notes[0].body)
    assert marker is not None and not filled.notes[0].bots_words(marker)


@pytest.mark.parametrize(
    "change",
    [
        {"updated_at": at("2026-01-12T08:45:00Z")},
        {"user_notes_count": 3},  # a comment GitLab's throttled touch did not show in updated_at
        {"labels": ("Services Calculator", "proposal::Approved")},
        {"state": "closed"},
    ],
)
def test_any_change_the_listing_shows_means_reading_again(tmp_path, change):
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed()), READ)
    again = saved_and_loaded(tmp_path, cache)
    filled, read = again.fill(listed(**change), READ)
    assert read is None and filled.notes is None and again.reused == 0


def test_entries_expire_within_max_age_spread_over_the_issues(tmp_path):
    cache = DetailsCache(URL, BOT)
    for iid in range(1, 201):
        cache.keep(detailed(listed(iid=iid)), READ)
    again = saved_and_loaded(tmp_path, cache, max_age=timedelta(hours=24))

    def usable(hours):
        return sum(
            again.fill(listed(iid=iid), READ + timedelta(hours=hours))[1] is not None
            for iid in range(1, 201)
        )

    assert usable(11.9) == 200  # none before half the age
    assert 0 < usable(18) < 200  # some expire each run in between, not all at once
    assert usable(24) == 0  # all by the age


def test_an_issue_listed_without_a_comment_count_is_not_remembered():
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed(user_notes_count=None)), READ)
    assert cache.entries == {}


def test_nothing_fetched_means_nothing_kept_and_forget_drops():
    cache = DetailsCache(URL, BOT)
    cache.keep(listed(), READ)
    assert cache.entries == {}
    cache.keep(detailed(listed()), READ)
    cache.forget(listed().ref)
    assert cache.entries == {}


def test_keep_only_drops_issues_no_longer_listed():
    cache = DetailsCache(URL, BOT)
    for iid in (1, 2, 3):
        cache.keep(detailed(listed(iid=iid)), READ)
    cache.keep_only({listed(iid=2).ref})
    assert list(cache.entries) == [listed(iid=2).ref]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, None),  # no file yet: a first run
        ("{not json", "unreadable (JSONDecodeError); reading everything"),
        ("[" * 100_000, "unreadable (RecursionError); reading everything"),
        ('{"format": 99}', "another format; reading everything"),
        ('{"format": 1, "issues": {}}', "another format; reading everything"),
        (
            json.dumps({"format": 2, "gitlab": URL, "bot": "someone-else", "issues": {}}),
            "written for another GitLab or bot user; reading everything",
        ),
        (
            json.dumps({"format": 2, "gitlab": "https://other", "bot": BOT, "issues": {}}),
            "written for another GitLab or bot user; reading everything",
        ),
    ],
)
def test_a_missing_damaged_or_foreign_file_is_an_empty_cache(tmp_path, content, problem):
    path = tmp_path / "details.json"
    if content is not None:
        path.write_text(content)
    cache = DetailsCache.load(path, gitlab=URL, bot=BOT)
    assert cache.entries == {}
    assert cache.problem == (f"{path}: {problem}" if problem else None)


def test_a_damaged_entry_is_read_again(tmp_path):
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed()), READ)
    entry = json.loads(cache.entries[listed().ref])
    entry["notes"][0] = ["not", "a", "note"]
    cache.entries[listed().ref] = json.dumps(entry)
    filled, read = cache.fill(listed(), READ)
    assert read is None and filled.notes is None
    cache.entries[listed().ref] = "[" * 100_000
    filled, read = cache.fill(listed(), READ)
    assert read is None and filled.notes is None


def test_saving_replaces_the_file_whole(tmp_path):
    path = tmp_path / "cache" / "details.json"
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed()), READ)
    cache.save(path)
    cache.forget(listed().ref)
    cache.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["details.json"]  # no temporary left
    assert json.loads(path.read_text())["issues"] == {}


def test_an_entry_used_as_it_was_keeps_its_read_time():
    """Reusing remembered details does not make them younger: they still expire from when
    GitLab was last read."""
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed()), READ)
    before = cache.entries[listed().ref]
    filled, _ = cache.fill(listed(), READ + timedelta(hours=5))
    cache.keep(filled, READ + timedelta(hours=5))
    assert cache.entries[listed().ref] is before
    assert json.loads(before)["read"] == READ.isoformat()
    assert cache.reused == 1  # its plan was made from what was remembered


def test_an_entry_read_again_before_writing_was_not_used():
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed()), READ)
    cache.fill(listed(), READ + timedelta(hours=5))
    cache.keep(detailed(listed()), READ + timedelta(hours=5))  # the plan wrote: read afresh
    assert cache.reused == 0
    assert (
        json.loads(cache.entries[listed().ref])["read"] == (READ + timedelta(hours=5)).isoformat()
    )


QUIET = Quiet("0" * 32, READ, READ + timedelta(hours=3), (11,))


def test_a_remembered_plan_comes_back_with_its_details(tmp_path):
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed()), READ, QUIET)
    filled, _ = saved_and_loaded(tmp_path, cache).fill(listed(), READ + timedelta(hours=1))
    assert filled.quiet == QUIET and filled.notes is not None


def test_a_plan_made_afresh_from_remembered_details_replaces_the_remembered_one():
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed()), READ, QUIET)
    later = READ + timedelta(hours=4)
    filled, _ = cache.fill(listed(), later)
    cache.keep(filled, later, filled.quiet)  # recalled: the entry stands as it is
    assert cache.fill(listed(), later)[0].quiet == QUIET
    newer = replace(QUIET, since=later, until=None)
    for remembered in (newer, None):  # planned afresh: nothing to do again, or something to do
        filled, _ = cache.fill(listed(), later)
        cache.keep(filled, later, remembered)
        assert cache.fill(listed(), later)[0].quiet == remembered
    assert json.loads(cache.entries[listed().ref])["read"] == READ.isoformat()


def test_an_issue_with_no_details_keeps_an_entry_only_to_remember_its_plan():
    cache = DetailsCache(URL, BOT)
    cache.keep(listed(), READ)
    assert cache.entries == {}
    cache.keep(listed(), READ, QUIET)
    filled, read = cache.fill(listed(), READ)
    assert filled.quiet == QUIET and filled.notes is None and read == READ


@pytest.mark.parametrize(
    "row", [["short"], ["f", "not a time", None, []], ["f", READ.isoformat(), None, ["x"]], 7]
)
def test_a_damaged_remembered_plan_is_an_entry_read_again(row):
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed()), READ, QUIET)
    entry = json.loads(cache.entries[listed().ref])
    entry["quiet"] = row
    cache.entries[listed().ref] = json.dumps(entry)
    filled, read = cache.fill(listed(), READ)
    assert read is None and filled.quiet is None and filled.notes is None


def test_a_run_that_changed_no_entry_leaves_the_file_as_it_was(tmp_path):
    """A settled run writes nothing; one that changed, dropped or added an entry writes it all."""
    path = tmp_path / "details.json"
    cache = DetailsCache(URL, BOT)
    cache.keep(detailed(listed()), READ)
    cache.save(path, key="token")
    path.write_text(path.read_text() + " ")  # the same data: told apart from a file written anew

    again = DetailsCache.load(path, gitlab=URL, bot=BOT, key="token")
    filled, read = again.fill(listed(), READ + timedelta(hours=1))
    again.keep(filled, read, filled.quiet)  # used as it was
    again.save(path, key="token")
    assert path.read_text().endswith(" ")  # not written: the space added stands

    again.save(path, key="another token")  # sealed with another key: written
    assert not path.read_text().endswith(" ")
    path.write_text(path.read_text() + " ")
    third = DetailsCache.load(path, gitlab=URL, bot=BOT, key="another token")
    third.save(tmp_path / "elsewhere.json", key="another token")  # another file: written
    assert (tmp_path / "elsewhere.json").exists()
    third.forget(listed().ref)
    third.save(path, key="another token")
    assert json.loads(path.read_text())["issues"] == {}
