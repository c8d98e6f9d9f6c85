"""Templates: Jinja2 sandboxed, StrictUndefined, every `{{ value }}` escaped for GitLab Markdown.

Templates are read once (at start, by `load_templates`) so rendering during planning is pure.
Rendering is bounded (`Limits`): a loop, a string, an include chain or a render that would never
end is an error naming the template and line, never a run out of memory or time. The engine
(`sandbox.py`, Jinja2) is loaded when something is first rendered: a settled run renders nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TemplateProblem as TemplateProblem
from .kept import KeptRenders
from .limits import DOCUMENT_SUFFIXES, SUFFIXES
from .limits import MAX_OUTPUT as MAX_OUTPUT
from .limits import MAX_RANGE as MAX_RANGE
from .limits import Limits as Limits
from .money import MoneyFormat

if TYPE_CHECKING:
    from .sandbox import _BoundedEnvironment


@dataclass(frozen=True)
class Templates:
    sources: Mapping[str, str]
    limits: Limits = field(default_factory=Limits)
    # The rate card's currency and the policy's locale (`load_workspace` sets them).
    money: MoneyFormat = field(default_factory=MoneyFormat)
    # Word templates (`*.docx`, their bytes), rendered by `render.document`.
    documents: Mapping[str, bytes] = field(default_factory=dict)
    # The renders an earlier scheduled run kept (`render_kept`), when the workspace has them.
    kept: KeptRenders | None = field(default=None, compare=False, repr=False)

    @cached_property
    def environment(self) -> _BoundedEnvironment:
        """One environment per set of templates (`sandbox.comment_environment`)."""
        from .sandbox import comment_environment

        return comment_environment(self.sources, self.limits, self.money)

    def names(self) -> list[str]:
        return sorted(self.sources)

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        if name not in self.sources:
            raise TemplateProblem(
                f"template '{name}' not found (have: {', '.join(self.names()) or 'none'})"
            )
        from .sandbox import render

        return render(self.environment, name, context)

    def render_kept(self, name: str, context: Mapping[str, Any]) -> str:
        """`render`, or the text an earlier run rendered from the very same templates, money
        format, limits and context (`render/kept.py`): for a template each run renders once."""
        kept = self.kept
        made_of = {
            "sources": sorted(self.sources.items()),
            "money": [self.money.currency, self.money.locale, self.money.display],
            "limits": [self.limits.output, self.limits.range, self.limits.includes],
            "name": name,
            "context": context,
        }
        digest = kept.digest(made_of) if kept is not None else None
        if kept is None or digest is None:
            return self.render(name, context)
        text = kept.recall(digest)
        if text is None:
            text = self.render(name, context)
            kept.keep(digest, text)
        return text

    def check_syntax(self) -> list[str]:
        from .sandbox import check_syntax

        return check_syntax(self.environment, self.sources)


# The shipped templates (`triage init` copies them), and those of them the others import: a
# team's folder copied from an older release, without them, gets the shipped ones.
SHIPPED = Path(__file__).resolve().parents[1] / "defaults" / "templates"
LIBRARIES = ("reasons.j2",)  # the `why` macro: what the conditions saw, worded


def load_templates(directory: Path) -> Templates:
    """Read every template of a folder (not below it: the loader is confined to it), and the
    shipped `LIBRARIES` it has no copy of."""
    if not directory.is_dir():
        raise TemplateProblem(f"{directory}: no such templates folder (pass --templates DIR)")
    files = [p for p in sorted(directory.iterdir()) if p.is_file()]
    sources = {p.name: p.read_text(encoding="utf-8") for p in files if p.name.endswith(SUFFIXES)}
    for name in LIBRARIES:
        if name not in sources and (SHIPPED / name).is_file():
            sources[name] = (SHIPPED / name).read_text(encoding="utf-8")
    documents = {p.name: p.read_bytes() for p in files if p.name.endswith(DOCUMENT_SUFFIXES)}
    return Templates(sources, documents=documents)
