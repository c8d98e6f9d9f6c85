"""Comments that stay true: a problem note marked resolved once the problem is gone; a SoW
revision that follows what the customer reads, not the deal's internal dates."""

from dataclasses import replace

import pytest
from pydantic import ValidationError
from test_golden import BRAMBLEWOOD

from triage.issues.markers import find_marker, resolve, supersede
from triage.issues.snapshot import Note
from triage.planner import plan_issue
from triage.runner.apply import _words

from support import BOT, NOW, settings, snapshot, with_details, workspace

WS = workspace()
PROBLEM = "<!-- ps-triage:data-block-problem/data-block-problem.md.j2 rev=aaaaaaaaaaaa -->\nbad"


def plan(issue):
    issue = with_details(issue, issue.notes or (), issue.label_events or ())
    issue_plan = plan_issue(WS.policy, issue, NOW, settings(WS))
    assert issue_plan.error is None and not issue_plan.needs, issue_plan
    return issue_plan


def sow_draft(data):
    issue = snapshot(labels=("Services Calculator", "proposal::SOW_WIP"), data=data)
    return [c for c in plan(issue).comments if c.template == "sow-draft.md.j2"]


def test_a_data_block_problem_note_is_marked_resolved_once_the_block_is_fixed():
    fixed = snapshot(
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data=BRAMBLEWOOD,
        updated="2026-01-12T08:30:00Z",
        notes=(Note(5, BOT, PROBLEM, NOW),),
    )
    [edit] = plan(fixed).edits
    assert edit.note_id == 5 and edit.resolved
    body = resolve(edit.body)
    assert "**Resolved**" in body and find_marker(body).resolved
    assert "bad" in body  # what it said stays, folded


def test_a_resolved_problem_note_is_left_alone():
    fixed = snapshot(
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data=BRAMBLEWOOD,
        updated="2026-01-12T08:30:00Z",
        notes=(Note(5, BOT, resolve(PROBLEM), NOW),),
    )
    assert plan(fixed).edits == ()


def test_a_problem_still_there_is_not_marked_resolved():
    broken = snapshot(
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data="customer: Vellum Press\nclose_date: 2026-13-01\n",
        updated="2026-01-12T08:30:00Z",
        notes=(Note(5, BOT, PROBLEM, NOW),),
    )
    assert not any(edit.resolved for edit in plan(broken).edits)


def test_the_sow_revision_does_not_change_when_only_the_close_date_moves():
    [before] = sow_draft(BRAMBLEWOOD)
    [after] = sow_draft({**BRAMBLEWOOD, "close_date": "2026-03-20"})  # the next fiscal quarter
    assert before.rev == after.rev
    [repriced] = sow_draft({**BRAMBLEWOOD, "discount_pct": 10})
    assert repriced.rev != before.rev


def customer_part(body):
    """The SoW as the customer reads it: everything above the internal notes for the EM."""
    return body.split("\n---\n", 1)[0]


def test_the_sow_draft_says_nothing_internal_to_the_customer():
    [draft] = sow_draft(BRAMBLEWOOD)
    text = customer_part(draft.body.split("\n", 1)[1])
    for internal in ("FY26", "Closed Won", "Closed_Won", "ps/ps-plan", "#1", "@", "unless an MSA"):
        assert internal not in text
    for username in ("dana", "felix", "imogen"):
        assert username not in text.lower()
    assert "Engagement Manager" in text and "Solutions Architect" in text


def test_the_sow_draft_names_people_parties_terms_number_and_signatures():
    issue = replace(
        snapshot(labels=("Services Calculator", "proposal::SOW_WIP"), data=BRAMBLEWOOD),
        names={"dana": "Dana Okafor", "imogen": "Imogen Hale"},
    )
    [draft] = [c for c in plan(issue).comments if c.template == "sow-draft.md.j2"]
    text = customer_part(draft.body)
    assert "- Engagement Manager: Dana Okafor" in text
    assert "- Account Executive: Imogen Hale" in text
    assert "- Solutions Architect: to be confirmed" in text
    assert "Bramblewood Financial Services, Inc." in text
    assert "Master Services Agreement BFS-2024-117 dated 2024-03-18" in text
    assert "Billing: Billed monthly in arrears for the days delivered." in text
    assert "PS-SOW-1" in text and "**Version**" in text and "### 13. Signatures" in text
    # the SA's name is unknown: the EM hears so in the internal part, with the username
    assert "Solutions Architect `felix`" in draft.body.split("\n---\n", 1)[1]


def test_billing_terms_the_policy_does_not_allow_fall_back_and_are_flagged_internally():
    [draft] = sow_draft({**BRAMBLEWOOD, "billing_terms": "Paid in kind"})
    customer, internal = draft.body.split("\n---\n", 1)
    assert "Billing: Billed upon SOW execution." in customer
    assert "Paid in kind" not in customer and "Paid in kind" in internal


def test_the_listing_gives_the_profile_names_of_assignees_and_author():
    from triage.gitlab.adapter import GitLab

    issue = GitLab._snapshot(
        {
            "iid": 3,
            "project_id": 1,
            "references": {"full": "ps/ps-plan#3"},
            "created_at": "2026-01-05T09:00:00Z",
            "updated_at": "2026-01-05T09:00:00Z",
            "assignees": [{"username": "dana", "name": "Dana Okafor"}],
            "author": {"username": "imogen", "name": "Imogen Hale"},
        }
    )
    assert issue.names == {"dana": "Dana Okafor", "imogen": "Imogen Hale"}


def test_a_deal_first_seen_won_gets_its_sow_and_estimate_first_and_the_hand_off_links_them():
    from support import at, won

    issue = snapshot(
        labels=("Services Calculator", "proposal::Closed_Won"),
        data=BRAMBLEWOOD,
        events=won(at("2026-01-09T16:00:00Z")),
    )
    issue_plan = plan(replace(issue, label_events=won(at("2026-01-09T16:00:00Z"))))
    templates = [c.template for c in issue_plan.comments]
    assert templates.index("estimate-summary.md.j2") < templates.index("handoff.md.j2")
    assert templates.index("sow-draft.md.j2") < templates.index("handoff.md.j2")
    [handoff] = [c for c in issue_plan.comments if c.template == "handoff.md.j2"]
    assert "[SoW draft](" in handoff.body and "[estimate](" in handoff.body
    assert "no SoW draft note" not in handoff.body
    # the links get the posted notes' ids when applied
    from triage.planner.comments import fill_posted

    filled = fill_posted(
        handoff.body,
        {"sow-draft/sow-draft.md.j2": 41, "estimate-summary/estimate-summary.md.j2": 40},
    )
    assert "#note_41)" in filled and "#note_40)" in filled


def test_a_deal_first_seen_approved_gets_a_signature_request_linking_its_sow_draft():
    from triage.issues.snapshot import LabelEvent

    from support import at

    # over 50,000 net: a TA reviewed it before the PS Director approved
    events = (
        LabelEvent("ravi", "TA::Approved", "add", at("2026-01-08T15:00:00Z")),
        LabelEvent("rowan", "proposal::Approved", "add", at("2026-01-09T15:00:00Z")),
    )
    issue = snapshot(
        labels=("Services Calculator", "TA::Approved", "proposal::Approved"), data=BRAMBLEWOOD
    )
    issue_plan = plan(replace(issue, label_events=events))
    templates = [c.template for c in issue_plan.comments]
    assert templates.index("sow-draft.md.j2") < templates.index("signature-request.md.j2")
    [request] = [c for c in issue_plan.comments if c.template == "signature-request.md.j2"]
    assert "](https://gitlab.example.com/ps/ps-plan/-/issues/1#note_" in request.body
    assert "comment above" not in request.body


def forecast_markdown(issues):
    from triage.forecast import forecast
    from triage.forecast_report import markdown

    return markdown(forecast(WS.policy, issues, [], NOW), WS.templates)


def test_forecast_pies_colour_each_confidence_and_show_amounts():
    from test_golden import demo_issues

    text = forecast_markdown(demo_issues())
    pie = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    init, *_ = pie.splitlines()
    assert init.startswith('%%{init: {"theme": "base"')
    # slices largest first, pieN the colour of the N-th slice's confidence
    assert '"pie1": "#2da160", "pie2": "#e9a23b", "pie3": "#dd2b0e"' in init
    assert '"Commit (Green), USD 156,000.00" : 156000' in pie


def test_a_forecast_with_one_confidence_draws_no_single_slice_pie():
    from test_golden import BRAMBLEWOOD as deal
    from test_golden import deal_issue

    only_green = deal_issue(
        4201,
        "Bramblewood Financial",
        {k: v for k, v in deal.items() if k != "customer"},
        labels=("proposal::SOW_WIP", "EM_Confidence::Green"),
    )
    text = forecast_markdown([only_green])
    assert "by confidence" not in text and "by stage" not in text
    assert "All of the pipeline closing in FY26-Q4 is Commit (Green), USD 67,200.00." in text


def test_the_cogs_table_ends_with_a_total_row_that_adds_up():
    from decimal import Decimal

    issue = snapshot(labels=("Services Calculator", "proposal::SOW_WIP"), data=BRAMBLEWOOD)
    [cogs] = [c for c in plan(issue).comments if c.template == "cost-estimate.md.j2"]
    rows = [line.split("|") for line in cogs.body.splitlines() if line.startswith("| ")]
    *items, total = rows[1:]
    assert total[1].strip() == "**Total**"
    assert Decimal(total[5].strip(" *").removeprefix("USD ").replace(",", "")) == sum(
        Decimal(row[5].strip().removeprefix("USD ").replace(",", "")) for row in items
    )
    assert total[3].strip(" *") == "29"


def test_the_banners_are_in_the_teams_words():
    """Issue 33 item 12: every word a reader sees comes from the policy or a template, the
    banners the bot puts on its older notes too (`banners`)."""
    words = WS.policy.banners.model_copy(
        update={
            "superseded": "⛔ **이전 버전입니다.** 최신 버전: [새 버전]({url})",
            "superseded_summary": "이전 내용",
            "resolved": "✅ **해결됨**",
            "resolved_summary": "보고된 문제",
        }
    )
    korean = WS.policy.model_copy(update={"banners": words})
    fixed = snapshot(
        labels=("Services Calculator", "proposal::SOW_WIP"),
        data=BRAMBLEWOOD,
        updated="2026-01-12T08:30:00Z",
        notes=(Note(5, BOT, PROBLEM, NOW),),
    )
    issue = with_details(fixed, fixed.notes or (), ())
    [edit] = plan_issue(korean, issue, NOW, settings(WS)).edits

    resolved = resolve(edit.body, *_words(edit))
    assert "> ✅ **해결됨**" in resolved and "<summary>보고된 문제</summary>" in resolved
    assert "Resolved" not in resolved and find_marker(resolved).resolved
    older = replace(edit, banner=words.superseded, summary=words.superseded_summary)
    shown = supersede(older.body, 9, "https://gitlab.example.com/n/9", *_words(older))
    assert "[새 버전](https://gitlab.example.com/n/9)" in shown and "Superseded" not in shown
    assert "<summary>이전 내용</summary>" in shown


def test_a_superseded_banner_must_link_the_newer_revision():
    with pytest.raises(ValidationError, match=r"write `\{url\}`"):
        WS.policy.banners.model_validate({"superseded": "Old."})
