"""The policy's `banners`: the bot's own words around its notes (on top of those no longer
current; the PDF beside a Word document)."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..issues import markers
from .strict import Strict

PDF_LINK = " · **PDF:** {link}"


class Banners(Strict):
    """The words the bot puts on top of its own notes once they are no longer current, the rest
    folded below under a summary line: a revision a newer one replaced (`{url}`: the newer
    note's link), and a note about a problem that is gone; and `pdf_link`, what follows a Word
    document's link when its PDF was made too (`{link}`: the PDF's link)."""

    superseded: str = Field(markers.SUPERSEDED, min_length=1)
    superseded_summary: str = Field(markers.SUPERSEDED_SUMMARY, min_length=1)
    resolved: str = Field(markers.RESOLVED, min_length=1)
    resolved_summary: str = Field(markers.RESOLVED_SUMMARY, min_length=1)
    pdf_link: str = Field(PDF_LINK, min_length=1)

    @field_validator("pdf_link")
    @classmethod
    def _links_the_pdf(cls, text: str) -> str:
        if "{link}" not in text:
            raise ValueError("say where the PDF is: write `{link}` (its link) in it")
        if "\n" in text:
            raise ValueError("it follows the Word document's link on its line: one line")
        return text

    @field_validator("superseded")
    @classmethod
    def _links_the_newer(cls, text: str) -> str:
        if "{url}" not in text:
            raise ValueError("say where the newer revision is: write `{url}` (its link) in it")
        return text

    @field_validator("superseded", "resolved", "superseded_summary", "resolved_summary")
    @classmethod
    def _one_line(cls, text: str) -> str:
        if "\n" in text.strip():
            raise ValueError("a banner is one line")
        return text.strip()
