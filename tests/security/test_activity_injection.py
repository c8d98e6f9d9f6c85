"""An activity the service catalog does not know is issue text: the note that names it (and the
estimate and SoW that show it) must not mention anyone, run a quick action or render HTML."""

from __future__ import annotations

import re

import yaml

from gitlab_emulator.quick_actions import extract
from triage.testing import TASKS, Scoping

# Written by a project Developer into the data block: a line break to start a quick action, a
# mass mention, HTML, and Markdown that would close the note's quotes and code spans.
ACTIVITY = '"`x`\n/close\n/label ~"proposal::Approved"\n@all <img src=x onerror=alert(1)> **y**'
MENTION = re.compile(r"(?<![\w`])@([A-Za-z0-9_.][A-Za-z0-9_.-]*)")


def test_an_activity_the_catalog_does_not_know_reaches_its_note_as_text(scoping: Scoping) -> None:
    iid = scoping.issue(stage="Strawman_WIP", tasks=TASKS[:1])
    data = {
        "customer": "Acme Widgets",
        "close_date": "2026-03-20",
        "line_items": [
            {"activity": ACTIVITY, "role": "PSE", "days": 2},
            {"activity": "saas_sso_configuration_remote", "days": 2},
        ],
    }
    issue = scoping.as_person("dana").issues.get(iid)
    block = yaml.safe_dump(data, sort_keys=False)
    issue.description += f"\n<!-- ps-triage:scoping -->\n```yaml\n{block}```\n"
    issue.save()
    scoping.run()
    scoping.run()

    issue = scoping.as_person("dana").issues.get(iid)
    assert issue.state == "opened" and "proposal::Approved" not in issue.labels
    [note] = scoping.comments(iid, "data-block-problem")
    assert "does not know this activity" in note and "/label" in note  # named, as text
    for rule in ("data-block-problem", "estimate-summary"):
        for body in scoping.comments(iid, rule):
            outside_code = re.sub(r"`[^`\n]+`", "", body)
            assert not MENTION.search(outside_code), body
            assert extract(body)[1] == [], body  # no quick action line
            without = re.sub(r"<!-- [\w:/. =-]+ -->", "", outside_code).replace("<sub>", "")
            assert "<" not in without.replace("</sub>", ""), body
