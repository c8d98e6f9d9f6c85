"""`triage demo` in an operations repository whose policy names its own projects and groups
(issue 33.9: it stopped at `404 Project Not Found`, though the README says it runs there)."""

from click.testing import CliRunner

from triage.cli import main

PATHS = {
    "ps/ps-plan": "hanbit/scoping",
    "ps/delivery": "hanbit/delivery",
    "ps/ps-scheduling": "hanbit/scheduling",
    "ps/ps-directors": "hanbit/directors",
}


def test_the_demo_runs_in_a_repository_with_its_own_projects_and_groups(tmp_path, monkeypatch):
    target = tmp_path / "ops"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    policy = target / "policies/ps-scoping.yml"
    text = policy.read_text()
    for old, new in PATHS.items():
        assert old in text, old
        text = text.replace(old, new)
    policy.write_text(text)
    monkeypatch.chdir(target)
    demo = CliRunner().invoke(main, ["demo"])
    assert demo.exit_code == 0, demo.output
    assert "Opened in hanbit/delivery: #1 Bramblewood Financial - Delivery hand-off" in demo.output
    assert "The last run made 0 writes" in demo.output
