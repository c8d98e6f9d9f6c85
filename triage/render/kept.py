"""Renders kept between runs (`Templates.render_kept`): the forecast issue's text is rendered
by every run to see whether it changed, and compiling its template alone takes ~35 ms of a
settled run. A scheduled run keeps the text it rendered in a sealed file beside its details
cache (`sealed.py`), under a digest of everything the text is made from: the code and the
libraries (`edition`), the templates' sources, the money format, the limits, the template's name
and the whole context, each value with its type (a `Trusted` text renders unescaped, a plain one
escaped). The next run renders only when any of it differs. A context holding anything but
texts, numbers, dates, lists and mappings is rendered every time."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..sealed import load_sealed, save_sealed
from .markdown import Trusted


class Unkept(ValueError):
    """A context value the key cannot write down exactly: rendered every time."""


def canonical(value: Any) -> Any:
    """`value` as JSON that tells apart what a template can tell apart."""
    kind = type(value)
    if value is None or kind in (str, bool, int):
        return value
    if kind is Trusted:
        return ["trusted", str(value)]
    if kind is float:
        return ["float", repr(value)]
    if kind is Decimal:
        return ["decimal", str(value)]
    if kind in (date, datetime):
        return [kind.__name__, value.isoformat(), str(getattr(value, "tzinfo", None))]
    if kind in (list, tuple):
        return [kind.__name__, [canonical(item) for item in value]]
    if kind is dict:  # in its order: a template's loop over it goes in that order
        return ["dict", [[canonical(k), canonical(v)] for k, v in value.items()]]
    raise Unkept(kind.__name__)


@dataclass
class KeptRenders:
    path: Path
    key: str
    edition: str  # the code and the libraries that render
    texts: dict[str, str] = field(default_factory=dict)
    used: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, key: str, edition: str) -> KeptRenders:
        found = load_sealed(path, key, edition)
        texts = found if isinstance(found, dict) else {}
        return cls(path, key, edition, {k: v for k, v in texts.items() if isinstance(v, str)})

    def digest(self, made_of: Mapping[str, Any]) -> str | None:
        """The key of a render made of `made_of`; None when it cannot be written down."""
        try:
            text = json.dumps(canonical(dict(made_of)))
        except (Unkept, RecursionError):
            return None
        return hashlib.sha256(text.encode()).hexdigest()

    def recall(self, digest: str) -> str | None:
        text = self.texts.get(digest)
        if text is not None:
            self.used[digest] = text
        return text

    def keep(self, digest: str, text: str) -> None:
        self.used[digest] = text

    def save(self) -> None:
        """Keep the renders this run used (when they differ from the file's)."""
        if self.used != self.texts:
            save_sealed(self.path, self.key, self.edition, self.used)
