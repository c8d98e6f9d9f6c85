"""A group scope checks each project's access before its first write there (issue 29, item 4).

GitLab does not refuse `internal: true` from a user who may not mark notes internal: it drops the
flag, saves the note public and answers 201 (`app/services/notes/build_service.rb`; who may:
`app/policies/project_policy.rb`, Planner/Reporter and above). With `scope: {group: ...}` a project
of the group where the bot is a Guest, or no member of a public project, would get the cost
estimate (COGS and margin) public: the run used to post it, delete it and stop, every run, before
reaching the other projects. It skips that project with one line and goes on with the others.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import gitlab
import pytest
from click.testing import CliRunner

from gitlab_emulator.store import GUEST
from triage.cli import main
from triage.issues.markers import find_marker
from triage.testing import BOT_TOKEN, Scoping, scoping_gitlab

ROOT = Path(__file__).resolve().parents[2]
ESTIMATE = {
    "customer": "Acme",
    "line_items": [{"activity": "Migration", "role": "PSE", "days": 10}],
}
TASKS = ["Discovery call held", "Customer agreed price and scope"]
OTHER = "ps/ps-field"


def group_policies(tmp_path: Path) -> Path:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    main_file = policies / "ps-scoping.yml"
    text = main_file.read_text()
    line = next(x for x in text.splitlines() if x.startswith("  project: ps/ps-plan"))
    main_file.write_text(text.replace(line, "  group: ps", 1))
    return policies


def apply(scoping: Scoping, policies: Path) -> Any:
    return CliRunner().invoke(
        main,
        ["apply", "--policies", str(policies), "--templates", str(ROOT / "templates")],
        env={"GITLAB_URL": scoping.emulator.url, "GITLAB_TOKEN": BOT_TOKEN, "NO_COLOR": "1"},
    )


def costs(scoping: Scoping, project: str, iid: int) -> list[Any]:
    """The cost estimate notes of an issue, as its author (a Developer) reads them."""
    client = gitlab.Gitlab(scoping.emulator.url, private_token="imogen-token")
    notes = client.projects.get(project).issues.get(iid, lazy=True).notes.list(get_all=True)
    return [
        n
        for n in notes
        if "COGS" in n.body
        or ((m := find_marker(n.body)) is not None and m.key.startswith("cost-estimate/"))
    ]


@pytest.mark.parametrize("bot_there", ["a Guest", "no member of a public project"])
def test_a_project_where_the_bot_may_not_write_is_skipped_and_the_others_go_on(tmp_path, bot_there):
    policies = group_policies(tmp_path)

    def seed_with(seed: dict[str, Any]) -> None:
        plan = seed["projects"][0]
        seed["groups"].append({"path": "ps", "visibility": "public"})
        other = {
            "path": OTHER,
            "visibility": "public",
            "members": [m for m in plan["members"] if m["username"] != "ps-bot"],
        }
        if bot_there == "a Guest":
            other["members"].append({"username": "ps-bot", "access_level": GUEST})
        seed["projects"].append(other)

    with scoping_gitlab(policies, ROOT / "templates", seed_with=seed_with) as scoping:
        field = Scoping(scoping.workspace, scoping.emulator, OTHER)
        skipped = field.issue(stage="SOW_WIP", tasks=TASKS, data=ESTIMATE)
        kept = scoping.issue(stage="SOW_WIP", tasks=TASKS, data=ESTIMATE)
        line = (
            f"warning: skipped {OTHER}, nothing written there: @ps-bot has "
            f"{'Guest' if bot_there == 'a Guest' else 'no'} access to {OTHER}: ps-triage needs "
            "Reporter (or above) to set labels and close issues, and GitLab would save its "
            "internal notes (costs, margin) public; fix: give it the Reporter role there"
        )
        for _ in range(2):  # again on the next run: the same line, nothing written there
            result = apply(scoping, policies)
            assert result.exit_code == 0, result.output
            assert result.output.splitlines().count(line) == 1, result.output
            assert costs(scoping, OTHER, skipped) == []
            assert field.comments(skipped) == [] and field.stage(skipped) == "SOW_WIP"
            posted = costs(scoping, scoping.project_path, kept)
            assert len(posted) == 1 and posted[0].internal is True
