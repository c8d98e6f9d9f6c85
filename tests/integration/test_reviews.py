"""A review is for what was reviewed (issue 30 items 7 and 8): the SoW review ticked for one SoW
version, the Technical Architect's approval given for one size. On the emulator, people acting
through python-gitlab as themselves."""

from test_gates_and_timers import ESTIMATE, issue, keys, labels_of, seed

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import TASKS, description
from triage.issues.markers import find_marker
from triage.issues.tasks import parse_tasks

from support import bot_notes, bot_run, project_as

REVIEW = TASKS[2]  # SoW reviewed by account team and customer


def _data(days):
    return {
        **ESTIMATE,
        "line_items": [{"activity": "Migration waves", "role": "PSE", "days": days}],
    }


def _edit(url, iid, days, done=TASKS, user="harriet"):
    project_as(url, user).issues.update(
        iid, {"description": description("Summary.", done, _data(days))}
    )


def _ticked(url, iid):
    text = project_as(url, "dana").issues.get(iid).description
    return {t.text: t.done for t in parse_tasks(text)}


def _notes_of(url, iid, rule):
    return [n for n in bot_notes(url, iid) if find_marker(n.body).key.startswith(f"{rule}/")]


def test_a_sow_revised_after_its_review_is_unticked_and_goes_back_to_the_account_team():
    with running_emulator(seed([issue(1, "SOW_WIP", done=TASKS)])) as emu:
        url = emu.url
        bot_run(url)  # SoW version 1; reviewed: Ready For Approval, the approval request
        assert "proposal::Ready For Approval" in labels_of(url, 1)
        admin(url, "clock", {"advance_seconds": 86400})
        _edit(url, 1, 12)  # two days more; the review box stays ticked
        bot_run(url)
        assert "proposal::SOW_WIP" in labels_of(url, 1), keys(url, 1)
        assert _ticked(url, 1) == {TASKS[0]: True, TASKS[1]: True, REVIEW: False}
        said = _notes_of(url, 1, "sow-revised-after-review")
        assert len(said) == 1, keys(url, 1)
        assert "reviewed **SoW version 1**" in said[0].body
        assert "the current one is **version 2**" in said[0].body
        assert "@harriet" in said[0].body and "@felix" in said[0].body
        drafts = _notes_of(url, 1, "sow-draft")
        assert [find_marker(n.body).superseded is None for n in drafts] == [False, True]
        assert bot_run(url)[1].traffic.writes == 0  # said once; nothing to redo
        # Reviewed again, version 2 this time: approval is asked for it.
        admin(url, "clock", {"advance_seconds": 86400})
        _edit(url, 1, 12)
        bot_run(url)
        assert "proposal::Ready For Approval" in labels_of(url, 1)
        assert _ticked(url, 1)[REVIEW] is True
        assert len(_notes_of(url, 1, "sow-revised-after-review")) == 1
        assert bot_run(url)[1].traffic.writes == 0


def test_a_sow_revised_after_approval_is_withdrawn_and_its_review_asked_for_again():
    with running_emulator(seed([issue(1, "SOW_WIP", done=TASKS)])) as emu:
        url = emu.url
        bot_run(url)
        project_as(url, "rowan").issues.update(1, {"add_labels": "proposal::Approved"})
        bot_run(url)
        assert "proposal::Approved" in labels_of(url, 1)
        admin(url, "clock", {"advance_seconds": 86400})
        _edit(url, 1, 12)
        bot_run(url)
        assert "proposal::SOW_WIP" in labels_of(url, 1), keys(url, 1)
        assert _ticked(url, 1)[REVIEW] is False
        assert _notes_of(url, 1, "sow-revised-after-approval")  # the approval withdrawn, said
        assert len(_notes_of(url, 1, "sow-revised-after-review")) == 1


def test_a_person_editing_the_description_meanwhile_keeps_their_edit():
    """The bot unticks the box on the description as GitLab has it when it writes, not as the
    listing showed it: a person's edit made in between is kept."""
    with running_emulator(seed([issue(1, "SOW_WIP", done=TASKS)])) as emu:
        url = emu.url
        bot_run(url)
        admin(url, "clock", {"advance_seconds": 86400})
        _edit(url, 1, 12)
        plan, _ = bot_run(url, mode="plan")
        assert plan.outcomes[0].plan.untick == (REVIEW,)
        project_as(url, "harriet").issues.update(
            1, {"description": description("Summary, and a note.", TASKS, _data(12))}
        )
        bot_run(url)
        text = project_as(url, "dana").issues.get(1).description
        assert "Summary, and a note." in text
        assert {t.text: t.done for t in parse_tasks(text)}[REVIEW] is False


def test_a_ta_approval_is_for_a_size_an_estimate_grown_past_it_asks_for_the_review_again():
    """Reviewed at 25 days (USD 60,000.00); the estimate grows to 100 days (4x, past the
    policy's 1.5): TA::Approved goes back to TA::Needs-Review, the note gives both totals."""
    feedback = issue(1, "Estimate_Feedback", data=_data(25), done=TASKS[:1])
    with running_emulator(seed([feedback])) as emu:
        url = emu.url
        bot_run(url)  # the estimate summary; over 50,000: TA::Needs-Review
        assert "TA::Needs-Review" in labels_of(url, 1)
        admin(url, "clock", {"advance_seconds": 3600})
        project_as(url, "ravi").issues.update(1, {"add_labels": "TA::Approved"})
        bot_run(url)
        assert "TA::Approved" in labels_of(url, 1)
        admin(url, "clock", {"advance_seconds": 86400})
        _edit(url, 1, 30, done=TASKS[:1])  # 1.2x: the review holds
        bot_run(url)
        assert "TA::Approved" in labels_of(url, 1)
        admin(url, "clock", {"advance_seconds": 86400})
        _edit(url, 1, 100, done=TASKS[:1])  # 4x the reviewed size
        bot_run(url)
        assert "TA::Needs-Review" in labels_of(url, 1) and "TA::Approved" not in labels_of(url, 1)
        said = _notes_of(url, 1, "refused")
        assert len(said) == 1, keys(url, 1)
        assert "USD 60,000.00" in said[0].body and "USD 240,000.00" in said[0].body
        assert "1.5 times" in said[0].body and "@ps/ps-ta" in said[0].body
        assert bot_run(url)[1].traffic.writes == 0
        # Reviewed again at its new size: it counts, and agreeing moves the deal on.
        admin(url, "clock", {"advance_seconds": 3600})
        project_as(url, "ravi").issues.update(1, {"add_labels": "TA::Approved"})
        bot_run(url)
        _edit(url, 1, 100, done=TASKS[:2])
        bot_run(url)
        assert "TA::Approved" in labels_of(url, 1) and "proposal::SOW_WIP" in labels_of(url, 1)
