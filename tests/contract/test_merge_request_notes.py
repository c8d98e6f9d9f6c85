"""Quick actions in a merge request's notes run, and leave the note, as on an issue.

Follows GitLab's source: `app/services/notes/create_service.rb` and `update_service.rb` run
`QuickActionsService` for any noteable that supports quick actions (merge requests do),
`lib/gitlab/quick_actions/issuable_actions.rb` (`/close`, `/reopen`, `/title` on issues and
merge requests, for who may `update_merge_request`) and `lib/api/helpers/notes_helpers.rb`
(a note of commands only answers 202 and is not saved).
"""

from __future__ import annotations

from typing import Any

import gitlab


def merge_request(gitlab_emulator) -> tuple[Any, Any]:
    emu = gitlab_emulator(
        {
            "users": [{"username": "dana", "token": "t"}, {"username": "gus", "token": "g"}],
            "projects": [
                {
                    "path": "g/p",
                    "members": [
                        {"username": "dana", "access_level": 30},
                        {"username": "gus", "access_level": 10},
                    ],
                    "merge_requests": [{"iid": 7, "title": "Raise it", "author": "dana"}],
                }
            ],
        }
    )
    mr = (
        gitlab.Gitlab(emu.url, private_token="t")
        .projects.get("g/p")
        .mergerequests.get(7, lazy=True)
    )
    return emu, mr


def test_a_command_line_in_a_merge_request_note_runs_and_leaves_the_text(gitlab_emulator):
    emu, mr = merge_request(gitlab_emulator)
    note = mr.notes.create({"body": "Looks done.\n/close"})
    assert note.body == "Looks done."
    assert emu.store.project_by_ref("g/p").merge_requests[7].state == "closed"


def test_a_merge_request_note_of_commands_only_answers_202_and_is_not_kept(gitlab_emulator):
    emu, mr = merge_request(gitlab_emulator)
    answer = mr.manager.gitlab.http_post(f"{mr.notes.path}", post_data={"body": "/title Lower it"})
    assert answer == {
        "commands_changes": {"title": "Lower it"},
        "summary": ['Changed the title to "Lower it".'],
    }
    assert mr.notes.list(get_all=True) == []
    assert emu.store.project_by_ref("g/p").merge_requests[7].title == "Lower it"


def test_a_command_the_author_may_not_run_is_taken_out_and_not_applied(gitlab_emulator):
    emu, _ = merge_request(gitlab_emulator)
    guest = (
        gitlab.Gitlab(emu.url, private_token="g")
        .projects.get("g/p")
        .mergerequests.get(7, lazy=True)
    )
    note = guest.notes.create({"body": "Me too.\n/close"})
    assert note.body == "Me too."
    assert emu.store.project_by_ref("g/p").merge_requests[7].state == "opened"
