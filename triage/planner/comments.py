"""What comment templates see (`template_context`), and the comments of a plan not yet posted:
rendered, with their marker and revision, found again on the bot's own notes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..issues.markers import Marker, revision
from ..issues.scoping import People
from ..issues.snapshot import IssueSnapshot, Note
from ..memo import last_answer
from ..policy.model import NO_STAGE, Policy, Transition
from ..pricing import estimate
from ..render.markdown import Trusted, mention
from ..render.markdown import title as markdown_title
from ..rules.fiscal import fiscal_quarter
from .records import PlannedComment, PlannedEdit, PlannedIssue
from .state import PlanState


class Comments(PlanState):
    """A plan's part for the comments its draft asks for."""

    def comments(
        self, mine: list[tuple[Note, Marker]], original_stage: str | None
    ) -> tuple[tuple[PlannedComment, ...], tuple[PlannedEdit, ...]]:
        planned: list[PlannedComment] = []
        edits: list[PlannedEdit] = []
        links = self.links(mine)
        for request in self.draft.comments:
            own_rule = request.key.split("/")[0]
            same_key = [(note, m) for note, m in mine if m.key == request.key]
            if request.once and same_key:
                continue
            if request.kind == "transition" and self.posted_since_stage_start(
                same_key, original_stage
            ):
                continue
            # What people read is what a revision is: a hash of the rendered text. Links to other
            # comments are left out of it (each is a fixed placeholder there): a note posted in
            # the same run has no id yet, and a link appearing later is not a new revision.
            stable = _placeholder_links(self.policy)
            hashed = _below(
                self.settings.templates.render(
                    request.template, {**request.context, "links": stable.get(own_rule, stable[""])}
                ),
                request.not_mentioned,
            )
            rev = revision({"template": request.template, "body": hashed})
            if not request.once and request.kind != "transition":
                live = [(note, m) for note, m in same_key if m.superseded is None]
                current = next((note for note, m in live if m.rev == rev), None)
                edits += [
                    PlannedEdit(
                        note_id=note.id,
                        key=request.key,
                        body=note.body,
                        superseded_by=current.id if current else None,
                        internal=request.internal,
                    )
                    for note, m in live
                    if m.rev != rev
                ]
                if current is not None:
                    continue
            # Only a comment to post is rendered with its links to the other comments.
            others = {rule: url for rule, url in links.items() if rule != own_rule}
            body = _below(
                self.settings.templates.render(
                    request.template, {**request.context, "links": others}
                ),
                request.not_mentioned,
            )
            marker = Marker(request.key, rev, close_qtr=request.close_qtr)
            planned.append(
                PlannedComment(
                    key=request.key,
                    rev=rev,
                    body=f"{marker}\n{body}",
                    internal=request.internal,
                    origin=request.origin,
                    template=request.template,
                )
            )
        return tuple(planned), tuple(edits)

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
            body = self.settings.templates.render(
                request.template, {**request.context, "links": self.links(mine)}
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
                )
            )
        return tuple(planned)


def _below(body: str, lines: Iterable[str]) -> str:
    """A rendered comment with the bot's own lines below it (each a paragraph)."""
    added = "\n\n".join(lines)
    return f"{body}\n{added}\n" if added else body


def missing_for_intake(issue: IssueSnapshot, fields: Iterable[str]) -> list[Trusted]:
    """What a new scoping issue still lacks: an EM, the data block and its fields."""
    missing = [] if issue.assignees else [Trusted("an Engagement Manager (the assignee)")]
    block = issue.scoping
    if block.status == "missing":
        return [*missing, Trusted("the scoping data block (see the Scoping issue template)")]
    if block.data is None:
        return [*missing, Trusted("a readable scoping data block")]
    for name in fields:
        value: Any = block.data
        for part in name.split("."):
            value = getattr(value, part, None)
        if value in (None, "", [], {}):
            missing.append(Trusted(f"`{name}` in the data block"))
    return missing


@last_answer
def _policy_context(policy: Policy) -> dict[str, Any]:
    """The parts of every template context that come from the policy alone, made once per
    policy (they are shared by the contexts: read them only)."""
    contacts = policy.contacts
    return {
        "contacts": {
            "approvers": [mention(n) for n in contacts.approvers],
            "delivery_team": [mention(n) for n in contacts.delivery_team],
            "technical_architects": [mention(n) for n in contacts.technical_architects],
        },
        "rules": {r.id: Trusted(r.description) for r in policy.rules},
        "sow": {key: Trusted(str(value)) for key, value in policy.sow.model_dump().items()},
    }


def template_context(
    policy: Policy,
    issue: IssueSnapshot,
    stage: str | None,
    *,
    why: str,
    rule: str | None = None,
    transition: Transition | None = None,
    previous: str | None = None,
) -> dict[str, Any]:
    """What every comment template sees. Values from the issue are escaped when rendered;
    `Trusted` ones (built by the bot or taken from the policy) are not."""
    life = policy.lifecycle
    return {
        **_issue_context(policy, issue, stage),
        "rule_description": _policy_context(policy)["rules"].get(rule, Trusted("")),
        "notify": [],  # set by a comment's `notify`
        "transition": None
        if transition is None
        else {
            "id": Trusted(transition.id),
            "from": Trusted(previous or NO_STAGE),
            "to": Trusted(transition.to),
            "from_label": Trusted(life.label(previous)) if previous else None,
            "to_label": Trusted(life.label(transition.to)),
            "description": Trusted(transition.description),
        },
        "rule": Trusted(rule) if rule else None,
        "why": why,
    }


@last_answer
def _placeholder_links(policy: Policy) -> dict[str, dict[str, Trusted]]:
    """By rule id: a fixed link to every other rule's comment (what a revision is hashed with);
    under "", to every rule's. Made once per policy (shared: read them only)."""
    ids = [r.id for r in policy.rules] + [t.id for t in policy.lifecycle.transitions]
    return {own: {rule: Trusted("#") for rule in ids if rule != own} for own in ["", *ids]}


@last_answer
def _issue_context(policy: Policy, issue: IssueSnapshot, stage: str | None) -> dict[str, Any]:
    """The parts of every template context that come from the issue in its stage, made once for
    the several comments of one issue's plan (they are shared by the contexts: read them only)."""
    life = policy.lifecycle
    static = _policy_context(policy)
    block = issue.scoping
    data = block.data
    priced, estimate_problems = (
        estimate(data, policy.rates) if data and data.line_items else (None, [])
    )
    quarter = (
        fiscal_quarter(data.close_date, policy.calendar.fiscal_year_start_month)
        if data and data.close_date
        else None
    )
    return {
        "customer": data.customer if data else issue.title,
        "people": {
            "em": issue.assignees[0] if issue.assignees else None,
            **(data.people if data else People()).model_dump(),  # every role, None when unknown
        },
        "estimate": priced.as_context() if priced else None,
        "close_quarter": Trusted(quarter.name) if quarter else None,
        "tasks": [{"text": t.text, "done": t.done} for t in issue.tasks],
        "missing": missing_for_intake(issue, policy.intake.fields),
        "contacts": static["contacts"],
        "last_activity": Trusted(issue.updated_at.strftime("%Y-%m-%d")),  # refined by the planner
        "sow": static["sow"],
        "issue": {
            "title": issue.title,
            "iid": issue.iid,
            "ref": Trusted(issue.ref),
            "url": Trusted(issue.web_url),
            "author": issue.author,
            "assignees": list(issue.assignees),
            "labels": list(issue.labels),
        },
        "stage": Trusted(stage or NO_STAGE),
        "stage_label": Trusted(life.label(stage)) if stage else None,
        "scoping": block.data.model_dump(mode="json") if block.data else None,
        "problems": [
            {"line": p.line, "field": p.field, "message": p.message} for p in block.problems
        ]
        + [{"line": None, "field": "estimate", "message": text} for text in estimate_problems],
        "data_block_status": Trusted(block.status),
    }
