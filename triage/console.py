"""The terminal: everything ps-triage shows a person goes through here, secrets masked.

On a terminal it shows progress and colour; in CI (no terminal) it writes plain lines only.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from .masking import Masker

RED, BOLD, RESET = "\033[31m", "\033[1m", "\033[0m"


class Console:
    def __init__(
        self,
        *,
        secrets: Iterable[str | None] = (),
        quiet: bool = False,
        verbose: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
        color: bool | None = None,
    ) -> None:
        self.mask = Masker(secrets)  # every printable form of each secret
        self.quiet = quiet
        self.verbose = verbose
        self._out = out or sys.stdout
        self._err = err or sys.stderr
        self.interactive = self._err.isatty()
        self.color = self.interactive if color is None else color
        self._progress_shown = False

    def _clean(self, text: str) -> str:
        return self.mask(text)

    def _end_progress(self) -> None:
        if self._progress_shown:
            print("\r\033[K", end="", file=self._err, flush=True)
            self._progress_shown = False

    def out(self, text: str = "") -> None:
        """Results: always shown."""
        self._end_progress()
        print(self._clean(text), file=self._out, flush=True)

    def summary(self, text: str) -> None:
        self.out(f"{BOLD}{text}{RESET}" if self.color else text)

    def info(self, text: str = "") -> None:
        """Progress and context: hidden by --quiet."""
        if not self.quiet:
            self.out(text)

    def aside(self, text: str) -> None:
        """Context beside a result that may be redirected to a file: stderr, hidden by --quiet."""
        if not self.quiet:
            self._end_progress()
            print(self._clean(text), file=self._err, flush=True)

    def debug(self, text: str) -> None:
        if self.verbose:
            self._end_progress()
            print(self._clean(text), file=self._err, flush=True)

    def progress(self, text: str) -> None:
        """A line that rewrites itself, on a terminal only; nothing in CI logs or with --quiet."""
        if self.interactive and not self.quiet:
            print(f"\r\033[K{self._clean(text)}", end="", file=self._err, flush=True)
            self._progress_shown = True

    def err(self, text: str) -> None:
        self._end_progress()
        text = self._clean(text)
        if self.color and text.startswith("error:"):
            text = f"{RED}error:{RESET}{text[len('error:') :]}"
        print(text, file=self._err, flush=True)
