"""Which files are templates, and what one render may take (`Limits`): shared by the comment
templates and Word documents, without loading the template engine (`sandbox.py`) until
something renders."""

from __future__ import annotations

from dataclasses import dataclass

SUFFIXES = (".md.j2", ".j2", ".md")  # comment templates
DOCUMENT_SUFFIXES = (".docx",)  # Word templates

# GitLab refuses a note over 1,000,000 characters: no rendered comment (or value on its way
# there) may be longer. The others are far beyond any comment people read.
MAX_OUTPUT = 1_000_000  # characters of a rendered comment, and of any text or list in it
MAX_RANGE = 10_000  # numbers of one range()
MAX_INCLUDES = 20  # templates including templates
MAX_SECONDS = 0.5  # CPU time of one render (a comment takes milliseconds)
MAX_BITS = 4_096  # a number computed in a template (`**` can make ones of gigabytes)


@dataclass(frozen=True)
class Limits:
    """What one render may take; past any of them it ends with a TemplateProblem."""

    output: int = MAX_OUTPUT
    range: int = MAX_RANGE
    includes: int = MAX_INCLUDES
    seconds: float = MAX_SECONDS
