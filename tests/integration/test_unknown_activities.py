"""An activity the service catalog does not know, over GitLab's API: the data-block note names it
once, again only when the set of unknown activities changes (the older note superseded), and is
marked resolved once every activity is in the catalog. A data block of catalog activities gets no
such note."""

from typing import Any

import yaml

from triage.issues.markers import Marker, find_marker
from triage.runner import RunResult
from triage.testing import TASKS, Scoping

KNOWN = {"activity": "saas_discovery_remote", "role": "PSE", "days": 3}
RUNNERS = {"activity": "Custom runner fleet", "role": "PSE", "days": 5}
SSO = {"activity": "SSO configuration", "role": "PSE", "days": 2}


def _deal(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer": "Acme Widgets",
        "close_date": "2026-03-20",
        "line_items": [dict(item) for item in items],
    }


def _rewrite(scoping: Scoping, iid: int, *items: dict[str, Any]) -> None:
    """The EM rewrites the data block's line items in the description, through GitLab's API."""
    issue = scoping.as_person("dana").issues.get(iid)
    head = issue.description.split("<!-- ps-triage:scoping -->")[0]
    block = yaml.safe_dump(_deal(*items), sort_keys=False)
    issue.description = f"{head}<!-- ps-triage:scoping -->\n```yaml\n{block}```\n"
    issue.save()


def _notes(scoping: Scoping, iid: int) -> list[tuple[str, Marker]]:
    """The data-block notes, oldest first, with their markers."""
    found = []
    for body in scoping.comments(iid, "data-block-problem"):
        marker = find_marker(body)
        assert marker is not None
        found.append((body, marker))
    return found


def _writes(result: RunResult) -> int:
    return sum(o.plan.write_count for o in result.outcomes)


def test_an_unknown_activity_gets_one_note_a_new_one_per_change_and_resolved_once_fixed(
    scoping: Scoping,
) -> None:
    deal = scoping.issue(stage="Strawman_WIP", tasks=TASKS[:1], data=_deal(KNOWN, RUNNERS))
    known = scoping.issue(stage="Strawman_WIP", tasks=TASKS[:1], data=_deal(KNOWN))
    scoping.run()
    assert scoping.comments(known, "estimate-summary") and _notes(scoping, known) == []
    [(first, _)] = _notes(scoping, deal)
    assert '- "Custom runner fleet"\n' in first and "does not know this activity" in first
    assert "could not be read" not in first
    assert scoping.stage(deal) == "Estimate_Feedback"  # priced from the rate card all the same

    assert _writes(scoping.run()) == 0  # the next run: no second note
    # The same unknown activity, the items in another order and it written twice: a new estimate
    # (the days changed), no new note.
    _rewrite(scoping, deal, RUNNERS, KNOWN, RUNNERS)
    scoping.run()
    assert len(scoping.comments(deal, "estimate-summary")) == 2
    assert [body for body, _ in _notes(scoping, deal)] == [first]

    # Another unknown activity: a new note naming both, the first one superseded by it.
    _rewrite(scoping, deal, KNOWN, RUNNERS, SSO)
    scoping.run()
    [(old, old_marker), (new, new_marker)] = _notes(scoping, deal)
    notes = scoping.as_person("dana").issues.get(deal).notes.list(get_all=True)
    [newest] = [n for n in notes if n.body == new]
    assert old_marker.superseded == newest.id and "**Superseded" in old
    assert "does not know these activities" in new and '- "Custom runner fleet"\n' in new
    assert '- "SSO configuration" (did you mean `saas_sso_configuration_remote`?)\n' in new
    assert new_marker.superseded is None and not new_marker.resolved
    assert _writes(scoping.run()) == 0

    # Every activity named by a catalog id or alias: the note is marked resolved, once.
    _rewrite(
        scoping,
        deal,
        KNOWN,
        {**RUNNERS, "activity": "Enablement"},
        {**SSO, "activity": "Architecture review"},
    )
    scoping.run()
    [(_, old_marker), (resolved, new_marker)] = _notes(scoping, deal)
    assert new_marker.resolved and "**Resolved**" in resolved and "SSO configuration" in resolved
    assert old_marker.superseded == newest.id and not old_marker.resolved
    assert _writes(scoping.run()) == 0
