"""Templates previewed before any request: where each is used, a sample issue, the context a
template sees for each use, and every used template rendered against the sample (`triage
validate`, `triage render`, and every run's start)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import yaml

from .forecast import forecast
from .forecast_report import markdown
from .issues.scoping import sample_problems
from .issues.snapshot import IssueSnapshot
from .planner import template_context
from .planner.context import document_context, price_problem_context, problem_context
from .policy.leftovers import condition_keys
from .policy.model import Policy
from .pricing import sample_price_problems
from .render.markdown import Trusted
from .render.templates import TemplateProblem, Templates
from .rules.actions import Comment, ConfidenceCheck
from .rules.reasons import every_sample


def sample_description(policy: Policy) -> str:
    """The sample scoping issue templates are checked with, made from the policy: one line item
    per role of its rate card, priced in its currency (a rate card change needs no code change)."""
    data: dict[str, Any] = {
        "customer": "Sample Customer",
        "segment": next(iter(policy.assignment.pools), "Sample_Segment"),
        "close_date": date(2026, 1, 30),
        "currency": policy.rates.currency,
        "people": {"sa": "sample-sa", "ae": "sample-ae"},
        "confidence": {"value": "Amber", "rationale": "sample"},
        "line_items": [
            {"activity": f"Sample work of a {role}", "role": role, "days": 2}
            for role in policy.rates.roles
        ],
        "discount_pct": 0,
    }
    block = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return (
        "Sample scoping issue used to check templates.\n\n"
        "- [x] Discovery call held\n"
        "- [ ] Customer agreed price and scope\n\n"
        f"<!-- ps-triage:scoping -->\n```yaml\n{block}```\n"
    )


def template_uses(policy: Policy) -> dict[str, list[tuple[str, Any]]]:
    """template name -> where it is used: ("transition", Transition) | ("rule", Rule) | ("conflict", None)."""
    uses: dict[str, list[tuple[str, Any]]] = {}
    for transition in policy.lifecycle.transitions:
        for action in transition.actions:
            if isinstance(action, Comment):
                uses.setdefault(action.comment.template, []).append(("transition", transition))
    for rule in policy.rules:
        for action in rule.actions:
            if isinstance(action, Comment):
                uses.setdefault(action.comment.template, []).append(("rule", rule))
            if isinstance(action, ConfidenceCheck):
                spec = action.confidence_check
                uses.setdefault(spec.comment.template, []).append(("confidence", rule))
    for gate in policy.approvals:
        uses.setdefault(gate.comment.template, []).append(("gate", gate))
    if policy.forecast.project:
        uses.setdefault(policy.forecast.template, []).append(("forecast", None))
    if policy.lifecycle.conflict_comment:
        uses.setdefault(policy.lifecycle.conflict_comment.template, []).append(("conflict", None))
    if policy.lifecycle.unexpected_move_comment:
        uses.setdefault(policy.lifecycle.unexpected_move_comment.template, []).append(
            ("move", None)
        )
    return uses


def document_uses(policy: Policy) -> dict[str, list[tuple[str, Any]]]:
    """Word template name -> the comments that name it (`comment: {document: ...}`):
    ("transition", Transition) | ("rule", Rule)."""
    uses: dict[str, list[tuple[str, Any]]] = {}
    for kind, owners in (("transition", policy.lifecycle.transitions), ("rule", policy.rules)):
        for owner in owners:
            for action in owner.actions:
                if isinstance(action, Comment) and action.comment.document:
                    uses.setdefault(action.comment.document, []).append((kind, owner))
    return uses


def document_source(
    policy: Policy, issue: IssueSnapshot, name: str, stage: str | None = None
) -> dict[str, Any]:
    """The context of the comment that names the Word template `name` (the first stage's,
    when no comment does): `document_context` makes the document's view of it."""
    uses = document_uses(policy).get(name)
    if uses:
        kind, use = uses[0]
        return use_context(policy, issue, kind, use, stage)
    stages = policy.lifecycle.stage_ids()
    return template_context(policy, issue, stage or stages[0], why="preview")


def check_documents(policy: Policy, templates: Templates) -> list[str]:
    """Word templates the policy names but the folder lacks, and every Word template of the
    folder rendered against the sample issue."""
    problems = [
        f"Word template '{name}' (named by "
        + ", ".join(f"{kind} {use.id}" for kind, use in uses)
        + ") is not in the templates folder"
        for name, uses in sorted(document_uses(policy).items())
        if name not in templates.documents
    ]
    from .render.document import render_document  # python-docx: loaded when there is one

    issue = sample_issue(policy)
    for name, template in sorted(templates.documents.items()):
        context = document_context(document_source(policy, issue, name), issue.created_at.date())
        try:
            render_document(name, template, context, money=templates.money)
        except TemplateProblem as error:
            problems.append(f"{error} (rendering it against the sample issue)")
    return problems


def sample_issue(policy: Policy) -> IssueSnapshot:
    when = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    return IssueSnapshot(
        project="sample/project",
        iid=1,
        title="Sample Customer - Scope Issue and Write SOW",
        description=sample_description(policy),
        labels=(),
        assignees=("sample-em",),
        author="sample-sa",
        state="opened",
        created_at=when,
        updated_at=when,
        web_url="https://gitlab.example.com/sample/project/-/issues/1",
        due_date=date(2026, 1, 30).isoformat(),
    )


def use_context(
    policy: Policy, issue: IssueSnapshot, kind: str, use: Any, stage: str | None = None
) -> dict[str, Any]:
    """The context a template gets where the policy uses it: for a transition, a rule, or the
    stage-conflict note. `stage` overrides the stage a rule's comment is rendered in."""
    stages = policy.lifecycle.stage_ids()
    if kind == "transition":
        source = next((s for s in use.from_ if s in stages), None)
        context = template_context(
            policy,
            issue,
            use.to,
            why="preview",
            reasons=use.when.reason_samples() if use.when else (),
            transition=use,
            previous=source,
        )
        return {**context, **(use.when.found_samples() if use.when else {})}
    if kind == "rule":
        chosen = stage or (use.stages or [stages[0]])[0]
        context = template_context(
            policy,
            issue,
            chosen if chosen in stages else None,
            why="preview",
            reasons=use.when.reason_samples(),
            rule=use.id,
        )
        return {**context, **use.when.found_samples()}
    context = template_context(policy, issue, stages[0], why="preview")
    if kind == "move":
        stages_ = policy.lifecycle.stage_ids()
        context["move"] = {
            "user": "someone",
            "at": Trusted(policy.calendar.stamp(issue.created_at)),
            "source": Trusted(stages_[0]),
            "target": Trusted(stages_[-1]),
            "source_label": Trusted(policy.lifecycle.label(stages_[0])),
            "target_label": Trusted(policy.lifecycle.label(stages_[-1])),
            "allowed": [Trusted(policy.lifecycle.label(stages_[1]))],
            "then": Trusted(policy.lifecycle.label(stages_[1])),
        }
        return context
    if kind == "confidence":
        context = template_context(policy, issue, stages[0], why="preview", rule=use.id)
        context["confidence"] = {"label": "Amber", "stated": Trusted("Red")}
        return context
    if kind == "gate":
        context["attempt"] = {
            "gate": Trusted(use.id),
            "label": Trusted(use.label),
            "actor": "someone",
            "at": Trusted(policy.calendar.stamp(issue.created_at)),
            "approvers": [Trusted(n) for n in (*use.users, *use.groups)],
            "profiles": {},  # their GitLab pages, when the issue's link gives the GitLab
            "reason": Trusted("actor"),
            "stage": None,
            "from": [Trusted(n) for n in use.from_ or []],
            "min_role": Trusted("Reporter"),
            "min_level": 20,
            "back": None,
            "missing": [],
            "margin_waiver": False,
            "size": None,
            "superseded": None,
        }
        return context
    context["kept"], context["removed"] = (
        Trusted(policy.lifecycle.label(stages[0])),
        [Trusted("x::y")],
    )
    return context


def check_templates(policy: Policy, templates: Templates) -> list[str]:
    """Missing and broken templates, and every used template rendered against a sample issue."""
    problems = templates.check_syntax()
    issue = sample_issue(policy)
    sample_links = {
        key: Trusted(f"{issue.web_url}#note_1") for key in ("estimate-summary", "sow-draft")
    }
    # Every reason a condition can give (rules/reasons.py), whichever the policy's give: a
    # wording (`reasons.j2`) that fails on one fails here, not in a run.
    reasons = every_sample()
    # Every kind of data-block problem, with its values: a team's words for one that fails on
    # it (`problem.values.gt`) fail here too.
    block_problems = [problem_context(p) for p in sample_problems()] + [
        price_problem_context(p) for p in sample_price_problems()
    ]
    # Without roles the sample has no estimate: say where that comes from.
    no_roles = (
        ""
        if policy.rates.roles
        else "; the sample issue has no estimate because the policy's rate card (`rates.roles`) "
        "names no role: add the team's roles there, e.g. `Consultant: {price: 1500, cost: 700}`"
    )
    for name, uses in sorted(template_uses(policy).items()):
        if uses[0][0] == "forecast" and name in templates.sources:
            try:
                markdown(forecast(policy, [issue], [], issue.created_at), templates, name)
            except TemplateProblem as error:
                problems.append(f"{error} (rendering the forecast)")
            continue
        if name not in templates.sources:
            where = ", ".join(f"{kind} {getattr(obj, 'id', '')}".strip() for kind, obj in uses)
            problems.append(f"template '{name}' (used by {where}) is not in the templates folder")
            continue
        for kind, obj in uses:
            try:
                context = use_context(policy, issue, kind, obj)
                sample = {"links": sample_links, "reasons": reasons, "problems": block_problems}
                templates.render(name, {**context, **sample})
            except TemplateProblem as error:
                problems.append(
                    f"{error} (rendering for {kind} {getattr(obj, 'id', '')})".replace(" )", ")")
                    + no_roles
                )
    return problems + [problem + no_roles for problem in check_documents(policy, templates)]


def unworded_reasons(policy: Policy, templates: Templates) -> list[str]:
    """The reason ids the policy's conditions can give that the `why` macro of `reasons.j2`
    shows as the bare id (the shipped file's last resort, `{{ r.id }}`): a team that worded
    some of them would post the rest as ids (`days_in_stage.days`) in its notes. A wording
    that fails to render is `check_templates`'s to report."""
    if "reasons.j2" not in templates.sources:
        return []
    used = condition_keys(policy)
    call = templates.environment.from_string(
        '{% import "reasons.j2" as reasons_of %}{{ reasons_of.why(reasons) }}'
    )
    found = []
    for reason in every_sample():
        if str(reason["id"]).split(".")[0] not in used:
            continue
        try:
            shown = call.render(reasons=[reason]).strip()
        except Exception:  # a wording that fails: check_templates names it
            continue
        if shown.replace("\\", "") == reason["id"]:  # the id, escaped for Markdown or not
            found.append(str(reason["id"]))
    return found
