"""A document's file name, made from issue text: plain characters only (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

DOCUMENT_SUFFIX = ".docx"
_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")
MAX_NAME = 60  # characters of the customer part of a file name


def document_name(customer: str, day: date) -> str:
    """`Bramblewood-Financial-SoW-2026-11-27.docx`: the customer (issue text) kept to ASCII
    letters and digits joined by `-` (accents dropped, at most MAX_NAME characters), never empty."""
    ascii_text = unicodedata.normalize("NFKD", customer).encode("ascii", "ignore").decode()
    words = _NOT_NAME.sub("-", ascii_text).strip("-")[:MAX_NAME].rstrip("-")
    return f"{words or 'Customer'}-SoW-{day.isoformat()}{DOCUMENT_SUFFIX}"
