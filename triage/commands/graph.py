from __future__ import annotations

from pathlib import Path

from ..console import Console
from ..policy.graph import mermaid
from ..policy.loader import load_policy


def graph(console: Console, policies: Path) -> int:
    console.out(mermaid(load_policy(policies)))
    return 0
