"""What a condition saw, as data the comment templates word (`Outcome.reasons`): each reason a
mapping of a stable `id` (`<condition key>.<outcome>`) and its parameters. The shipped wording
is the `why` macro of `templates/reasons.j2`; a team words them in its own copy. `SAMPLES` holds
every id with sample parameters: `validate` renders each through the templates (`preview.py`),
so a macro that breaks on one fails the check, not a run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..pricing import sample_price_problems

Reason = Mapping[str, Any]

# Dates are ISO texts (the `day` filter writes them as the locale does); days of `.1f`/`.0f`
# counts are numbers; amounts (`net`) the policy's locale's text.
SAMPLES: dict[str, dict[str, Any]] = {
    "label.found": {"labels": ["Lost::budget"]},
    "label.none": {"label": "Lost::*"},
    "no_label.found": {"labels": ["On_hold"]},
    "no_label.none": {"label": "On_hold"},
    "assignee.assigned": {"assignees": ["sample-em"]},
    "assignee.none": {},
    "task.missing": {"task": "Discovery call held"},
    "task.ticked": {"task": "Discovery call held", "ticked": True},
    "task.not_ticked": {"task": "Discovery call held", "ticked": False},
    "touched_by.no_em": {},
    "touched_by.acted": {"user": "sample-em", "date": "2026-01-05"},
    "touched_by.not_yet": {"user": "sample-em"},
    "line_items.count": {"count": 2},
    "line_items.block": {"status": "invalid"},
    "data_block.status": {"status": "invalid", "problems": 2},
    "field.present": {"field": "close_date", "value": "'2026-01-30'"},
    "field.empty": {"field": "close_date"},
    "estimate.block_invalid": {},
    "estimate.no_line_items": {},
    # `problems`: the English; `unpriced`: each one's `kind` and values (pricing.KINDS).
    "estimate.unpriced": {
        "problems": [str(p) for p in sample_price_problems()],
        "unpriced": [{"kind": p.kind, **p.values} for p in sample_price_problems()],
    },
    "estimate.priced": {"days": "29", "net": "USD 67,200.00"},
    "unknown_activities.found": {"activities": ["Sample work"]},
    "unknown_activities.none": {},
    "state.is": {"state": "opened"},
    "days_since_update.days": {"days": 12.5},
    "days_in_stage.days": {"days": 3},
    "days_to_quarter_end.days": {"days": 10, "quarter": "FY26-Q4"},
    "net_price.unpriced": {},
    "net_price.net": {"net": "USD 67,200.00"},
    "business_days_to_close.no_close_date": {},
    "business_days_to_close.days": {"days": 8, "close_date": "2026-01-30"},
    "quarter_end.mode": {"on": True, "quarter": "FY26-Q4"},
    "days_without_human_activity.since_update": {"days": 45.0},
    "days_without_human_activity.age": {"days": 12.0},
    "days_without_human_activity.close_ahead": {"date": "2026-01-30", "days": -3.0},
    "days_without_human_activity.since_close": {"date": "2026-01-30", "days": 45.0},
    "days_without_human_activity.since_people": {"days": 45.0},
    "revisit_due.date": {"date": "2026-01-30", "due": True},
    "revisit_due.none": {},
    "close_date_passed.no_close_date": {},
    "close_date_passed.passed": {"close_date": "2026-01-09", "quarter": "FY26-Q4"},
    "close_date_passed.ahead": {"close_date": "2026-01-30", "quarter": "FY26-Q4"},
    "estimate_revised_since.no_note": {"rule": "signature-request"},
    "estimate_revised_since.unpriced": {"approved": "cccccccccccc"},
    "estimate_revised_since.revised": {"approved": "cccccccccccc", "revision": "75c966c2469b"},
    "estimate_revised_since.unchanged": {"approved": "cccccccccccc"},
    "review_outdated.not_ticked": {"task": "A review"},
    "review_outdated.no_revision": {"task": "A review"},
    "review_outdated.current": {"task": "A review", "revision": "cccccccccccc"},
    "review_outdated.outdated": {
        "task": "A review",
        "reviewed": "cccccccccccc",
        "revision": "75c966c2469b",
    },
    "close_quarter_later_than.unknown": {"expected": None, "now": None},
    "close_quarter_later_than.later": {
        "close_date": "2026-04-02",
        "now": "FY27-Q1",
        "expected": "FY26-Q4",
    },
    "close_quarter_later_than.not_later": {
        "close_date": "2026-01-30",
        "now": "FY26-Q4",
        "expected": "FY26-Q4",
    },
}


def reason(id: str, **params: Any) -> tuple[Reason, ...]:
    """One reason (as the one-item tuple an `Outcome` holds): an id `SAMPLES` has, and its
    parameters, the sample's names."""
    assert id in SAMPLES and params.keys() == SAMPLES[id].keys(), id
    return ({"id": id, **params},)


def samples(key: str) -> list[Reason]:
    """Every reason a condition of `key` gives, with sample parameters."""
    return [{"id": id, **params} for id, params in SAMPLES.items() if id.split(".")[0] == key]


def every_sample() -> list[Reason]:
    return [{"id": id, **params} for id, params in SAMPLES.items()]
