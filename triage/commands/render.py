"""`triage render TEMPLATE`: preview a comment for a live issue (`--issue`) or from a local
scoping data file (`--data`), exactly as the bot would render it; with `--docx OUT`, a Word
template (`sow` or `sow.docx`) rendered into that file (`--pdf`: and a PDF beside it, when
LibreOffice is installed). Never writes to GitLab."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from ..console import Console
from ..errors import UserError
from ..issues.markers import find_marker
from ..issues.scoping import MARKER
from ..issues.snapshot import IssueSnapshot
from ..pdf import convert_to_pdf
from ..planner.comments import with_version
from ..planner.context import document_context
from ..planner.state import marked_by
from ..preview import (
    document_source,
    document_uses,
    sample_issue,
    template_uses,
    use_context,
)
from ..render.document import DOCUMENT_SUFFIX, document_name, render_document
from ..render.markdown import Trusted
from ..render.templates import TemplateProblem
from ..rules.actions import Comment
from ..workspace import Workspace
from .connection import Connection, check_one_issue, open_gitlab, scoped


def _links(issue: IssueSnapshot, bot: str | None) -> dict[str, Trusted]:
    found = {}
    for note in issue.notes or ():
        marker = find_marker(note.body)
        if marker and note.author == bot and marker.superseded is None:
            found[marker.key.split("/")[0]] = Trusted(f"{issue.web_url}#note_{note.id}")
    return found


def _versioned(
    context: dict[str, Any], issue: IssueSnapshot, bot: str | None, use: Any, template: str
) -> dict[str, Any]:
    """The context with the SoW version the bot would show: counted on the bot's earlier notes
    of the comment (of a rule) that uses `template` (a comment or Word template), as a run
    counts them (planner/comments); version 1 on an issue without them, or a local file."""
    key = next(
        (
            action.comment.key_for(use.id)
            for action in getattr(use, "actions", ())
            if isinstance(action, Comment)
            and template in (action.comment.template, action.comment.document)
        ),
        None,
    )
    if key is None or bot is None:
        return context
    mine = [(note, m) for note, m in marked_by(issue.notes or (), bot) if m.key == key]
    return with_version(context, [marker.sow for _, marker in mine])


@dataclass(frozen=True, kw_only=True)
class DocumentOut:
    """Where `--docx` writes the document, its date, and whether a PDF goes beside it."""

    path: Path
    day: date
    pdf: bool = False


def _render_document(
    console: Console,
    workspace: Workspace,
    template: str,
    issue: IssueSnapshot,
    stage: str | None,
    bot: str | None,
    out: DocumentOut,
) -> int:
    documents = workspace.templates.documents
    name = template if template.endswith(DOCUMENT_SUFFIX) else template + DOCUMENT_SUFFIX
    if name not in documents:
        have = ", ".join(sorted(documents)) or "none"
        raise UserError(f"no Word template '{name}' in the templates folder (have: {have})")
    source = document_source(workspace.policy, issue, name, stage)
    uses = document_uses(workspace.policy).get(name)
    if uses:
        source = _versioned(source, issue, bot, uses[0][1], name)
    if source["estimate"] is None:
        problems = "".join(f"\n  - {p['field']}: {p['message']}" for p in source["problems"])
        raise UserError(f"{name}: the scoping data has no estimate to put in it{problems}")
    context = document_context(source, out.day)
    data = render_document(name, documents[name], context, money=workspace.templates.money)
    # A name ending in .docx is the file; anything else a folder (made if missing), as
    # `--docx out/` reads: the document goes there under its own name.
    folder = out.path.is_dir() or out.path.suffix.lower() != DOCUMENT_SUFFIX
    path = out.path / document_name(context["customer"], out.day) if folder else out.path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as error:
        raise UserError(f"{path}: cannot write it ({error.strerror})") from None
    console.out(f"wrote {path} ({len(data):,} bytes)")
    if out.pdf:
        pdf, skipped = convert_to_pdf(path)
        console.out(f"wrote {pdf}" if pdf else f"PDF skipped: {skipped}")
    return 0


def _render(
    console: Console,
    workspace: Workspace,
    template: str,
    issue: IssueSnapshot,
    stage: str | None,
    bot: str | None,
    document: DocumentOut | None = None,
) -> int:
    if document is not None:
        return _render_document(console, workspace, template, issue, stage, bot, document)
    uses = template_uses(workspace.policy).get(template)
    if template not in workspace.templates.sources:
        raise UserError(
            f"no template '{template}' (have: {', '.join(workspace.templates.names())})"
        )
    kind, use = uses[0] if uses else ("rule", None)
    if use is None:
        raise UserError(f"'{template}' is not used by any rule or transition of the policy")
    context = _versioned(
        use_context(workspace.policy, issue, kind, use, stage), issue, bot, use, template
    )
    try:
        console.out(workspace.templates.render(template, {**context, "links": _links(issue, bot)}))
    except TemplateProblem as error:
        if not context["problems"]:
            raise
        problems = "\n".join(f"  - {p['field']}: {p['message']}" for p in context["problems"])
        raise UserError(f"{error}\nbecause the scoping data has problems:\n{problems}") from None
    return 0


def render_issue(
    console: Console,
    workspace: Workspace,
    connection: Connection,
    template: str,
    iid: int,
    stage: str | None,
    document: DocumentOut | None = None,
) -> int:
    policy = scoped(workspace.policy, connection)
    check_one_issue(policy, iid)
    gitlab = open_gitlab(connection)
    found = list(gitlab.list_issues(policy.scope.model_copy(update={"state": "all"}), iids=[iid]))
    if not found:
        raise UserError(f"issue #{iid} is not in scope")
    gitlab.scope_members(policy.scope)  # their names: what the SoW calls the data block's people
    names = gitlab.member_names() | dict(found[0].names)
    issue = replace(found[0], notes=gitlab.notes(found[0].project, iid), names=names)
    prefix = f"{policy.lifecycle.label_prefix}::"
    current = next(
        (label.removeprefix(prefix) for label in issue.labels if label.startswith(prefix)), None
    )
    bot = gitlab.bot_username()
    return _render(console, workspace, template, issue, stage or current, bot, document)


def render_data(
    console: Console,
    workspace: Workspace,
    template: str,
    data_file: Path,
    stage: str | None,
    document: DocumentOut | None = None,
) -> int:
    try:
        block = data_file.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"{data_file}: cannot read it ({error.strerror})") from None
    issue = sample_issue(workspace.policy)
    opening = f"{MARKER}\n```yaml\n"
    description = f"{opening}{block.rstrip()}\n```\n"
    issue = replace(issue, description=description, title=f"{data_file.stem} - preview")
    if issue.scoping.status != "valid":
        # Lines of the file, not of the description it was put in (below `opening` there).
        above = opening.count("\n")
        in_file = [
            replace(p, line=max(1, p.line - above)) if p.line else p for p in issue.scoping.problems
        ]
        problems = "\n".join(f"  {p}" for p in in_file) or "  no scoping data"
        raise UserError(f"{data_file}: the scoping data cannot be read:\n{problems}")
    return _render(console, workspace, template, issue, stage, None, document)
