"""`triage hooks`: the project's webhooks listed, serve's made and checked, and a group hook to
the same place found."""

from __future__ import annotations

from typing import Any

import gitlab
from click.testing import CliRunner, Result
from test_gates_and_timers import issue, seed

from gitlab_emulator.testing import running_emulator
from triage.cli import main

from support import ROOT

URL = "https://triage.example.com/webhook"


def triage_hooks(
    url: str, *args: str, token: str = "rowan-token", secret: str = "s3cret"
) -> Result:
    return CliRunner().invoke(
        main,
        [
            "hooks",
            "--policies",
            str(ROOT / "policies"),
            "--templates",
            str(ROOT / "templates"),
            *args,
        ],
        env={"GITLAB_URL": url, "GITLAB_TOKEN": token, "TRIAGE_WEBHOOK_SECRET": secret},
    )


def with_owner() -> dict[str, Any]:
    data = seed([issue(1, "Ready For Approval")])
    data["users"].append({"username": "olga", "token": "olga-token"})
    data["groups"][0]["members"].append({"username": "olga", "access_level": 50})
    return data


def test_serves_hook_is_made_once_and_then_checked() -> None:
    with running_emulator(with_owner()) as emu:
        missing = triage_hooks(emu.url, "--url", URL)
        assert missing.exit_code == 1
        assert (
            f"warning: no hook of ps/ps-plan points at {URL}; fix: triage hooks --url {URL} --create"
            in missing.output
        )
        made = triage_hooks(emu.url, "--url", URL, "--create")
        assert made.exit_code == 0, made.output
        (hook,) = emu.hooks.hooks[emu.store.project_by_ref("ps/ps-plan").id]  # type: ignore[union-attr]
        assert hook.token == "s3cret" and hook.url == URL
        assert {k for k, v in hook.events.items() if v} == {
            "issues_events",
            "confidential_issues_events",
            "note_events",
            "confidential_note_events",
            "emoji_events",
        }
        checked = triage_hooks(emu.url, "--url", URL)
        assert checked.exit_code == 0, checked.output
        assert (
            f"#{hook.id} {URL} (confidential_issues, confidential_note, emoji, issues, note)"
            in checked.output
        )
        assert "s3cret" not in made.output + checked.output


def test_a_hook_missing_events_or_paused_is_said_with_the_fix() -> None:
    with running_emulator(with_owner()) as emu:
        rowan = gitlab.Gitlab(emu.url, private_token="rowan-token").projects.get(
            "ps/ps-plan", lazy=True
        )
        made = rowan.hooks.create({"url": URL, "note_events": True})
        hook = emu.hooks.hooks[emu.store.project_by_ref("ps/ps-plan").id][0]  # type: ignore[union-attr]
        hook.recent_failures = 4
        hook.disabled_until = emu.store.clock.now().replace(year=2099)
        result = triage_hooks(emu.url, "--url", URL)
        assert result.exit_code == 1
        assert (
            f"warning: hook #{made.id} does not send issues_events, confidential_issues_events"
            in result.output
        )
        assert (
            "has temporarily disabled hook" in result.output
            and "re-enable the hook" in result.output
        )


def test_a_group_hook_and_a_project_hook_to_serve_are_warned_about() -> None:
    with running_emulator(with_owner()) as emu:
        assert triage_hooks(emu.url, "--url", URL, "--create").exit_code == 0
        olga = gitlab.Gitlab(emu.url, private_token="olga-token")
        olga.groups.get("ps", lazy=True).hooks.create({"url": URL, "note_events": True})
        result = triage_hooks(emu.url, "--url", URL, token="olga-token")
        assert result.exit_code == 1
        assert f"warning: group ps has a hook to {URL} too" in result.output


def test_create_needs_the_secret() -> None:
    with running_emulator(with_owner()) as emu:
        result = triage_hooks(emu.url, "--url", URL, "--create", secret="")
        assert result.exit_code == 1
        assert "--create sets the hook's secret token: set TRIAGE_WEBHOOK_SECRET" in result.output
