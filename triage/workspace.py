"""A policy folder and a templates folder, loaded and checked together before any request."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .errors import TemplateProblem
from .policy.loader import load_policy
from .policy.model import Policy
from .preview import check_templates
from .render.money import money_format
from .render.templates import Templates, load_templates


@dataclass(frozen=True)
class Workspace:
    policy: Policy
    templates: Templates
    # Templates that failed the check, in a workspace loaded `lenient`: the issues whose
    # comments use them fail, the others go on.
    template_problems: tuple[str, ...] = ()


def load_workspace(policies: Path, templates_dir: Path, *, lenient: bool = False) -> Workspace:
    """`lenient` (a scheduled run): templates that fail their check are kept as problems
    instead of stopping everything; each issue whose comment uses one fails alone."""
    policy = load_policy(policies)
    templates = replace(load_templates(templates_dir), money=money_format(policy.rates))
    problems = check_templates(policy, templates)
    if problems and not lenient:
        raise TemplateProblem("\n".join(problems))
    return Workspace(policy, templates, tuple(problems))
