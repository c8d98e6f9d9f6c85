"""What the bot last wrote to each opportunity (the third side of the sync's three-way compare),
and the writes Salesforce refused (a validation rule: not sent again until the values change).

A small JSON file (`--state`, kept between scheduled runs as a CI cache). Losing it loses no
data: without it a field is the bot's to replace only when it is empty or the opportunity was last
edited by the integration user, so the sync reports more conflicts, never overwrites a person; and
a refused write is tried once more.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERSION = 1
MAX_BYTES = 16 * 1024 * 1024


@dataclass
class State:
    written: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> field -> value
    refused: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {values, why}

    def refused_before(self, opportunity: str, values: Any) -> list[str] | None:
        """Why Salesforce refused these very values for this opportunity, if it did."""
        seen = self.refused.get(opportunity)
        if seen and seen.get("values") == dict(values):
            return list(seen.get("why") or [])
        return None


def _dicts(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        return {}
    return {str(k): dict(v) for k, v in value.items() if isinstance(v, dict)}


def load(path: Path) -> State:
    """The state; empty when the file is missing, foreign or broken."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return State()
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return State()
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return State()
    return State(_dicts(data.get("written")), _dicts(data.get("refused")))


def save(path: Path, state: State) -> None:
    """Replace the file in one step (a run killed while writing leaves the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(
        {"version": VERSION, "written": state.written, "refused": state.refused},
        indent=1,
        sort_keys=True,
    )
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)
