"""The policy's `banners`: the words on top of the bot's notes that are no longer current."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..issues import markers
from .strict import Strict


class Banners(Strict):
    """The words the bot puts on top of its own notes once they are no longer current, the rest
    folded below under a summary line: a revision a newer one replaced (`{url}`: the newer
    note's link), and a note about a problem that is gone."""

    superseded: str = Field(markers.SUPERSEDED, min_length=1)
    superseded_summary: str = Field(markers.SUPERSEDED_SUMMARY, min_length=1)
    resolved: str = Field(markers.RESOLVED, min_length=1)
    resolved_summary: str = Field(markers.RESOLVED_SUMMARY, min_length=1)

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
