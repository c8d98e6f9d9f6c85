"""`render --docx` dates the document by the team's time zone, as a run does (issue 33.18: it
used the UTC date)."""

from click.testing import CliRunner
from test_init_for_another_team import edit

from triage.cli import main


def test_the_document_is_dated_the_teams_day(tmp_path, monkeypatch):
    target = tmp_path / "ops"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    policy = target / "policies/ps-scoping.yml"
    lines = [
        line for line in policy.read_text().splitlines() if not line.startswith("  time_zone:")
    ]
    policy.write_text("\n".join(lines) + "\n")
    edit(policy, ("\ncalendar:\n", "\ncalendar:\n  time_zone: Asia/Seoul\n"))
    monkeypatch.chdir(target)
    (target / "deal.yml").write_text(
        "customer: Acme\nline_items: [{activity: Discovery, role: PSE, days: 2}]\n"
    )
    # 16:00 UTC on 12 January is 01:00 on 13 January in Seoul.
    rendered = CliRunner().invoke(
        main,
        ["--now", "2026-01-12T16:00:00Z", "render", "sow", "--data", "deal.yml", "--docx", "out"],
    )
    assert rendered.exit_code == 0, rendered.output
    assert [p.name for p in (target / "out").iterdir()] == ["Acme-SoW-2026-01-13.docx"]
