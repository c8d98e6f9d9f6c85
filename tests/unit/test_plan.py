"""The planner, pure: snapshots in, plan out. No HTTP anywhere in this file."""

from dataclasses import replace
from datetime import timedelta

import pytest

from triage.commands.demo_data import TASKS
from triage.issues.markers import find_marker
from triage.issues.snapshot import LabelEvent, Note
from triage.planner import plan, plan_issue

from support import BOT, NOW, at, block, settings, snapshot, with_details, won, workspace

WS = workspace()
POLICY = WS.policy
SETTINGS = settings(WS)


def planned(issue, now=NOW):
    return plan_issue(POLICY, issue, now, SETTINGS)


def detailed(issue, now=NOW):
    """Plan once with every detail fetched (no notes, no events beyond the issue's)."""
    return planned(with_details(issue, issue.notes or (), issue.label_events or ()), now)


def test_unassigned_issue_without_stage_gets_only_the_intake_checklist():
    issue_plan = detailed(snapshot(assignees=()))
    assert not issue_plan.add_labels and not issue_plan.remove_labels
    assert [c.key for c in issue_plan.comments] == ["intake"]
    assert "an Engagement Manager (the assignee)" in issue_plan.comments[0].body


def test_assigned_issue_is_triaged_and_needs_notes_before_commenting():
    first = planned(snapshot())
    assert first.needs == {"label_events"}  # updated within the look-back: were its moves allowed?
    second = planned(replace(snapshot(), label_events=()))
    assert second.needs == {"notes"}  # a comment is due: its marker must be looked for first
    issue_plan = detailed(snapshot())
    assert issue_plan.add_labels == ("proposal::Awaiting_Discovery",)
    assert [c.key for c in issue_plan.comments] == ["intake"]
    assert issue_plan.comments[0].body.startswith("<!-- ps-triage:intake rev=")


def test_transitions_chain_to_where_the_issue_belongs():
    issue = snapshot(
        labels=("Services Calculator", "proposal::Awaiting_Discovery"), done=TASKS[:2], data=block()
    )
    issue_plan = detailed(issue)
    assert issue_plan.add_labels == ("proposal::SOW_WIP",)
    assert issue_plan.remove_labels == ("proposal::Awaiting_Discovery",)
    assert [c.key.split("/")[0] for c in issue_plan.comments] == [
        "discovery-held",
        "estimate-summary",
        "sow-draft",
        "cost-estimate",
    ]
    assert [c.internal for c in issue_plan.comments] == [False, False, False, True]


def test_planning_the_applied_state_finds_nothing_to_do():
    issue = snapshot(
        labels=("Services Calculator", "proposal::Awaiting_Discovery"), done=TASKS[:1], data=block()
    )
    first = detailed(issue)
    labels = (set(issue.labels) | set(first.add_labels)) - set(first.remove_labels)
    notes = tuple(Note(i, BOT, c.body, NOW) for i, c in enumerate(first.comments))
    again = planned(with_details(issue.edited(labels, issue.state, issue.assignees), notes, ()))
    assert not again.has_changes


def test_task_match_ignores_case_and_spacing():
    text = "- [X]   discovery CALL   held\n"
    issue = snapshot(
        labels=("Services Calculator", "proposal::Awaiting_Discovery"), description_text=text
    )
    assert detailed(issue).add_labels == ("proposal::Strawman_WIP",)


def test_lost_label_wins_from_any_open_stage_and_closes_with_quarter():
    issue = snapshot(
        labels=("Services Calculator", "proposal::SOW_WIP", "Lost::budget"), data=block()
    )
    issue_plan = detailed(issue)
    assert issue_plan.add_labels == (
        "close_qtr::Q426",
        "proposal::Closed_Lost",
    )  # 2026-01-12 is FY26-Q4
    assert issue_plan.remove_labels == ("proposal::SOW_WIP",)
    assert issue_plan.state_event == "close"


def test_closed_won_uses_the_quarter_the_label_was_added_in():
    added = won(at("2026-01-30T17:00:00Z"))  # FY26-Q4
    issue = snapshot(labels=("Services Calculator", "proposal::Closed_Won"), data=block())
    later = at("2026-02-02T09:00:00Z")  # the run happens in FY27-Q1
    issue_plan = planned(with_details(issue, (), added), later)
    assert issue_plan.add_labels == ("close_qtr::Q426",)
    assert issue_plan.state_event == "close"


def test_two_stage_labels_keep_the_one_added_last():
    events = (
        LabelEvent("a", "proposal::SOW_WIP", "add", at("2026-01-05T09:00:00Z")),
        LabelEvent("b", "proposal::Estimate_Feedback", "add", at("2026-01-08T09:00:00Z")),
    )
    issue = snapshot(
        labels=("Services Calculator", "proposal::SOW_WIP", "proposal::Estimate_Feedback"),
        data=block(),
    )
    assert planned(issue).needs == {"label_events"}
    issue_plan = planned(with_details(issue, (), events))
    assert issue_plan.remove_labels == ("proposal::SOW_WIP",) and not issue_plan.add_labels
    assert issue_plan.comments[0].key == "stage-conflict"


def test_unknown_stage_label_is_an_error_for_that_issue_only():
    issues = [snapshot(iid=1, labels=("Services Calculator", "proposal::Writing")), snapshot(iid=2)]
    result = plan(POLICY, [with_details(i) for i in issues], NOW, SETTINGS)
    assert "unknown stage label proposal::Writing" in result.issues[0].error
    assert result.issues[1].add_labels == ("proposal::Awaiting_Discovery",)


def test_broken_data_block_is_reported_once_per_problem():
    broken = "customer: X\nline_items:\n  - {activity: A, role: PSE, days: -1}\n"
    issue = snapshot(labels=("Services Calculator", "proposal::Strawman_WIP"), data=broken)
    first = detailed(issue)
    assert [c.key for c in first.comments] == ["data-block-problem/data-block-problem.md.j2"]
    assert (
        "- line 17, `line_items[0].days`: Input should be greater than 0" in first.comments[0].body
    )
    posted = (Note(1, BOT, first.comments[0].body, NOW),)
    assert not planned(with_details(issue, posted, ())).has_changes
    changed = snapshot(labels=issue.labels, data=broken.replace("-1", "many"))
    assert (
        len(planned(with_details(changed, posted, ())).comments) == 1
    )  # a different problem: a new note


def test_markers_are_trusted_only_on_the_bots_own_notes():
    issue = snapshot()
    forged = (Note(1, "mallory", planned_body(issue), NOW),)
    assert len(planned(with_details(issue, forged, ())).comments) == 1


def planned_body(issue):
    return detailed(issue).comments[0].body


def test_a_comment_posted_before_a_killed_run_is_not_posted_again():
    issue = snapshot(
        labels=("Services Calculator", "proposal::Awaiting_Discovery"), done=TASKS[:1], data=None
    )
    first = detailed(issue)
    entered = (
        LabelEvent("dana", "proposal::Awaiting_Discovery", "add", at("2026-01-05T09:00:00Z")),
    )
    posted = (
        Note(7, BOT, first.comments[0].body, NOW),
    )  # the comment landed, the label change did not
    retry = planned(with_details(issue, posted, entered))
    assert retry.add_labels == ("proposal::Strawman_WIP",) and not retry.comments


def test_re_entering_a_stage_comments_again():
    issue = snapshot(labels=("Services Calculator", "proposal::Awaiting_Discovery"), done=TASKS[:1])
    old = detailed(issue).comments[0].body
    # The move was made last week; since then people moved the issue back to Awaiting_Discovery.
    back = (LabelEvent("dana", "proposal::Awaiting_Discovery", "add", NOW - timedelta(days=1)),)
    notes = (Note(3, BOT, old, NOW - timedelta(days=7)),)
    assert len(planned(with_details(issue, notes, back)).comments) == 1


def test_plan_does_not_depend_on_listing_order():
    issues = [
        with_details(snapshot(iid=i, assignees=("dana",) if i % 2 else ())) for i in range(1, 7)
    ]
    forward = {p.iid: p for p in plan(POLICY, issues, NOW, SETTINGS).issues}
    backward = {p.iid: p for p in plan(POLICY, list(reversed(issues)), NOW, SETTINGS).issues}
    assert forward == backward


def test_a_broken_template_fails_only_that_issue():
    broken = replace(
        SETTINGS,
        templates=replace(
            WS.templates, sources={**WS.templates.sources, "intake.md.j2": "{{ nope }}"}
        ),
    )
    issue_plan = plan_issue(POLICY, with_details(snapshot()), NOW, broken)
    assert issue_plan.error == "template: intake.md.j2:1: 'nope' is undefined"


def test_a_bug_met_on_one_issue_fails_only_that_issue(monkeypatch):
    import triage.planner.context

    real = triage.planner.context.missing_for_intake

    def tripping(issue, fields):
        if issue.iid == 1:
            raise RuntimeError("boom")
        return real(issue, fields)

    monkeypatch.setattr(triage.planner.context, "missing_for_intake", tripping)
    result = plan(
        POLICY, [with_details(snapshot(iid=1)), with_details(snapshot(iid=2))], NOW, SETTINGS
    )
    assert result.issues[0].error == (
        "could not be planned: RuntimeError: boom "
        "(a bug in ps-triage: please report it with this issue's data block)"
    )
    assert result.issues[1].error is None
    assert result.issues[1].add_labels == ("proposal::Awaiting_Discovery",)


def test_every_comment_marker_names_its_rule():
    issue_plan = detailed(
        snapshot(labels=("Services Calculator", "proposal::Awaiting_Discovery"), done=TASKS[:1])
    )
    marker = find_marker(issue_plan.comments[0].body)
    assert (
        marker is not None
        and marker.key == "discovery-held/transition.md.j2"
        and marker.rev == issue_plan.comments[0].rev
    )


@pytest.mark.parametrize("stage", ["Approved", "Ready For Approval", "On_hold"])
def test_stages_moved_by_people_keep_their_labels(stage):
    label = f"proposal::{stage}"
    by_an_approver = (LabelEvent("rowan", label, "add", NOW - timedelta(hours=2)),)
    issue = snapshot(
        labels=("Services Calculator", label), done=TASKS, data=block(), events=by_an_approver
    )
    issue_plan = detailed(issue)
    assert not issue_plan.add_labels and not issue_plan.remove_labels and not issue_plan.state_event


def test_confidence_label_comes_from_the_data_block_else_grey():
    amber = detailed(
        snapshot(
            labels=("Services Calculator", "proposal::Strawman_WIP"), data=block(), confidence=None
        )
    )
    assert "EM_Confidence::Amber" in amber.add_labels
    grey = detailed(
        snapshot(labels=("Services Calculator", "proposal::Strawman_WIP"), confidence=None)
    )
    assert "EM_Confidence::Grey" in grey.add_labels


def test_a_colour_without_rationale_is_asked_for_once():
    data = block(confidence={"value": "Red"})
    issue = snapshot(
        labels=("Services Calculator", "proposal::Strawman_WIP"), data=data, confidence="Red"
    )
    first = detailed(issue)
    [request] = [c for c in first.comments if c.template == "confidence-rationale.md.j2"]
    assert '@dana EM confidence is ~"EM_Confidence::Red"' in request.body
    posted = (Note(5, BOT, request.body, NOW),)
    assert not [
        c
        for c in planned(with_details(issue, posted, ())).comments
        if c.template == request.template
    ]


def test_green_before_the_sow_close_to_the_close_date_is_warned():
    near = block(close_date="2026-01-20", confidence={"value": "Green", "rationale": "PO raised"})
    issue = snapshot(
        labels=("Services Calculator", "proposal::Estimate_Feedback"),
        data=near,
        confidence="Green",
        done=TASKS[:1],
    )
    assert [c.template for c in detailed(issue).comments if c.template == "green-too-early.md.j2"]
    far = block(close_date="2026-03-20", confidence={"value": "Green", "rationale": "PO raised"})
    later = snapshot(
        labels=("Services Calculator", "proposal::Estimate_Feedback"),
        data=far,
        confidence="Green",
        done=TASKS[:1],
    )
    assert not [c for c in detailed(later).comments if c.template == "green-too-early.md.j2"]


def test_on_hold_is_quiet_until_its_revisit_date():
    waiting = snapshot(
        labels=("Services Calculator", "proposal::On_hold"),
        data=block(revisit_on="2026-02-02"),
        created="2025-12-01T09:00:00Z",
        updated="2026-01-10T09:00:00Z",
    )
    quiet = plan_issue(
        POLICY,
        with_details(waiting, (Note(1, "dana", "x", at("2026-01-10T09:00:00Z")),), ()),
        NOW,
        SETTINGS,
    )
    assert not quiet.comments
    due = plan_issue(
        POLICY,
        with_details(waiting, (Note(1, "dana", "x", at("2026-01-10T09:00:00Z")),), ()),
        at("2026-02-02T10:00:00Z"),
        SETTINGS,
    )
    assert [c.template for c in due.comments] == ["revisit.md.j2"] and "@dana" in due.comments[
        0
    ].body


def test_a_closed_won_deal_with_an_unreadable_data_block_still_hands_off():
    events = won(NOW - timedelta(hours=1))
    issue = snapshot(
        labels=("Services Calculator", "proposal::Closed_Won"),
        data="customer: [broken\n",
        events=events,
    )
    issue_plan = planned(with_details(issue, (), events))
    assert issue_plan.error is None and issue_plan.state_event == "close"
    handoff = [c for c in issue_plan.comments if c.template == "handoff.md.j2"]
    assert handoff and "Solutions Architect not named" in handoff[0].body


def test_a_close_date_moved_past_the_quarter_expected_at_approval_is_warned_once():
    approved = (LabelEvent("rowan", "proposal::Approved", "add", NOW - timedelta(days=3)),)

    def approved_issue(close_date, notes=()):
        issue = snapshot(
            labels=("Services Calculator", "proposal::Approved", "EM_Confidence::Amber"),
            data=block(close_date=close_date),
            confidence="Amber",
        )
        return with_details(issue, notes, approved)

    first = planned(approved_issue("2026-01-30"))
    [request] = [c for c in first.comments if c.key.startswith("signature-request/")]
    marker = find_marker(request.body)
    assert marker.close_qtr == "FY26-Q4"  # the quarter the forecast counts the deal in
    # First seen approved: the estimate and the SoW draft are posted too, before the request.
    asked = tuple(Note(20 + i, BOT, c.body, NOW) for i, c in enumerate(first.comments))
    assert not [c for c in planned(approved_issue("2026-01-30", asked)).comments]
    assert not planned(approved_issue("2026-01-29", asked)).comments  # still FY26-Q4

    slipped = planned(approved_issue("2026-02-20", asked))
    [warning] = slipped.comments
    assert warning.key.startswith("close-date-slipped/")
    assert "close date 2026-02-20 is in FY27-Q1, later than the FY26-Q4 expected" in warning.body
    warned = (*asked, Note(29, BOT, warning.body, NOW))
    assert not planned(approved_issue("2026-02-27", warned)).comments  # once per SoW revision


def test_a_superseded_marker_keeps_the_quarter_it_recorded():
    from triage.issues.markers import Marker, supersede

    body = f"{Marker('signature-request/x/abcdef123456', 'abcdef123456', close_qtr='FY26-Q4')}\nhi"
    marker = find_marker(supersede(body, 7, "https://example.com#note_7"))
    assert (marker.superseded, marker.close_qtr) == (7, "FY26-Q4")


def test_data_block_people_are_mentioned_only_when_they_are_project_members():
    approved = (LabelEvent("rowan", "proposal::Approved", "add", NOW - timedelta(days=3)),)
    issue = with_details(
        snapshot(
            labels=("Services Calculator", "proposal::Approved", "EM_Confidence::Amber"),
            data=block(people={"sa": "felix", "ae": "Mallory"}),
            confidence="Amber",
        ),
        (),
        approved,
    )

    def request(members):
        made = plan_issue(POLICY, issue, NOW, replace(SETTINGS, members=members))
        [body] = [c.body for c in made.comments if c.key.startswith("signature-request/")]
        return body

    members = request(frozenset({"felix", "mallory"}))  # as GitLab lists them: lower case
    assert "@felix @Mallory the PS Director" in members and "not a member" not in members
    outsider = request(frozenset({"felix"}))
    assert "@felix the PS Director" in outsider and "@Mallory" not in outsider
    assert outsider.endswith(
        "\n\n`ae: Mallory` is not a member of ps/ps-plan, so they were not mentioned: "
        "name a project member under `people:` instead.\n"
    )
    unread = request(None)  # members not read: no one from the data block is mentioned
    assert "@felix" not in unread and "`sa: felix` is not a member" in unread


def test_the_lines_below_a_comment_are_in_the_policys_words():
    """Issue 33.12: who was not mentioned and why, in the team's words (`contacts`), not in
    English fixed in code."""
    from triage.planner.comments import bot_lines
    from triage.rules.actions import CommentRequest, Unmentioned

    words = POLICY.contacts.model_copy(
        update={
            "not_a_member": "{person}: {project} 프로젝트 멤버가 아니어서 멘션하지 않았습니다.",
            "em_not_a_member": "{person}: 멤버가 아님.",
            "mentions_capped": "`{rule}` 규칙의 댓글이 24시간 동안 {count}회 멘션했습니다.",
        }
    )
    request = CommentRequest(
        template="approval-request.md.j2",
        key="approval-request/approval-request.md.j2",
        internal=False,
        origin="approval-request",
        context={},
        kind="rule",
        not_mentioned=(
            Unmentioned("ae", "Mallory", "ps/ps-plan"),
            Unmentioned("em", "dana_x", "ps/ps-plan"),
        ),
        mentions_capped=2,
    )
    assert bot_lines(words, request) == [
        "`ae: Mallory`: ps/ps-plan 프로젝트 멤버가 아니어서 멘션하지 않았습니다.",
        "`em: dana_x`: 멤버가 아님.",
        "`approval-request` 규칙의 댓글이 24시간 동안 2회 멘션했습니다.",
    ]
    assert bot_lines(POLICY.contacts, request)[1:] == [  # the shipped words
        "`em: dana_x` is not a member of ps/ps-plan, so they were not mentioned.",
        "No one is mentioned here: comments of rule `approval-request` on this issue mentioned "
        "people 2 times in the last 24 hours, the most `contacts.mentions_per_day` allows.",
    ]


def test_a_move_from_a_stage_label_no_stage_has_is_written_as_text():
    hostile = "proposal::X @all <b>\n/close"
    issue = with_details(
        snapshot(
            labels=("Services Calculator", "proposal::SOW_WIP"),
            done=TASKS[:1],
            data=block(),
            created="2025-12-01T09:00:00Z",
            updated="2026-01-12T08:00:00Z",
        ),
        (),
        (
            LabelEvent("imogen", hostile, "add", at("2025-12-01T09:00:00Z")),
            LabelEvent("dana", hostile, "remove", at("2026-01-12T08:00:00Z")),
            LabelEvent("dana", "proposal::SOW_WIP", "add", at("2026-01-12T08:00:00Z")),
        ),
    )
    [note] = [c.body for c in planned(issue).comments if c.key == "unexpected-move"]
    assert 'from `proposal::X @all <b> /close` to ~"proposal::SOW_WIP"' in note
    assert "\n/close" not in note and "<b>" not in note.replace("`proposal::X @all <b> /close`", "")


def test_the_delivery_issue_title_mentions_no_one():
    events = won(NOW - timedelta(hours=1))
    issue = snapshot(
        labels=("Services Calculator", "proposal::Closed_Won"),
        data=block(customer="@all Acme\n/close"),
        events=events,
    )
    [new] = planned(with_details(issue, (), events)).new_issues
    assert new.title == "@\u2060all Acme /close - Delivery hand-off"


def test_the_hand_off_wording_and_the_intake_fields_come_from_the_policy():
    """The engine speaks no PS: another team's policy names its own hand-off title and note,
    and its own intake fields."""
    [rule] = [r for r in POLICY.rules if any(hasattr(a, "create_issue") for a in r.actions)]
    actions = [
        a.model_copy(
            update={
                "create_issue": a.create_issue.model_copy(
                    update={"title": "Kick-off: {customer}", "link_note": "See {url}"}
                )
            }
        )
        if hasattr(a, "create_issue")
        else a
        for a in rule.actions
    ]
    rules = [r.model_copy(update={"actions": actions}) if r is rule else r for r in POLICY.rules]
    other = POLICY.model_copy(
        update={"rules": rules, "intake": POLICY.intake.model_copy(update={"fields": ["po"]})}
    )
    events = won(NOW - timedelta(hours=1))
    issue = snapshot(
        labels=("Services Calculator", "proposal::Closed_Won"), data=block(), events=events
    )
    [new] = plan_issue(other, with_details(issue, (), events), NOW, SETTINGS).new_issues
    assert (new.title, new.link_note) == ("Kick-off: Acme Widgets", "See {url}")

    unscoped = with_details(snapshot(data=block()), (), ())
    [body] = [c.body for c in plan_issue(other, unscoped, NOW, SETTINGS).comments]
    assert "`po` in the data block" in body and "`segment`" not in body
    [shipped] = [c.body for c in planned(unscoped).comments]
    assert "`po` in the data block" not in shipped
