"""Approvers live in one place, the approval gate: `contacts.approvers` is derived from it, or,
when given, must agree with it (validation names file:line and the fix)."""

import shutil

from click.testing import CliRunner

from triage.cli import main
from triage.policy.loader import PolicyInvalid, policy_from_texts

from support import ROOT

LIFECYCLE = """\
lifecycle:
  stages:
    - {id: Open}
    - {id: Ready}
    - {id: Approved, terminal: true}
  transitions:
    - {id: start, from: none, to: Open, when: {assignee: true}}
    - {id: ready, from: Open, to: Ready, when: {task: Ready}}
    - {id: approve, from: Ready, to: Approved, by: people}
rules:
  - id: ask
    stages: [Ready]
    when: {state: opened}
    actions: [{comment: {template: approval-request.md.j2}}]
approvals:
  - id: director
    label: "proposal::Approved"
    users: [rowan]
    groups: [ps/ps-directors]
    emoji: {name: thumbsup, note_of: ask}
  - id: desk
    label: "desk::done"
    groups: [ps/deal-desk]
"""


def load(contacts: str):
    return policy_from_texts([("p.yml", LIFECYCLE), ("contacts.yml", contacts)])


def test_approvers_left_out_are_the_approval_gates_users_and_groups():
    policy = load("contacts: {delivery_team: [ps/ps-scheduling]}\n")
    assert policy.contacts.approvers == ["rowan", "ps/ps-directors"]


def test_approvers_that_agree_with_the_gate_are_accepted_in_any_order():
    policy = load("contacts: {approvers: ['@ps/ps-directors', rowan]}\n")
    assert sorted(policy.contacts.approvers) == ["ps/ps-directors", "rowan"]


def test_approvers_that_disagree_with_the_gate_are_refused_with_file_line_and_the_fix():
    try:
        load("# who we mention\ncontacts:\n  approvers: [rowan, felix]\n")
    except PolicyInvalid as caught:
        problems = [str(p) for p in caught.problems]
    else:
        raise AssertionError("a disagreement was accepted")
    assert len(problems) == 1, problems
    text = problems[0]
    assert text.startswith("contacts.yml:3:"), text
    assert "ps/ps-directors approve, who would not be asked" in text
    assert "felix would be asked but cannot approve" in text
    assert "[rowan, ps/ps-directors]" in text


def test_validate_refuses_the_shipped_policy_when_its_approvers_disagree(tmp_path):
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    main_file = policies / "ps-scoping.yml"
    text = main_file.read_text()
    main_file.write_text(text.replace("contacts:\n", "contacts:\n  approvers: [rowan]\n", 1))
    line = main_file.read_text().splitlines().index("  approvers: [rowan]") + 1
    result = CliRunner().invoke(
        main, ["validate", "--policies", str(policies), "--templates", str(ROOT / "templates")]
    )
    assert result.exit_code == 1, result.output
    assert f"ps-scoping.yml:{line}:" in result.output
    assert "disagrees with the approval gate 'director'" in result.output


def refusal(text: str) -> list[str]:
    try:
        policy_from_texts([("p.yml", text)])
    except PolicyInvalid as caught:
        return [str(p) for p in caught.problems]
    raise AssertionError("the policy was accepted")


def test_an_approval_emoji_named_by_an_alias_is_refused_with_the_name_gitlab_stores():
    """GitLab stores an award under the emoji's canonical name (`+1` is read back as `thumbsup`,
    app/services/award_emojis/base_service.rb `normalize_name`): an alias would never match."""
    text = LIFECYCLE.replace("emoji: {name: thumbsup,", "emoji: {name: '+1',")
    assert refusal(text) == [
        "p.yml:20:13: approvals[director].emoji.name: GitLab stores :+1: as :thumbsup:, the name "
        "its awards are read by\n    fix: write `name: thumbsup`"
    ]


def test_an_approval_emoji_gitlab_does_not_know_is_refused():
    text = LIFECYCLE.replace("emoji: {name: thumbsup,", "emoji: {name: thumbs_up_please,")
    assert refusal(text) == [
        "p.yml:20:13: approvals[director].emoji.name: 'thumbs_up_please' is not an emoji name "
        "GitLab knows\n    fix: name a GitLab emoji, e.g. `thumbsup` (the names GitLab's emoji "
        "picker shows)"
    ]
