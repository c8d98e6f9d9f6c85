"""The service catalog: validated like the rest of the policy, with file:line errors."""

from pathlib import Path

import pytest

from triage.commands.demo_data import demo_seed
from triage.issues.scoping import parse_scoping
from triage.policy.catalog import closest, find
from triage.policy.loader import PolicyInvalid, load_policy, policy_from_texts

LIFECYCLE = """\
lifecycle:
  stages:
    - {id: Open}
    - {id: Done, terminal: true}
  transitions:
    - {id: start, from: none, to: Open, when: {assignee: true}}
    - {id: finish, from: Open, to: Done, when: {task: Finished}}
rates:
  roles:
    PSE: {price: 2400, cost: 1040}
"""

CATALOG = """\
catalog:
  - id: discovery
    title: Discovery
    description: Workshops.
    role: PSE
  - id: training
    title: Training
    description: A course.
    role: PSE
    pricing: fixed
    fixed: {unit: session, price: 6000, cost: 1920}
"""


def problems(catalog: str) -> list[str]:
    with pytest.raises(PolicyInvalid) as caught:
        policy_from_texts([("p.yml", LIFECYCLE), ("catalog.yml", catalog)])
    return [str(p) for p in caught.value.problems]


def test_a_catalog_in_its_own_file_loads():
    policy = policy_from_texts([("p.yml", LIFECYCLE), ("catalog.yml", CATALOG)])
    assert [o.id for o in policy.catalog] == ["discovery", "training"]
    training = policy.catalog[1]
    assert training.fixed is not None and training.fixed.price == 6000


def test_an_unknown_key_in_an_offering_names_file_line_and_fix():
    text = CATALOG.replace(
        "    role: PSE\n  - id: training", "    role: PSE\n    dayz: 3\n  - id: training"
    )
    assert problems(text) == [
        "catalog.yml:6:5: catalog[discovery].dayz: unknown key `dayz`\n"
        "    fix: did you mean `days`? Otherwise remove `dayz`."
    ]


def test_a_duplicate_id_is_refused_where_it_is_written():
    text = CATALOG.replace("id: training", "id: discovery")
    assert problems(text) == [
        "catalog.yml:6:5: catalog[discovery].id: `discovery` is already an id or alias of "
        "offering `discovery`\n    fix: give every offering its own id and aliases"
    ]


def test_an_unknown_role_is_refused_where_it_is_written():
    text = CATALOG.replace("    role: PSE\n  - id: training", "    role: PES\n  - id: training")
    (found,) = problems(text)
    assert found.startswith(
        "catalog.yml:5:5: catalog[discovery].role: role `PES` is not in the rate card (PSE)"
    )


def test_an_offering_priced_fixed_without_a_price_is_refused():
    text = CATALOG.replace("    fixed: {unit: session, price: 6000, cost: 1920}\n", "")
    (found,) = problems(text)
    assert found.startswith("catalog.yml:6:5: catalog[training]: `pricing: fixed` needs `fixed:")


def test_the_shipped_catalog_knows_the_research_codes_and_the_demo_activities():
    policy = load_policy(Path(__file__).resolve().parents[2] / "policies")
    for code in (
        "migration_discovery_remote",
        "user_group_setup_remote",
        "repo_migration_waves_remote",
        "project_management",
        "saas_discovery_remote",
        "saas_sso_configuration_remote",
        "saas_security_configuration_remote",
    ):
        assert find(policy.catalog, code) is not None, code
    activities = [
        item.activity
        for project in demo_seed()["projects"]
        for issue in project.get("issues", [])
        if (data := parse_scoping(issue["description"]).data) is not None
        for item in data.line_items
    ]
    assert len(activities) > 15
    assert [a for a in activities if find(policy.catalog, a) is None] == []
    assert closest(policy.catalog, "saas_discovery") == "saas_discovery_remote"
