"""Word documents: a .docx rendered from a team-owned Word template with Jinja tags (docxtpl).

The template's tags run in the same bounded sandbox as the comment templates (`Limits`,
`StrictUndefined`), with every value XML-escaped (docxtpl's autoescape) and stripped of the
characters XML cannot hold: a customer or activity named `{{ x }}`, `{% if %}`, `<w:p>` or `&`
is written as it is, never evaluated and never part of the document's XML. Pure apart from the
template bytes given to it; the caller reads and writes files.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from lxml import etree

from ..errors import TemplateProblem
from .document_check import check_headings, check_tags
from .filename import DOCUMENT_SUFFIX as DOCUMENT_SUFFIX
from .filename import document_name as document_name
from .limits import Limits
from .money import MoneyFormat
from .sandbox import _BoundedEnvironment, bounded_render, with_shared_filters

# A document's XML is far larger than its text: the whole of one part (the body) may be this
# long; each value or list in it stays within `Limits.output`, as in a comment.
MAX_DOCUMENT_XML = 20_000_000
DOCUMENT_LIMITS = Limits(seconds=5.0)  # a document renders in a few hundred ms
# What a Word template may unpack to (its pictures included): the shipped one is 0.2 MB. Read
# before docxtpl opens it, which would hold every part in memory (a zip bomb: gigabytes).
MAX_TEMPLATE_UNPACKED = 100_000_000
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
# Characters XML 1.0 cannot hold (and \a, \f, \v, which docxtpl would turn into paragraph or
# page breaks): left out of every value.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_TAGS = re.compile(r"<[^>]+>")


def _plain(value: Any) -> str:
    """A value as document text (autoescape then XML-escapes it)."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", text)


class _Problem(Exception):
    """A render error with the text of the paragraph it happened in."""

    def __init__(self, message: str, paragraph: str) -> None:
        super().__init__(message)
        self.message, self.paragraph = message, paragraph


class _Document(DocxTemplate):  # type: ignore[misc]  # docxtpl has no type hints
    """docxtpl, each part rendered through the bounded render; values are never unescaped
    afterwards (docxtpl's `{_{` for a literal `{{` is not supported: write `{{ '{{' }}`)."""

    limits: Limits

    def render_xml_part(
        self, src_xml: str, part: Any, context: Mapping[str, Any], jinja_env: Any = None
    ) -> str:
        src_xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)  # a line per paragraph
        self.current_rendering_part = part
        try:
            template = jinja_env.from_string(src_xml)
            dst_xml = bounded_render(
                template, context, replace(self.limits, output=MAX_DOCUMENT_XML), "a document"
            )
        except TemplateSyntaxError as error:
            raise _Problem(error.message or str(error), _paragraph(src_xml, error.lineno)) from None
        except UndefinedError as error:
            raise _Problem(error.message or str(error), _paragraph(src_xml, _line(error))) from None
        except TemplateError as error:
            raise _Problem(str(error), _paragraph(src_xml, _line(error))) from None
        except RecursionError:
            raise _Problem("a macro calls itself without end", "") from None
        except Exception as error:  # the template's own mistake: 1 / 0, "a" + 1, ...
            message = f"{type(error).__name__}: {error}"
            raise _Problem(message, _paragraph(src_xml, _line(error))) from None
        dst_xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", dst_xml)
        return str(self.resolve_listing(dst_xml))


def _line(error: Exception) -> int | None:
    """The line of the rendered part (a paragraph) an error happened on."""
    bound = getattr(error, "line", None)
    if isinstance(bound, int):
        return bound
    tb, line = error.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _paragraph(src_xml: str, line: int | None) -> str:
    if not line:
        return ""
    lines = src_xml.splitlines()
    text = _TAGS.sub("", lines[line - 1]) if 0 < line <= len(lines) else ""
    return " ".join(text.split())[:100]


def render_document(
    name: str,
    template: bytes,
    context: Mapping[str, Any],
    *,
    money: MoneyFormat | None = None,
    limits: Limits = DOCUMENT_LIMITS,
) -> bytes:
    """The .docx made from the Word template `name` (its bytes) and a context; a
    TemplateProblem naming the template (and the paragraph) when it cannot be made, when a tag
    does not close in its paragraph, or when the document lost a heading of its template."""
    env = with_shared_filters(
        _BoundedEnvironment(limits, undefined=StrictUndefined, finalize=_plain, autoescape=True),
        money or MoneyFormat(),
    )
    try:
        _check_package(name, template)
        check_tags(name, template)
        document = _Document(io.BytesIO(template))
        document.limits = limits
        document.render(dict(context), jinja_env=env, autoescape=True)
        out = io.BytesIO()
        document.save(out)
        check_headings(name, template, out.getvalue())
    except _Problem as problem:
        where = f" (in the paragraph '{problem.paragraph}')" if problem.paragraph else ""
        raise TemplateProblem(f"{name}: {problem.message}{where}") from None
    except etree.LxmlError as error:  # XML the parts' check let through, or the rendered XML
        raise TemplateProblem(f"{name}: its XML cannot be read ({error})") from None
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as error:
        raise TemplateProblem(
            f"{name}: not a Word document (.docx) ({type(error).__name__}: {error}); "
            "save it from Word or LibreOffice as .docx"
        ) from None
    return out.getvalue()


def _check_package(name: str, template: bytes) -> None:
    """A TemplateProblem for a Word template that unpacks to more than MAX_TEMPLATE_UNPACKED
    bytes (the sizes the zip declares: Python reads no more than those), has an XML part
    larger than MAX_DOCUMENT_XML, or one that is not well-formed XML (named)."""
    with zipfile.ZipFile(io.BytesIO(template)) as package:
        members = package.infolist()
        unpacked = sum(member.file_size for member in members)
        if unpacked > MAX_TEMPLATE_UNPACKED:
            raise TemplateProblem(
                f"{name}: unpacks to {unpacked:,} bytes; at most {MAX_TEMPLATE_UNPACKED:,}: "
                "make its pictures smaller, or save it again from Word or LibreOffice as .docx"
            )
        for member in members:
            if not member.filename.endswith((".xml", ".rels")):
                continue
            if member.file_size > MAX_DOCUMENT_XML:
                raise TemplateProblem(
                    f"{name}: {member.filename} unpacks to {member.file_size:,} bytes; "
                    f"at most {MAX_DOCUMENT_XML:,}"
                )
            try:
                etree.fromstring(package.read(member), _XML_PARSER)
            except etree.XMLSyntaxError as error:
                raise TemplateProblem(
                    f"{name}: {member.filename} is not well-formed XML ({error}); "
                    "save it again from Word or LibreOffice as .docx"
                ) from None
