"""`triage init [DIR]`: lay out an operations repository with the shipped defaults.

`triage init --update [DIR]` takes up a newer release: it shows how each file this release would
write differs from the team's, and rewrites only the files the team has not edited since `init`
wrote them (their hashes are kept in `.ps-triage-init.json`). An edited file is never overwritten.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path

from .. import __version__
from ..console import Console
from ..errors import UserError
from ..policy.model import Policy
from .merge import merge_three

DEFAULTS = Path(__file__).resolve().parent.parent / "defaults"
SCHEMA_LINE = "# yaml-language-server: $schema="
RECORD = ".ps-triage-init.json"
BINARY = frozenset({".docx"})  # templates written as they are (a Word template)


def files_to_write(target: Path) -> dict[Path, str | bytes]:
    """Every file `init` writes, with its content (bytes for a Word template)."""
    out: dict[Path, str | bytes] = {}
    for source in sorted((DEFAULTS / "policies").glob("*.yml")):
        text = source.read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if not line.startswith(SCHEMA_LINE)]
        out[target / "policies" / source.name] = (
            f"{SCHEMA_LINE}../policy.schema.json\n" + "\n".join(lines) + "\n"
        )
    for source in sorted((DEFAULTS / "templates").iterdir()):
        if source.is_file():
            out[target / "templates" / source.name] = (
                source.read_bytes()
                if source.suffix in BINARY
                else source.read_text(encoding="utf-8")
            )
    out[target / ".gitlab" / "issue_templates" / "Scoping.md"] = (
        DEFAULTS / "issue_templates" / "Scoping.md"
    ).read_text(encoding="utf-8")
    init = DEFAULTS / "init"
    # The CI installs exactly the release that wrote it.
    out[target / ".gitlab-ci.yml"] = (
        (init / "gitlab-ci.yml").read_text(encoding="utf-8").replace("{{ version }}", __version__)
    )
    out[target / "README.md"] = (init / "README.md").read_text(encoding="utf-8")
    out[target / "conftest.py"] = (init / "conftest.py").read_text(encoding="utf-8")
    out[target / "tests" / "test_policy.py"] = (init / "tests" / "test_policy.py").read_text(
        encoding="utf-8"
    )
    out[target / "policy.schema.json"] = json.dumps(Policy.model_json_schema(), indent=2) + "\n"
    return out


def _digest(content: str | bytes) -> str:
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def _read_as(path: Path, like: str | bytes) -> str | bytes:
    if isinstance(like, bytes):
        return path.read_bytes()
    return path.read_text(encoding="utf-8")


def _diff(name: str, current: str | bytes, new: str | bytes) -> str:
    if isinstance(current, bytes) or isinstance(new, bytes):
        return f"Binary file {name} differs (yours and ps-triage {__version__}'s)"
    return "".join(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"{name} (yours)",
            tofile=f"{name} (ps-triage {__version__})",
        )
    )


def _record(target: Path, written: dict[str, str], base: dict[str, str]) -> None:
    body = {
        "about": "what `triage init` wrote, to tell the team's edits apart on `triage init --update`"
        " and to merge a new release's changes into them (`base`: the text files it wrote)",
        "version": __version__,
        "files": dict(sorted(written.items())),
        "base": {name: text for name, text in sorted(base.items()) if name in written},
    }
    (target / RECORD).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def _read_record(target: Path) -> tuple[str, dict[str, str], dict[str, str]]:
    """The release `init` last wrote, each file's hash, and the text files' contents (`base`,
    since 0.2: older records have none)."""
    path = target / RECORD
    if not path.is_file():
        return "unknown", {}, {}
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        files = body["files"]
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()
        ):
            raise ValueError("files is not a mapping of paths to hashes")
        base = body.get("base", {})
        if not isinstance(base, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in base.items()
        ):
            raise ValueError("base is not a mapping of paths to texts")
        return str(body.get("version", "unknown")), files, base
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(
            f"{path}: cannot be read ({exc}); nothing was written\n"
            f"restore it from git, or delete it: every existing file then counts as edited"
        ) from exc


def init(console: Console, target: Path, update: bool = False) -> int:
    if update:
        return _update(console, target)
    files = files_to_write(target)
    existing = [path for path in [*files, target / RECORD] if path.exists()]
    if existing:
        listed = "\n".join(f"  {path}" for path in existing)
        raise UserError(
            f"{target}: these files exist already; nothing was written:\n{listed}\n"
            "move them away, run `triage init` into an empty folder, or take up a new release"
            " with `triage init --update`"
        )
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, content)
    names = {path.relative_to(target).as_posix(): content for path, content in files.items()}
    _record(
        target,
        {name: _digest(content) for name, content in names.items()},
        {name: content for name, content in names.items() if isinstance(content, str)},
    )
    console.out(f"wrote {len(files)} files to {target} (ps-triage {__version__})")
    console.info(
        "next: read README.md there (your rate card, calendar, SoW terms and catalog; token, CI/CD"
        " variables, schedule), then run `triage validate` and `python -m pytest tests` (after"
        " `pip install 'pytest>=8'`)"
    )
    return 0


def _update(console: Console, target: Path) -> int:
    if not target.is_dir():
        raise UserError(f"{target}: no such folder; `triage init --update` updates an existing one")
    old_version, recorded, base = _read_record(target)
    written, bases = dict(recorded), dict(base)
    updated: list[str] = []
    added: list[str] = []
    kept: list[str] = []
    merged: list[str] = []  # of the updated, those merged with the team's edits
    for path, new in files_to_write(target).items():
        name = path.relative_to(target).as_posix()
        if isinstance(new, str):
            bases[name] = new  # what the next update merges from, whatever happens here
        if not path.exists():
            if name in recorded:
                kept.append(f"{name} (you deleted it; not written again)")
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(path, new)
            written[name] = _digest(new)
            added.append(name)
            continue
        current = _read_as(path, new)
        if current == new:  # the same as this release writes: counts as not edited from now on
            written[name] = _digest(new)
            continue
        if recorded.get(name) == _digest(new):
            # Edited by the team, and this release writes what `init` wrote before: there is
            # nothing to take up (the diff would only undo the team's own edits).
            kept.append(f"{name} (edited by you; unchanged in {__version__}: nothing to merge)")
            continue
        if recorded.get(name) == _digest(current):
            console.out(_diff(name, current, new).rstrip("\n"))
            _write(path, new)
            written[name] = _digest(new)
            updated.append(name)
        elif isinstance(new, bytes):
            console.out(_diff(name, current, new).rstrip("\n"))
            # A Word template cannot be merged from a diff: the release's copy goes beside the
            # team's, to compare in Word (Review > Compare) or LibreOffice.
            beside = path.with_name(f"{path.stem}.ps-triage-{__version__}{path.suffix}")
            _write(beside, new)
            kept.append(
                f"{name} (edited by you: ps-triage {__version__}'s is beside it as "
                f"{beside.relative_to(target).as_posix()}; compare the two in Word (Review >"
                " Compare) or LibreOffice, carry the changes you want into yours, then delete it)"
            )
        else:
            note = _merge(console, path, name, str(current), new, base, recorded, old_version)
            if note is None:
                kept.append(f"{name} (edited by you: merge the diff above by hand)")
                bases.pop(name, None)  # no base to merge from next time either
            else:
                written[name] = _digest(new)
                updated.append(name)
                merged.append(note)
    _record(target, written, bases)
    console.out(
        f"ps-triage {old_version} -> {__version__}: {len(updated)} updated, {len(added)} added,"
        f" {len(kept)} kept as they are"
    )
    for note in merged:
        console.out(f"  merged {note}")
    for name in kept:
        console.out(f"  kept {name}")
    return 0


def _merge(
    console: Console,
    path: Path,
    name: str,
    current: str,
    new: str,
    base: dict[str, str],
    recorded: dict[str, str],
    old_version: str,
) -> str | None:
    """The release's changes merged into the team's edited file (three ways, from the text
    `init` wrote): written, and only the conflicts shown; None (the diff shown instead) without
    that text or without git."""
    was = base.get(name)
    merged = (
        merge_three(
            current, was, new, ("yours", f"ps-triage {old_version}", f"ps-triage {__version__}")
        )
        if was is not None and recorded.get(name) == _digest(was)
        else None
    )
    if merged is None:
        console.out(_diff(name, current, new).rstrip("\n"))
        return None
    _write(path, merged.text)
    if not merged.conflicts:
        return f"{name} (your edits kept, ps-triage {__version__}'s changes taken up)"
    count = len(merged.conflicts)
    console.out(f"{name}: {count} conflict{'s' if count != 1 else ''} (yours, then ps-triage's):")
    console.out("".join(merged.conflicts).rstrip("\n"))
    return (
        f"{name} (with {count} conflict{'s' if count != 1 else ''} marked <<<<<<< in it:"
        " keep what you want of each, then delete the markers)"
    )
