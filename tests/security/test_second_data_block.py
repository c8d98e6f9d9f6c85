"""A description holds one scoping data block: a second one is named in the data-block note.

The bot read the first block and ignored any other without a word: an EM who pasted an updated
estimate below the old one saw the old one priced; someone adding a block above the real one
changed the deal silently. Which block is meant the bot cannot know, so neither is used until
one is left, and the note says where the second one is.
"""

from __future__ import annotations

from test_hostile_yaml import hostile_issue

from triage.issues.scoping import parse_scoping
from triage.testing import TASKS

FIRST = "customer: Acme\nline_items:\n  - {activity: Discovery, role: PSE, days: 3}\n"
SECOND = "customer: Acme\nline_items:\n  - {activity: Discovery, role: PSE, days: 30}\n"


def description(*bodies: str, marker_only: bool = False) -> str:
    text = "## Checklist\n\n- [x] Discovery call held\n"
    for body in bodies:
        text += f"\n<!-- ps-triage:scoping -->\n```yaml\n{body}```\n"
    return text + ("\n<!-- ps-triage:scoping -->\n" if marker_only else "")


def test_a_second_data_block_makes_the_block_invalid_naming_its_line():
    parsed = parse_scoping(description(FIRST, SECOND))
    assert parsed.status == "invalid" and parsed.data is None
    [problem] = parsed.problems
    assert problem.line == 12 and problem.field == "scoping block"
    assert "a second data block (the first is at line 5)" in problem.message
    assert "keep one" in problem.message


def test_a_second_marker_without_a_block_is_named_too():
    [problem] = parse_scoping(description(FIRST, marker_only=True)).problems
    assert problem.line == 12 and "a second data block (the first is at line 5)" in problem.message


def test_one_data_block_is_read_as_before():
    parsed = parse_scoping(description(FIRST))
    assert parsed.status == "valid" and parsed.data is not None
    assert parsed.data.line_items[0].days == 3


def test_a_second_data_block_gets_the_data_block_note_and_is_not_priced(scoping):
    iid = hostile_issue(scoping, FIRST + "```\n\n<!-- ps-triage:scoping -->\n```yaml\n" + SECOND)
    other = scoping.issue(stage="Estimate_Feedback", tasks=TASKS[:2], title="B", data={
        "customer": "B", "line_items": [{"activity": "Discovery", "role": "PSE", "days": 2}]
    })
    scoping.run()
    [note] = scoping.comments(iid, "data-block-problem")
    assert "a second data block (the first is at line 5)" in note and "line 12," in note
    assert scoping.stage(iid) == "Estimate_Feedback" and not scoping.comments(iid, "sow-draft")
    assert scoping.stage(other) == "SOW_WIP"
