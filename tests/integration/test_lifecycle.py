"""One scoping issue through its whole lifecycle, over several scheduled runs, with the people's
steps done between runs through python-gitlab as those people."""

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import TASKS, demo_seed, description
from triage.gitlab.own import FORECAST_LABEL
from triage.issues.markers import find_marker

from support import BOT, bot_notes, bot_run, project_as

BLOCK = {
    "customer": "Juniper Rail",
    "segment": "Ent_EMEA",
    "close_date": "2026-01-27",
    "currency": "USD",
    "people": {"sa": "felix", "ae": "imogen"},
    "confidence": {"value": "Green", "rationale": "PO raised"},
    "line_items": [{"activity": "Automated migration waves", "role": "PSE", "days": 10}],
    "discount_pct": 0,
}


def seed():
    data = demo_seed()
    data["projects"][0]["issues"] = [
        {
            "iid": 1,
            "title": "Juniper Rail - Scope Issue and Write SOW",
            "author": "imogen",
            "labels": ["Services Calculator"],
            "description": description("Summary."),
            "created_at": "2026-01-05T09:00:00Z",
            "updated_at": "2026-01-05T09:00:00Z",
        }
    ]
    return data


def state(url):
    issue = project_as(url, "dana").issues.get(1)
    return sorted(issue.labels), issue.state


def stage_label(url):
    return next(label for label in state(url)[0] if label.startswith("proposal::"))


def tick(url, user, task):
    issue = project_as(url, user).issues.get(1)
    issue.description = issue.description.replace(f"- [ ] {task}", f"- [x] {task}")
    issue.save()


def forecast_notes(url):
    """The notes on the quarter's forecast issue (its weekly snapshot), none before it exists."""
    found = project_as(url, "dana").issues.list(labels=FORECAST_LABEL, get_all=True)
    return sum(1 for issue in found for note in issue.notes.list(get_all=True) if not note.system)


def step(url):
    """One scheduled run, an hour later: the writes to the scoping issue (the quarter's forecast
    issue, created or updated when the pipeline changes, and its weekly snapshot note are
    counted apart)."""
    admin(url, "clock", {"advance_seconds": 3600})
    notes = forecast_notes(url)
    result, client = bot_run(url)
    forecast_writes = int(
        bool(result.forecast) and result.forecast.endswith(("created", "updated"))
    )
    return client.traffic.writes - forecast_writes - (forecast_notes(url) - notes)


def test_one_issue_from_intake_to_closed_won():
    with running_emulator(seed()) as emu:
        url = emu.url
        # No EM and no segment: the triage lead is assigned, the issue moves to Awaiting_Discovery,
        # gets its confidence label and the intake checklist: one PUT and one note.
        assert step(url) == 2
        assert state(url) == (
            ["EM_Confidence::Grey", "Services Calculator", "proposal::Awaiting_Discovery"],
            "opened",
        )
        assert [a["username"] for a in project_as(url, "dana").issues.get(1).assignees] == ["dana"]
        assert step(url) == 0

        tick(url, "dana", TASKS[0])
        assert step(url) == 2 and stage_label(url) == "proposal::Strawman_WIP"

        issue = project_as(url, "dana").issues.get(1)
        issue.description = description("Summary.", TASKS[:1], BLOCK)
        issue.save()
        assert step(url) == 2 and stage_label(url) == "proposal::Estimate_Feedback"  # + estimate

        tick(url, "harriet", TASKS[1])
        # + the SoW draft, its Word document (uploaded, linked from it) and the COGS note
        assert step(url) == 4 and stage_label(url) == "proposal::SOW_WIP"

        tick(url, "dana", TASKS[2])
        assert step(url) == 2 and stage_label(url) == "proposal::Ready For Approval"

        project_as(url, "rowan").issues.update(1, {"add_labels": "proposal::Approved"})
        # people's move: the bot keeps the label and asks the account team for signature, once
        assert step(url) == 1 and stage_label(url) == "proposal::Approved"
        assert step(url) == 0
        request = bot_notes(url, 1)[-1].body
        assert "@felix @imogen the PS Director approved" in request
        assert "- [ ] Legal stamp requested" in request and "- [ ] Customer signed" in request

        project_as(url, "quinn").issues.update(1, {"add_labels": "proposal::Closed_Won"})
        # the hand-off comment, the delivery issue and the note linking it, then labels and close in one PUT
        assert step(url) == 4
        assert state(url) == (
            [
                "EM_Confidence::Green",  # the data block's, over the default set before it
                "Services Calculator",
                "close_qtr::Q426",
                "proposal::Closed_Won",
            ],
            "closed",
        )
        assert step(url) == 0  # closed: out of scope

        keys = [find_marker(n.body).key.split("/")[0] for n in bot_notes(url, 1)]
        assert keys == [
            "intake",
            "discovery-held",
            "estimate-summary",
            "sow-draft",
            "cost-estimate",
            "approval-request",
            "signature-request",
            "closed-won-wrap-up",
            "closed-won-wrap-up",
        ]
        internal = [n.internal for n in bot_notes(url, 1)]
        assert internal == [False, False, False, False, True, True, False, False, False]
        delivery = (
            project_as(url, "quinn")
            .manager.gitlab.projects.get("ps/delivery")
            .issues.list(get_all=True)
        )
        assert [i.title for i in delivery] == ["Juniper Rail - Delivery hand-off"]
        assert (
            delivery[0].labels == ["Delivery Hand-off"]
            and "/ps/ps-plan/-/issues/1" in delivery[0].description
        )
        assert delivery[0].web_url in bot_notes(url, 1)[-1].body
        events = (
            project_as(url, "dana").issues.get(1, lazy=True).resourcelabelevents.list(get_all=True)
        )
        moves = [
            (e.user["username"], e.action, e.label["name"])
            for e in events
            if e.label["name"].startswith("proposal::")
        ]
        assert moves[-4:] == [
            ("rowan", "remove", "proposal::Ready For Approval"),
            ("rowan", "add", "proposal::Approved"),
            ("quinn", "remove", "proposal::Approved"),
            ("quinn", "add", "proposal::Closed_Won"),
        ]
        assert [m for m in moves if m[0] == BOT and m[1] == "add"] == [
            (BOT, "add", f"proposal::{stage}")
            for stage in (
                "Awaiting_Discovery",
                "Strawman_WIP",
                "Estimate_Feedback",
                "SOW_WIP",
                "Ready For Approval",
            )
        ]
