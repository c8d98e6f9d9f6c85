"""The service catalog: validated like the rest of the policy, with file:line errors."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from triage.catalog import closest, find
from triage.commands.demo_data import TASKS, demo_seed
from triage.issues.scoping import ScopingData, parse_scoping
from triage.planner import plan_issue
from triage.policy.loader import PolicyInvalid, load_policy, policy_from_texts
from triage.pricing import estimate

from support import NOW, settings, snapshot, with_details, won, workspace

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


def test_an_alias_another_offering_has_is_refused_where_it_is_written():
    text = CATALOG.replace(
        "    description: A course.\n", "    description: A course.\n    aliases: [DISCOVERY]\n"
    )
    assert problems(text) == [
        "catalog.yml:9:5: catalog[training].aliases: `DISCOVERY` is already an id or alias of "
        "offering `discovery`\n    fix: give every offering its own id and aliases"
    ]


def test_an_offering_priced_per_day_with_a_fixed_price_is_refused():
    text = CATALOG.replace(
        "    role: PSE\n  - id: training",
        "    role: PSE\n    fixed: {unit: day, price: 1, cost: 1}\n  - id: training",
    )
    assert problems(text) == [
        "catalog.yml:2:5: catalog[discovery]: `fixed:` is only for `pricing: fixed`"
    ]


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


# Pricing with the catalog: the research's Corvid deal (44 role-days and two training sessions).
CORVID = {
    "customer": "Corvid Aerospace Systems",
    "line_items": [
        {"activity": "Architecture design", "role": "TA", "days": 6},
        {"activity": "HA primary build", "role": "PSE", "days": 12},
        {"activity": "Geo secondary", "role": "PSE", "days": 10},
        {"activity": "Air-gapped mirror and scanning", "role": "PSE", "days": 8},
        {"activity": "Project management", "role": "PM", "days": 8},
        {"activity": "training_system_administration", "units": 2},
    ],
}


def _shipped():
    return load_policy(Path(__file__).resolve().parents[2] / "policies")


def test_a_fixed_price_item_is_priced_units_times_its_price_with_its_own_cost():
    policy = _shipped()
    priced, problems = estimate(ScopingData.model_validate(CORVID), policy.rates, policy.catalog)
    assert problems == [] and priced is not None
    training = priced.lines[-1]
    assert (training.units, training.unit, training.role) == (Decimal(2), "session", "PSE")
    assert (training.amount, training.cost) == (Decimal("12000.00"), Decimal("3840.00"))
    assert priced.total_days == 44  # the sessions are not days
    assert priced.net_price == Decimal("116800.00")  # not 104,800: the training is sold
    assert priced.cogs == Decimal("49920.00")
    assert priced.margin_pct == Decimal("57.3")


def test_without_the_catalog_a_fixed_price_item_cannot_be_priced():
    policy = _shipped()
    priced, problems = estimate(ScopingData.model_validate(CORVID), policy.rates)
    assert priced is None
    assert problems == [
        "line_items[5].role is missing: 'training_system_administration' is not in the service "
        "catalog, so give its `role:`"
    ]


def test_a_fixed_price_item_needs_units_and_a_per_day_item_refuses_them():
    policy = _shipped()
    data = {
        "customer": "Acme",
        "line_items": [
            {"activity": "System Administration training", "days": 2},
            {"activity": "enablement", "units": 3},
        ],
    }
    _, problems = estimate(ScopingData.model_validate(data), policy.rates, policy.catalog)
    assert problems == [
        "line_items[0].units is missing: 'System Administration training' is priced per "
        "session (write e.g. `units: 2`)",
        "line_items[1].units is only for a fixed-price catalog item; 'enablement' is priced "
        "per day: write `days:`",
    ]


def test_an_activity_not_in_the_catalog_still_prices_from_the_rate_card():
    policy = _shipped()
    data = {
        "customer": "Acme",
        "line_items": [{"activity": "Bespoke thing", "role": "TA", "days": 2}],
    }
    priced, problems = estimate(ScopingData.model_validate(data), policy.rates, policy.catalog)
    assert problems == [] and priced is not None
    assert priced.net_price == Decimal("5600.00") and priced.cogs == Decimal("2560.00")


def test_a_per_day_estimate_keeps_its_revision_when_the_catalog_knows_its_items():
    """An approval is tied to the revision: adding the catalog must not change it."""
    policy = _shipped()
    data = ScopingData.model_validate(
        {"customer": "Acme", "line_items": [{"activity": "Enablement", "role": "PSE", "days": 2}]}
    )
    with_catalog, _ = estimate(data, policy.rates, policy.catalog)
    without, _ = estimate(data, policy.rates)
    assert with_catalog is not None and without is not None
    assert with_catalog.revision == without.revision


# The SoW draft composed from the catalog, through the planner as a run would post it.
def _sow(line_items):
    ws = workspace()
    data = {
        "customer": "Acme",
        "close_date": "2026-01-23",
        "currency": "USD",
        "people": {"sa": "felix", "ae": "imogen"},
        "confidence": {"value": "Green", "rationale": "PO raised"},
        "line_items": line_items,
    }
    issue = with_details(
        snapshot(labels=("Services Calculator", "proposal::SOW_WIP"), done=TASKS[:2], data=data)
    )
    result = plan_issue(ws.policy, issue, NOW, settings(ws))
    assert result.error is None, result.error
    [body] = [c.body for c in result.comments if c.template == "sow-draft.md.j2"]
    return body


def _section(body, number):
    start = body.index(f"### {number}. ")
    return body[start : body.index("### ", start + 4)]


def test_the_sow_lists_what_offerings_share_once_in_the_order_of_the_items():
    body = _sow(
        [
            {"activity": "Geo secondary", "role": "PSE", "days": 10},
            {"activity": "HA primary build", "role": "PSE", "days": 12},
        ]
    )
    assumptions = _section(body, 8)
    assert assumptions.count("Provisioned servers, storage and load balancers") == 1
    assert assumptions.count("The Customer provisions infrastructure before") == 1
    assert _section(body, 9).count("Ongoing operation and upgrades after hand-over") == 1
    deliverables = _section(body, 4)
    # Geo's deliverables first (its item comes first), then the HA build's, then the report
    assert (
        deliverables.index("A replicating Geo secondary site")
        < deliverables.index("A running HA primary site")
        < deliverables.index("A closing report")
    )
    objectives = _section(body, 2)
    assert "a disaster-recovery copy of GitLab kept in sync" in objectives
    assert "a highly available GitLab primary site in production" in objectives


TRAINING_EXCLUDED = "GitLab training courses, which are sold separately"


def test_an_exclusion_an_offering_sold_contradicts_is_dropped():
    # The catalog links the line to the offering (`unless_sold`), not by its words.
    enablement = {"activity": "Enablement", "role": "PSE", "days": 2}
    alone = _sow([enablement])
    assert TRAINING_EXCLUDED in _section(alone, 9)
    sold = _sow([enablement, {"activity": "training_system_administration", "units": 2}])
    assert TRAINING_EXCLUDED not in sold
    assert "Certification exams" in _section(sold, 9)  # the training's own line stays


def test_an_exclusion_naming_an_unknown_offering_is_refused_where_it_is_written():
    text = CATALOG.replace(
        "    description: Workshops.\n",
        "    description: Workshops.\n    out_of_scope:\n"
        "      - {text: Courses sold separately, unless_sold: [trainig]}\n",
    )
    (found,) = problems(text)
    assert found == (
        "catalog.yml:6:41: catalog[discovery].out_of_scope[0].unless_sold: `trainig` is not an "
        "offering id of the catalog\n    fix: name the id of the offering that contradicts the line"
    )


def test_the_ems_notes_show_under_their_item_escaped():
    body = _sow(
        [
            {
                "activity": "Enablement",
                "role": "PSE",
                "days": 2,
                "notes": "/close\n@all <img src=x> **two** sessions",
            }
        ]
    )
    scope = _section(body, 3)
    item = scope[scope.index("1. **Hands-on enablement.**") :]
    assert "\\/close @\u2060all &lt;img src=x&gt; \\*\\*two\\*\\* sessions" in item
    assert "\n/close" not in body and "@all" not in body and "<img" not in body


def test_an_activity_not_in_the_catalog_is_priced_and_marked_for_the_em():
    body = _sow([{"activity": "Saas discovery", "role": "PSE", "days": 3}])
    assert (
        "**Saas discovery.** **[Describe this activity: it is not in the service catalog.]**"
        in (_section(body, 3))
    )
    assert "- Saas discovery: **[describe what this activity delivers]**" in _section(body, 4)
    assert (
        '"Saas discovery" is not in the service catalog: sections 3 and 4 ask you to describe '
        "it (did you mean `saas_discovery_remote`?)." in body
    )
    assert "USD 7,200.00" in _section(body, 6)


def test_the_hand_off_and_the_delivery_issue_list_titles_days_or_units_and_amounts():
    """Won with 10% off: each item by its catalog title (not the code the EM wrote), its days or
    units and its amount at list price; the discount, so that they add up to the net price:
    2 x 6,000 + 2 PSE days x 2,400 = 16,800 list, less 1,680 = 15,120 net."""
    ws = workspace()
    data = {
        "customer": "Acme",
        "close_date": "2026-01-09",
        "discount_pct": 10,
        "line_items": [
            {"activity": "training_system_administration", "units": 2},
            {"activity": "enablement", "days": 2},
        ],
    }
    events = won(NOW - timedelta(hours=1))
    issue = snapshot(
        labels=("Services Calculator", "proposal::Closed_Won"), data=data, events=events
    )
    result = plan_issue(ws.policy, with_details(issue, (), events), NOW, settings(ws))
    [handoff] = [c.body for c in result.comments if c.template == "handoff.md.j2"]
    assert "- System Administration training (PSE, 2 sessions): USD 12,000.00\n" in handoff
    assert "- Hands-on enablement (PSE, 2 days): USD 4,800.00\n" in handoff
    assert "- Discount of 10% on the list price of USD 16,800.00: USD 1,680.00 off\n" in handoff
    assert "training_system_administration" not in handoff
    [delivery] = [i.description for i in result.new_issues]
    assert "| System Administration training | PSE | 2 sessions | USD 12,000.00 |" in delivery
    assert "| Hands-on enablement | PSE | 2 | USD 4,800.00 |" in delivery
    assert "| Discount of 10% | | | \u2212USD 1,680.00 |" in delivery
    assert "| **Total** | | **2 days** | **USD 15,120.00** |" in delivery
    # staffing: the role-days, and the sessions to schedule beside them
    assert "| PSE | 2 |\n| PSE: System Administration training | 2 sessions |" in delivery
