"""A policy folder and a templates folder, loaded and checked together before any request."""

from __future__ import annotations

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
from .sealed import Beside, load_sealed, save_sealed


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
    check (beside the details cache), sealed with `kept`'s key (without it, not used); the very
    same workspace is not checked again. A changed or forged file only costs a check: it never
    skips one, nor hides the warning that names a template that fails it. `kept`: where a scheduled run
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
    # Sealed with the token as the other kept files: anyone can work out the digest of a
    # workspace that fails the check (the code, policy and templates are the repository's).
    seal = kept.key if checked is not None and kept is not None else None
    key = _digest(policy, templates) if seal else ""
    if seal and checked is not None and load_sealed(checked, seal, "checked") == key:
        return Workspace(policy, templates)
    problems = check_templates(policy, templates)
    if problems and not lenient:
        raise TemplateProblem("\n".join(problems))
    if seal and checked is not None and not problems:
        save_sealed(checked, seal, "checked", key)  # not kept: checked again next time
    return Workspace(policy, templates, tuple(problems))


def _digest(policy: Policy, templates: Templates) -> str:
    digest = hashlib.sha256(code_digest().encode())
    digest.update(policy.model_dump_json().encode())
    for name, source in sorted(templates.sources.items()):
        digest.update(f"\0{name}\0{source}".encode())
    for name, content in sorted(templates.documents.items()):
        digest.update(f"\0{name}\0".encode() + hashlib.sha256(content).digest())
    return digest.hexdigest()
