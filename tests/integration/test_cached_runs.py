"""The details cache on the emulator, through the CLI and the runner: a settled run reads only
what it cannot remember, it ends where a run without it ends, a comment GitLab's throttled touch
hides from `updated_at` is still seen, and nothing is ever written from remembered details."""

import json
import shutil
from pathlib import Path

from test_cli import invoke
from test_runs import snapshot_of

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo import _human_steps, _tick
from triage.commands.demo_data import demo_seed
from triage.gitlab.cache import DetailsCache

from support import BOT, ROOT, bot_notes, bot_run, project_as


def test_a_settled_run_reads_only_what_it_cannot_remember(demo, tmp_path):
    path = tmp_path / "cache" / "details.json"
    first = invoke(["apply", "--cache", str(path)], demo.url)
    assert first.exit_code == 0 and path.exists()
    invoke(["apply", "--cache", str(path)], demo.url)  # settles what the first run moved
    admin(demo.url, "stats/reset", {})
    settled = invoke(
        ["apply", "--cache", str(path), "--report", str(tmp_path / "r.json")], demo.url
    )
    report = json.loads((tmp_path / "r.json").read_text())
    assert settled.exit_code == 0 and report["writes"] == 0
    assert report["details_remembered"] == 9 and report["plans_recalled"] == 9
    assert (
        "9 issues' details remembered, not read, 9 not planned again (nothing to do, as last time)"
        in settled.output
    )
    # No notes and no label events: all nine were remembered (the same run without the cache
    # reads 16 of them, test_runs.py).
    # Nothing to write: no run lease taken (issue 31 item 7).
    assert admin(demo.url, "stats")["routes"] == {
        "GET /user": 1,
        # the scoping issues, the closed ones the gates check (updated since the lookback; the
        # quarter's closed deals, its wins gated, the forecast made from them all), the bot's
        # own issues (forecast, digest). Nothing to write: whether the token may write is not
        # asked (it is, before the first write of a run that has some).
        "GET /projects/:id/issues": 4,
        # the forecast issue's: its weekly snapshots, for the movement since last week (no
        # person's digest comments: no deal is overdue on its reminder's clock, issue 32.1,
        # which the description edits of Fri 01-09 started again)
        "GET /projects/:id/issues/:noteable_id/notes": 1,
        # the approver groups (directors, TAs, Deal Desk): their direct members and invitations
        "GET /groups/:id": 3,
        "GET /groups/:id/members": 3,
        "GET /projects/:id/members/all": 1,  # who may be mentioned: read once per run
    }
    assert admin(demo.url, "stats")["requests"]["POST"] == 0


def test_an_edited_template_plans_every_issue_afresh_once(demo, tmp_path):
    path, report = tmp_path / "details.json", tmp_path / "r.json"
    for _ in range(3):
        invoke(["apply", "--cache", str(path)], demo.url)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    reminder = templates / "reminder.md.j2"
    reminder.write_text(reminder.read_text() + "{# reworded nothing yet #}\n")
    recalled = []
    for _ in range(2):
        args = [
            "apply",
            "--cache",
            str(path),
            "--templates",
            str(templates),
            "--report",
            str(report),
        ]
        assert invoke(args, demo.url).exit_code == 0
        found = json.loads(report.read_text())
        recalled.append((found["plans_recalled"], found["writes"]))
    # planned afresh (and found nothing to do: a template comment renders nothing), then recalled
    assert recalled == [(0, 0), (9, 0)]


def test_with_or_without_the_cache_the_same_steps_end_the_same(tmp_path):
    ends = []
    for use_cache in (False, True):
        with running_emulator(demo_seed()) as emu:
            cache = DetailsCache(emu.url, BOT) if use_cache else None
            bot_run(emu.url, cache=cache)
            for _, step in _human_steps(emu.url):
                step()
                admin(emu.url, "clock", {"advance_seconds": 20})  # within the throttled minute
                bot_run(emu.url, cache=cache)
            admin(emu.url, "clock", {"advance_seconds": 4 * 86400})  # reminders fall due
            for _ in range(2):
                bot_run(emu.url, cache=cache)
            admin(emu.url, "stats/reset", {})
            last, client = bot_run(emu.url, cache=cache)
            reads = sum(admin(emu.url, "stats")["requests"].values())
            end = {
                iid: (labels, state, [body.replace(emu.url, "URL") for body in bodies])
                for iid, (labels, state, bodies) in snapshot_of(emu.url).items()
            }
            ends.append((end, client.traffic.writes, reads, (last.remembered, last.issues_scanned)))
    (plain, plain_writes, plain_reads, _), (cached, cached_writes, cached_reads, remembered) = ends
    assert cached == plain
    assert plain_writes == cached_writes == 0
    # 2 of the 9 are closed by now; the gates still check one of them (updated in the look-back)
    assert remembered == (8, 8) and cached_reads < plain_reads


def test_a_comment_hidden_by_the_throttled_touch_is_still_seen(demo):
    """A person sends an issue back from Ready For Approval; the bot holds it there until someone
    writes in it. Their comment comes 30 seconds after the move, so GitLab does not move the
    issue's `updated_at`; the cache still notices (the comment count changed) and moves on."""
    cache = DetailsCache(demo.url, BOT)
    bot_run(demo.url, cache=cache)
    for _, step in _human_steps(demo.url):  # among them, an approval of #4109 by no approver
        step()
    for _ in range(2):
        bot_run(demo.url, cache=cache)
    dana = project_as(demo.url, "dana")
    iid = 4109
    # refused, it went back where it came from: its SoW review is not ticked
    assert "proposal::SOW_WIP" in dana.issues.get(iid).labels
    _tick(dana, iid, "SoW reviewed by account team and customer")  # so the bot moves it on
    admin(demo.url, "clock", {"advance_seconds": 60})
    bot_run(demo.url, cache=cache)
    assert "proposal::Ready For Approval" in dana.issues.get(iid).labels
    admin(demo.url, "clock", {"advance_seconds": 120})
    dana.issues.update(
        iid, {"add_labels": "proposal::SOW_WIP", "remove_labels": "proposal::Ready For Approval"}
    )
    moved_at = dana.issues.get(iid).updated_at
    admin(demo.url, "clock", {"advance_seconds": 10})
    held, _ = bot_run(demo.url, cache=cache)
    assert not [o for o in held.outcomes if o.plan.iid == iid]  # held: nobody has written yet
    admin(demo.url, "clock", {"advance_seconds": 30})
    dana.issues.get(iid, lazy=True).notes.create({"body": "Reduced the migration days."})
    assert dana.issues.get(iid).updated_at == moved_at  # the throttled touch
    admin(demo.url, "clock", {"advance_seconds": 10})
    moved, _ = bot_run(demo.url, cache=cache)
    assert [o.status for o in moved.outcomes if o.plan.iid == iid] == ["applied"]
    assert "proposal::Ready For Approval" in dana.issues.get(iid).labels


def test_remembered_details_never_decide_a_write(demo):
    """A cache that claims the bot has said nothing on an issue (as a stale or tampered file
    could) makes the run read the issue again before writing: it finds its notes and writes
    nothing."""
    cache = DetailsCache(demo.url, BOT)
    for _ in range(3):
        bot_run(demo.url, cache=cache)
    posted = {iid: len(bot_notes(demo.url, iid)) for iid in range(4101, 4110)}
    for ref, text in cache.entries.items():
        entry = json.loads(text)
        if entry["notes"] is not None:
            entry["notes"] = [n for n in entry["notes"] if n[1] != BOT]
        cache.entries[ref] = json.dumps(entry)
    result, client = bot_run(demo.url, cache=cache)
    assert client.traffic.writes == 0 and not result.outcomes
    assert {iid: len(bot_notes(demo.url, iid)) for iid in range(4101, 4110)} == posted


def test_a_cache_that_cannot_be_saved_is_a_warning_not_a_failure(demo, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache's folder should be")
    result = invoke(["apply", "--cache", str(blocked / "details.json")], demo.url)
    assert result.exit_code == 0
    assert "warning: could not save the details cache" in result.output
    assert "not-a-folder/details.json" in result.output


def test_the_listings_first_page_is_asked_for_with_who_the_bot_is(demo, tmp_path, monkeypatch):
    """A scheduled run's first two requests go out at once (issue 31, item 10): the listing's
    first page does not wait for `GET /user` (the details cache needs the bot's name). Who the
    bot is waits here until the listing has been asked for; before, it never was by then."""
    import threading

    import triage.commands.connection
    from triage.gitlab.adapter import GitLab

    listing_asked = threading.Event()
    waited = []

    class Watched(GitLab):
        def _call(self, fn):
            if threading.current_thread().name == "triage-listing":
                listing_asked.set()
            return super()._call(fn)

        def bot_username(self):
            if not waited:
                waited.append(not listing_asked.wait(timeout=10))
            return super().bot_username()

    opened = triage.commands.connection.open_gitlab
    monkeypatch.setattr(
        triage.commands.connection, "open_gitlab", lambda c: Watched(opened(c).url, c.token)
    )
    result = invoke(["plan", "--cache", str(tmp_path / "details.json")], demo.url)
    assert result.exit_code == 0, result.output
    assert waited == [False], "GET /user was asked before the listing's first page"
    assert "9 issues scanned" in result.output


def _asked_on(monkeypatch, thread):
    """An event set once the run's adapter asks GitLab anything from the thread named so."""
    import threading

    import triage.commands.connection
    from triage.gitlab.adapter import GitLab

    asked = threading.Event()

    class Watched(GitLab):
        def _call(self, fn):
            if threading.current_thread().name == thread:
                asked.set()
            return super()._call(fn)

    opened = triage.commands.connection.open_gitlab
    monkeypatch.setattr(
        triage.commands.connection, "open_gitlab", lambda c: Watched(opened(c).url, c.token)
    )
    return asked


def _workspace_waits_for(monkeypatch, asked):
    """Each load of the workspace waits for `asked` (at most 10 s), and notes whether it was
    set by then: the list it notes in."""
    import triage.workspace

    seen = []
    loaded = triage.workspace.load_workspace

    def load(*args, **kwargs):
        seen.append(asked.wait(timeout=10))
        return loaded(*args, **kwargs)

    monkeypatch.setattr(triage.workspace, "load_workspace", load)
    return seen


def test_who_the_bot_is_is_asked_while_the_workspace_loads(demo, tmp_path, monkeypatch):
    """`GET /user` goes out before the policy and templates are loaded (issue 31, item 10): its
    answer is on its way meanwhile, and the run takes it; it is asked once."""
    seen = _workspace_waits_for(monkeypatch, _asked_on(monkeypatch, "triage-whoami"))
    admin(demo.url, "stats/reset", {})
    result = invoke(["apply", "--cache", str(tmp_path / "details.json")], demo.url)
    assert result.exit_code == 0, result.output
    assert seen == [True], "the workspace was loaded before GET /user was asked"
    assert admin(demo.url, "stats")["routes"]["GET /user"] == 1
    assert "9 issues scanned" in result.output


def test_a_gitlab_asked_ahead_that_cannot_be_reached_is_said_as_before(tmp_path):
    """Who the bot is, asked while the workspace loads, from a GitLab nobody answers at: the
    run stops with the same words as when it asked in its turn; an invalid policy is said
    first, as ever."""
    result = invoke(["apply", "--cache", str(tmp_path / "details.json")], "http://127.0.0.1:9")
    assert result.exit_code != 0
    assert "cannot reach GitLab at http://127.0.0.1:9" in result.output
    broken = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", broken)
    (broken / "ps-scoping.yml").write_text("lifecycle: [")
    result = invoke(["apply", "--policies", str(broken)], "http://127.0.0.1:9")
    assert result.exit_code != 0
    assert "not valid YAML" in result.output and "cannot reach" not in result.output


def _issue_listings(url):
    """How many issue listing pages were asked for (the scope's, the closed ones, the bot's)."""
    return admin(url, "stats")["routes"].get("GET /projects/:id/issues", 0)


def _settled_listings(url, args):
    """The issue listing pages a settled run asks for without a kept listing."""
    kept = Path(args[args.index("--cache") + 1] + ".listing")
    kept.unlink(missing_ok=True)
    admin(url, "stats/reset", {})
    assert invoke(args, url).exit_code == 0
    return _issue_listings(url)


def test_a_scheduled_run_asks_its_listings_first_page_before_loading_its_workspace(
    demo, tmp_path, monkeypatch
):
    """The listing a scheduled run made is kept, sealed, beside its details cache: the next run
    asks for its first page at once, with who the bot is, and loads its code and workspace
    while both answers come; it asks for that page once."""
    cache = tmp_path / "details.json"
    assert invoke(["apply", "--cache", str(cache)], demo.url).exit_code == 0
    without = _settled_listings(demo.url, ["apply", "--cache", str(cache)])
    assert (tmp_path / "details.json.listing").exists()  # kept again by that run
    seen = _workspace_waits_for(monkeypatch, _asked_on(monkeypatch, "triage-listing"))
    admin(demo.url, "stats/reset", {})
    result = invoke(["apply", "--cache", str(cache)], demo.url)
    assert result.exit_code == 0, result.output
    assert seen == [True], "the workspace was loaded before the listing's first page was asked"
    assert _issue_listings(demo.url) == without  # the page asked ahead is the run's own
    assert "9 issues scanned" in result.output


def test_a_kept_listing_not_the_runs_or_not_the_bots_costs_one_read_and_changes_nothing(
    demo, tmp_path
):
    """A kept listing of another scope (the policy's changed since) is asked ahead, and the
    run lists its own; one not sealed with the bot's token (anyone who can write the CI
    cache) is not asked at all."""
    cache = tmp_path / "details.json"
    kept = tmp_path / "details.json.listing"
    assert invoke(["apply", "--cache", str(cache)], demo.url).exit_code == 0
    sealed = json.loads(kept.read_text())
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    scoping = policies / "ps-scoping.yml"
    scoping.write_text(
        scoping.read_text().replace("scope:\n", "scope:\n  not_labels: [Archived]\n", 1)
    )
    admin(demo.url, "stats/reset", {})
    result = invoke(["apply", "--cache", str(cache), "--policies", str(policies)], demo.url)
    assert result.exit_code == 0 and "9 issues scanned" in result.output, result.output
    changed = _issue_listings(demo.url)
    assert json.loads(kept.read_text()) != sealed  # the new scope's listing kept for next time
    args = ["apply", "--cache", str(cache), "--policies", str(policies)]
    assert changed == _settled_listings(demo.url, args) + 1  # the old scope's page: one read

    assert invoke(args, demo.url).exit_code == 0  # the listing kept again
    forged = json.loads(kept.read_text())
    forged["kept"][1]["state"] = "all"  # its seal left as it was
    kept.write_text(json.dumps(forged))
    admin(demo.url, "stats/reset", {})
    result = invoke(args, demo.url)
    assert result.exit_code == 0 and "9 issues scanned" in result.output, result.output
    assert _issue_listings(demo.url) == _settled_listings(demo.url, args)  # not asked


def test_a_kept_listing_whose_parameters_were_reordered_is_still_the_runs_own(demo, tmp_path):
    """The seal is made of the listing with its parameters sorted (`sealed.py`), so a kept
    listing whose parameters are in another order (anyone who can write the CI cache, or a
    release that builds them in another order) still bears it: no run wrote it again, and every
    run asked its pages ahead for nothing and then its own listing. Their order is no part of
    the listing: the run takes the pages asked ahead."""
    cache = tmp_path / "details.json"
    kept = tmp_path / "details.json.listing"
    args = ["apply", "--cache", str(cache)]
    assert invoke(args, demo.url).exit_code == 0
    settled = _settled_listings(demo.url, args)  # the kept listing written again
    sealed = json.loads(kept.read_text())
    sealed["kept"][1] = dict(reversed(sealed["kept"][1].items()))
    kept.write_text(json.dumps(sealed))
    for _ in range(2):
        admin(demo.url, "stats/reset", {})
        result = invoke(args, demo.url)
        assert result.exit_code == 0 and "9 issues scanned" in result.output, result.output
        assert _issue_listings(demo.url) == settled
