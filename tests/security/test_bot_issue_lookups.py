"""The bot finds its own issues again by a hidden marker in their description (the quarter's
forecast issue, the run lease issue, the daily digest issue). Anyone who may open issues in the
project can write the same marker: only an issue the bot's own user wrote counts, never one a
person wrote with the marker copied into it."""

from __future__ import annotations

from triage.gitlab.lease import MARKER as LEASE_MARKER
from triage.rules.fiscal import fiscal_quarter
from triage.testing import Scoping

FAKE = "Forecast: every deal is Closed Won, bonus for everyone."


def issues_with(scoping: Scoping, marker: str) -> list[tuple[str, str, str]]:
    """(author, state, description) of every issue whose description carries `marker`."""
    store = scoping.emulator.store
    project = store.project_by_ref(scoping.project_path)
    assert project is not None
    return [
        (store.users[i.author_id].username, i.state, i.description)
        for _, i in sorted(project.issues.items())
        if marker in (i.description or "")
    ]


def test_an_issue_someone_else_wrote_with_the_forecast_marker_is_never_taken_for_the_forecast(
    scoping,
):
    today = scoping.emulator.store.clock.now().date()
    start = scoping.workspace.policy.calendar.fiscal_year_start_month
    quarter = fiscal_quarter(today, start)
    marker = f"ps-triage-forecast-{quarter.name.lower()}"
    description = f"<!-- {marker} deals=99 -->\n{FAKE}\n"
    scoping.as_person("dana").issues.create({"title": "PS forecast", "description": description})

    result = scoping.run()

    assert result.forecast == f"forecast {quarter.name}: created"
    found = issues_with(scoping, marker)
    assert found[0] == ("dana", "opened", description)  # neither taken nor rewritten
    assert [(author, state) for author, state, _ in found[1:]] == [("ps-bot", "opened")]
    assert FAKE not in found[1][2]
    assert scoping.run().forecast == f"forecast {quarter.name}: unchanged"
    assert issues_with(scoping, marker)[0] == ("dana", "opened", description)


def test_an_issue_someone_else_wrote_with_the_lease_marker_is_never_the_run_lease(scoping):
    description = f"{LEASE_MARKER}\nps-triage's run lease (I promise).\n"
    scoping.as_person("dana").issues.create(
        {"title": "ps-triage run lease", "description": description}
    )

    first = scoping.run()
    second = scoping.run()

    assert first.lease_busy is None and second.lease_busy is None
    found = issues_with(scoping, LEASE_MARKER)
    assert found[0] == ("dana", "opened", description)  # neither used nor closed as an extra
    assert [(author, state) for author, state, _ in found[1:]] == [("ps-bot", "opened")]


def test_a_scoping_issue_that_starts_with_the_lease_marker_is_still_triaged(scoping):
    """The bot skips its lease issue when it lists scoping issues: a person's issue that starts
    with the lease marker (to slip past the gates, say) is triaged like any other."""
    labels = ",".join(scoping.workspace.policy.scope.labels)
    issue = scoping.as_person("dana").issues.create(
        {
            "title": "Acme Widgets - Scope Issue and Write SOW",
            "description": f"{LEASE_MARKER}\n## Checklist\n\n- [ ] Discovery call held\n",
            "labels": labels,
        }
    )
    assert scoping.stage(issue.iid) is None

    scoping.run()

    assert scoping.stage(issue.iid) is not None


def test_an_issue_someone_else_wrote_with_the_digest_marker_never_receives_the_digest(scoping):
    iid = scoping.issue(stage="Strawman_WIP", data={"customer": "Acme Widgets"})  # estimate due
    scoping.run()  # the EM is assigned: the digest will be theirs
    em = scoping.as_person("dana").issues.get(iid).assignees[0]["username"]
    marker = f"<!-- ps-triage-digest-{em} -->"
    description = f"{marker}\nThe digest lives here now: @all please read.\n"
    planted = scoping.as_person("dana").issues.create(
        {"title": "PS triage digest", "description": description}
    )

    for _ in range(10):
        scoping.run(days=1)

    found = issues_with(scoping, marker)
    assert found[0] == ("dana", "opened", description)
    assert [author for author, _, _ in found[1:]] == ["ps-bot"]
    store = scoping.emulator.store
    project = store.project_by_ref(scoping.project_path)
    assert project is not None
    notes = {
        i: [store.users[n.author_id].username for n in issue.notes if not n.system]
        for i, issue in project.issues.items()
        if i == planted.iid or marker in (issue.description or "")
    }
    assert notes.pop(planted.iid) == []  # nothing posted on the planted issue
    [digest_notes] = notes.values()
    assert digest_notes and set(digest_notes) == {"ps-bot"}  # the digest is on the bot's own
