"""`triage init [DIR]`: lay out an operations repository with the shipped defaults."""

from __future__ import annotations

import json
from pathlib import Path

from ..console import Console
from ..errors import UserError
from ..policy.model import Policy

DEFAULTS = Path(__file__).resolve().parent.parent / "defaults"
SCHEMA_LINE = "# yaml-language-server: $schema="


def files_to_write(target: Path) -> dict[Path, str]:
    """Every file `init` writes, with its content."""
    out: dict[Path, str] = {}
    for source in sorted((DEFAULTS / "policies").glob("*.yml")):
        text = source.read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if not line.startswith(SCHEMA_LINE)]
        out[target / "policies" / source.name] = (
            f"{SCHEMA_LINE}../policy.schema.json\n" + "\n".join(lines) + "\n"
        )
    for source in sorted((DEFAULTS / "templates").iterdir()):
        if source.is_file():
            out[target / "templates" / source.name] = source.read_text(encoding="utf-8")
    out[target / ".gitlab" / "issue_templates" / "Scoping.md"] = (
        DEFAULTS / "issue_templates" / "Scoping.md"
    ).read_text(encoding="utf-8")
    init = DEFAULTS / "init"
    out[target / ".gitlab-ci.yml"] = (init / "gitlab-ci.yml").read_text(encoding="utf-8")
    out[target / "README.md"] = (init / "README.md").read_text(encoding="utf-8")
    out[target / "conftest.py"] = (init / "conftest.py").read_text(encoding="utf-8")
    out[target / "tests" / "test_policy.py"] = (init / "tests" / "test_policy.py").read_text(
        encoding="utf-8"
    )
    out[target / "policy.schema.json"] = json.dumps(Policy.model_json_schema(), indent=2) + "\n"
    return out


def init(console: Console, target: Path) -> int:
    files = files_to_write(target)
    existing = [path for path in files if path.exists()]
    if existing:
        listed = "\n".join(f"  {path}" for path in existing)
        raise UserError(
            f"{target}: these files exist already; nothing was written:\n{listed}\n"
            "move them away, or run `triage init` into an empty folder"
        )
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    console.out(f"wrote {len(files)} files to {target}")
    console.info(
        "next: read README.md there (token, CI/CD variables, schedule), then run `triage validate`"
        " and `python -m pytest tests`"
    )
    return 0
