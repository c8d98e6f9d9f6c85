"""A Word template's shape, checked before and after rendering (pure: bytes in, problems out).

docxtpl joins the text of everything between a tag's `{{` and the next `}}` anywhere later in the
document, paragraphs and tables included, before Jinja reads it: one missing `}` in Word
(`{{ sow.provider_short }`) silently swallows the sections up to the next tag. So a template whose
tags do not close in the paragraph that opens them is refused (naming the paragraph), and a
rendered document must keep every heading its template shows outside `{%p if %}` / `{%p for %}`
blocks.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator

from lxml import etree

from ..errors import TemplateProblem

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
# The parts docxtpl renders: the body, headers, footers, foot- and endnotes.
_RENDERED = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
_OPEN = re.compile(r"\{[{%#]")
_CLOSERS = {"{": "}}", "%": "%}", "#": "#}"}
_STRAY = re.compile(r"\}\}|%\}|#\}")
_BLOCK = re.compile(r"\{%-?(?:p|tr|tc|r)?\s*(\w+)")
_OPENS_BLOCK = {"if", "for", "with", "macro", "call", "filter", "block", "raw", "autoescape"}
_HEADING_STYLE = re.compile(r"heading\s*\d|title", re.IGNORECASE)


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {
            member.filename: package.read(member)
            for member in package.infolist()
            if _RENDERED.fullmatch(member.filename) or member.filename == "word/styles.xml"
        }


def _paragraphs(xml: bytes) -> Iterator[etree._Element]:
    yield from etree.fromstring(xml, _PARSER).iter(f"{_W}p")


def _text(paragraph: etree._Element) -> str:
    return "".join(t.text or "" for t in paragraph.iter(f"{_W}t"))


def _short(text: str) -> str:
    return " ".join(text.split())[:100]


def _excerpt(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[:length].rstrip() + "…"


def tag_problem(text: str) -> str | None:
    """What is wrong with the tags of one paragraph's text: a tag that does not close in it, or
    a closing `}}` / `%}` that no tag opens; None when they pair up."""
    position = 0
    while True:
        found = _OPEN.search(text, position)
        closing = _STRAY.search(text, position)
        if closing and (not found or closing.start() < found.start()):
            opener = "{" + closing.group()[0] if closing.group()[0] != "}" else "{{"
            return f"'{closing.group()}' closes a tag that no '{opener}' opens"
        if not found:
            return None
        closer = _CLOSERS[found.group()[1]]
        end = text.find(closer, found.end())
        if end < 0:
            return f"the tag '{_excerpt(text[found.start() :])}' does not close: add its '{closer}'"
        position = end + len(closer)


def check_tags(name: str, template: bytes) -> None:
    """A TemplateProblem naming the first paragraph whose tags do not pair up in it."""
    for part, xml in sorted(_parts(template).items()):
        if part == "word/styles.xml":
            continue
        for paragraph in _paragraphs(xml):
            text = _text(paragraph)
            problem = tag_problem(text) if "{" in text or "}" in text else None
            if problem:
                where = "" if part == "word/document.xml" else f" of {part.removeprefix('word/')}"
                raise TemplateProblem(
                    f"{name}: in the paragraph '{_excerpt(_short(text), 60)}'{where}, {problem} (every tag opens "
                    "and closes in one paragraph; fix it in Word or LibreOffice)"
                )


def _heading_styles(styles: bytes | None) -> set[str]:
    """Style ids of headings: those with an outline level, or named Heading N / Title."""
    if styles is None:
        return set()
    found = set()
    for style in etree.fromstring(styles, _PARSER).iter(f"{_W}style"):
        style_id = style.get(f"{_W}styleId") or ""
        name = style.find(f"{_W}name")
        label = name.get(f"{_W}val", "") if name is not None else ""
        if style.find(f".//{_W}outlineLvl") is not None or _HEADING_STYLE.match(label):
            found.add(style_id)
    return found


def _headings(parts: dict[str, bytes], *, outside_blocks: bool) -> Counter[str]:
    """The texts of the body's headings (paragraphs of the body itself, not in a table); with
    `outside_blocks`, only those outside block tags and with no tag of their own (the ones every
    rendering keeps)."""
    styles = _heading_styles(parts.get("word/styles.xml"))
    found: Counter[str] = Counter()
    depth = 0
    for paragraph in _paragraphs(parts["word/document.xml"]):
        text = _text(paragraph)
        style = paragraph.find(f"{_W}pPr/{_W}pStyle")
        level = paragraph.find(f"{_W}pPr/{_W}outlineLvl")
        heading = paragraph.getparent().tag == f"{_W}body" and (
            level is not None or (style is not None and style.get(f"{_W}val") in styles)
        )
        tagged = bool(_OPEN.search(text))
        if heading and text.strip() and not (outside_blocks and (depth or tagged)):
            found[_short(text)] += 1
        for keyword in _BLOCK.findall(text):
            if keyword in _OPENS_BLOCK:
                depth += 1
            elif keyword.startswith("end") and keyword[3:] in _OPENS_BLOCK:
                depth = max(depth - 1, 0)
    return found


def check_headings(name: str, template: bytes, rendered: bytes) -> None:
    """A TemplateProblem when the rendered document lacks a heading its template always shows."""
    missing = _headings(_parts(template), outside_blocks=True) - _headings(
        _parts(rendered), outside_blocks=False
    )
    if missing:
        listed = ", ".join(f"'{heading}'" for heading in missing)
        raise TemplateProblem(
            f"{name}: the rendered document lacks its template's heading {listed}: a tag before it "
            "took it in; look for a tag that does not close, and fix it in Word or LibreOffice"
        )
