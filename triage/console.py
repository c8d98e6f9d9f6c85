"""The terminal: everything ps-triage shows a person goes through here, secrets masked.

On a terminal it shows progress and colour, and tables as wide as the terminal; redirected (a
file, a pipe, a CI log) it writes plain lines only, no colour codes. Tables are drawn by `rich`,
imported only when one is shown (so `triage --help` does not pay for it), and written through the
same masking as every other line. A reader that closes the pipe (`triage graph | head`) ends the
output quietly: the command goes on (a run still writes its report) and nothing more is shown.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO, cast

from .masking import MaskedStream, Masker

if TYPE_CHECKING:
    from rich.console import Console as RichConsole

RED, BOLD, RESET = "\033[31m", "\033[1m", "\033[0m"
WIDTH_REDIRECTED = 120  # columns of a table written to a file or a CI log ($COLUMNS overrides)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real stream
        return False


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
        columns: int | None = None,
    ) -> None:
        self.mask = Masker(secrets)  # every printable form of each secret
        self.quiet = quiet
        self.verbose = verbose
        self._out = out or sys.stdout
        self._err = err or sys.stderr
        self.interactive = _isatty(self._err)
        # Colour on each stream only when that stream is a terminal (`color` decides for both).
        self.color = self.interactive if color is None else color
        self.out_color = _isatty(self._out) if color is None else color
        self.columns = columns  # of a table redirected ($COLUMNS; the CLI reads it)
        self._progress_shown = False
        self._rich: RichConsole | None = None

    def _clean(self, text: str) -> str:
        return self.mask(text)

    def pipe_closed(self) -> None:
        """The reader of stdout went away: what is left to show goes nowhere, quietly (also
        what Python flushes at exit, which would otherwise complain on stderr)."""
        with contextlib.suppress(Exception):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._out.fileno())
            os.close(devnull)
        self._out = io.StringIO()
        self._rich = None

    def _end_progress(self) -> None:
        if self._progress_shown:
            print("\r\033[K", end="", file=self._err, flush=True)
            self._progress_shown = False

    def out(self, text: str = "") -> None:
        """Results: always shown."""
        self._end_progress()
        try:
            print(self._clean(text), file=self._out, flush=True)
        except BrokenPipeError:
            self.pipe_closed()

    def width(self) -> int:
        """The terminal's width; redirected, `columns` ($COLUMNS) or WIDTH_REDIRECTED."""
        if _isatty(self._out):
            with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
                return os.get_terminal_size(self._out.fileno()).columns
        return self.columns or WIDTH_REDIRECTED

    def rich(self) -> RichConsole:
        """A rich console on stdout, through the masking, coloured only on a terminal. Markup,
        emoji codes and highlighting are off: text from issues is shown as it is."""
        if self._rich is None:
            from rich.console import Console as RichConsole

            self._rich = RichConsole(
                file=cast(TextIO, MaskedStream(self._out, self.mask)),
                force_terminal=self.out_color,
                no_color=not self.out_color,
                color_system="auto" if self.out_color else None,
                width=self.width(),
                markup=False,
                emoji=False,
                highlight=False,
                soft_wrap=False,
            )
        return self._rich

    def show(self, renderable: Any) -> None:
        """A result drawn by rich (a table, a panel), or a plain line."""
        if isinstance(renderable, str):
            self.out(renderable)
            return
        self._end_progress()
        try:
            console = self.rich()
            console.print(renderable)
            console.file.flush()
        except BrokenPipeError:
            self.pipe_closed()

    def summary(self, text: str) -> None:
        self.out(f"{BOLD}{text}{RESET}" if self.out_color else text)

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
