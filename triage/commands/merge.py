"""A three-way merge of a file the team edited with a new release's copy of it, as `git merge-file`
does: the team's file, the release `init` wrote it from (the base) and the new release. What the
two sides changed in different places is merged; only where both changed the same lines are the
two written between conflict markers."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_CONFLICT = re.compile(r"^<{7} .*?^>{7} [^\n]*\n?", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Merged:
    text: str
    conflicts: list[str]  # each conflicting region, with its markers


def merge_three(yours: str, base: str, release: str, labels: tuple[str, str, str]) -> Merged | None:
    """`yours` and `release` merged from `base` (None without git to merge with)."""
    git = shutil.which("git")
    if git is None:
        return None
    with tempfile.TemporaryDirectory(prefix="ps-triage-merge-") as folder:
        paths = [Path(folder) / name for name in ("yours", "base", "release")]
        for path, text in zip(paths, (yours, base, release), strict=True):
            path.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [
                git,
                "merge-file",
                "-p",
                "-L",
                labels[0],
                "-L",
                labels[1],
                "-L",
                labels[2],
                *map(str, paths),
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
    if done.returncode < 0 or done.returncode > 127:
        return None  # git failed (not a count of conflicts)
    text = done.stdout.decode("utf-8")
    return Merged(text, _CONFLICT.findall(text) if done.returncode else [])
