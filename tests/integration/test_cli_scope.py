"""Which project a run triages, and the forecast a run that sees no issue keeps (issue 20, item
10): `--project` > TRIAGE_PROJECT > the policy's `scope.project` > CI_PROJECT_PATH."""

import json

from click.testing import CliRunner

from triage.cli import main

from support import ROOT, bot_run, project_as

TOKEN = "demo-bot-token"


def invoke(url, *args, **env):
    environment = {
        "GITLAB_URL": url,
        "GITLAB_TOKEN": TOKEN,
        "TRIAGE_PROJECT": None,
        "CI_PROJECT_PATH": None,
        "CI_SERVER_URL": None,
        **env,
    }
    command, *rest = args
    paths = ["--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")]
    return CliRunner().invoke(main, [command, *paths, *rest], env=environment)


def scanned(result, report):
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    return data["scope"]["project"], data["issues_scanned"]


def test_the_pipelines_own_project_does_not_override_the_policys_scope(demo, tmp_path):
    """An operations repository's pipeline has CI_PROJECT_PATH=ps/ps-ops: the policy's
    `scope.project` (ps/ps-plan) is still the one triaged."""
    report = tmp_path / "r.json"
    result = invoke(demo.url, "plan", "--report", str(report), CI_PROJECT_PATH="ps/ps-ops")
    assert scanned(result, report) == ("ps/ps-plan", 9)


def test_triage_project_and_the_option_override_the_policy_in_that_order(demo, tmp_path):
    report = tmp_path / "r.json"
    env = {"TRIAGE_PROJECT": "ps/delivery", "CI_PROJECT_PATH": "ps/ps-ops"}
    assert scanned(invoke(demo.url, "plan", "--report", str(report), **env), report) == (
        "ps/delivery",
        0,
    )
    result = invoke(demo.url, "plan", "--report", str(report), "--project", "ps/ps-plan", **env)
    assert scanned(result, report) == ("ps/ps-plan", 9)


def test_the_pipelines_project_is_the_scope_when_the_policy_names_none(demo, tmp_path):
    policies = tmp_path / "policies"
    policies.mkdir()
    text = (ROOT / "policies/ps-scoping.yml").read_text()
    assert "  project: ps/ps-plan " in text
    (policies / "ps-scoping.yml").write_text(text.replace("  project: ps/ps-plan ", "  # ", 1))
    report = tmp_path / "r.json"
    result = CliRunner().invoke(
        main,
        [
            *("plan", "--policies", str(policies), "--templates", str(ROOT / "templates")),
            "--report",
            str(report),
        ],
        env={"GITLAB_URL": demo.url, "GITLAB_TOKEN": TOKEN, "CI_PROJECT_PATH": "ps/ps-plan"},
    )
    assert scanned(result, report) == ("ps/ps-plan", 9)


def forecast_description(url):
    [issue] = [
        i
        for i in project_as(url, "dana").issues.list(get_all=True, search="PS forecast")
        if i.title.startswith("PS forecast")
    ]
    return issue.description


def test_a_run_that_finds_no_issue_keeps_a_forecast_that_shows_deals_and_fails(demo):
    """The scope names a project without scoping issues (here TRIAGE_PROJECT set wrong): the
    run lists none, and would rewrite the leadership forecast with no deals. It writes nothing
    to it, says why on stderr and exits 1, so the scheduled job fails."""
    bot_run(demo.url)
    before = forecast_description(demo.url)
    assert "| Commit (Green) | 2 |" in before

    for mode in ("plan", "apply"):
        result = invoke(demo.url, mode, TRIAGE_PROJECT="ps/delivery")
        assert result.exit_code == 1, result.output
        assert (
            "error: forecast FY26-Q4 not rewritten: this run found no issue in scope "
            "(ps/delivery) while the forecast issue shows 4 deals; check the scope"
        ) in result.output
    assert forecast_description(demo.url) == before


def test_a_run_that_finds_no_issue_still_keeps_a_forecast_that_showed_none(demo):
    first = invoke(demo.url, "apply", TRIAGE_PROJECT="ps/delivery")
    assert first.exit_code == 0 and "forecast FY26-Q4: created" in first.output
    assert forecast_description(demo.url).startswith("<!-- ps-triage-forecast-fy26-q4 deals=0 -->")
    again = invoke(demo.url, "apply", TRIAGE_PROJECT="ps/delivery")
    assert again.exit_code == 0 and "forecast FY26-Q4: unchanged" in again.output
