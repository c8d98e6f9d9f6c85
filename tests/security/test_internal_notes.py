"""Costs and margin never stay public when GitLab saves the bot's internal note public.

GitLab does not refuse `internal: true` from a user who may not mark notes internal (below
Planner/Reporter): `Notes::BuildService` drops the flag, saves the note public and answers 201.
The bot refuses to start below Reporter (`GitLab.check_can_write`), but that check is made once,
when the run starts. The attack modelled here is the realistic way past it: the bot's role is
lowered while a scheduled run is under way (a Maintainer tidying members, or the project access
token replaced by one with the Guest role), after the check passed and before the cost estimate is
posted. The emulator has no members write API, so the demotion is made in its store, at the moment
the check has just passed. Then GitLab is asked what a Guest, and everyone, can read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gitlab
import pytest
from click.testing import CliRunner

from gitlab_emulator.store import GUEST, REPORTER
from triage.cli import main
from triage.gitlab.adapter import GitLab
from triage.issues.markers import find_marker
from triage.testing import BOT_TOKEN, Scoping

ROOT = Path(__file__).resolve().parents[2]
ESTIMATE = {
    "customer": "Acme",
    "line_items": [{"activity": "Migration", "role": "PSE", "days": 10}],
}
TASKS = ["Discovery call held", "Customer agreed price and scope"]


def set_bot_role(scoping: Scoping, level: int) -> None:
    store = scoping.emulator.store
    bot, project = store.user_by_username("ps-bot"), store.project_by_ref(scoping.project_path)
    assert bot is not None and project is not None
    project.members[bot.id] = level


def demoted_once_checked(scoping: Scoping, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot becomes a Guest right after its role check has passed."""
    check = GitLab.check_can_write

    def check_then_demote(self: GitLab, path: str) -> None:
        check(self, path)
        set_bot_role(scoping, GUEST)

    monkeypatch.setattr(GitLab, "check_can_write", check_then_demote)


def apply(scoping: Scoping) -> Any:
    return CliRunner().invoke(
        main,
        ["apply", "--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")],
        env={"GITLAB_URL": scoping.emulator.url, "GITLAB_TOKEN": BOT_TOKEN, "NO_COLOR": "1"},
    )


def readable(scoping: Scoping, username: str, iid: int) -> list[Any]:
    """The issue's notes as `username` reads them through GitLab's API."""
    client = gitlab.Gitlab(scoping.emulator.url, private_token=f"{username}-token")
    issue = client.projects.get(scoping.project_path).issues.get(iid, lazy=True)
    return list(issue.notes.list(get_all=True))


def costs(notes: list[Any]) -> list[Any]:
    return [
        n
        for n in notes
        if "COGS" in n.body
        or "Gross margin" in n.body
        or ((m := find_marker(n.body)) is not None and m.key.startswith("cost-estimate/"))
    ]


def test_an_internal_note_saved_public_is_deleted_and_the_run_stops(scoping, monkeypatch):
    iid = scoping.issue(stage="SOW_WIP", tasks=TASKS, data=ESTIMATE)
    other = scoping.issue(stage="SOW_WIP", tasks=TASKS, data=ESTIMATE, title="Globex - Scope")
    demoted_once_checked(scoping, monkeypatch)

    result = apply(scoping)

    assert result.exit_code == 1, result.output
    error = result.output.strip().splitlines()[-1]
    assert error.startswith(
        f"error: GitLab saved the bot's internal note on {scoping.project_path}#"
    )
    assert "as public" in error and "deleted at once" in error and "Reporter" in error
    for issue in (iid, other):  # what a Guest reads, and what anyone with access reads
        assert costs(readable(scoping, "dana", issue)) == []
        assert costs([n for n in readable(scoping, "dana", issue) if not n.internal]) == []
    assert scoping.stage(iid) == scoping.stage(other) == "SOW_WIP"

    # With the Reporter role back, the next run posts the cost estimate, internal.
    monkeypatch.undo()
    set_bot_role(scoping, REPORTER)
    assert apply(scoping).exit_code == 0
    for issue in (iid, other):
        posted = costs(readable(scoping, "dana", issue))
        assert len(posted) == 1 and posted[0].internal is True


def test_an_internal_note_found_public_when_edited_is_deleted_and_the_run_stops(scoping):
    """An older revision of the cost estimate that is public (left by an earlier run, made while
    the bot was a Guest, by a version of the bot that did not check) is found when a new revision
    supersedes it: the edit's answer shows it public, and it is deleted."""
    iid = scoping.issue(stage="SOW_WIP", tasks=TASKS, data=ESTIMATE)
    scoping.run()
    (internal,) = costs(readable(scoping, "dana", iid))
    as_bot = gitlab.Gitlab(scoping.emulator.url, private_token=BOT_TOKEN)
    notes = as_bot.projects.get(scoping.project_path).issues.get(iid, lazy=True).notes
    notes.delete(internal.id)
    set_bot_role(scoping, GUEST)
    leaked = notes.create({"body": internal.body, "internal": True})  # GitLab saves it public
    set_bot_role(scoping, REPORTER)
    assert leaked.internal is False and [n.id for n in costs(readable(scoping, "dana", iid))] == [
        leaked.id
    ]
    description = scoping._project.issues[iid].description.replace("days: 10", "days: 12")
    assert "days: 12" in description  # a revised estimate: a new revision of the cost estimate
    scoping.as_person("dana").issues.update(iid, {"description": description})

    result = apply(scoping)

    assert result.exit_code == 1, result.output
    assert "as public" in result.output and "deleted at once" in result.output
    remaining = costs(readable(scoping, "dana", iid))
    assert [n.id for n in remaining if not n.internal] == []
    assert len(remaining) == 1 and remaining[0].internal is True  # the new revision
