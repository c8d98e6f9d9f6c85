"""The comments of a plan not yet posted: rendered, with their marker and revision, found again
on the bot's own notes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..issues.markers import Marker, revision, sow_version
from ..issues.snapshot import Note
from ..policy.contacts import Contacts
from ..render.filename import document_name
from ..render.markdown import Trusted, code, escape
from ..render.markdown import title as markdown_title
from ..rules.actions import Comment, CommentRequest, named
from .context import document_context
from .records import PlannedComment, PlannedDocument, PlannedEdit, PlannedIssue
from .revisions import changes_since, document_keys, encode, figures
from .state import PlanState

RESOLVE_LOOKBACK_DAYS = 7
# A mention the bot wrote: `@` and a name, not after a word character, a backtick or another `@`
# (issue text's `@` is followed by a WORD JOINER, and mentions no one).
_MENTION = re.compile(r"(?<![\w`@])@[A-Za-z0-9_]")


class Comments(PlanState):
    """A plan's part for the comments its draft asks for."""

    run_links: dict[str, Trusted] | None = None  # links, with the comments planned in this run

    def comments(
        self, mine: list[tuple[Note, Marker]], original_stage: str | None
    ) -> tuple[tuple[PlannedComment, ...], tuple[PlannedEdit, ...]]:
        planned: list[PlannedComment] = []
        edits: list[PlannedEdit] = []
        links = self.links(mine)
        sow_keys = document_keys(self.policy)
        for request in self.draft.comments:
            own_rule = request.key.split("/")[0]
            if not request.context.get("rule"):
                # A transition's or a gate's comment: its footer names what posted it.
                request = replace(
                    request, context={**request.context, "rule": Trusted(request.origin)}
                )
            same_key = [(note, m) for note, m in mine if m.key == request.key]
            if request.once and same_key:
                continue
            # The SoW version people read and sign: counted on the SoW's notes (those of the
            # comments carrying the SoW document), else on this comment's own.
            counted = (
                same_key
                if request.document or not sow_keys
                else [(note, m) for note, m in mine if m.key in sow_keys]
            )
            request = replace(
                request, context=with_version(request.context, [m.sow for _, m in counted])
            )
            if request.changes_since:
                since = changes_since(mine, request.changes_since, request.context)
                request = replace(request, context={**request.context, "changes_since": since})
            if request.kind == "transition" and self.posted_since_stage_start(
                same_key, original_stage
            ):
                continue
            # A document's link is a fixed placeholder too, in the revision and in the body: the
            # apply step writes in the link of the upload (whose secret is new every time).
            documented = request.document and request.context.get("estimate") is not None
            if documented:
                placeholder = Trusted(document_placeholder(request.key))
                request = replace(request, context={**request.context, "document": placeholder})
            # What people read is what a revision is: a hash of the rendered text. Links to other
            # comments are left out of it (each is a fixed placeholder there): a note posted in
            # the same run has no id yet, and a link appearing later is not a new revision.
            stable = self.settings.memo.placeholder_links(self.policy)
            hashed = _below(
                self.settings.templates.render(
                    request.template, {**request.context, "links": stable.get(own_rule, stable[""])}
                ),
                bot_lines(self.policy.contacts, request),
            )
            rev = revision({"template": request.template, "body": hashed})
            if not request.once and request.kind != "transition":
                live = [(note, m) for note, m in same_key if m.superseded is None]
                current = next((note for note, m in live if m.rev == rev and not m.resolved), None)
                edits += [
                    PlannedEdit(
                        note_id=note.id,
                        key=request.key,
                        body=note.body,
                        superseded_by=current.id if current else None,
                        internal=request.internal,
                        banner=self.policy.banners.superseded,
                        summary=self.policy.banners.superseded_summary,
                    )
                    for note, m in live
                    if m.rev != rev
                ]
                if current is not None:
                    continue
            request = self.bounded_mentions(request, mine, hashed)
            # Only a comment to post is rendered with its links to the other comments.
            others = {rule: url for rule, url in links.items() if rule != own_rule}
            body = _below(
                self.settings.templates.render(
                    request.template, {**request.context, "links": others}
                ),
                bot_lines(self.policy.contacts, request),
            )
            shown = request.context.get("estimate")
            sow = shown.get("revision") if isinstance(shown, dict) else None
            net = shown.get("net_price") if isinstance(shown, dict) else None
            shown_figures = figures(request.context) if request.records else None
            marker = Marker(
                request.key,
                rev,
                close_qtr=request.close_qtr,
                sow=sow,
                net=net,
                figures=encode(shown_figures) if shown_figures else None,
            )
            # The comments after it link to this one: its note id is known once it is posted.
            links[own_rule] = Trusted(
                f"{self.issue.web_url}#note_{posted_placeholder(request.key)}"
            )
            planned.append(
                PlannedComment(
                    key=request.key,
                    rev=rev,
                    body=f"{marker}\n{body}",
                    internal=request.internal,
                    origin=request.origin,
                    template=request.template,
                    digest_for=request.digest_for,
                    document=self.document(request) if documented else None,
                )
            )
        self.run_links = links
        return tuple(planned), tuple(edits)

    def bounded_mentions(
        self, request: CommentRequest, mine: list[tuple[Note, Marker]], rendered: str
    ) -> CommentRequest:
        """`request`, mentioning no one when its rule's comments on this issue already mentioned
        people `contacts.mentions_per_day` times in the last 24 hours (then a line says so). Its
        revision stays the one with the mentions: the same comment is not posted again when the
        day has passed."""
        if not _MENTION.search(rendered):
            return request
        rule, limit = request.key.split("/")[0], self.policy.contacts.mentions_per_day
        recent = [
            note
            for note, m in mine
            if m.key.split("/")[0] == rule
            and _MENTION.search(note.body)
            and self.moment.days_since(note.created_at, [1]) < 1
        ]
        if len(recent) < limit:
            return request
        context = request.context
        contacts = {role: named(people) for role, people in context.get("contacts", {}).items()}
        return replace(
            request,
            context={**context, "notify": named(context.get("notify", [])), "contacts": contacts},
            mentions_capped=len(recent),
        )

    def document(self, request: CommentRequest) -> PlannedDocument:
        """The document a comment links: its Word template, its file name (the customer and
        today's date) and the customer's view of the comment's context."""
        assert request.document is not None
        today = self.moment.today()
        return PlannedDocument(
            template=request.document,
            filename=document_name(str(request.context["customer"]), today),
            context=document_context(request.context, today),
            pdf=request.pdf,
            pdf_link=self.policy.banners.pdf_link,
        )

    def resolvable_keys(self) -> list[str]:
        """The keys of `resolve` comments this run does not ask for (their rule no longer holds),
        looked for only on an issue updated in the last week: a fix is an edit of the issue."""
        if self.moment.days_since(self.issue.updated_at, [RESOLVE_LOOKBACK_DAYS]) > (
            RESOLVE_LOOKBACK_DAYS
        ):
            return []
        asked = {request.key for request in self.draft.comments}
        keys = [
            action.comment.key_for(rule.id)
            for rule in self.policy.rules
            for action in rule.actions
            if isinstance(action, Comment) and action.comment.resolve
        ]
        return [key for key in keys if key not in asked]

    def resolutions(
        self, mine: list[tuple[Note, Marker]], keys: list[str]
    ) -> tuple[PlannedEdit, ...]:
        """Each live note of those keys, to be marked resolved (once)."""
        return tuple(
            PlannedEdit(
                note_id=note.id,
                key=m.key,
                body=note.body,
                superseded_by=None,
                resolved=True,
                banner=self.policy.banners.resolved,
                summary=self.policy.banners.resolved_summary,
            )
            for note, m in mine
            if m.key in keys and m.superseded is None and not m.resolved
        )

    def posted_since_stage_start(
        self, same_key: list[tuple[Note, Marker]], original_stage: str | None
    ) -> bool:
        """Transition comments: posted once per entry into the stage. One already written since
        the issue entered its current stage is the same move, cut short before its label change
        (the comment is written first)."""
        if not same_key:
            return False
        since = self.facts(self.issue, original_stage).stage_started()
        return any(note.created_at >= since for note, _ in same_key)

    def new_issues(self, mine: list[tuple[Note, Marker]]) -> tuple[PlannedIssue, ...]:
        planned = []
        for request in self.draft.issues:
            link_key = f"{request.origin}/issue-link"
            if any(m.key == link_key for _, m in mine):
                continue
            token = "ps-triage-source-" + re.sub(
                r"[^a-z0-9]+", "-", f"{self.issue.project}-{self.issue.iid}".lower()
            )
            scoping = request.context.get("scoping") or {}
            customer = str(scoping.get("customer") or self.issue.title)
            links = self.run_links or self.links(mine)
            body = self.settings.templates.render(
                request.template, {**request.context, "links": links}
            )
            title = request.title.replace("{customer}", markdown_title(customer))[:255]
            planned.append(
                PlannedIssue(
                    project=request.project,
                    title=title,
                    description=f"{body}\n<!-- {token} -->\n",
                    labels=tuple(request.labels),
                    token=token,
                    link_key=link_key,
                    origin=request.origin,
                    link_note=request.link_note,
                    assignees=tuple(self.policy.contacts.scheduling)
                    if request.assign_to == "scheduling"
                    else (),
                )
            )
        return tuple(planned)


def with_version(context: dict[str, Any], shown: Iterable[str | None]) -> dict[str, Any]:
    """A comment's context whose estimate (if any) carries `version`: see `sow_version`."""
    priced = context.get("estimate")
    if not isinstance(priced, dict):
        return context
    version = sow_version(shown, str(priced["revision"]))
    return {**context, "estimate": {**priced, "version": version}}


def posted_placeholder(key: str) -> str:
    """Where a link names a note posted earlier in the same run: the apply step writes in its id.
    Issue text cannot spell it: escaped, its `<` and `>` become entities."""
    return f"<ps-triage-posted:{key}>"


def document_placeholder(key: str) -> str:
    """Where a comment's document link goes: the apply step writes in the upload's Markdown.
    Issue text cannot spell it: escaped, its `<` and `>` become entities."""
    return f"<ps-triage-document:{key}>"


def fill_posted(body: str, posted: dict[str, int]) -> str:
    """A comment or issue body with the ids of the notes posted before it in this run."""
    for key, note_id in posted.items():
        body = body.replace(posted_placeholder(key), str(note_id))
    return body


def bot_lines(words: Contacts, request: CommentRequest) -> list[str]:
    """The bot's own lines below a comment, in the policy's words (`contacts`): each person
    `notify` left out, not being a project member, and, when it mentions no one, why."""
    lines = [
        (words.em_not_a_member if person.role == "em" else words.not_a_member)
        .replace("{person}", code(f"{person.role}: {person.name}"))
        .replace("{project}", escape(person.project))
        for person in request.not_mentioned
    ]
    if request.mentions_capped is not None:
        rule = request.key.split("/")[0]
        capped = words.mentions_capped.replace("{rule}", rule)
        lines.append(capped.replace("{count}", str(request.mentions_capped)))
    return lines


def _below(body: str, lines: Iterable[str]) -> str:
    """A rendered comment with the bot's own lines below it (each a paragraph)."""
    added = "\n\n".join(lines)
    return f"{body}\n{added}\n" if added else body
