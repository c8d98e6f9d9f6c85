"""A deal written with catalog activities gets, over GitLab's API, a SoW draft composed from the
service catalog, with its fixed-price training priced per session."""

import json

from click.testing import CliRunner

from triage.cli import main
from triage.testing import scoping_gitlab

from support import ROOT

DEAL = {
    "customer": "Corvid Aerospace Systems",
    "line_items": [
        {"activity": "architecture_design", "days": 6},
        {"activity": "ha_build", "days": 12},
        {"activity": "Geo secondary", "role": "PSE", "days": 10, "notes": "Huntsville site"},
        {"activity": "Air-gapped mirror and scanning", "role": "PSE", "days": 8},
        {"activity": "project_management", "days": 8},
        {"activity": "training_system_administration", "units": 2},
    ],
}


def test_a_deal_of_catalog_items_gets_a_sow_draft_composed_from_the_catalog():
    with scoping_gitlab(ROOT / "policies", ROOT / "templates") as scoping:
        iid = scoping.issue(
            stage="Estimate_Feedback",
            data=DEAL,
            tasks=["Discovery call held", "Customer agreed price and scope"],
        )
        scoping.run()  # over the TA threshold: a TA reviews it first
        ta = scoping.as_person(scoping.member_of("ps/ps-ta")).issues.get(iid)
        ta.labels = [*ta.labels, "TA::Approved"]
        ta.save()
        scoping.run()
        assert scoping.stage(iid) == "SOW_WIP"
        [sow] = scoping.comments(iid, "sow-draft")
        assert "| 6 | System Administration training | PSE | 2 sessions |" in sow
        assert "| 1 | Reference architecture design | TA | 6 |" in sow  # role from the catalog
        assert "- Fees: USD 116,800.00." in sow
        assert "- a disaster-recovery copy of GitLab kept in sync" in sow
        assert "**Geo secondary site.** A Geo secondary site set up" in sow
        assert "   Huntsville site" in sow
        assert sow.count("- Ongoing operation and upgrades after hand-over") == 1
        [cost] = scoping.comments(iid, "cost-estimate")
        assert (
            "| System Administration training | PSE | 2 sessions | USD 1,920.00 per session | USD 3,840.00 |"
            in cost
        )
        assert "- COGS: USD 49,920.00" in cost


def test_triage_catalog_lists_the_offerings_for_a_handbook_page_and_as_json():
    policies = str(ROOT / "policies")
    terminal = CliRunner().invoke(main, ["catalog", "--policies", policies])
    assert terminal.exit_code == 0, terminal.output
    assert "training_system_administration" in terminal.output
    assert "System Administration training (USD 6,000.00 per session)" in terminal.output
    page = CliRunner().invoke(main, ["catalog", "--policies", policies, "--format", "markdown"])
    assert "## GitLab.com SSO configuration (`saas_sso_configuration_remote`)" in page.output
    assert "*PSE, typically 2 days; USD 2,400.00 per PSE day*" in page.output
    listed = json.loads(
        CliRunner().invoke(main, ["catalog", "--policies", policies, "--format", "json"]).output
    )
    assert {"id": "training_system_administration"}.items() <= listed[-1].items()
    assert listed[-1]["fixed"] == {"unit": "session", "plural": None, "price": 6000.0}
    assert listed[-1]["price"] == {"amount": 6000.0, "currency": "USD", "per": "session"}
    by_id = {offering["id"]: offering for offering in listed}
    assert by_id["saas_sso_configuration_remote"]["price"] == {
        "amount": 2400.0,
        "currency": "USD",
        "per": "PSE day",
    }
    # A published catalog never carries the cost side (COGS is internal).
    assert not any("cost" in json.dumps(offering) for offering in listed)


def test_validate_refuses_a_catalog_offering_whose_role_has_no_rate_with_file_and_line(tmp_path):
    """Neither a rate nor a fixed price: a per-day offering whose role the rate card lacks."""
    shipped = (ROOT / "policies" / "catalog.yml").read_text()
    (tmp_path / "ps-scoping.yml").write_text((ROOT / "policies" / "ps-scoping.yml").read_text())
    broken = shipped.replace("    role: TA\n    days: 6\n", "    role: Architect\n    days: 6\n")
    assert broken != shipped
    (tmp_path / "catalog.yml").write_text(broken)
    line = broken.splitlines().index("    role: Architect") + 1
    result = CliRunner().invoke(
        main, ["validate", "--policies", str(tmp_path), "--templates", str(ROOT / "templates")]
    )
    assert result.exit_code == 1
    assert (
        f"{tmp_path}/catalog.yml:{line}:5: catalog[architecture_design].role: role `Architect` "
        "is not in the rate card (PM, PSE, TA)" in result.output
    ), result.output
    assert "fix: use a role of `rates.roles`, or add it there" in result.output
