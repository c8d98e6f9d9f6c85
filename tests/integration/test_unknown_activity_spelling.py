"""The unknown-activities note, over GitLab's API, when only the spelling of the same unknown
activity changes in a way no reader sees: more spaces, or its two spellings in two line items
swapped. The set of unknown activities is the same (case and spaces aside), so no new note and no
superseded banner: the note names each activity one way, whatever the order of the items."""

from typing import Any

import yaml

from triage.testing import TASKS, Scoping

KNOWN = {"activity": "saas_discovery_remote", "role": "PSE", "days": 3}


def _runners(spelling: str) -> dict[str, Any]:
    return {"activity": spelling, "role": "PSE", "days": 5}


def _rewrite(scoping: Scoping, iid: int, *items: dict[str, Any]) -> None:
    """The EM rewrites the data block's line items in the description, through GitLab's API."""
    issue = scoping.as_person("dana").issues.get(iid)
    head = issue.description.split("<!-- ps-triage:scoping -->")[0]
    deal = {"customer": "Acme Widgets", "close_date": "2026-03-20", "line_items": list(items)}
    block = yaml.safe_dump(deal, sort_keys=False)
    issue.description = f"{head}<!-- ps-triage:scoping -->\n```yaml\n{block}```\n"
    issue.save()


def test_an_unknown_activity_respaced_or_its_spellings_reordered_gets_no_new_note(scoping):
    deal = scoping.issue(stage="Strawman_WIP", tasks=TASKS[:1])
    _rewrite(scoping, deal, KNOWN, _runners("Custom runner fleet"))
    scoping.run()
    [first] = scoping.comments(deal, "data-block-problem")
    assert '- "Custom runner fleet"\n' in first

    _rewrite(scoping, deal, KNOWN, _runners("  Custom   runner\tfleet "))
    scoping.run()
    assert scoping.comments(deal, "data-block-problem") == [first]

    _rewrite(scoping, deal, _runners("custom runner fleet"), _runners("Custom runner fleet"))
    scoping.run()
    assert scoping.comments(deal, "data-block-problem") == [first]
