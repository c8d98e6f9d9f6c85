"""`triage validate` names a forecast target of a quarter that never comes (issue 33.7): one
over before the current quarter began, as the policy names quarters (`calendar.
fiscal_year_named_by`), with the fix, and the other naming's dates when under it the target
would still come. A warning: validate passes."""

from click.testing import CliRunner

from triage.cli import main


def validate(tmp_path, monkeypatch, targets, named="end", now="2026-12-07"):
    target = tmp_path / f"ops-{len(list(tmp_path.iterdir()))}"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    monkeypatch.chdir(target)
    policy = target / "policies/ps-scoping.yml"
    text = policy.read_text().replace("\nforecast:\n", f"\nforecast:\n  targets: {targets}\n", 1)
    text = text.replace("fiscal_year_named_by: end", f"fiscal_year_named_by: {named}", 1)
    policy.write_text(text)
    result = CliRunner().invoke(main, ["--now", now, "validate"])
    assert result.exit_code == 0, result.output
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("  targets:"))
    return result.stderr, line


def test_validate_names_a_target_for_a_quarter_that_never_comes(tmp_path, monkeypatch):
    # On 2026-12-07 the quarter is FY27-Q4 (Nov 2026 - Jan 2027, named by the end year). The
    # team wrote its targets by the start year: FY26-Q4 is this quarter for it, a year gone here.
    warned, line = validate(tmp_path, monkeypatch, "{FY26-Q4: 400000, FY27-Q4: 500000}")
    assert (
        f"warning: policies/ps-scoping.yml:{line}:13: forecast.targets.FY26-Q4: FY26-Q4 is "
        "2025-11-01..2026-01-31 (fiscal years named by the year they end in): it ended before "
        "this quarter, FY27-Q4, began, so no forecast is for it\n"
        "    fix: write the target of a quarter to come, or delete it; if your team names a "
        "fiscal year by the year it starts in, set `calendar.fiscal_year_named_by: start` "
        "(FY26-Q4 is then 2026-11-01..2027-01-31)\n"
    ) in warned
    assert "FY27-Q4:" not in warned  # this quarter's


def test_validate_is_quiet_about_targets_of_quarters_to_come(tmp_path, monkeypatch):
    warned, _ = validate(tmp_path, monkeypatch, "{FY26-Q4: 400000, FY27-Q1: 1}", named="start")
    assert "forecast.targets" not in warned
    warned, _ = validate(tmp_path, monkeypatch, "{FY25-Q3: 1}", named="start", now="2026-12-07")
    assert "forecast.targets.FY25-Q3: FY25-Q3 is 2025-08-01..2025-10-31" in warned
    assert "fiscal_year_named_by" not in warned  # gone whatever the naming
