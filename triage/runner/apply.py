"""The apply step: one issue's plan written to GitLab, in the order that leaves a run cut short
anywhere safe to run again."""

from __future__ import annotations

import re
from contextlib import suppress

from ..errors import TemplateProblem
from ..gitlab.adapter import GitLab, GitLabProblem
from ..issues.markers import Marker, resolve, revision, supersede
from ..planner import IssuePlan, PlannedComment, PlannedEdit
from ..planner.comments import document_placeholder, fill_posted
from ..render.templates import Templates
from .pdfs import PdfCopies

# FileUploader#url: the secret (32 hex) and the stored name (CarrierWave keeps `[[:word:]].-+`).
_UPLOAD_URL = re.compile(r"/uploads/[0-9a-f]{32}/(?!\.\.?$)[\w.+-]+")


def _users(gitlab: GitLab, names: tuple[str, ...]) -> tuple[str, ...]:
    """The policy's scheduling contacts GitLab knows: one it does not (a typo, a person who
    left) leaves the delivery issue unassigned rather than the hand-off undone."""
    known = []
    for name in names:
        with suppress(GitLabProblem):
            gitlab.user_id(name)
            known.append(name)
    return tuple(known)


def with_document(
    gitlab: GitLab,
    project: str,
    comment: PlannedComment,
    templates: Templates,
    pdfs: PdfCopies | None = None,
    ref: str = "",
) -> str:
    """A comment's body with the link of its document, rendered and uploaded now (a new upload
    per new note: its secret is GitLab's, so it is never in the note's revision). An upload that
    fails, or whose answer is lost, fails the issue before any of its notes is posted (they are
    posted after all its uploads): the next run uploads again and posts the note once, with
    one link."""
    document = comment.document
    if document is None:
        return comment.body
    if document.template not in templates.documents:
        raise TemplateProblem(f"Word template '{document.template}' is not in the templates folder")
    from ..render.document import render_document  # python-docx: loaded when a run needs it

    content = render_document(
        document.template,
        templates.documents[document.template],
        document.context,
        money=templates.money,
    )
    link = _uploaded(gitlab, project, document.filename, content)
    if document.pdf:
        pdfs = pdfs if pdfs is not None else PdfCopies(None)
        pdf = _pdf_link(gitlab, project, document.filename, content, pdfs, ref)
        link += document.pdf_link.replace("{link}", pdf) if pdf else ""
    placeholder = document_placeholder(comment.key)
    if placeholder not in comment.body:  # a template that does not place `{{ document }}`
        return f"{comment.body.rstrip()}\n\n{link}\n"
    return comment.body.replace(placeholder, link)


def _pdf_link(
    gitlab: GitLab, project: str, filename: str, content: bytes, pdfs: PdfCopies, ref: str
) -> str:
    """`[name.pdf](url)`, the PDF of a Word document, uploaded now; or "" when
    it cannot be made or uploaded (recorded in `pdfs`, said once by the run): the Word document
    is what counts, so a PDF never fails its issue. A refused token still ends the run."""
    key = f"{ref} {filename}".strip()
    made, why = pdfs.convert(filename, content)
    if made is None:
        pdfs.skip(key, why)
        return ""
    name = filename.removesuffix(".docx") + ".pdf"
    try:
        link = _uploaded(gitlab, project, name, made)
    except GitLabProblem as problem:
        if problem.fatal:
            raise
        pdfs.skip(key, f"the upload of {name} failed: {problem}")
        return ""
    pdfs.made[key] = name
    return link


def _uploaded(gitlab: GitLab, project: str, name: str, content: bytes) -> str:
    """`[name](url)` of a file uploaded now. The link is the bot's own: GitLab's answer is data,
    so its `markdown` is not pasted in, and only a `url` of the shape GitLab gives
    (`/uploads/<secret>/<file name>`) is linked; `name` is the bot's (letters, digits, `-`, `.`)."""
    upload = gitlab.upload_file(project, name, content)
    if not _UPLOAD_URL.fullmatch(upload.url):
        raise GitLabProblem(
            f"GitLab answered the upload of {name} to {project} with a link that is not "
            "/uploads/<secret>/<file name>; it is not linked"
        )
    return f"[{name}]({upload.url})"


def _words(edit: PlannedEdit) -> tuple[str, ...]:
    """The policy's banner and summary line for an edit (none: the markers' defaults)."""
    return (edit.banner, edit.summary) if edit.banner else ()


def apply_issue(
    gitlab: GitLab, issue_plan: IssuePlan, templates: Templates, pdfs: PdfCopies | None = None
) -> None:
    """The comments' documents uploaded first (a document that cannot be made or uploaded
    fails the issue before any of its notes), then the comments, then the edits marking older
    revisions superseded, then issues opened in other projects, the task items unticked, and
    last the one label/state update. A run cut short anywhere leaves what the next run finds by its markers, never a
    move (or a close) without its comments."""
    project, iid = issue_plan.project, issue_plan.iid
    posted: dict[str, int] = {}
    bodies = [
        with_document(gitlab, project, comment, templates, pdfs, issue_plan.ref)
        for comment in issue_plan.comments
    ]
    for comment, body in zip(issue_plan.comments, bodies, strict=True):
        posted[comment.key] = gitlab.create_note(
            project,
            iid,
            fill_posted(body, posted),
            marker_key=comment.key,
            marker_rev=comment.rev,
            internal=comment.internal,
        )
    for edit in issue_plan.edits:
        if edit.resolved:
            resolved = resolve(edit.body, *_words(edit))
            gitlab.edit_note(project, iid, edit.note_id, resolved, internal=edit.internal)
            continue
        newer = edit.superseded_by or posted.get(edit.key)
        if newer is not None:
            gitlab.edit_note(
                project,
                iid,
                edit.note_id,
                supersede(edit.body, newer, f"{issue_plan.web_url}#note_{newer}", *_words(edit)),
                internal=edit.internal,
            )
    for new in issue_plan.new_issues:
        url = gitlab.find_issue(new.project, new.token) or gitlab.create_issue(
            new.project,
            new.title,
            fill_posted(new.description, posted),
            new.labels,
            assignees=_users(gitlab, new.assignees),
        )
        marker = Marker(new.link_key, revision(new.token))
        gitlab.create_note(
            project,
            iid,
            f"{marker}\n{new.link_note.replace('{url}', url)}",
            marker_key=marker.key,
            marker_rev=marker.rev,
        )
    if issue_plan.untick:  # before the move it goes with, like the comments
        gitlab.untick_tasks(project, iid, issue_plan.untick)
    gitlab.update_issue(
        issue_plan.project,
        issue_plan.iid,
        add=issue_plan.add_labels,
        remove=issue_plan.remove_labels,
        state_event=issue_plan.state_event,
        assignees=issue_plan.assign,
    )
