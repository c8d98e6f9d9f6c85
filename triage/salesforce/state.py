"""What the bot last wrote to each opportunity: the third side of the sync's three-way compare.

A small JSON file (`--state`, kept between scheduled runs as a CI cache). Losing it loses no
data: without it a field is the bot's to replace only when it is empty or the opportunity was last
edited by the integration user, so the sync reports more conflicts, never overwrites a person.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

VERSION = 1
MAX_BYTES = 16 * 1024 * 1024


def load(path: Path) -> dict[str, dict[str, Any]]:
    """opportunity id -> field -> value; empty when the file is missing, foreign or broken."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    written = data.get("written")
    if not isinstance(written, dict):
        return {}
    return {str(k): dict(v) for k, v in written.items() if isinstance(v, dict)}


def save(path: Path, written: Mapping[str, Mapping[str, Any]]) -> None:
    """Replace the file in one step (a run killed while writing leaves the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": VERSION, "written": written}, indent=1, sort_keys=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)
