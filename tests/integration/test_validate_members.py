"""`triage validate --members`: the assignment pools checked against who GitLab would assign.

GitLab drops an assignee who is not a member of the project without a word
(`IssuableBaseService#filter_assignees_using_checks`; the emulator does the same): a pool person
who is not a member is never given a deal. Every run warns about them; `validate --members`
names each one where the policy lists them, before a run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from gitlab_emulator import Emulator
from gitlab_emulator.testing import running_emulator
from triage.cli import main
from triage.commands.demo_data import demo_seed

from support import ROOT


def emulator_without(*people: str) -> Iterator[Emulator]:
    seed: dict[str, Any] = demo_seed()
    project = seed["projects"][0]
    project["members"] = [m for m in project["members"] if m["username"] not in people]
    with running_emulator(seed) as emulator:
        yield emulator


@pytest.fixture
def without_kaito() -> Iterator[Emulator]:
    yield from emulator_without("kaito")


@pytest.fixture
def everyone() -> Iterator[Emulator]:
    yield from emulator_without()


def validate(url: str, *args: str) -> Any:
    return CliRunner().invoke(
        main,
        [
            "validate",
            "--policies",
            str(ROOT / "policies"),
            "--templates",
            str(ROOT / "templates"),
            *args,
        ],
        env={"GITLAB_URL": url, "GITLAB_TOKEN": "demo-bot-token", "TRIAGE_PROJECT": None},
    )


def test_a_pool_person_who_is_not_a_member_is_named_where_the_policy_lists_them(without_kaito):
    result = validate(without_kaito.url, "--members", "--project", "ps/ps-plan")
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "@kaito cannot be assigned" in line]
    assert len(lines) == 2, result.output  # two pools name kaito: each place, with its line
    assert "assignment.pools.Ent_APAC[0]" in lines[0] and "assignment.pools.MM_APAC[0]" in lines[1]
    assert all(re.search(r"ps-scoping\.yml:\d+:\d+: assignment", line) for line in lines)
    assert "fix: add them to ps/ps-plan, or take them out of `assignment`" in result.output
    assert "dana" not in "".join(lines)


def test_pools_of_members_pass(everyone):
    result = validate(everyone.url, "--members", "--project", "ps/ps-plan")
    assert result.exit_code == 0, result.output
    assert "every person of `assignment` is a member of ps/ps-plan" in result.output


def test_without_members_validate_reads_nothing_from_gitlab(without_kaito):
    without_kaito.reset_stats()
    result = validate(without_kaito.url)
    assert result.exit_code == 0, result.output
    assert sum(without_kaito.stats.requests.values()) == 0


def test_an_approver_group_the_bot_cannot_see_is_named():
    """A run reads the approver groups only once it must judge someone (issue 31.8): a group
    GitLab does not show the bot would fail the first approval. `--members` reads them now."""
    seed: dict[str, Any] = demo_seed()
    seed["groups"] = [g for g in seed["groups"] if g["path"] != "ps/deal-desk"]
    with running_emulator(seed) as emulator:
        result = validate(emulator.url, "--members", "--project", "ps/ps-plan")
    assert result.exit_code == 1, result.output
    assert (
        "the members of group 'ps/deal-desk' (approvals: deal-desk) could not be read"
        in result.output
    )
    assert "fix: check `ps/deal-desk` in the gate's `groups`" in result.output


def test_approver_groups_the_bot_can_see_pass(everyone):
    result = validate(everyone.url, "--members", "--project", "ps/ps-plan")
    assert result.exit_code == 0, result.output
    assert (
        "ok: the approver groups can be read (ps/deal-desk, ps/ps-directors, ps/ps-ta)"
        in result.output
    )
