"""Hidden markers in bot comments: `<!-- ps-triage:KEY rev=HASH -->` on the first line.

The key says which rule or transition posted the comment; the revision is a hash of the inputs
it was rendered from. A revision replaced by a newer one is edited to carry
`superseded=<note id>` in its marker and a banner linking the newer note; its content stays.
A note about a problem that is gone (a data block fixed since) is edited to carry `resolved` in
its marker and a banner saying so; its content stays too.
A note posted once per SoW revision also records the fiscal quarter the deal was then expected
to close in (`close_qtr=FY26-Q4`), for the close-date warning. A note that showed an estimate
records its SoW revision (`sow=<hash>`): an approval on it counts only for that revision; and
its net price (`net=24000`): a review given while it was the newest is for that size.
A note posted once per SoW revision also records the figures that revision showed the customer
(`figures=<base64url JSON>`, planner/revisions): what a later request compares the revision with.
Never costs: those notes may be public.
Markers are trusted only on notes written by the bot's own user.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

_MARKER = re.compile(
    r"<!-- ps-triage:(?P<key>[A-Za-z0-9_.:/@ -]+?) rev=(?P<rev>[0-9a-f]{6,64})"
    r"(?: sow=(?P<sow>[0-9a-f]{6,64}))?"
    r"(?: net=(?P<net>[0-9]{1,16}(?:\.[0-9]{1,6})?))?"
    r"(?: close_qtr=(?P<close_qtr>FY\d{2}-Q[1-4]))?"
    r"(?: figures=(?P<figures>[A-Za-z0-9_-]{1,65536}))?"
    r"(?: superseded=(?P<superseded>\d+))?(?P<resolved> resolved)?\s*-->"
)


@dataclass(frozen=True)
class Marker:
    key: str
    rev: str
    superseded: int | None = None
    close_qtr: str | None = None
    resolved: bool = False
    sow: str | None = None  # the SoW revision the comment showed, when it showed an estimate
    net: str | None = None  # and its net price (what a review of its size was given for)
    figures: str | None = None  # what a once-per-revision note's revision showed (encoded)

    def __str__(self) -> str:
        extra = f" sow={self.sow}" if self.sow else ""
        extra += f" net={self.net}" if self.net else ""
        extra += f" close_qtr={self.close_qtr}" if self.close_qtr else ""
        extra += f" figures={self.figures}" if self.figures else ""
        extra += f" superseded={self.superseded}" if self.superseded is not None else ""
        extra += " resolved" if self.resolved else ""
        return f"<!-- ps-triage:{self.key} rev={self.rev}{extra} -->"


def revision(inputs: Any) -> str:
    """A short, stable hash of a template's inputs."""
    text = json.dumps(inputs, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def find_marker(body: str) -> Marker | None:
    match = _MARKER.search(body)
    if match is None:
        return None
    superseded = match.group("superseded")
    return Marker(
        match.group("key"),
        match.group("rev"),
        int(superseded) if superseded else None,
        match.group("close_qtr"),
        resolved=match.group("resolved") is not None,
        sow=match.group("sow"),
        net=match.group("net"),
        figures=match.group("figures"),
    )


SUPERSEDED = (
    ":no_entry: **Superseded: do not use this revision.** The current one is "
    "[the newer revision]({url}). This one is kept as it was, folded below."
)  # the policy's `banners` default to these words
SUPERSEDED_SUMMARY = "The superseded revision"
RESOLVED = (
    ":white_check_mark: **Resolved**: the problem this note reported is gone; nothing to do. "
    "It is kept as it was, folded below."
)
RESOLVED_SUMMARY = "The problem as it was reported"


def supersede(
    body: str,
    new_note_id: int,
    new_note_url: str,
    banner: str = SUPERSEDED,
    summary: str = SUPERSEDED_SUMMARY,
) -> str:
    """The body of an older revision once a newer one exists: its marker says so, a banner
    (the policy's words, `{url}` the newer note's link) links the newer note, and everything it
    said stays below."""
    marker = find_marker(body)
    if marker is None or marker.superseded is not None:
        return body
    match = _MARKER.search(body)
    assert match is not None
    shown = banner.replace("{url}", new_note_url)
    rest = _folded(summary, body[match.end() :])
    return f"{replace(marker, superseded=new_note_id)}\n> {shown}\n\n{rest}"


def _folded(summary: str, text: str) -> str:
    """Text collapsed under a `<details>` summary (GitLab renders Markdown inside it)."""
    return f"<details>\n<summary>{summary}</summary>\n\n{text.strip(chr(10))}\n\n</details>\n"


def resolve(body: str, banner: str = RESOLVED, summary: str = RESOLVED_SUMMARY) -> str:
    """The body of a note about a problem that is gone: its marker says so, a banner on top (the
    policy's words) says it is resolved, and what it said stays below."""
    marker = find_marker(body)
    if marker is None or marker.resolved or marker.superseded is not None:
        return body
    match = _MARKER.search(body)
    assert match is not None
    rest = _folded(summary, body[match.end() :])
    return f"{replace(marker, resolved=True)}\n> {banner}\n\n{rest}"


def sow_version(shown: Iterable[str | None], current: str) -> int:
    """The SoW version a comment shows: 1 on its first note, one more each time the estimate
    revision (`sow=` in the markers of the comment's earlier notes, oldest first) changed, one
    more again when the current revision is not the last one shown. An estimate changed back
    (A, B, then A again) is a new version: the customer last read a higher number, and a
    version number never goes back. A note re-posted with the same estimate (another legal
    entity, say) keeps its number. Notes with no `sow=` count for nothing."""
    versions, last = 0, None
    for revision_ in shown:
        if revision_ and revision_ != last:
            versions, last = versions + 1, revision_
    return versions + (current != last)
