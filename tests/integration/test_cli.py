"""The `triage` command as a GitLab admin runs it: exit codes, messages, the JSON report."""

import json
import re
import socket

import docx
import pytest
from click.testing import CliRunner

from gitlab_emulator.testing import admin
from triage.cli import main
from triage.gitlab.readers import CAP, FLOOR, START
from triage.testing import BOT_TOKEN

from support import GATE_DATA, GATE_TASKS, ROOT

TOKEN = "demo-bot-token"


def invoke(args, url=None, token=TOKEN, **env):
    environment = {
        "GITLAB_URL": url,
        "GITLAB_TOKEN": token,
        "TRIAGE_PROJECT": None,
        "CI_PROJECT_PATH": None,
        "CI_SERVER_URL": None,
        **env,
    }
    paths = ["--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")]
    with_paths = (
        [args[0], *paths, *args[1:]]
        if args[0] in ("validate", "plan", "apply", "explain", "render")
        else args
    )
    return CliRunner().invoke(main, with_paths, env=environment, catch_exceptions=False)


def test_validate_ok():
    result = invoke(["validate"])
    # every comment template of the folder, checked (a new template changes the count, not this)
    templates = sum(1 for path in (ROOT / "templates").glob("*.j2"))
    assert (
        result.exit_code == 0
        and result.stdout
        == f"ok: 9 stages, 18 transitions, 28 rules, {templates} templates,"
        " 1 issue template with a scoping data block\n"
    )
    # The shipped policy's calendar names its US team's country (US public holidays): no
    # warning of a UTC calendar that skips no holiday (tests/integration/test_validate_leftovers).
    assert result.stderr == ""


def test_validate_reports_file_line_and_fix(tmp_path):
    text = (ROOT / "policies/ps-scoping.yml").read_text()
    text = text.replace("when: {task: Discovery call held}", "when: {tsk: Discovery call held}")
    (tmp_path / "p.yml").write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "{tsk: Discovery" in t)
    result = CliRunner().invoke(
        main, ["validate", "--policies", str(tmp_path), "--templates", str(ROOT / "templates")]
    )
    assert result.exit_code == 1
    assert (
        f"{tmp_path}/p.yml:{line}:7: lifecycle.transitions[discovery-held].when: a condition is a mapping"
        in result.output
    )
    assert "fix: did you mean `task`?" in result.output


def test_validate_renders_templates_and_names_the_broken_one(tmp_path):
    for template in (ROOT / "templates").iterdir():
        (tmp_path / template.name).write_bytes(template.read_bytes())
    (tmp_path / "transition.md.j2").write_text("Moved to {{ transition.too_label }}\n")
    result = CliRunner().invoke(
        main, ["validate", "--policies", str(ROOT / "policies"), "--templates", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert (
        "transition.md.j2:1: 'dict object' has no attribute 'too_label' (rendering for transition discovery-held)"
        in result.output
    )


def test_plan_writes_a_report_and_nothing_to_gitlab(demo, tmp_path):
    report = tmp_path / "report.json"
    result = invoke(["plan", "--report", str(report)], demo.url)
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert (
        data["mode"] == "plan"
        and data["issues_scanned"] == 9
        and data["writes"] == 0
        and data["errors"] == []
    )
    assert data["api_requests"]["POST"] == data["api_requests"]["PUT"] == 0
    assert {(c["project"], c["iid"], c["kind"]) for c in data["changes"]} >= {
        ("ps/ps-plan", 4106, "labels"),
        ("ps/ps-plan", 4106, "comment"),
    }
    assert "#4106" in result.output and "triaged: none -> Awaiting_Discovery" in result.output
    served = admin(demo.url, "stats")["requests"]
    assert served["POST"] == served["PUT"] == 0


def test_apply_twice_second_report_has_no_writes(demo, tmp_path):
    assert invoke(["apply"], demo.url).exit_code == 0
    report = tmp_path / "again.json"
    result = invoke(["apply", "--report", str(report)], demo.url)
    data = json.loads(report.read_text())
    assert result.exit_code == 0 and data["writes"] == 0 and data["changes"] == []
    assert "nothing to do" in result.output


def test_an_invalid_policy_stops_before_any_write_having_read_only_who_the_bot_is(demo, tmp_path):
    """The run asks GitLab who the bot is while it loads its policy (`ask_ahead`): that read may
    have reached GitLab, and nothing else."""
    (tmp_path / "p.yml").write_text("lifecycle: {stages: [{id: A}]}\n")
    result = CliRunner().invoke(
        main,
        ["apply", "--policies", str(tmp_path), "--templates", str(ROOT / "templates")],
        env={"GITLAB_URL": demo.url, "GITLAB_TOKEN": TOKEN},
    )
    assert result.exit_code == 1 and "nothing was written" in result.output
    stats = admin(demo.url, "stats")
    assert stats["requests"]["POST"] == stats["requests"]["PUT"] == stats["requests"]["DELETE"] == 0
    assert set(stats["routes"]) <= {"GET /user"}, stats["routes"]


def test_one_issue_only(demo):
    result = invoke(["apply", "--issue", "4106"], demo.url)
    assert result.exit_code == 0 and "#4106" in result.output and "#4105" not in result.output


def test_project_override(demo):
    result = invoke(["plan", "--project", "ps/elsewhere"], demo.url)
    assert result.exit_code == 1 and "answered 404 (404 Project Not Found)" in result.output


def test_explain_judges_a_gated_label_against_the_approvers_as_a_run_does(demo):
    """#4101: the director (rowan) approved it, a TA reviewed it. `explain` said both were set by
    "not an approver" (it judged them against no approvers) and planned to take them back."""
    result = invoke(["explain", "4101"], demo.url)
    assert result.exit_code == 0, result.output
    plan = result.output.split("the plan for this issue:")[1]
    assert "not an approver" not in plan and "-proposal::Approved" not in plan
    assert "refused/" not in plan


def test_explain_reads_the_emoji_on_the_approval_request_as_a_run_does(scoping):
    """The director's :thumbsup: on the bot's approval request: `explain` planned without reading
    the request's award emoji, so it showed no approval where the run approves."""
    iid = scoping.issue(stage="Ready For Approval", tasks=GATE_TASKS, data=GATE_DATA)
    scoping.run()
    [request] = scoping.comments(iid, "approval-request")
    director = scoping.as_person("rowan").issues.get(iid, lazy=True)
    note = next(n for n in director.notes.list(get_all=True) if n.body == request)
    director.notes.get(note.id, lazy=True).awardemojis.create({"name": "thumbsup"})
    result = invoke(["explain", str(iid)], scoping.emulator.url, token=BOT_TOKEN)
    assert result.exit_code == 0, result.output
    plan = result.output.split("the plan for this issue:")[1]
    assert "+proposal::Approved" in plan and "approved by @rowan with :thumbsup:" in plan


def test_explain_shows_each_condition_and_what_it_saw(demo):
    result = invoke(["explain", "4103"], demo.url)
    assert result.exit_code == 0, result.output
    assert "price-and-scope-agreed: Estimate_Feedback -> SOW_WIP  priority 0" in result.output
    assert "✗ task 'Customer agreed price and scope' is not ticked" in result.output
    assert "✓ label `EM_Confidence::Green` is present" in result.output
    assert "✓ field `confidence.rationale` is set: Customer confirmed budget" in result.output
    # what the planner sees: the rate card prices the estimate (it once saw an empty one)
    assert "✓ estimate valid: 38 days, net USD 88,800.00" in result.output
    assert "{'" not in result.output and "'}" not in result.output  # no Python reprs
    assert (
        "discovery-held: Awaiting_Discovery -> Strawman_WIP  (not from this stage)" in result.output
    )
    assert (
        "the plan for this issue:\n  comment: estimate-summary/estimate-summary.md.j2 (rev "
        in result.output
    )


def test_graph_is_mermaid():
    result = CliRunner().invoke(main, ["graph", "--policies", str(ROOT / "policies")])
    assert result.output.startswith("flowchart TD\n")  # top-down: legible in a GitLab comment
    assert 's3 -->|"price-and-scope-agreed"| s4' in result.output
    assert 's5 -.->|"director-approves (people)"| s6' in result.output
    # the moves from any stage are drawn once each, from one grouped node
    into_lost = [line for line in result.output.splitlines() if line.endswith("| s9")]
    assert into_lost == ['  g1 -->|"stale-lost"| s9', '  g2 -->|"lost"| s9']
    assert 'g2{{"any open issue"}}' in result.output
    # never from a deal waiting for approval or approved (issue 30)
    assert (
        'g1{{"any of none, Awaiting_Discovery, Strawman_WIP, Estimate_Feedback, SOW_WIP, On_hold"}}'
        in result.output
    )


def test_bad_token_is_one_clear_line_and_never_printed(demo):
    secret = "glpat-not-the-right-one-123"
    result = invoke(["apply"], demo.url, token=secret)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"apply: ps/ps-plan at {demo.url}",
        f"error: GitLab at {demo.url} refused the token (401): check GITLAB_TOKEN is set, valid and not expired",
    ]
    assert secret not in result.output


def test_unreachable_gitlab():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        result = invoke(["plan"], f"http://127.0.0.1:{port}")
    assert result.exit_code == 1
    assert (
        result.output.strip().splitlines()[-1]
        == f"error: cannot reach GitLab at http://127.0.0.1:{port}: ConnectionError"
    )


def test_missing_settings_say_what_to_set():
    assert "no GitLab URL" in invoke(["plan"], None).output
    assert "no token: set GITLAB_TOKEN" in invoke(["plan"], "http://127.0.0.1:9", token=None).output


def test_the_token_never_reaches_the_report_or_output(demo, tmp_path):
    report = tmp_path / "r.json"
    result = CliRunner().invoke(
        main,
        [
            "-v",
            "apply",
            "--policies",
            str(ROOT / "policies"),
            "--templates",
            str(ROOT / "templates"),
            "--report",
            str(report),
        ],
        env={"GITLAB_URL": demo.url, "GITLAB_TOKEN": TOKEN},
    )
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output and TOKEN not in report.read_text()


@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_hides_progress(demo, flag):
    result = CliRunner().invoke(
        main,
        [
            flag,
            "plan",
            "--policies",
            str(ROOT / "policies"),
            "--templates",
            str(ROOT / "templates"),
        ],
        env={"GITLAB_URL": demo.url, "GITLAB_TOKEN": TOKEN},
    )
    assert "at http" not in result.output and "plan: 9 issues scanned" in result.output


def test_demo_runs_end_to_end():
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Run 4: triage apply again" in result.output
    assert "The last run made 0 writes" in result.output
    # the runs keep a details cache: the last one plans the issues run 3 did not write to from it
    # (#4105, and #4102 whose SoW is due only at 15:00 that day: two business days of hours)
    assert "2 issues' details remembered, not read" in result.output.split("Run 4:")[1]
    # run 2 writes to all nine, so it read each again first: none was planned from memory
    assert "remembered" not in result.output.split("Run 2:")[1].split("Run 3:")[0]
    # then the Salesforce sync against the fake org: three opportunities written once, and the
    # win recorded in Salesforce alone flagged, not recorded in GitLab
    sync = result.output.split("=== The Salesforce sync")[1]
    first, again = sync.split("--- triage salesforce apply again ---")
    assert "wrote 3 opportunities" in first and "0 to write" in again
    assert "#4105: Salesforce disagrees: Salesforce says the opportunity is won" in first
    assert "#4102: Salesforce disagrees" not in sync


def test_render_from_a_data_file(tmp_path):
    data = tmp_path / "acme.yml"
    data.write_text(
        "customer: Acme Widgets\nline_items:\n  - {activity: Discovery, role: PSE, days: 3}\n"
    )
    result = invoke(["render", "sow-draft.md.j2", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("## Statement of Work PS-SOW-")
    assert "| 1 | Discovery | PSE | 3 |" in result.output and "Fees: USD 7,200.00." in result.output


def test_render_names_the_data_problem(tmp_path):
    data = tmp_path / "bad.yml"
    data.write_text("customer: X\nline_items: [{activity: A, role: QA, days: 1}]\n")
    result = invoke(["render", "sow-draft.md.j2", "--data", str(data)])
    assert result.exit_code == 1
    assert (
        "estimate: line_items[0].role 'QA' is not in the rate card (PM, PSE, TA)" in result.output
    )


def test_render_names_the_lines_of_the_data_file(tmp_path):
    data = tmp_path / "typo.yml"
    data.write_text("customer: X\npeople: {ae: all}\nclose_date: 9999-12-31\n")
    result = invoke(["render", "sow-draft.md.j2", "--data", str(data)])
    assert result.exit_code == 1
    assert "  line 3, `close_date`: a date between" in result.output
    assert "  line 2, `people.ae`: @all would notify everyone" in result.output


def test_render_for_a_live_issue_writes_nothing(demo):
    result = invoke(
        ["render", "approval-request.md.j2", "--issue", "4102"],
        demo.url,
    )
    assert result.exit_code == 0, result.output
    assert (
        "### Approval request: Corvid Aerospace Systems" in result.output
        and "@rowan" in result.output
    )
    served = admin(demo.url, "stats")["requests"]
    assert served["POST"] == served["PUT"] == 0


def test_render_writes_the_word_sow_from_a_data_file(tmp_path):
    data = tmp_path / "acme.yml"
    data.write_text(
        "customer: Acme Widgets\nline_items:\n  - {activity: Discovery, role: PSE, days: 3}\n"
    )
    result = invoke(
        ["render", "sow", "--data", str(data), "--docx", str(tmp_path), "--now", "2026-11-27"]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "Acme-Widgets-SoW-2026-11-27.docx"
    assert result.output.startswith(f"wrote {out} (")
    document = docx.Document(str(out))
    assert document.paragraphs[1].text == "Acme Widgets"
    lines = [[c.text for c in row.cells] for row in document.tables[1].rows]
    assert lines[1][2:] == ["PSE", "3", "USD 7,200.00"]


def test_render_writes_the_word_sow_of_a_live_issue_and_nothing_to_gitlab(demo, tmp_path):
    out = tmp_path / "corvid.docx"
    result = invoke(["render", "sow.docx", "--issue", "4102", "--docx", str(out)], demo.url)
    assert result.exit_code == 0, result.output
    assert docx.Document(str(out)).paragraphs[1].text == "Corvid Aerospace Systems"
    served = admin(demo.url, "stats")["requests"]
    assert served["POST"] == served["PUT"] == served["DELETE"] == 0


def test_a_pdf_without_libreoffice_is_skipped_with_a_line_saying_why(tmp_path):
    data = tmp_path / "acme.yml"
    data.write_text("customer: Acme\nline_items:\n  - {activity: Discovery, role: PSE, days: 3}\n")
    out = tmp_path / "acme.docx"
    empty = tmp_path / "bin"
    empty.mkdir()
    args = ["render", "sow", "--data", str(data), "--docx", str(out), "--pdf"]
    result = invoke(args, PATH=str(empty))
    assert result.exit_code == 0, result.output
    assert out.is_file() and not out.with_suffix(".pdf").exists()
    assert "PDF skipped: LibreOffice is not installed (no `soffice` on PATH)" in result.output


def test_a_pdf_libreoffice_fails_to_make_is_reported(tmp_path):
    data = tmp_path / "acme.yml"
    data.write_text("customer: Acme\nline_items:\n  - {activity: Discovery, role: PSE, days: 3}\n")
    out = tmp_path / "acme.docx"
    programs = tmp_path / "bin"
    programs.mkdir()
    soffice = programs / "soffice"
    soffice.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    soffice.chmod(0o755)
    args = ["render", "sow", "--data", str(data), "--docx", str(out), "--pdf"]
    result = invoke(args, PATH=str(programs))
    assert result.exit_code == 0, result.output
    assert (
        "PDF skipped: LibreOffice did not convert acme.docx (exit 1: Error: source file could "
        "not be loaded)" in result.output
    )


def test_validate_renders_the_word_template_and_names_it_when_broken(tmp_path):
    for template in (ROOT / "templates").iterdir():
        (tmp_path / template.name).write_bytes(template.read_bytes())
    broken = docx.Document()
    broken.add_paragraph("Fees: {{ estimate.net_prize | money }}")
    broken.save(str(tmp_path / "sow.docx"))
    result = invoke(["validate", "--templates", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        "sow.docx: 'dict object' has no attribute 'net_prize' (in the paragraph 'Fees: {{ "
        "estimate.net_prize | money }}') (rendering it against the sample issue)" in result.output
    )


def test_validate_names_a_word_template_the_policy_names_but_the_folder_lacks(tmp_path):
    for template in (ROOT / "templates").iterdir():
        if template.name != "sow.docx":
            (tmp_path / template.name).write_bytes(template.read_bytes())
    result = invoke(["validate", "--templates", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        "Word template 'sow.docx' (named by rule sow-draft, rule late-sow-draft) is not in the "
        "templates folder" in result.output
    )


def test_render_needs_one_source():
    result = invoke(["render", "sow-draft.md.j2"])
    assert (
        result.exit_code == 2 and "give exactly one of --issue IID or --data FILE" in result.output
    )


def test_a_guest_token_is_refused_before_any_write():
    from gitlab_emulator.testing import running_emulator
    from triage.commands.demo_data import demo_seed

    seed = demo_seed()
    seed["users"].append({"username": "gus", "token": "gus-token"})
    seed["projects"][0]["members"].append({"username": "gus", "access_level": 10})
    with running_emulator(seed) as emu:
        result = CliRunner().invoke(
            main,
            ["apply", "--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")],
            env={"GITLAB_URL": emu.url, "GITLAB_TOKEN": "gus-token"},
        )
        assert result.exit_code == 1
        assert result.output.strip().splitlines()[-1] == (
            "error: @gus has Guest access to ps/ps-plan: ps-triage needs Reporter (or above) to set labels "
            "and close issues; nothing was written"
        )
        served = admin(emu.url, "stats")["requests"]
        assert served["POST"] == served["PUT"] == served["DELETE"] == 0


def new_issues(count, **extra):
    """The demo's project with `count` more copies of its first issue (each needs its notes and
    label events read to be planned), and `extra` seed settings."""
    from triage.commands.demo_data import demo_seed

    seed = {**demo_seed(), **extra}
    first = seed["projects"][0]["issues"][0]
    seed["projects"][0]["issues"] += [{**first, "iid": iid} for iid in range(5001, 5001 + count)]
    return seed


@pytest.mark.parametrize(
    ("args", "env", "in_flight"),
    [
        (["--readers", "12"], {}, 12),
        ([], {"TRIAGE_READERS": "3"}, 3),
    ],
)
def test_readers_set_how_many_issues_are_read_at_once(args, env, in_flight):
    from gitlab_emulator.testing import running_emulator

    with running_emulator(new_issues(40, faults={"latency_ms": 30})) as emu:
        result = invoke(["plan", *args], emu.url, **env)
        stats = admin(emu.url, "stats")
    assert result.exit_code == 0, result.output
    assert stats["routes"]["GET /projects/:id/issues/:noteable_id/notes"] > 40
    assert stats["peak_in_flight"] == in_flight


def auto_readers(faults, tmp_path, *args, **env):
    """A plan of 60 new issues (120 reads) with readers left to the run: what its report says
    of them, and the most requests the emulator answered at once."""
    from gitlab_emulator.testing import running_emulator

    report = tmp_path / "report.json"
    with running_emulator(new_issues(60, faults=faults)) as emu:
        result = invoke(["plan", "--report", str(report), *args], emu.url, **env)
        stats = admin(emu.url, "stats")
    assert result.exit_code == 0, result.output
    return json.loads(report.read_text())["readers"], stats["peak_in_flight"]


@pytest.mark.parametrize("how", [{}, {"TRIAGE_READERS": "auto"}])
def test_a_gitlab_far_away_but_idle_gets_more_readers(how, tmp_path):
    readers, peak = auto_readers({"latency_ms": 100}, tmp_path, **how)
    assert readers["auto"] is True
    assert START < readers["most_at_once"] <= CAP
    assert peak > START + 1  # more reads than it started with, and the listing's page


def test_a_gitlab_whose_few_workers_make_reads_queue_gets_fewer(tmp_path):
    readers, _ = auto_readers({"workers": 2, "work_ms": 20}, tmp_path, "--readers", "auto")
    assert readers["most_at_once"] == START  # it never grew
    assert readers["at_end"] <= 4


def test_more_readers_keep_more_of_a_rate_limit_window_in_hand():
    from gitlab_emulator.testing import running_emulator

    limit = {"per_minute": 50, "headers": True, "period_seconds": 1}
    with running_emulator(new_issues(40, rate_limit=limit)) as emu:
        result = invoke(["plan", "--readers", "24"], emu.url)
        stats = admin(emu.url, "stats")
    assert result.exit_code == 0, result.output
    assert sum(stats["requests"].values()) > 50  # more than a window's worth
    assert stats["throttled"] == 0  # and never a 429


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_the_help_gives_the_readers_default_the_run_uses(command):
    shown = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
    assert f"[default: auto: from {START}, up to {CAP} while" in shown
    assert f"down to {FLOOR} when its answers queue]" in shown


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["--readers", "0"], {}, "'0' is neither a number from 1 to 32 nor 'auto'"),
        ([], {"TRIAGE_READERS": "many"}, "TRIAGE_READERS='many' is neither"),
    ],
)
def test_a_bad_number_of_readers_is_named_where_it_was_given(args, env, said):
    result = CliRunner().invoke(main, ["plan", *args], env=env)
    assert result.exit_code == 2
    assert said in " ".join(result.output.split())


def test_explain_shows_the_assignee_the_plan_assigns_and_explains_a_closed_issue():
    """Issue 33.16: explain planned one issue alone, so it showed no EM where plan assigns one,
    and a closed issue was 'not in scope ({...})', the scope as a Python dict."""
    import gitlab

    from gitlab_emulator.testing import running_emulator
    from triage.commands.demo_data import demo_seed

    with running_emulator(demo_seed()) as emu:
        project = gitlab.Gitlab(emu.url, private_token="dana-token").projects.get("ps/ps-plan")
        new = project.issues.create(
            {
                "title": "Tern Shipping - Scope Issue and Write SOW",
                "labels": "Services Calculator,Segment::MM_APAC",
            }
        ).iid
        planned = invoke(["plan"], emu.url)
        [chosen] = re.findall(rf"#{new} .*?assignment: @(\w+)", planned.output)
        explained = invoke(["explain", str(new)], emu.url)
        assert explained.exit_code == 0, explained.output
        assert f"\n  assign: {chosen}\n" in explained.output.split("the plan for this issue:")[1]
        project.issues.update(4104, {"state_event": "close"})
        closed = invoke(["explain", "4104"], emu.url)
        assert closed.exit_code == 0, closed.output
        assert "state: closed" in closed.output and "{'" not in closed.output
        missing = invoke(["explain", "9999"], emu.url)
    assert missing.exit_code == 1
    assert "issue #9999 is not in scope (project ps/ps-plan, labels Services Calculator)" in (
        missing.output
    )
