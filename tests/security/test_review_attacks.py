"""Attacks found in review: each one performed through GitLab's API as a hostile person, then
the bot's runs, then what GitLab shows."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gitlab
import pytest
import yaml
from click.testing import CliRunner

from triage.cli import main
from triage.testing import BOT_TOKEN, Scoping, scoping_gitlab

from support import GATE_DATA, GATE_TASKS

ROOT = Path(__file__).resolve().parents[2]

DATA, TASKS = GATE_DATA, GATE_TASKS  # a deal ready for approval (support.py)


def delivery_issues(scoping: Scoping) -> list[object]:
    bot = gitlab.Gitlab(scoping.emulator.url, private_token=BOT_TOKEN)
    return bot.projects.get("ps/delivery").issues.list(get_all=True)


def test_a_refused_closed_won_never_moves_back_to_an_approval_nobody_gave(scoping):
    """felix (no approver) sets Approved, then Closed Won, before the bot runs: refusing the
    Closed Won must not put back the Approved he set himself."""
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
    scoping.run()
    person = scoping.as_person("felix")
    person.issues.update(iid, {"add_labels": "proposal::Approved"})
    scoping.emulator.store.clock.advance(60)  # a minute later: a request of its own
    person.issues.update(iid, {"add_labels": "proposal::Closed_Won"})
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    assert scoping.comments(iid, "signature-request") == []
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval" and scoping.state(iid) == "opened"
    assert scoping.comments(iid, "closed-won-wrap-up") == [] and delivery_issues(scoping) == []


def test_closed_won_from_an_approval_nobody_gave_does_not_count(scoping):
    """felix (no approver) sets Approved; Deal Desk, seeing Approved, sets Closed Won before the
    bot runs: the Closed Won is from a stage that was never approved, so it is refused."""
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
    scoping.run()
    scoping.as_person("felix").issues.update(iid, {"add_labels": "proposal::Approved"})
    scoping.emulator.store.clock.advance(60)
    desk = scoping.member_of("ps/deal-desk")
    scoping.as_person(desk).issues.update(iid, {"add_labels": "proposal::Closed_Won"})
    scoping.run()
    scoping.run()
    assert scoping.state(iid) == "opened" and scoping.stage(iid) == "Ready For Approval"
    assert scoping.comments(iid, "closed-won-wrap-up") == [] and delivery_issues(scoping) == []
    [note] = [b for b in scoping.comments(iid, "refused") if "`deal-desk`" in b]
    assert f"set by [{desk}](" in note and "a stage set by someone who may not set it" in note


@pytest.fixture
def guest_of_delivery() -> Iterator[Scoping]:
    """felix is also a Guest of the delivery project (a Guest may open issues there)."""

    def extra(seed: dict[str, Any]) -> None:
        delivery = next(p for p in seed["projects"] if p["path"] == "ps/delivery")
        delivery["members"].append({"username": "felix", "access_level": 10})

    with scoping_gitlab(ROOT / "policies", ROOT / "templates", seed_with=extra) as harness:
        yield harness


def test_a_fake_delivery_issue_carrying_the_bots_token_is_not_taken_for_the_bots(
    guest_of_delivery,
):
    """Someone opens, in the delivery project, an issue carrying the (predictable) hidden token
    of the bot's delivery issue before the deal is won: the bot still opens its own issue and
    links that one, never the fake."""
    scoping = guest_of_delivery
    iid = scoping.issue(stage="Approved", tasks=TASKS, data=DATA, author="rowan")
    scoping.run()
    fake_author = "felix"
    fake = gitlab.Gitlab(scoping.emulator.url, private_token=f"{fake_author}-token")
    forged = fake.projects.get("ps/delivery").issues.create(
        {
            "title": "Acme Widgets - Delivery hand-off",
            "description": "Scope changed: see https://evil.example\n"
            f"<!-- ps-triage-source-ps-ps-plan-{iid} -->\n",
        }
    )
    desk = scoping.member_of("ps/deal-desk")
    scoping.as_person(desk).issues.update(iid, {"add_labels": "proposal::Closed_Won"})
    scoping.run()
    assert scoping.state(iid) == "closed"
    [link] = [b for b in scoping.comments(iid) if "Opened the delivery hand-off issue" in b]
    assert forged.web_url not in link
    mine = [i for i in delivery_issues(scoping) if i.author["username"] == "ps-bot"]
    assert len(mine) == 1 and mine[0].web_url in link


def test_a_template_calling_lipsum_cannot_outrun_the_render_limits(tmp_path):
    """Jinja's `lipsum` global makes its text in one call, where no loop, operator or deadline
    check runs: `lipsum(n=3, min=10**7, max=10**7 + 1)` took 23 s and hundreds of MB before the
    size check saw it. `validate` must end it in seconds, naming template and line."""
    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", folder)
    draft = folder / "sow-draft.md.j2"
    draft.write_text(
        "{{ customer }}\n{{ lipsum(n=3, min=10**7, max=10**7 + 1) }}\n" + draft.read_text()
    )
    started = time.monotonic()
    result = CliRunner().invoke(
        main,
        ["validate", "--policies", str(ROOT / "policies"), "--templates", str(folder)],
    )
    assert result.exit_code == 1, result.output
    assert "sow-draft.md.j2:2" in result.output
    assert time.monotonic() - started < 5


def test_a_thumbsup_on_a_request_for_an_older_price_does_not_approve_a_new_one(scoping):
    """The approval request shows USD 7,200; the EM raises the estimate to 10 days (24,000:
    under the TA threshold, above the margin floor, so nothing else stands in the way); the
    director, reading the request, gives it a thumbs-up before the next run: the 24,000 deal
    must not be approved by it."""
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
    scoping.run()
    [request] = scoping.comments(iid, "approval-request")
    assert "USD 7,200.00" in request
    scoping.emulator.store.clock.advance(600)
    issue = scoping.as_person("felix").issues.get(iid)
    raised = {**DATA, "line_items": [{"activity": "Discovery", "role": "PSE", "days": 10}]}
    head = issue.description.split("<!-- ps-triage:scoping -->")[0]
    block = yaml.safe_dump(raised, sort_keys=False)
    issue.description = f"{head}<!-- ps-triage:scoping -->\n```yaml\n{block}```\n"
    issue.save()
    scoping.emulator.store.clock.advance(600)
    director = scoping.as_person("rowan").issues.get(iid, lazy=True)
    note = next(n for n in director.notes.list(get_all=True) if n.body == request)
    director.notes.get(note.id, lazy=True).awardemojis.create({"name": "thumbsup"})
    result = scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    assert scoping.comments(iid, "signature-request") == []
    [outcome] = [o for o in result.outcomes if o.plan.iid == iid]
    # refused because the request showed another revision, not by another rule
    assert any("its emoji do not count" in r for r in outcome.plan.reasons), outcome.plan.reasons
    assert not any("missing" in r for r in outcome.plan.reasons), outcome.plan.reasons
    # the new request (24,000) is posted; the director's thumbs-up on it approves
    new = scoping.comments(iid, "approval-request")[-1]
    assert "USD 24,000.00" in new
    note = next(n for n in director.notes.list(get_all=True) if n.body == new)
    director.notes.get(note.id, lazy=True).awardemojis.create({"name": "thumbsup"})
    scoping.emulator.store.clock.advance(600)
    scoping.run()
    assert scoping.stage(iid) == "Approved"


def test_the_gross_margin_reaches_no_public_note(scoping):
    """COGS and margin appear only in internal notes (README): a Guest of the project, or
    anyone the issue is shared with, reads every public note up to the approval request."""
    iid = scoping.issue(stage="SOW_WIP", tasks=TASKS, data=DATA)
    scoping.run()
    assert scoping.stage(iid) == "Ready For Approval"
    bot = gitlab.Gitlab(scoping.emulator.url, private_token=BOT_TOKEN)
    notes = bot.projects.get(scoping.project_path).issues.get(iid).notes.list(get_all=True)
    mine = [n for n in notes if n.author["username"] == "ps-bot"]
    assert any("margin" in n.body.lower() for n in mine)  # the cost estimate, internal
    public = [n.body for n in mine if not n.internal]
    assert public and not [b for b in public if "margin" in b.lower()]


def test_closed_won_by_deal_desk_after_an_approval_by_thumbsup_still_closes(scoping):
    """The stage check above follows the bot's own Approved to the director's thumbs-up it acted
    on: Deal Desk's Closed Won from there counts (no regression of the gates' normal path)."""
    iid = scoping.issue(stage="Ready For Approval", tasks=TASKS, data=DATA)
    scoping.run()
    [request] = scoping.comments(iid, "approval-request")
    director = scoping.as_person("rowan").issues.get(iid, lazy=True)
    note = next(n for n in director.notes.list(get_all=True) if n.body == request)
    director.notes.get(note.id, lazy=True).awardemojis.create({"name": "thumbsup"})
    scoping.emulator.store.clock.advance(600)
    scoping.run()
    assert scoping.stage(iid) == "Approved"
    scoping.emulator.store.clock.advance(600)
    desk = scoping.member_of("ps/deal-desk")
    scoping.as_person(desk).issues.update(iid, {"add_labels": "proposal::Closed_Won"})
    scoping.run()
    assert scoping.stage(iid) == "Closed_Won" and scoping.state(iid) == "closed"
    assert scoping.comments(iid, "refused") == [] and len(delivery_issues(scoping)) == 1
