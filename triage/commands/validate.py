from __future__ import annotations

from pathlib import Path

from ..console import Console
from ..workspace import load_workspace


def validate(console: Console, policies: Path, templates: Path) -> int:
    workspace = load_workspace(policies, templates)
    life = workspace.policy.lifecycle
    console.out(
        f"ok: {len(life.stages)} stages, {len(life.transitions)} transitions, "
        f"{len(workspace.policy.rules)} rules, {len(workspace.templates.sources)} templates"
    )
    return 0
