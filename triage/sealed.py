"""Small files a scheduled run keeps beside its details cache for the next run (`Beside`), each
sealed with a key only the bot has, its token (an HMAC, which does not reveal it).

What a sealed file holds is used only when its seal is the one the bot makes of it now: a file
changed by anyone else, written with another token or for another edition (a library's release,
the code) is as good as none, and what it held is worked out again. So no one without the token
can make the bot use what they wrote there. A file that cannot be read or written only costs the
next run that work."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Beside:
    """The details cache a scheduled run keeps (`--cache FILE`), beside which it keeps the
    sealed files, and the key that seals them."""

    cache: Path
    key: str

    def path(self, what: str) -> Path:
        """`FILE.what`, beside the details cache."""
        return self.cache.with_name(f"{self.cache.name}.{what}")


def read_kept(path: Path) -> str:
    """The text of a file kept in the CI cache, if it is a regular file (a link to one too);
    else OSError. A named pipe planted there (or a link to one, or to a device such as
    /dev/zero: CI caches restore links) would have the run wait for a writer, or read, for ever."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a pipe: opened at once
    with os.fdopen(handle, "rb") as kept:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise OSError(f"{path}: not a regular file")
        return kept.read().decode("utf-8")


def _seal(key: str, edition: str, value: Any) -> str:
    sealed = json.dumps([edition, value], sort_keys=True).encode()
    return hmac.new(key.encode(), sealed, hashlib.sha256).hexdigest()


def load_sealed(path: Path, key: str, edition: str) -> Any:
    """What the file keeps, if the bot sealed it with `key` for `edition`; else None."""
    try:
        data = json.loads(read_kept(path))
        value, seal = data["kept"], str(data["seal"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    # as bytes: compare_digest raises TypeError on a text with other than ASCII in it
    made = _seal(key, edition, value).encode()
    return value if hmac.compare_digest(seal.encode(), made) else None


def save_sealed(path: Path, key: str, edition: str, value: Any) -> None:
    """Keep `value` (JSON) in the file, sealed; written whole or not at all."""
    text = json.dumps({"kept": value, "seal": _seal(key, edition, value)})
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        # a new file of its own (never one the cache holds already, nor through a link there)
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
