"""Bookings a PS leader can take to the bank (issue 30): every approval recorded, no approved
deal lost to inactivity, late bookings restated into their quarter. On the emulator, people
acting through python-gitlab as themselves."""

from test_gates_and_timers import ESTIMATE, issue, keys, labels_of, seed

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import TASKS, description
from triage.issues.markers import find_marker

from support import bot_notes, bot_run, project_as


def _revise(url, iid, days, done=TASKS):
    data = {
        **ESTIMATE,
        "line_items": [{"activity": "Migration waves", "role": "PSE", "days": days}],
    }
    project_as(url, "harriet").issues.update(
        iid, {"description": description("Summary.", done, data)}
    )


def _award_on_latest_request(url, iid, user="rowan"):
    request = [
        n for n in bot_notes(url, iid) if find_marker(n.body).key.startswith("approval-request/")
    ][-1]
    project_as(url, user).issues.get(iid, lazy=True).notes.get(
        request.id, lazy=True
    ).awardemojis.create({"name": "thumbsup"})
    return request


def test_a_thumbsup_on_the_new_approval_request_after_a_revision_approves_and_deal_desk_wins():
    with running_emulator(seed([issue(1, "Ready For Approval", done=TASKS)])) as emu:
        url = emu.url
        bot_run(url)
        _award_on_latest_request(url, 1)
        bot_run(url)
        assert "proposal::Approved" in labels_of(url, 1)
        admin(url, "clock", {"advance_seconds": 86400})
        _revise(url, 1, 12)
        bot_run(url)
        assert "proposal::Ready For Approval" in labels_of(url, 1)  # withdrawn: a new revision
        admin(url, "clock", {"advance_seconds": 3600})
        _award_on_latest_request(url, 1)
        bot_run(url)
        assert "proposal::Approved" in labels_of(url, 1), keys(url, 1)
        assert bot_run(url)[1].traffic.writes == 0
        admin(url, "clock", {"advance_seconds": 86400})
        project_as(url, "quinn").issues.update(1, {"add_labels": "proposal::Closed_Won"})
        bot_run(url)
        assert "proposal::Closed_Won" in labels_of(url, 1)
        assert project_as(url, "dana").issues.get(1).state == "closed"
