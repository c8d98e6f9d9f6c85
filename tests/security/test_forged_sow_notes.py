"""A SoW note forged by a Developer: the bot's marker and revision copied exactly (as anyone with
the repository can compute them), linking a document the Developer uploaded. Only the bot's own
notes are its SoW: it still uploads its document and posts its note, and what it links later (the
superseded banner, the hand-off) is its own note, never the forged one."""

from __future__ import annotations

import re

from triage.gitlab.adapter import GitLab
from triage.planner.comments import document_placeholder
from triage.runner import run
from triage.testing import BOT_TOKEN, TASKS, Scoping

ACME = {
    "customer": "Acme Widgets",
    "close_date": "2026-02-27",
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}
LINK = re.compile(r"\]\((/uploads/[0-9a-f]{32}/[^)]+)\)")


def forge_the_sow_note(scoping: Scoping, iid: int) -> str:
    """Dana (Developer) posts the SoW note the bot is about to post, word for word, marker and
    revision included, linking her own upload; returns the link she planted."""
    client = GitLab(scoping.emulator.url, BOT_TOKEN)
    planned = run(scoping.workspace.policy, client, scoping.workspace.templates, mode="plan")
    [outcome] = [o for o in planned.outcomes if o.plan.iid == iid]
    [comment] = [c for c in outcome.plan.comments if c.key.startswith("sow-draft")]
    project = scoping.as_person("dana")
    upload = project.upload("Acme-Widgets-SoW-2026-01-12.docx", filedata=b"PK not the SoW")
    body = comment.body.replace(document_placeholder(comment.key), upload["markdown"])
    project.issues.get(iid).notes.create({"body": body})
    return str(upload["url"])


def test_a_forged_sow_note_with_the_bots_marker_is_never_taken_for_the_bots(scoping):
    iid = scoping.issue(stage="Estimate_Feedback", tasks=TASKS[:2], data=ACME)
    planted = forge_the_sow_note(scoping, iid)
    result = scoping.run()
    assert not result.errors and scoping.stage(iid) == "SOW_WIP"
    [note] = scoping.comments(iid, "sow-draft")  # the bot's own, beside the forged one
    [link] = LINK.findall(note)
    assert link != planted
    # A revised estimate supersedes the bot's note and links the bot's newer one; the forged
    # note is left as Dana wrote it (the bot cannot edit it, and does not try).
    issue = scoping.as_person("dana").issues.get(iid)
    issue.description = issue.description.replace("days: 3", "days: 5")
    issue.save()
    again = scoping.run()
    assert not again.errors, [o.error for o in again.errors]
    first, second = scoping.comments(iid, "sow-draft")
    assert "**Superseded: do not use this revision.**" in first
    assert planted not in first + second
    forged = [
        n.body
        for n in scoping.as_person("dana").issues.get(iid).notes.list(get_all=True)
        if n.author["username"] == "dana" and not n.system
    ]
    assert len(forged) == 1 and planted in forged[0] and "Superseded" not in forged[0]
