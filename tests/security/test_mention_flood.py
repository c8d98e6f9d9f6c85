"""An estimate changed back and forth mentions the directors at most twice a day.

Each change of the estimate in Ready For Approval re-posts the approval request, which
mentions the approvers: seven flips in a day were seven notifications to every PS Director.
At most `contacts.mentions_per_day` (2) comments of one rule on one issue mention anyone within
24 hours; the next ones name the people without `@` and say why.
"""

from __future__ import annotations

import re

from triage.testing import TASKS

MENTION = re.compile(r"(?<![\w`@])@rowan\b")
ESTIMATE = {"customer": "Acme", "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}]}


def flip(scoping, iid: int, days: int) -> None:
    issue = scoping.as_person("dana").issues.get(iid)
    issue.description = re.sub(r"days: \d+", f"days: {days}", issue.description)
    issue.save()


def test_an_estimate_flipped_back_and_forth_mentions_the_directors_twice_a_day(scoping):
    iid = scoping.issue(stage="Ready For Approval", data=ESTIMATE, tasks=TASKS[:2])
    scoping.run()
    for days in (4, 3, 4, 3, 4, 3):  # an hour apart
        flip(scoping, iid, days)
        scoping.run(days=1 / 24)
    requests = scoping.comments(iid, "approval-request")
    assert len(requests) == 7, [r[:80] for r in requests]
    mentioning = [r for r in requests if MENTION.search(r)]
    assert len(mentioning) == 2 and requests[:2] == mentioning
    for quiet in requests[2:]:
        assert "rowan" in quiet and "No one is mentioned here" in quiet
        assert "mentioned people 2 times in the last 24 hours" in quiet
    scoping.run(days=1 / 24)  # nothing changed: nothing posted again, with or without mentions
    assert len(scoping.comments(iid, "approval-request")) == 7
    scoping.run(days=1)  # a day later the last revision is not posted again for its mentions
    assert len(scoping.comments(iid, "approval-request")) == 7
    flip(scoping, iid, 5)
    scoping.run(days=1 / 24)
    assert MENTION.search(scoping.comments(iid, "approval-request")[-1])
