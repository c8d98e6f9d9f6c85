"""The planner's gate rules on snapshots: from which stage a gated stage counts, and when the
bot's own setting of a gated label counts (only with GitLab's data saying why it made it)."""

from dataclasses import replace
from datetime import timedelta

from triage.issues.snapshot import Award, LabelEvent, Note
from triage.planner import plan_issue

from support import BOT, NOW, block, settings, snapshot, with_details, workspace

T = NOW - timedelta(days=2)
REQUEST = Note(
    7, BOT, "<!-- ps-triage:approval-request/approval-request.md.j2 rev=abcdef -->\nok", T
)


def planned(labels, events, notes=(), awards=None):
    issue = with_details(
        snapshot(labels=("Services Calculator", *labels), data=block()), notes, events
    )
    if awards is not None:
        issue = replace(issue, note_awards={REQUEST.id: awards})
    return plan_issue(workspace().policy, issue, NOW, settings())


def refused(issue_plan, gate):
    return [c for c in issue_plan.comments if c.key == f"refused/{gate}"]


def test_a_legacy_spelling_an_approver_wrote_counts_once_the_bot_normalised_it():
    events = (
        LabelEvent("ravi", "TA:Approved", "add", T),
        LabelEvent(BOT, "TA:Approved", "remove", T + timedelta(hours=1)),
        LabelEvent(BOT, "TA::Approved", "add", T + timedelta(hours=1)),
    )
    issue_plan = planned(("proposal::Strawman_WIP", "TA::Approved"), events)
    assert refused(issue_plan, "technical-architect") == []


def test_a_legacy_spelling_the_bot_itself_wrote_does_not_count():
    events = (
        LabelEvent(BOT, "TA:Approved", "add", T),
        LabelEvent(BOT, "TA:Approved", "remove", T + timedelta(hours=1)),
        LabelEvent(BOT, "TA::Approved", "add", T + timedelta(hours=1)),
    )
    issue_plan = planned(("proposal::Strawman_WIP", "TA::Approved"), events)
    assert len(refused(issue_plan, "technical-architect")) == 1
    assert "TA::Needs-Review" in issue_plan.add_labels


def test_the_stage_the_bot_put_back_after_a_refused_closed_won_still_counts():
    events = (
        LabelEvent("rowan", "proposal::Approved", "add", T - timedelta(days=1)),
        LabelEvent("felix", "proposal::Approved", "remove", T),
        LabelEvent("felix", "proposal::Closed_Won", "add", T),
        LabelEvent(BOT, "proposal::Closed_Won", "remove", T + timedelta(hours=1)),
        LabelEvent(BOT, "proposal::Approved", "add", T + timedelta(hours=1)),
    )
    issue_plan = planned(("proposal::Approved",), events)
    assert (
        refused(issue_plan, "director") == []
        and "proposal::Approved" not in issue_plan.remove_labels
    )


def test_putting_back_a_stage_that_never_counted_does_not_make_it_count():
    events = (
        LabelEvent(BOT, "proposal::Closed_Won", "add", T),
        LabelEvent(BOT, "proposal::Closed_Won", "remove", T + timedelta(hours=1)),
        LabelEvent(BOT, "proposal::Approved", "add", T + timedelta(hours=1)),
    )
    issue_plan = planned(("proposal::Approved",), events)
    assert len(refused(issue_plan, "director")) == 1


def test_the_bots_approval_counts_only_after_the_directors_emoji():
    events = (
        LabelEvent("dana", "proposal::Ready For Approval", "add", T),
        LabelEvent(BOT, "proposal::Ready For Approval", "remove", T + timedelta(hours=2)),
        LabelEvent(BOT, "proposal::Approved", "add", T + timedelta(hours=2)),
    )
    before = (Award("thumbsup", "rowan", T + timedelta(hours=1)),)
    after = (Award("thumbsup", "rowan", T + timedelta(hours=3)),)
    by_someone_else = (Award("thumbsup", "felix", T + timedelta(hours=1)),)
    assert refused(planned(("proposal::Approved",), events, (REQUEST,), before), "director") == []
    for awards in (by_someone_else, ()):
        issue_plan = planned(("proposal::Approved",), events, (REQUEST,), awards)
        assert any("set by [ps-bot](" in c.body for c in refused(issue_plan, "director")), awards
        assert "proposal::Ready For Approval" in issue_plan.add_labels  # where it came from
    # an emoji awarded after the bot's label is no reason for it (the emoji itself then approves)
    assert (
        len(refused(planned(("proposal::Approved",), events, (REQUEST,), after), "director")) == 1
    )


def test_the_bots_approval_asks_for_the_requests_emoji_first():
    events = (LabelEvent(BOT, "proposal::Approved", "add", T + timedelta(hours=2)),)
    assert planned(("proposal::Approved",), events, (REQUEST,)).needs == {f"awards:{REQUEST.id}"}


def test_closed_won_by_deal_desk_counts_only_from_approved():
    def events(source):
        return (
            LabelEvent("rowan", f"proposal::{source}", "add", T - timedelta(days=1)),
            LabelEvent("quinn", f"proposal::{source}", "remove", T),
            LabelEvent("quinn", "proposal::Closed_Won", "add", T),
        )

    won = planned(("proposal::Closed_Won",), events("Approved"))
    assert won.state_event == "close" and refused(won, "deal-desk") == []
    early = planned(("proposal::Closed_Won",), events("SOW_WIP"))
    assert early.state_event is None and len(refused(early, "deal-desk")) == 1
    assert early.add_labels == ("proposal::SOW_WIP",) and early.remove_labels == (
        "proposal::Closed_Won",
    )
    assert "counts only from `Approved`" in refused(early, "deal-desk")[0].body


def test_a_bot_transition_into_a_gated_stage_is_a_policy_problem():
    from triage.policy.checks import check_lifecycle

    policy = workspace().policy
    life = policy.lifecycle
    moved = life.model_copy(
        update={
            "transitions": [
                *life.transitions,
                life.transitions[0].model_copy(
                    update={"id": "auto-won", "from_": ["Approved"], "to": "Closed_Won"}
                ),
            ]
        }
    )
    problems = check_lifecycle(policy.model_copy(update={"lifecycle": moved}))
    assert any("proposal::Closed_Won is a gated label" in p.message for p in problems)
