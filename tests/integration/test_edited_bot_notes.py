"""A note of the bot's that someone else edited is no longer the bot's (issue 31, item 4).

On GitLab a Maintainer may edit anyone's note (`app/policies/project_policy.rb` gives Maintainers
`admin_note`), and the notes API names no editor: the note keeps the bot as its author and its
marker. The bot edits its own notes only to mark them superseded or resolved, so a live marked
note edited after it was posted (`updated_at` later than `created_at`) says someone else's words:
it counts as no note of the bot's, an emoji on it approves nothing, and the bot says its own
words again.
"""

from __future__ import annotations

from test_gates_and_timers import issue, labels_of, seed

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import TASKS
from triage.issues.markers import find_marker

from support import bot_notes, bot_run, project_as


def requests(url: str) -> list:
    return [n for n in bot_notes(url, 1) if find_marker(n.body).key.startswith("approval-request/")]


def test_an_edited_approval_request_is_not_the_bots_and_an_emoji_on_it_approves_nothing():
    with running_emulator(seed([issue(1, "Ready For Approval", done=TASKS)])) as emu:
        url = emu.url
        bot_run(url)
        (request,) = requests(url)
        admin(url, "clock", {"advance_seconds": 3600})
        # rowan, a Maintainer (Owner of `ps`) and a director, edits the bot's words, then approves
        notes = project_as(url, "rowan").issues.get(1, lazy=True).notes
        edited = request.body + "\n\nAgreed with the customer: 20% off the price above."
        notes.update(request.id, {"body": edited})
        notes.get(request.id, lazy=True).awardemojis.create({"name": "thumbsup"})

        bot_run(url)

        assert "proposal::Approved" not in labels_of(url, 1)
        first, again = requests(url)
        assert (first.id, first.body) == (request.id, edited)  # left as the editor left it
        assert again.body == request.body  # the bot's own words, said again
        assert bot_run(url)[1].traffic.writes == 0
