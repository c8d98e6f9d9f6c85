"""The terminal: everything ps-triage shows a person goes through here, secrets masked."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO


class Console:
    def __init__(
        self,
        *,
        secrets: Iterable[str | None] = (),
        quiet: bool = False,
        verbose: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.secrets = [s for s in secrets if s]
        self.quiet = quiet
        self.verbose = verbose
        self._out = out or sys.stdout
        self._err = err or sys.stderr

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            if len(secret) >= 4:
                text = text.replace(secret, "[MASKED]")
        return text

    def out(self, text: str = "") -> None:
        """Results: always shown."""
        print(self._clean(text), file=self._out, flush=True)

    def info(self, text: str = "") -> None:
        """Progress and context: hidden by --quiet."""
        if not self.quiet:
            print(self._clean(text), file=self._out, flush=True)

    def debug(self, text: str) -> None:
        if self.verbose:
            print(self._clean(text), file=self._err, flush=True)

    def err(self, text: str) -> None:
        print(self._clean(text), file=self._err, flush=True)
