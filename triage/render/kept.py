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


# Texts, whole numbers and truth values, each with its type (`Trusted` renders unescaped).
_LEAVES: dict[type, str] = {str: "s", int: "i", bool: "b", Trusted: "t"}


def canonical(value: Any, out: list[Any] | None = None) -> list[Any]:
    """`value` written down as JSON that tells apart what a template can tell apart: each value
    a type tag and what it holds (a list or mapping its length, then its items, in their order:
    a template's loop goes in that order). Leaves are written in their container's loop (a
    forecast of 3,000 deals is some 40,000 values)."""
    out = [] if out is None else out
    kind = type(value)
    if (tag := _LEAVES.get(kind)) is not None:
        out += (tag, value)
    elif value is None:
        out.append("n")
    elif kind is dict:
        out += ("d", len(value))
        for pair in value.items():
            for item in pair:
                if (tag := _LEAVES.get(type(item))) is not None:
                    out += (tag, item)
                else:
                    canonical(item, out)
    elif kind is list or kind is tuple:
        out += ("l" if kind is list else "u", len(value))
        for item in value:
            if (tag := _LEAVES.get(type(item))) is not None:
                out += (tag, item)
            else:
                canonical(item, out)
    elif kind is float:
        out += ("f", repr(value))
    elif kind is Decimal:
        out += ("D", str(value))
    elif kind is date or kind is datetime:
        out += (kind.__name__, value.isoformat(), str(getattr(value, "tzinfo", None)))
    else:
        raise Unkept(kind.__name__)
    return out


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
