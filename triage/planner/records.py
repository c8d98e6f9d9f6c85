"""What the planner returns (a `Plan` of `IssuePlan`s, each with the comments, edits and issues
to write) and what it is given besides the policy and the issues (`Settings`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .context import Memo


@dataclass(frozen=True, kw_only=True)
class PlannedDocument:
    """A document to render from a Word template, upload, and link from its comment (the
    comment's body holds `document_placeholder(key)` where the link goes)."""

    template: str  # the Word template's name (`sow.docx`)
    filename: str  # `<Customer>-SoW-<date>.docx`
    context: dict[str, Any] = field(compare=False, repr=False)  # `document_context`: no cost
    pdf: bool = False  # a PDF beside it too (made by the runner's LibreOffice, if it has one)
    pdf_link: str = "{link}"  # the words its link goes in, after the document's (`banners`)


@dataclass(frozen=True, kw_only=True)
class PlannedComment:
    key: str
    rev: str
    body: str  # with its marker on the first line
    internal: bool
    origin: str
    template: str
    digest_for: tuple[str, ...] = ()  # whom the daily digest mentions for this reminder
    document: PlannedDocument | None = None  # uploaded just before the comment is posted


@dataclass(frozen=True, kw_only=True)
class PlannedEdit:
    """An older revision of a comment, to be marked superseded by the newer one."""

    note_id: int
    key: str
    body: str  # the note as it is now
    superseded_by: int | None  # the newer note; None when it is the comment posted in the same run
    internal: bool = False  # the comment is an internal note: GitLab must show it so
    resolved: bool = False  # not superseded: the problem it reported is gone (a resolved banner)
    banner: str = ""  # the policy's words on top (`banners`); `{url}`: the newer note's link
    summary: str = ""  # the line the note's old text is folded under


@dataclass(frozen=True, kw_only=True)
class PlannedIssue:
    """An issue to open once in another project, found again by `token` if a run died early."""

    project: str
    title: str
    description: str
    labels: tuple[str, ...]
    token: str
    link_key: str  # the marker key of the note on the scoping issue that links to it
    origin: str
    link_note: str  # the linking note's text, `{url}` standing for the new issue's URL
    assignees: tuple[str, ...] = ()  # usernames


@dataclass(frozen=True, kw_only=True)
class IssuePlan:
    project: str
    iid: int
    title: str
    web_url: str
    add_labels: tuple[str, ...] = ()
    remove_labels: tuple[str, ...] = ()
    state_event: str | None = None
    assign: tuple[str, ...] | None = None  # usernames to set as assignees
    comments: tuple[PlannedComment, ...] = ()
    edits: tuple[PlannedEdit, ...] = ()
    new_issues: tuple[PlannedIssue, ...] = ()
    untick: tuple[str, ...] = ()  # task-list items to untick in the description (one PUT)
    reasons: tuple[str, ...] = ()
    needs: frozenset[str] = frozenset()
    error: str | None = None
    # The same issue gets this very plan at any time from the one it was planned at until this
    # (None: at any time). See rules/moment.py.
    holds_until: datetime | None = None
    recalled: bool = False  # nothing to do, as remembered from an earlier run (planner/memory.py)
    # The plan judged someone against the gates' approvers (`Settings.approvers`): remembered
    # with them, recalled only with them (planner/memory.py).
    judged: bool = False

    @property
    def ref(self) -> str:
        return f"{self.project}#{self.iid}"

    @property
    def has_changes(self) -> bool:
        return bool(
            self.add_labels
            or self.remove_labels
            or self.state_event
            or self.assign is not None
            or self.comments
            or self.edits
            or self.new_issues
            or self.untick
        )

    @property
    def write_count(self) -> int:
        update = (
            1
            if self.add_labels or self.remove_labels or self.state_event or self.assign is not None
            else 0
        )
        # a document asking for a PDF counts its upload too (made only where LibreOffice is)
        uploads = sum(1 + comment.document.pdf for comment in self.comments if comment.document)
        edits = len(self.edits) + bool(self.untick)  # one PUT of the description
        return len(self.comments) + uploads + edits + 2 * len(self.new_issues) + update


@dataclass(frozen=True)
class Plan:
    issues: tuple[IssuePlan, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> tuple[IssuePlan, ...]:
        return tuple(p for p in self.issues if p.has_changes)

    @property
    def errors(self) -> tuple[IssuePlan, ...]:
        return tuple(p for p in self.issues if p.error)

    @property
    def needs(self) -> dict[tuple[str, int], frozenset[str]]:
        return {(p.project, p.iid): p.needs for p in self.issues if p.needs}


class Renderer(Protocol):
    """Compiled templates (`render/templates.py`'s `Templates`): a comment's text from its
    template's name and context, or a `TemplateProblem`."""

    def render(self, name: str, context: Mapping[str, Any]) -> str: ...


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What the planner needs besides the policy and the issue: who the bot is, its templates,
    who may approve each gate (usernames, groups resolved by the runner), the EMs the
    assignment pre-pass chose (`assignments_for`), and, for a run that remembers plans, the
    digest of all this and the policy (`runner/memory.run_digest`; "" remembers nothing)."""

    bot: str
    templates: Renderer  # compiled: the runner reads them
    # By gate id. Looking at them may raise `NeedDetail("approvers")`: the runner reads them
    # only for a plan that asks (runner/approvers.py).
    approvers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # The approvers' user ids (lower-case username -> id, resolved once per run): when given, a
    # label event's or an award's author counts by id, never by the name it shows.
    ids: Mapping[str, int] = field(default_factory=dict)
    assignments: Mapping[tuple[str, int], str] = field(default_factory=dict)
    # The names on the GitLab profiles of the people the listing shows (assignees, authors): an
    # EM assigned by this run is named in the comments it posts (the SoW's contacts).
    names: Mapping[str, str] = field(default_factory=dict)
    digest: str = ""
    # Who GitLab shows as members of the scope (lower-case usernames, read by the runner): only
    # they are mentioned from the data block. None: not read, so no one from it is mentioned.
    members: frozenset[str] | None = None
    # The template contexts' shared parts, made once: this run's own memory (`context.Memo`).
    memo: Memo = field(default_factory=Memo, compare=False, repr=False)
