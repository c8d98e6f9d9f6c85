"""`triage validate` reads and prices the scoping issue template's data block with the policy,
and names each problem by file:line."""

from click.testing import CliRunner

from triage.cli import main

TEMPLATE = ".gitlab/issue_templates/Scoping.md"


def _repo(tmp_path):
    ops = tmp_path / "ops"
    assert CliRunner().invoke(main, ["init", str(ops)]).exit_code == 0
    return ops


def _line(path, text):
    return path.read_text().splitlines().index(text) + 1


def _validate(*args):
    return CliRunner().invoke(main, ["validate", *args])


def test_validate_prices_the_issue_template_of_the_repository_it_runs_in(tmp_path, monkeypatch):
    ops = _repo(tmp_path)
    monkeypatch.chdir(ops)
    result = _validate()
    assert result.exit_code == 0, result.output
    assert "1 issue template with a scoping data block" in result.output


def test_a_role_missing_from_the_rate_card_is_refused_at_its_line(tmp_path, monkeypatch):
    ops = _repo(tmp_path)
    template = ops / TEMPLATE
    text = template.read_text()
    template.write_text(text.replace("role: PSE, days: 5", "role: Architect, days: 5"))
    line = _line(template, "  - {activity: Discovery and wave planning, role: Architect, days: 5}")
    monkeypatch.chdir(ops)
    result = _validate()
    assert result.exit_code == 1, result.output
    assert (
        f"{TEMPLATE}:{line}: line_items[0].role 'Architect' is not in the rate card"
        in result.output
    )
    assert "fix: use a role of `rates.roles` (PM, PSE, TA), or add it there" in result.output


def test_an_unreadable_data_block_is_refused_at_its_line_found_beside_the_policies(
    tmp_path, monkeypatch
):
    ops = _repo(tmp_path)
    template = ops / TEMPLATE
    template.write_text(template.read_text().replace("close_date: 2026-01-30", "close_date: soon"))
    line = _line(template, "close_date: soon       # the SFDC close date, YYYY-MM-DD")
    monkeypatch.chdir(tmp_path)  # elsewhere: the template is found next to the policies folder
    result = _validate("--policies", str(ops / "policies"), "--templates", str(ops / "templates"))
    assert result.exit_code == 1, result.output
    assert f"{TEMPLATE}:{line}: close_date:" in result.output
    assert "write the date as YYYY-MM-DD" in result.output
