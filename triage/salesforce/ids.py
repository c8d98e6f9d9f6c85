"""Salesforce record ids: 15 characters (case-sensitive) or 18 (the 15 and a checksum of their
case), the first three naming the object: `006` an Opportunity, `005` a User. Pure."""

from __future__ import annotations

import re
import string

OPPORTUNITY = "006"
USER = "005"
_SHAPE = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")
_CHECKSUM = string.ascii_uppercase + "012345"


def checksum(id15: str) -> str:
    """The three characters Salesforce appends to a 15-character id: for each five characters,
    which of them are upper case letters, as one of 32 characters."""
    out = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, c in enumerate(chunk) if c in string.ascii_uppercase)
        out += _CHECKSUM[bits]
    return out


def problem(value: str, prefix: str = OPPORTUNITY) -> str | None:
    """Why `value` is not a record id of the object `prefix` names, or None when it is one."""
    if not _SHAPE.fullmatch(value):
        return "is not a Salesforce id (15 or 18 letters and digits)"
    if not value.startswith(prefix):
        return f"does not start with {prefix}, so it is not {_WHAT.get(prefix, 'of this kind')}"
    if set(value[3:15]) <= {"X", "x", "0"}:
        return "is a placeholder, not a real record's id"
    if len(value) == 18 and checksum(value[:15]) != value[15:].upper():
        return "has a checksum (its last three characters) that does not match the first fifteen"
    return None


def full(value: str) -> str:
    """The 18-character form of a valid id (the form the API answers with)."""
    return value if len(value) == 18 else value + checksum(value)


_WHAT = {OPPORTUNITY: "an opportunity", USER: "a user"}
