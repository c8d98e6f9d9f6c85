"""Templates: Jinja2 sandboxed, StrictUndefined, every `{{ value }}` escaped for GitLab Markdown.

Templates are read once (at start, by `load_templates`) so rendering during planning is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import (
    FunctionLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.sandbox import SandboxedEnvironment

from .markdown import Trusted, code, escape, label, mention, mermaid

SUFFIXES = (".md.j2", ".j2", ".md")


class TemplateProblem(Exception):
    """A template that cannot be loaded or rendered; names the template and line."""


def _finalize(value: Any) -> Any:
    return escape(value) if value is not None else ""


def _money(value: Any) -> Trusted:
    """12345.5 -> 12,345.50 (a number the bot computed, so trusted)."""
    return Trusted(f"{Decimal(str(value)):,.2f}")


def _num(value: Any) -> Trusted:
    """2.50 -> 2.5, 29 -> 29."""
    return Trusted(format(Decimal(str(value)).normalize(), "f"))


def _trusted(value: Any) -> Trusted:
    return Trusted(str(value))


@dataclass(frozen=True)
class Templates:
    sources: Mapping[str, str]

    @cached_property
    def environment(self) -> SandboxedEnvironment:
        """One environment per set of templates: each template is compiled once, on first use
        (a fresh environment per render compiled every template again, ~7 ms each)."""
        sources = dict(self.sources)
        # The template's name as its file name, so errors point at `name:line`.
        loader = FunctionLoader(
            lambda name: (sources[name], name, lambda: True) if name in sources else None
        )
        env = SandboxedEnvironment(
            loader=loader,
            undefined=StrictUndefined,
            finalize=_finalize,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["trusted"] = _trusted
        env.filters["mention"] = mention
        env.filters["md"] = escape
        env.filters["code"] = code
        env.filters["label"] = label
        env.filters["mermaid"] = mermaid
        env.filters["money"] = _money
        env.filters["num"] = _num
        return env

    def names(self) -> list[str]:
        return sorted(self.sources)

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        if name not in self.sources:
            raise TemplateProblem(
                f"template '{name}' not found (have: {', '.join(self.names()) or 'none'})"
            )
        env = self.environment
        try:
            return env.get_template(name).render(**context).strip() + "\n"
        except TemplateNotFound as error:
            raise TemplateProblem(
                f"{name}:{_line(error)}: template '{error.name}' not found in the templates folder "
                "(templates may include only templates beside them)"
            ) from None
        except UndefinedError as error:
            raise TemplateProblem(f"{name}:{_line(error)}: {error.message}") from None
        except TemplateSyntaxError as error:
            raise TemplateProblem(f"{name}:{error.lineno}: {error.message}") from None
        except TemplateError as error:
            raise TemplateProblem(f"{name}:{_line(error)}: {error}") from None

    def check_syntax(self) -> list[str]:
        env = self.environment
        problems = []
        for name, source in sorted(self.sources.items()):
            try:
                env.parse(source, name=name)
            except TemplateSyntaxError as error:
                problems.append(f"{name}:{error.lineno}: {error.message}")
        return problems


def _line(error: Exception) -> str:
    """The template line of a render error, from the traceback Jinja rewrites."""
    tb = error.__traceback__
    line = "?"
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(SUFFIXES):
            line = str(tb.tb_lineno)
        tb = tb.tb_next
    return line


def load_templates(directory: Path) -> Templates:
    """Read every template of a folder (not below it: the loader is confined to it)."""
    if not directory.is_dir():
        raise TemplateProblem(f"{directory}: no such templates folder (pass --templates DIR)")
    sources = {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(directory.iterdir())
        if p.is_file() and p.name.endswith(SUFFIXES)
    }
    return Templates(sources)
