"""The docs that are generated from the code stay equal to it."""

import json

import jsonschema
import yaml
from click.testing import CliRunner

from triage.cli import main
from triage.commands.schema import schema_text
from triage.reference import TEMPLATE_VARIABLES, policy_reference
from triage.rules.actions import ACTION_KEYS
from triage.rules.conditions import CONDITION_KEYS

from support import ROOT, snapshot, workspace

DOCS = ROOT / "docs"


def test_policy_reference_is_current_and_lists_every_condition_and_action():
    text = (DOCS / "policy.md").read_text()
    assert text == policy_reference(), "run `triage reference` and commit docs/policy.md"
    for key in (*CONDITION_KEYS, *ACTION_KEYS):
        assert f"| `{key}` |" in text, key


def test_every_template_variable_is_documented():
    from triage.planner import template_context

    context = template_context(workspace().policy, snapshot(), "SOW_WIP", why="x", rule="r")
    extra = {
        "links",
        "days_in_stage",
        "attempt",
        "move",
        "kept",
        "removed",
        "closed_in",
        "confidence",
        "sla_days",
        "escalation",
        "digest",
        "review",
    }  # added where they apply
    assert set(context) | extra == set(TEMPLATE_VARIABLES)


def test_the_schema_is_current_and_validates_the_shipped_policy():
    assert (DOCS / "policy.schema.json").read_text() == schema_text(), (
        "run `triage schema -o docs/policy.schema.json`"
    )
    policy = ROOT / "policies" / "ps-scoping.yml"
    assert policy.read_text().startswith(
        "# yaml-language-server: $schema=../docs/policy.schema.json\n"
    )
    data = json.loads(json.dumps(yaml.safe_load(policy.read_text()), default=str))
    jsonschema.validate(data, json.loads(schema_text()))


def test_the_schema_rejects_what_the_loader_rejects():
    bad = {
        "lifecycle": {"stages": [{"id": "A"}]},
        "rules": [{"id": "x", "when": {"tsk": 1}, "actions": [{"close": True}]}],
    }
    try:
        jsonschema.validate(bad, json.loads(schema_text()))
    except jsonschema.ValidationError:
        return
    raise AssertionError("an unknown condition passed the schema")


def test_the_lifecycle_page_shows_the_current_graph():
    graph = CliRunner().invoke(main, ["graph", "--policies", str(ROOT / "policies")]).output
    assert f"```mermaid\n{graph}```" in (DOCS / "lifecycle.md").read_text()
