"""Mentions through the data block: only people GitLab shows as members of the project.

The data block's `people:` is written by anyone who can edit the description. A username there
becomes a mention in the signature request and its reminders, so it must not be a way to ping a
group (`sa: ps`) or a user who has nothing to do with the project.
"""

from __future__ import annotations

import re

from gitlab_emulator.store import User
from triage.testing import TASKS, Scoping

CLOSE_DATE = "2026-01-28"


def _data(customer: str, people: dict[str, str]) -> dict[str, object]:
    return {
        "customer": customer,
        "segment": "Ent_EAST",
        "close_date": CLOSE_DATE,
        "people": people,
        "confidence": {"value": "Amber", "rationale": "Budget confirmed"},
        "line_items": [{"activity": "Migration waves", "role": "PSE", "days": 10}],
    }


def _mentions(body: str, name: str) -> bool:
    """Whether GitLab would read `@name` in the body as a mention (`@` then the name, whole; a
    `/` goes on into a group path: `@ps/ps-directors` mentions that group, not the user `ps`)."""
    return re.search(rf"(?<![\w`]){re.escape('@' + name)}(?![\w./-]*[\w-])", body) is not None


def _bot_notes(scoping: Scoping, iid: int) -> list[str]:
    notes = scoping.as_person("dana").issues.get(iid).notes.list(get_all=True, sort="asc")
    return [n.body for n in notes if n.author["username"] == "ps-bot" and not n.system]


def test_data_block_people_are_mentioned_only_when_gitlab_shows_them_as_project_members(
    scoping: Scoping,
) -> None:
    store = scoping.emulator.store
    # Someone with a GitLab account who is no member of the scoping project.
    uid = store.new_id("user")
    store.users[uid] = User(uid, "mallory", "Mallory", "mallory-token")
    outsider = scoping.issue(
        stage="Ready For Approval",
        tasks=TASKS,
        data=_data("Acme Widgets", {"sa": "ps", "ae": "mallory"}),
    )
    member = scoping.issue(
        stage="Ready For Approval",
        tasks=TASKS,
        data=_data("Bramblewood Financial", {"sa": "felix", "ae": "mallory"}),
    )
    scoping.run()
    for iid in (outsider, member):  # the director approves both
        scoping.as_person("rowan").issues.update(iid, {"add_labels": "proposal::Approved"})
    scoping.run()
    # the signature reminders: a week and a day later (Monday 2026-01-19, a week later, is
    # Martin Luther King Jr. Day, no business day for the shipped US team: no reminder on it)
    scoping.run(days=8)
    assert scoping.stage(outsider) == scoping.stage(member) == "Approved"
    assert scoping.comments(outsider, "signature-request")
    assert scoping.comments(outsider, "signature-reminder")

    for iid in (outsider, member):
        for body in _bot_notes(scoping, iid):
            assert not _mentions(body, "ps"), body
            assert not _mentions(body, "mallory"), body

    [request] = scoping.comments(outsider, "signature-request")
    assert "`sa: ps` is not a member of ps/ps-plan, so they were not mentioned" in request
    assert "`ae: mallory` is not a member of ps/ps-plan, so they were not mentioned" in request
    [request] = scoping.comments(member, "signature-request")
    assert _mentions(request, "felix")  # a project member is still mentioned
    assert "`ae: mallory` is not a member of ps/ps-plan" in request
    assert "`sa: felix`" not in request
