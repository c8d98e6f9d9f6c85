"""Markdown task-list items of a description, as GitLab counts them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TASK = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[([ xX~])\][ \t]+(.+?)[ \t]*$", re.MULTILINE)
_FENCE = re.compile(r"^[ ]{0,3}(```|~~~)", re.MULTILINE)


@dataclass(frozen=True)
class Task:
    text: str
    done: bool


def parse_tasks(description: str) -> tuple[Task, ...]:
    """Task items outside fenced code; `[~]` (inapplicable) items are left out."""
    if "```" in description or "~~~" in description:
        return line_by_line(description)
    # No fence (most descriptions): only the lines with a `[` can be tasks. A 4,000-character
    # description: a third of the time.
    return tuple(
        Task(m.group(2).strip(), m.group(1) in "xX")
        for line in description.split("\n")
        if "[" in line and (m := _TASK.match(line)) and m.group(1) != "~"
    )


def line_by_line(description: str) -> tuple[Task, ...]:
    """`parse_tasks`, a line at a time: a fence starts or ends code, whose lines are no tasks."""
    tasks = []
    in_fence = False
    for line in description.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = _TASK.match(line)
        if match and match.group(1) != "~":
            tasks.append(Task(match.group(2).strip(), match.group(1) in "xX"))
    return tuple(tasks)


def untick(description: str, texts: frozenset[str] | set[str]) -> str:
    """The description with the ticked task items of these texts (as `normalise` compares them)
    unticked, outside fenced code; every other character as it was."""
    wanted = {normalise(text) for text in texts}
    lines = description.split("\n")
    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else _TASK.match(line)
        if match and match.group(1) in "xX" and normalise(match.group(2)) in wanted:
            lines[i] = line[: match.start(1)] + " " + line[match.end(1) :]
    return "\n".join(lines)


def normalise(text: str) -> str:
    """Case- and spacing-insensitive form used to match a task by its text."""
    return " ".join(re.sub(r"[*_`]", "", text).split()).casefold()
