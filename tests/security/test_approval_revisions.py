"""An approval counts only for the revision the approver saw (issue 29, items 6 and 18).

The approval request records the SoW revision it showed in its marker; the bot's token can edit
that marker, and can delete the bot's newer notes. An approver's :thumbsup: counts only when it
was given on the request as it reads now (awarded after GitLab last saved its text: an edit's
time is GitLab's, which the token cannot set), on a request no newer revision superseded."""

from __future__ import annotations

from typing import Any

import gitlab
import yaml

from triage.issues.markers import find_marker
from triage.testing import BOT_TOKEN, Scoping

from support import GATE_DATA, GATE_TASKS

DATA, TASKS = GATE_DATA, GATE_TASKS  # a deal ready for approval (support.py)


def set_days(scoping: Scoping, iid: int, days: int) -> None:
    """The EM changes the estimate (10 days: 24,000, under the TA threshold)."""
    scoping.emulator.store.clock.advance(600)
    issue = scoping.as_person("dana").issues.get(iid)
    data = {**DATA, "line_items": [{"activity": "Discovery", "role": "PSE", "days": days}]}
    head = issue.description.split("<!-- ps-triage:scoping -->")[0]
    block = yaml.safe_dump(data, sort_keys=False)
    issue.description = f"{head}<!-- ps-triage:scoping -->\n```yaml\n{block}```\n"
    issue.save()
    scoping.emulator.store.clock.advance(600)


def requests(scoping: Scoping, iid: int) -> list[Any]:
    """The bot's approval requests on the issue, as the bot's token reads them, oldest first."""
    bot = gitlab.Gitlab(scoping.emulator.url, private_token=BOT_TOKEN)
    notes = bot.projects.get(scoping.project_path).issues.get(iid).notes.list(get_all=True)
    found = [
        n
        for n in notes
        if n.author["username"] == "ps-bot"
        and (m := find_marker(n.body))
        and m.key.startswith("approval-request/")
    ]
    return sorted(found, key=lambda n: n.id)


def thumbsup(scoping: Scoping, iid: int, note_id: int) -> None:
    director = scoping.as_person("rowan").issues.get(iid, lazy=True)
    director.notes.get(note_id, lazy=True).awardemojis.create({"name": "thumbsup"})
    scoping.emulator.store.clock.advance(600)


def test_a_forged_marker_does_not_turn_an_old_thumbsup_into_an_approval(scoping):
    """With the bot's token: the old request's marker edited to show the new revision (and not
    superseded), the newer request deleted. The director's thumbs-up was given on 7,200."""
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
    scoping.run()
    [old] = requests(scoping, iid)
    thumbsup(scoping, iid, old.id)
    set_days(scoping, iid, 10)
    scoping.run()  # the thumbs-up was for another revision: a new request
    assert scoping.stage(iid) == "Ready For Approval"
    old, new = requests(scoping, iid)
    marker, current = find_marker(old.body), find_marker(new.body)
    assert marker is not None and current is not None and marker.superseded == new.id
    scoping.emulator.store.clock.advance(600)
    forged = str(marker).replace(f"sow={marker.sow}", f"sow={current.sow}")
    forged = forged.replace(f" superseded={new.id}", "")
    old.body = f"{forged}\n" + old.body.split("\n", 1)[1]
    old.save()
    new.delete()
    scoping.emulator.store.clock.advance(600)
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    assert scoping.comments(iid, "signature-request") == []


def test_a_thumbsup_on_a_superseded_request_does_not_approve_even_at_its_old_price(scoping):
    """The estimate changes and changes back; the newer request is deleted (the bot's token); the
    director gives a thumbs-up on the superseded request, whose price is the current one again."""
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
    scoping.run()
    set_days(scoping, iid, 10)
    scoping.run()
    old, new = requests(scoping, iid)
    new.delete()
    set_days(scoping, iid, 3)
    thumbsup(scoping, iid, old.id)
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    assert scoping.comments(iid, "signature-request") == []
