"""Hidden markers in bot comments: `<!-- ps-triage:KEY rev=HASH -->` on the first line.

The key says which rule or transition posted the comment; the revision is a hash of the inputs
it was rendered from. Markers are trusted only on notes written by the bot's own user.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

_MARKER = re.compile(
    r"<!-- ps-triage:(?P<key>[A-Za-z0-9_.:/@ -]+?) rev=(?P<rev>[0-9a-f]{6,64})(?P<extra>[^>]*)-->"
)


@dataclass(frozen=True)
class Marker:
    key: str
    rev: str

    def __str__(self) -> str:
        return f"<!-- ps-triage:{self.key} rev={self.rev} -->"


def revision(inputs: Any) -> str:
    """A short, stable hash of a template's inputs."""
    text = json.dumps(inputs, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def find_marker(body: str) -> Marker | None:
    match = _MARKER.search(body)
    return Marker(match.group("key"), match.group("rev")) if match else None
