"""`triage schema`: the JSON Schema of the policy format, for editors."""

from __future__ import annotations

import json
from pathlib import Path

from ..console import Console
from ..policy.model import Policy


def schema_text() -> str:
    return json.dumps(Policy.model_json_schema(), indent=2) + "\n"


def schema(console: Console, output: Path | None) -> int:
    if output is None:
        console.out(schema_text().rstrip("\n"))
    else:
        output.write_text(schema_text(), encoding="utf-8")
        console.info(f"wrote {output}")
    return 0
