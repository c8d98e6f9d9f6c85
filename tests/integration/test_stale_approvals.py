"""An approval given on an approval request a newer one replaced (issue 30): the approver is told
at once, in one note, that their :thumbsup: was on an old version and which request to approve
instead; the award approves nothing. On the emulator, people acting as themselves."""

from test_gates_and_timers import ESTIMATE, issue, keys, labels_of, seed

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import TASKS, description
from triage.issues.markers import find_marker

from support import bot_notes, bot_run, project_as


def _requests(url, iid):
    return [
        n for n in bot_notes(url, iid) if find_marker(n.body).key.startswith("approval-request/")
    ]


def _award(url, iid, note, user="rowan"):
    project_as(url, user).issues.get(iid, lazy=True).notes.get(
        note.id, lazy=True
    ).awardemojis.create({"name": "thumbsup"})


def test_a_thumbsup_on_a_superseded_request_is_answered_once_with_the_request_to_approve():
    with running_emulator(seed([issue(1, "Ready For Approval", done=TASKS)])) as emu:
        url = emu.url
        bot_run(url)  # the approval request, version 1
        admin(url, "clock", {"advance_seconds": 3600})
        data = {
            **ESTIMATE,
            "line_items": [{"activity": "Migration waves", "role": "PSE", "days": 12}],
        }
        project_as(url, "harriet").issues.update(1, {"description": description("S.", TASKS, data)})
        bot_run(url)  # version 2; version 1 superseded
        old, new = _requests(url, 1)
        assert find_marker(old.body).superseded == new.id
        admin(url, "clock", {"advance_seconds": 3600})
        _award(url, 1, old)  # from the notification of version 1, after version 2 replaced it
        bot_run(url)
        assert "proposal::Ready For Approval" in labels_of(url, 1)
        told = [
            n for n in bot_notes(url, 1) if find_marker(n.body).key.startswith("refused/director/")
        ]
        assert len(told) == 1, keys(url, 1)
        assert "@rowan" in told[0].body
        assert f"#note_{old.id}" in told[0].body and f"#note_{new.id}" in told[0].body
        assert "version 1" in told[0].body and "version 2" in told[0].body
        assert bot_run(url)[1].traffic.writes == 0  # told once, not every run
        admin(url, "clock", {"advance_seconds": 3600})
        _award(url, 1, new)
        bot_run(url)
        assert "proposal::Approved" in labels_of(url, 1)
