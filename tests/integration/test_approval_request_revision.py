"""A re-request after a revision, on the emulator (issue 32 item 3): the director approves
Version 1 with a :thumbsup:, the EM then revises the data block (10 PSE days to 8, 10% off); the
new request names Version 2, as the SoW does, and says what changed since Version 1.

Juniper Rail (test_gates_and_timers' ESTIMATE): 10 PSE days at 2,400 = 24,000 net; revised to
8 days = 19,200, 10% off = 17,280 net.
"""

from test_gates_and_timers import ESTIMATE, issue, labels_of, seed

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import TASKS, description
from triage.issues.markers import find_marker

from support import bot_notes, bot_run, project_as


def _requests(url, iid):
    return [
        n for n in bot_notes(url, iid) if find_marker(n.body).key.startswith("approval-request/")
    ]


def test_the_request_after_a_revision_names_version_2_and_what_changed_since_version_1():
    with running_emulator(seed([issue(1, "Ready For Approval", done=TASKS)])) as emu:
        url = emu.url
        bot_run(url)
        [first] = _requests(url, 1)
        assert "SoW Version 1" in first.body.splitlines()[1]
        assert "What changed since" not in first.body
        project_as(url, "rowan").issues.get(1, lazy=True).notes.get(
            first.id, lazy=True
        ).awardemojis.create({"name": "thumbsup"})
        bot_run(url)
        assert "proposal::Approved" in labels_of(url, 1)
        admin(url, "clock", {"advance_seconds": 86400})
        revised = {
            **ESTIMATE,
            "discount_pct": 10,
            "line_items": [{"activity": "Migration waves", "role": "PSE", "days": 8}],
        }
        project_as(url, "harriet").issues.update(
            1, {"description": description("Summary.", TASKS, revised)}
        )
        bot_run(url)
        assert "proposal::Ready For Approval" in labels_of(url, 1)
        latest = _requests(url, 1)[-1].body
        assert "SoW Version 2" in latest.splitlines()[1]
        changed = latest.split("**What changed since Version 1, the version approved:**\n\n")[1]
        assert changed.split("\n\n")[0].splitlines() == [
            "- List price: USD 24,000.00 → USD 19,200.00",
            "- Discount: 0% → 10%",
            "- Net price: USD 24,000.00 → USD 17,280.00",
            "- Total days: 10 days → 8 days",
            "- PSE days: 10 days → 8 days",
        ]
        # the SoW the director reads is Version 2 too
        sow = [n for n in bot_notes(url, 1) if find_marker(n.body).key.startswith("sow-draft/")]
        assert "**Version** 2 (ref" in sow[-1].body
        assert bot_run(url)[1].traffic.writes == 0  # stable: nothing posted again
