"""A policy folder and a templates folder, loaded and checked together before any request."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

from .errors import TemplateProblem
from .policy.calendars import KeptHolidays
from .policy.loader import load_policy
from .policy.model import Policy
from .preview import check_templates
from .render.kept import KeptRenders
from .render.money import money_format
from .render.templates import Templates, load_templates
from .runner.memory import code_digest
from .sealed import Beside


@dataclass(frozen=True)
class Workspace:
    policy: Policy
    templates: Templates
    # Templates that failed the check, in a workspace loaded `lenient`: the issues whose
    # comments use them fail, the others go on.
    template_problems: tuple[str, ...] = ()


def load_workspace(
    policies: Path,
    templates_dir: Path,
    *,
    lenient: bool = False,
    checked: Path | None = None,
    kept: Beside | None = None,
) -> Workspace:
    """`lenient` (a scheduled run): templates that fail their check are kept as problems
    instead of stopping everything; each issue whose comment uses one fails alone. `checked`: a
    file that keeps the digest of the last workspace (code, policy, templates) that passed the
    check (beside the details cache); the very same workspace is not checked again. A changed
    or forged file only costs a check, or skips one: templates render in the sandbox anyway,
    and one that fails then fails its issues, each saying why. `kept`: where a scheduled run
    keeps, sealed, the public holidays of the policy's places (`KeptHolidays`) and the texts it
    renders once a run (`KeptRenders`, saved by the caller when the run is done)."""
    holidays = KeptHolidays.load(kept.path("holidays"), kept.key) if kept is not None else None
    policy = load_policy(policies, holidays)
    if holidays is not None:
        holidays.save()
    templates = replace(load_templates(templates_dir), money=money_format(policy.rates))
    if kept is not None:
        edition = f"{code_digest()} babel={metadata.version('babel')}"
        renders = KeptRenders.load(kept.path("renders"), kept.key, edition)
        templates = replace(templates, kept=renders)
    key = _digest(policy, templates) if checked else ""
    if checked is not None and _read(checked) == key:
        return Workspace(policy, templates)
    problems = check_templates(policy, templates)
    if problems and not lenient:
        raise TemplateProblem("\n".join(problems))
    if checked is not None and not problems:
        with contextlib.suppress(OSError):  # not kept: checked again next time
            checked.parent.mkdir(parents=True, exist_ok=True)
            checked.write_text(key, encoding="utf-8")
    return Workspace(policy, templates, tuple(problems))


def _digest(policy: Policy, templates: Templates) -> str:
    digest = hashlib.sha256(code_digest().encode())
    digest.update(policy.model_dump_json().encode())
    for name, source in sorted(templates.sources.items()):
        digest.update(f"\0{name}\0{source}".encode())
    for name, content in sorted(templates.documents.items()):
        digest.update(f"\0{name}\0".encode() + hashlib.sha256(content).digest())
    return digest.hexdigest()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
