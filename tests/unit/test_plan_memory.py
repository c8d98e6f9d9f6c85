"""The plan memory (planner/memory.py): an unchanged issue whose plan had nothing to do is recalled,
not planned, until its plan could change; anything it was made from that changes plans it afresh."""

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from test_plan_properties import applied

from triage.issues.snapshot import Award, IssueSnapshot, LabelEvent
from triage.planner import IssuePlan, Settings, plan_issue
from triage.render.templates import Templates
from triage.rules.facts import NeedDetail
from triage.runner.memory import remember, run_digest

from support import NOW, block, settings, snapshot, with_details, workspace

WS = workspace()
POLICY = WS.policy


def remembering(**changes) -> Settings:
    plain = settings(WS)
    digest = run_digest(POLICY, WS.templates, plain.bot, plain.members)
    return replace(plain, digest=digest, **changes)


def quiet_issue(issue: IssueSnapshot, at=NOW, with_settings: Settings | None = None):
    """The issue with what a run remembers of its plan at `at` (nothing to do)."""
    with_settings = with_settings or remembering()
    made = plan_issue(POLICY, issue, at, with_settings)
    assert not (made.has_changes or made.error or made.needs), made
    memory = remember(made, issue, at, with_settings)
    assert memory is not None
    return issue.changed(quiet=memory), made


def settled() -> IssueSnapshot:
    """In Estimate_Feedback since an hour ago, its estimate summary posted: nothing to do."""
    issue = snapshot(labels=("Services Calculator", "proposal::Estimate_Feedback"), data=block())
    issue = with_details(issue)
    for _ in range(3):
        made = plan_issue(POLICY, issue, NOW, settings(WS))
        if not made.has_changes:
            return issue
        issue = applied(issue, made, NOW)
    raise AssertionError("does not settle")


def test_an_unchanged_issue_is_recalled_until_its_plan_could_change():
    issue, made = quiet_issue(settled())
    assert made.holds_until is not None and made.holds_until > NOW + timedelta(hours=1)
    for at in (NOW, NOW + timedelta(minutes=5), made.holds_until - timedelta(seconds=1)):
        recalled = plan_issue(POLICY, issue, at, remembering())
        assert recalled.recalled and not recalled.has_changes, at
        assert recalled.holds_until == made.holds_until
    for at in (made.holds_until, NOW - timedelta(seconds=1)):
        assert not plan_issue(POLICY, issue, at, remembering()).recalled, at


def test_nothing_is_recalled_by_a_run_that_remembers_nothing():
    issue, _ = quiet_issue(settled())
    assert not plan_issue(POLICY, issue, NOW, settings(WS)).recalled  # no digest: no cache


def other_templates() -> Templates:
    sources = dict(WS.templates.sources)
    sources["reminder.md.j2"] += "\n"
    return Templates(sources)


@pytest.mark.parametrize(
    "change",
    [
        lambda i, s: (i.changed(title="Another title"), s),
        lambda i, s: (i.changed(description=i.description + "\nmore"), s),
        lambda i, s: (i.changed(labels=(*i.labels, "Segment::MM_APAC")), s),
        lambda i, s: (i.changed(assignees=("harriet",)), s),
        lambda i, s: (i.changed(state="closed"), s),
        lambda i, s: (i.changed(updated_at=i.updated_at + timedelta(seconds=1)), s),
        lambda i, s: (i.changed(user_notes_count=3), s),
        lambda i, s: (i.changed(notes=None), s),
        lambda i, s: (i, replace(s, assignments={(i.project, i.iid): "harriet"})),
        lambda i, s: (i, replace(s, digest=s.digest[::-1])),
    ],
    ids=[
        "title",
        "description",
        "labels",
        "assignees",
        "state",
        "updated_at",
        "comment count",
        "details",
        "EM assignment",
        "run digest",
    ],
)
def test_any_change_to_what_the_plan_was_made_from_plans_it_afresh(change):
    issue, _ = quiet_issue(settled())
    changed, with_settings = change(issue, remembering())
    again = plan_issue(POLICY, changed, NOW + timedelta(minutes=5), with_settings)
    assert not again.recalled
    assert again == plan_issue(
        POLICY, changed.changed(quiet=None), NOW + timedelta(minutes=5), with_settings
    )


def test_the_run_digest_covers_the_policy_templates_bot_and_members():
    plain = settings(WS)
    base = run_digest(POLICY, WS.templates, plain.bot, plain.members)
    assert base == run_digest(POLICY, WS.templates, plain.bot, frozenset(plain.members or ()))
    others = [
        run_digest(POLICY.model_copy(update={"label_aliases": {}}), WS.templates, plain.bot),
        run_digest(POLICY, other_templates(), plain.bot),
        run_digest(POLICY, WS.templates, "another-bot"),
        # who may be mentioned from the data block changes what comments say
        run_digest(POLICY, WS.templates, plain.bot, frozenset({"dana"})),
        run_digest(POLICY, WS.templates, plain.bot, None),
    ]
    assert len({base, *others}) == 6


class Unread(Mapping[str, Any]):
    """Approvers (or their ids) a run has not read: looking asks for them, as the runner's do."""

    def __getitem__(self, key: str) -> Any:
        raise NeedDetail("approvers")

    def __iter__(self) -> Iterator[str]:
        raise NeedDetail("approvers")

    def __len__(self) -> int:
        raise NeedDetail("approvers")


def unread(**changes) -> Settings:
    return remembering(approvers=Unread(), ids=Unread(), **changes)


def test_a_plan_that_judged_no_one_is_made_and_recalled_without_the_approvers():
    issue, made = quiet_issue(settled(), with_settings=unread())
    assert not made.judged and issue.quiet is not None and not issue.quiet.judged
    assert plan_issue(POLICY, issue, NOW, unread()).recalled
    # whoever approves now: it judged no one
    assert plan_issue(POLICY, issue, NOW, remembering(approvers={})).recalled


def approved() -> IssueSnapshot:
    """Estimate_Feedback, its summary posted, and TA::Approved set by the TA an hour ago."""
    issue = settled()
    events = (
        *(issue.label_events or ()),
        LabelEvent("ravi", "TA::Approved", "add", NOW - timedelta(hours=1)),
    )
    return issue.changed(labels=(*issue.labels, "TA::Approved"), label_events=events)


def test_a_plan_that_judged_someone_asks_for_the_approvers_and_is_recalled_only_with_them():
    asks = plan_issue(POLICY, approved(), NOW, unread())
    assert asks.needs == {"approvers"} and not asks.has_changes
    issue, made = quiet_issue(approved())
    assert made.judged and issue.quiet is not None and issue.quiet.judged
    assert plan_issue(POLICY, issue, NOW, unread()).needs == {"approvers"}
    assert plan_issue(POLICY, issue, NOW, remembering()).recalled
    plain = settings(WS)
    for changed in (
        {"approvers": {**plain.approvers, "technical-architect": frozenset({"mira"})}},
        {"ids": {"ravi": 7}},
    ):
        again = plan_issue(POLICY, issue, NOW, remembering(**changed))
        assert not again.recalled and again.has_changes  # ravi approves no more: taken back


def test_award_emoji_the_plan_read_are_read_again_and_compared():
    issue = settled().changed(note_awards={7: ()})  # read for this plan: no emoji on note 7
    remembered, _ = quiet_issue(issue)
    assert remembered.quiet is not None and remembered.quiet.awards == (7,)
    listed = remembered.changed(note_awards={})  # as the next run lists it
    asks = plan_issue(POLICY, listed, NOW, remembering())
    assert asks.needs == {"awards:7"} and not asks.recalled
    same = plan_issue(POLICY, listed.changed(note_awards={7: ()}), NOW, remembering())
    assert same.recalled
    thumbs = (Award("thumbsup", "rowan", NOW),)
    approved = plan_issue(POLICY, listed.changed(note_awards={7: thumbs}), NOW, remembering())
    assert not approved.recalled


def test_a_plan_with_anything_to_do_is_not_remembered():
    issue = with_details(snapshot(labels=("Services Calculator",), data=block()))
    made = plan_issue(POLICY, issue, NOW, remembering())
    assert made.has_changes
    assert remember(made, issue, NOW, remembering()) is None
    for other in (
        replace(made, add_labels=(), comments=(), assign=None, error="broken"),
        replace(made, add_labels=(), comments=(), assign=None, needs=frozenset({"notes"})),
    ):
        assert remember(other, issue, NOW, remembering()) is None
    ended = IssuePlan(
        project=issue.project,
        iid=issue.iid,
        title=issue.title,
        web_url=issue.web_url,
        holds_until=NOW,
    )
    assert remember(ended, issue, NOW, remembering()) is None  # held only at that instant
