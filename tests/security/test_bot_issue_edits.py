"""People may edit the bot's own issues (the run lease, the quarter's forecast, the daily
digest): any Developer may change their title, description and labels. The bot finds them again
by what nobody can edit (their author, the bot's user) with what it gave them (its label, its
marker, its title), so an edit neither opens a new one, nor frees the lease while a run holds it,
nor makes the bot triage its own issues; the forecast's text and title are put back."""

from __future__ import annotations

from test_overlapping_runs import bot_issues, bot_markers, one_apply, twelve_issues

from triage.gitlab.adapter import GitLab
from triage.gitlab.lease import RunLease
from triage.gitlab.own import DIGEST_LABEL, FORECAST_LABEL, LEASE_LABEL
from triage.testing import BOT_TOKEN, Scoping


def kinds(scoping: Scoping) -> dict[str, list[int]]:
    """The iids of the bot's own issues in the scoping project, by the bot's label."""
    store = scoping.emulator.store
    project = store.project_by_ref(scoping.project_path)
    assert project is not None
    found: dict[str, list[int]] = {}
    for issue in bot_issues(scoping, scoping.project_path):
        names = [store.label(project, i).name for i in issue.label_ids]
        kind = next((n for n in names if n.startswith("ps-triage::")), "unlabelled")
        found.setdefault(kind, []).append(issue.iid)
    return found


def edit(scoping: Scoping, iid: int, **fields: str) -> None:
    scoping.as_person("dana").issues.update(iid, fields)


def test_a_lease_whose_issue_a_developer_edits_still_stops_an_overlapping_run(scoping):
    twelve_issues(scoping)
    holder = RunLease.take(GitLab(scoping.emulator.url, BOT_TOKEN), scoping.project_path)
    assert isinstance(holder, RunLease)
    edit(scoping, holder.iid, title="Our notes", description="Scratch space, sorry.")
    before = bot_markers(scoping)

    result, client = one_apply(scoping)

    assert result.lease_busy and "another run holds the lease since" in result.lease_busy
    assert client.traffic.writes == 0 and bot_markers(scoping) == before
    assert kinds(scoping)[LEASE_LABEL] == [holder.iid]  # no second lease issue


def test_a_lease_issue_stripped_of_its_label_and_text_is_still_the_lease(scoping):
    twelve_issues(scoping)
    holder = RunLease.take(GitLab(scoping.emulator.url, BOT_TOKEN), scoping.project_path)
    assert isinstance(holder, RunLease)
    edit(scoping, holder.iid, description="Mine now.", remove_labels=LEASE_LABEL)

    result, client = one_apply(scoping)

    assert result.lease_busy and client.traffic.writes == 0
    assert [i.iid for i in bot_issues(scoping, scoping.project_path)] == [holder.iid]


def test_an_edited_forecast_issue_is_put_back_never_opened_again(scoping):
    twelve_issues(scoping)
    first = scoping.run()
    assert first.forecast and first.forecast.endswith("created")
    [forecast] = kinds(scoping)[FORECAST_LABEL]
    store = scoping.emulator.store
    project = store.project_by_ref(scoping.project_path)
    assert project is not None
    issue = project.issues[forecast]
    title, text = issue.title, issue.description
    edit(scoping, forecast, title="Forecast (Dana's view)", description="Everything is Closed Won.")

    for day in range(3):
        scoping.run(days=1 if day else 0)

    assert kinds(scoping)[FORECAST_LABEL] == [forecast]
    assert issue.title == title
    assert "Everything is Closed Won." not in issue.description
    assert issue.description.split("\n", 1)[0] == text.split("\n", 1)[0]  # its marker line
    assert scoping.run().forecast.endswith("unchanged")


def test_an_edited_digest_issue_keeps_the_digest_and_opens_no_other(scoping):
    scoping.issue(stage="Strawman_WIP", data={"customer": "Acme Widgets"})  # its estimate is due
    for _ in range(8):
        scoping.run(days=1)
    [digest] = kinds(scoping)[DIGEST_LABEL]
    edit(scoping, digest, title="Reminders", description="Read me first.")
    store = scoping.emulator.store
    project = store.project_by_ref(scoping.project_path)
    assert project is not None
    notes_before = len(project.issues[digest].notes)

    for _ in range(3):
        scoping.run(days=1)

    assert kinds(scoping)[DIGEST_LABEL] == [digest]
    assert len(project.issues[digest].notes) > notes_before  # the next days' digests, there
    assert "Read me first." not in (project.issues[digest].description or "")


def test_the_bot_never_triages_its_own_issues_even_with_the_scope_label(scoping):
    scoping.issue(stage="Strawman_WIP", data={"customer": "Acme Widgets"})
    for _ in range(8):
        scoping.run(days=1)
    own = kinds(scoping)
    scope = ",".join(scoping.workspace.policy.scope.labels)
    mine = [*own[FORECAST_LABEL], *own[DIGEST_LABEL], *own[LEASE_LABEL]]
    assert len(mine) == 3
    for iid in mine:
        edit(scoping, iid, add_labels=scope)
    markers = {k for k in bot_markers(scoping) if k[0] in mine}
    labels = {iid: scoping.labels(iid) for iid in mine}

    for _ in range(2):
        result = scoping.run(days=1)
        assert not [o for o in result.outcomes if o.plan.iid in mine]

    assert {iid: scoping.labels(iid) for iid in mine} == labels
    assert {k for k in bot_markers(scoping) if k[0] in mine and not k[1].startswith("digest/")} == {
        k for k in markers if not k[1].startswith("digest/")
    }
