"""A document's file name, made from issue text: letters and digits only (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

DOCUMENT_SUFFIX = ".docx"
# Anything but a letter or digit of any script (`_`, punctuation, spaces, marks, bidi and other
# format characters): GitLab's upload keeps every character this leaves (CarrierWave's
# `[[:word:]]`), and so does every file system.
_NOT_NAME = re.compile(r"[\W_]+")
MAX_NAME = 60  # characters of the customer part of a file name


def document_name(customer: str, day: date) -> str:
    """`Bramblewood-Financial-SoW-2026-11-27.docx`, `서울-로보틱스-SoW-2026-11-27.docx`: the
    customer (issue text, NFC) kept to its letters and digits, in any script, joined by `-` (at
    most MAX_NAME characters), never empty."""
    text = unicodedata.normalize("NFC", customer)
    words = _NOT_NAME.sub("-", text).strip("-")[:MAX_NAME].rstrip("-")
    return f"{words or 'Customer'}-SoW-{day.isoformat()}{DOCUMENT_SUFFIX}"
