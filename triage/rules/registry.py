"""Registries of one-key mappings (`{task: ...}`, `{close: true}`) as pydantic tagged unions.

An entry is a model class with a `key` class attribute naming the one key it is written with.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Discriminator, Tag


def tagged_union(entries: tuple[type[Any], ...], *, kind: str) -> Any:
    """A type that validates `{key: value}` into the entry registered under `key`; anything
    else fails with error type `unknown_<kind>` listing the keys."""
    keys = tuple(entry.key for entry in entries)

    def key_of(value: Any) -> str | None:
        if isinstance(value, dict) and len(value) == 1:
            key = next(iter(value))
            return key if key in keys else None
        return getattr(value, "key", None) if isinstance(value, entries) else None

    article = "an" if kind[0] in "aeiou" else "a"
    return Annotated[
        Union[tuple(Annotated[entry, Tag(entry.key)] for entry in entries)],  # noqa: UP007
        Discriminator(
            key_of,
            custom_error_type=f"unknown_{kind}",
            custom_error_message=f"{article} {kind} is a mapping with exactly one of: "
            + ", ".join(keys),
        ),
    ]
