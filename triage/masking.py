"""Secrets never leave the process in any form they can be printed in.

A token can reach output as itself, but also as Python shows it (`repr` with escapes, or the
bytes `b'...'` that http.client complains about), percent-encoded (in a URL, either case of hex
digits), JSON-escaped (the report) or escaped as issue text in Markdown (the merge-request
plan note). `Masker` replaces every such form of every secret.
`masked_output` puts it under everything the process writes: stdout and stderr themselves (so
tracebacks, warnings and python-gitlab's, requests' or urllib3's logging are masked wherever they
are written from) and every logging record as it is made (whatever handler later writes it).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

MASK = "[MASKED]"
MIN_LENGTH = 4  # shorter values would mask ordinary text


def forms(secret: str) -> set[str]:
    """Every way `secret` (and `secret` without the space around it) can be printed."""
    found: set[str] = set()
    for text in {secret, secret.strip()}:
        encoded = text.encode("utf-8", "backslashreplace")
        # Encoders differ in what they leave alone: Python keeps `-._~`, older ones encode `~`,
        # some everything but letters and digits. Hex digits come in either case.
        percents = {
            quote(text, safe=""),
            quote(text, safe="").replace("~", "%7E"),
            "".join(
                c if c.isascii() and c.isalnum() else "".join(f"%{b:02X}" for b in c.encode())
                for c in text
            ),
            quote(text),
            quote_plus(text),
        }
        found |= percents | {
            re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), p) for p in percents
        }
        found |= {
            text,
            repr(text)[1:-1],
            ascii(text)[1:-1],
            repr(encoded)[2:-1],
            text.encode("unicode_escape").decode("ascii"),
            json.dumps(text)[1:-1],
            json.dumps(text, ensure_ascii=False)[1:-1],
            _as_markdown(text),  # as issue text in Markdown (the plan note): `~` is `\~`
        }
    return {f for f in found if len(f) >= MIN_LENGTH}


def _as_markdown(text: str) -> str:
    """`text` as `render.markdown.escape` writes issue text (for what a token can hold; this
    module imports nothing of the bot): entities (an `&` only where it would start one),
    backslashes, a WORD JOINER after `@`."""
    text = re.sub(r"&(?=#?[A-Za-z0-9]+;)", "&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]#|~])", r"\\\1", text).replace("@", "@\u2060")


class Masker:
    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        every = set().union(*(forms(s) for s in secrets if s))
        self.forms = sorted(every, key=len, reverse=True)  # a longer form before its parts

    def __bool__(self) -> bool:
        return bool(self.forms)

    def add(self, secret: str | None) -> None:
        """Mask `secret` too from now on (a secret learnt during the run: an access token)."""
        if secret:
            self.forms = sorted({*self.forms, *forms(secret)}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, MASK)
        return text


class MaskedStream(io.TextIOBase):
    """A text stream that writes through `stream` with the secrets masked. It holds text back
    until a line ends (or `flush`), so a secret written in pieces is masked too."""

    def __init__(self, stream: TextIO, masker: Masker) -> None:
        super().__init__()
        self.stream = stream
        self.masker = masker
        self._pending = ""

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._pending += text
        if "\n" in text:
            done, _, self._pending = self._pending.rpartition("\n")
            self.stream.write(self.masker(done + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, ""
            self.stream.write(self.masker(pending))
        self.stream.flush()

    def close(self) -> None:  # the stream beneath belongs to whoever made it
        self.flush()

    @property
    def closed(self) -> bool:
        return self.stream.closed

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.stream.errors

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()


def _masking_records(masker: Masker, make: Callable[..., logging.LogRecord]) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        with contextlib.suppress(Exception):  # a record that cannot be formatted stays as it is
            record.msg, record.args = masker(record.getMessage()), None
            if record.exc_info and not record.exc_text:
                record.exc_text = masker(logging.Formatter().formatException(record.exc_info))
            if record.stack_info:
                record.stack_info = masker(record.stack_info)
        return record

    return factory


@contextlib.contextmanager
def masked_output(secrets: Iterable[str | None]) -> Iterator[Masker]:
    """Within: stdout, stderr and every logging record mask the secrets."""
    masker = Masker(secrets)
    if not masker:
        yield masker
        return
    out, err, make = sys.stdout, sys.stderr, logging.getLogRecordFactory()
    sys.stdout, sys.stderr = MaskedStream(out, masker), MaskedStream(err, masker)
    logging.setLogRecordFactory(_masking_records(masker, make))
    try:
        yield masker
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        sys.stdout, sys.stderr = out, err
        logging.setLogRecordFactory(make)
