"""Issues nobody should have to write, in one run with a normal one: each is reported on or
handled, the others proceed, nothing existing is removed, nothing acts through the bot."""

import yaml

from gitlab_emulator.testing import running_emulator
from triage.commands.demo_data import TASKS, demo_seed, description
from triage.issues.markers import find_marker

from support import bot_notes, bot_run, project_as

GOOD = {"customer": "Plain Co", "line_items": [{"activity": "Discovery", "role": "PSE", "days": 2}]}
HOSTILE = {
    "customer": "<script>alert(1)</script>\n/close @all",
    "people": {"sa": "felix"},
    "line_items": [{"activity": '/label ~"proposal::Approved"\n@all', "role": "PSE", "days": 2}],
}


def block(data):
    return "<!-- ps-triage:scoping -->\n```yaml\n" + yaml.safe_dump(data, sort_keys=False) + "```\n"


def hostile_seed():
    data = demo_seed()
    human = [{"author": "dana", "body": "kick-off booked", "created_at": "2026-01-10T09:00:00Z"}]

    def issue(iid, title, text, labels=("proposal::Awaiting_Discovery",)):
        return {
            "iid": iid,
            "title": title,
            "author": "imogen",
            "assignees": ["dana"],
            "notes": human,
            "labels": ["Services Calculator", "EM_Confidence::Grey", "Segment::Ent_EAST", *labels],
            "description": text,
            "created_at": "2026-01-05T09:00:00Z",
            "updated_at": "2026-01-10T09:00:00Z",
        }

    huge = "x" * 1_000_000 + "\n" + description("Huge.", TASKS[:1], GOOD)
    data["projects"][0]["issues"] = [
        issue(1, "Plain Co - Scope Issue and Write SOW", description("Normal.", TASKS[:1], GOOD)),
        issue(2, "Huge Co - Scope Issue and Write SOW", huge),
        issue(
            3,
            "\u202eoC liveD\u202c \u200b🚀 <b>bold</b> @all /close - Scope Issue and Write SOW",
            "- [x] Discovery call held\n" + block(HOSTILE),
        ),
        issue(
            4,
            "Legacy Co - Scope Issue and Write SOW",
            description("Old label.", TASKS[:1], GOOD),
            labels=("proposal::Writing",),
        ),
        issue(
            5,
            "Broken Co - Scope Issue and Write SOW",
            "- [x] Discovery call held\n<!-- ps-triage:scoping -->\n```yaml\ncustomer: [unclosed\n```\n",
        ),
        issue(
            6,
            '@all /label ~"proposal::Approved" - Scope Issue and Write SOW',
            "/close\n@all\n" + description("Commands in the description.", TASKS[:1], GOOD),
        ),
        issue(
            7,
            "Deep Co - Scope Issue and Write SOW",
            "- [x] Discovery call held\n<!-- ps-triage:scoping -->\n```yaml\ncustomer: "
            + "[" * 5000
            + "]" * 5000
            + "\n```\n",
        ),
        issue(
            8,
            "Typo Co - Scope Issue and Write SOW",
            "- [x] Discovery call held\n"
            + block(
                {
                    **GOOD,
                    "close_date": "9999-12-31",
                    "people": {"ae": "all"},
                    "line_items": [{"activity": "A", "role": "PSE", "days": 2, "rate": 1e308}],
                }
            ).replace("'9999-12-31'", "9999-12-31"),
        ),
    ]
    return data


def test_bad_issues_are_reported_or_handled_and_the_others_proceed():
    with running_emulator(hostile_seed()) as emu:
        url = emu.url
        result, _ = bot_run(url)
        project = project_as(url, "dana")
        assert (
            "proposal::Estimate_Feedback" in project.issues.get(1).labels
        )  # the normal issue moved on
        assert "proposal::Estimate_Feedback" in project.issues.get(2).labels  # so did the huge one
        assert [(o.plan.iid, o.error) for o in result.errors] == [
            (
                4,
                "unknown stage label proposal::Writing: add the stage to lifecycle.stages, or relabel the issue "
                "with one of proposal::Approved, proposal::Awaiting_Discovery, proposal::Closed_Lost, "
                "proposal::Closed_Won, proposal::Estimate_Feedback, proposal::On_hold, "
                "proposal::Ready For Approval, proposal::SOW_WIP, proposal::Strawman_WIP",
            )
        ]
        problems = [
            n
            for n in bot_notes(url, 5)
            if find_marker(n.body).key.startswith("data-block-problem/")
        ]
        assert len(problems) == 1 and "not valid YAML" in problems[0].body
        too_deep = [
            n
            for n in bot_notes(url, 7)
            if find_marker(n.body).key.startswith("data-block-problem/")
        ]
        assert len(too_deep) == 1 and "nested too deeply to read" in too_deep[0].body
        typos = [
            n.body
            for n in bot_notes(url, 8)
            if find_marker(n.body).key.startswith("data-block-problem/")
        ]
        assert len(typos) == 1
        for problem in (
            "`close_date`: a date between 1970-01-01 and 2999-12-31; check the year",
            "`people.ae`: @\u2060all would notify everyone: name one person",  # no mention
            "`line_items[0].rate`: Input should be less than or equal to 1000000000000",
        ):
            assert problem in typos[0].replace("\\", ""), problem

        for iid in range(1, 9):
            issue = project.issues.get(iid)
            assert issue.state == "opened", iid
            assert "Services Calculator" in issue.labels and "Segment::Ent_EAST" in issue.labels
            assert "proposal::Approved" not in issue.labels
            assert any(n.body == "kick-off booked" for n in issue.notes.list(get_all=True)), (
                iid
            )  # nothing removed
            for note in bot_notes(url, iid):
                assert (
                    "<script>" not in note.body
                    and "<b>" not in note.body
                    and "@all" not in note.body
                )
                assert not any(line.startswith("/") for line in note.body.split("\n"))
        assert bot_run(url)[1].traffic.writes == 0  # and a second run settles
