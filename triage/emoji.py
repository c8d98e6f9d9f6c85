"""GitLab's award emoji names: which names are valid and the one GitLab stores for each.

GitLab stores an award under the emoji's canonical name (`app/services/award_emojis/base_service.rb`
`normalize_name`: `TanukiEmoji.find_by_alpha_code(name)&.name || name`): `+1` becomes `thumbsup`,
`stop_sign` `octagonal_sign`, `memo` `pencil`, `email` `e-mail`, `lion` `lion_face`, `hankey`
`poop`. The names and aliases are GitLab's own data, vendored in `emoji.txt` (its header names
the files and commits it restates). Both the emulator (to store and validate as GitLab does)
and the bot (to compare the names it reads and configures as GitLab stores them) use this one
table; it is data only, never a decision of either.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

_TONES = tuple(f"_tone{n}" for n in range(1, 6))


def _expand(word: str) -> list[str]:
    """`name*` is the name and its five skin tones; any other word is itself."""
    if not word.endswith("*"):
        return [word]
    base = word[:-1]
    return [base, *(base + tone for tone in _TONES)]


@functools.cache
def _table() -> tuple[dict[str, str], frozenset[str]]:
    """The table, read when first asked (~4 ms): a settled run reads no award."""
    aliases: dict[str, str] = {}
    names: set[str] = set()
    part = ""
    text = resources.files("triage").joinpath("emoji.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            part = line
        elif part == "[aliases]":
            alias, name = line.split()
            aliases.update(zip(_expand(alias), _expand(name), strict=True))
        elif part == "[names]":
            names.update(n for word in line.split() for n in _expand(word))
    return aliases, frozenset(names | set(aliases.values()))


def __getattr__(name: str) -> Any:
    """`ALIASES` (alias -> canonical name) and `NAMES` (the canonical names), read when first
    asked for."""
    if name == "ALIASES":
        return _table()[0]
    if name == "NAMES":
        return _table()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def canonical(name: str) -> str:
    """The name GitLab stores for an emoji name or alias (an unknown name stays as it is)."""
    return _table()[0].get(name, name)


def is_emoji(name: str) -> bool:
    """Whether GitLab knows `name` as an emoji name or alias."""
    return canonical(name) in _table()[1]
