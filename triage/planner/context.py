"""What comment templates see (`template_context`): the parts from the policy, from the issue in
its stage, and from the rule or transition asking. The parts shared by many comments are made
once by a `Memo`, which the `Settings` of a run hold (no module keeps any)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ..catalog import Offering, closest, find, unknown
from ..issues.scoping import People, Problem, ScopingData
from ..issues.snapshot import IssueSnapshot
from ..memo import last_answer
from ..policy.model import NO_STAGE, Policy, Transition
from ..policy.sow import Sow
from ..pricing import Estimate, PriceProblem, estimate
from ..render.markdown import Trusted, Unit, mention
from ..salesforce.ids import full
from ..salesforce.ids import problem as id_problem


class Memo:
    """The last answer of each shared part of the template contexts, for the very same policy
    and issue objects (`memo.last_answer`): the policy's parts, made once per run; the issue's,
    once for the several comments of one issue's plan; its estimate, asked by several conditions.
    Owned by the `Settings` a run makes."""

    def __init__(self) -> None:
        self.policy_context = last_answer(_policy_context)
        self.placeholder_links = last_answer(_placeholder_links)
        self.issue_context = last_answer(_issue_context)
        self.estimate = last_answer(estimate)  # one issue's plan asks several times
        self.closest = _closest_once()  # every context of every issue asks again


Hint = Callable[[list[Offering], str], str | None]


def _closest_once() -> Hint:
    """`catalog.closest`, each activity's answer remembered for the very same catalog object:
    difflib's search is slow, and a run asks it again for every context of every issue."""
    found: dict[str, str | None] = {}
    of: list[object] = []

    def hint(catalog: list[Offering], activity: str) -> str | None:
        if not of or of[0] is not catalog:
            of[:] = [catalog]
            found.clear()
        if activity not in found:
            found[activity] = closest(catalog, activity)
        return found[activity]

    return hint


def missing_for_intake(issue: IssueSnapshot, fields: Iterable[str]) -> list[dict[str, Trusted]]:
    """What a new scoping issue still lacks, as items the intake template words: `what` is
    `assignee`, `data_block` (none), `readable_data_block` (one that cannot be read) or `field`
    (with `field`, a name from the policy's `intake.fields`). The engine names no PS role."""
    missing = [] if issue.assignees else [{"what": Trusted("assignee")}]
    block = issue.scoping
    if block.status == "missing":
        return [*missing, {"what": Trusted("data_block")}]
    if block.data is None:
        return [*missing, {"what": Trusted("readable_data_block")}]
    for name in fields:
        value: Any = block.data
        for part in name.split("."):
            value = getattr(value, part, None)
        if value in (None, "", [], {}):
            missing.append({"what": Trusted("field"), "field": Trusted(name)})
    return missing


def _policy_context(policy: Policy) -> dict[str, Any]:
    """The parts of every template context that come from the policy alone, made once per
    policy by a `Memo` (they are shared by the contexts: read them only)."""
    contacts = policy.contacts
    return {
        "contacts": {
            "approvers": [mention(n) for n in contacts.approvers],
            "delivery_team": [mention(n) for n in contacts.delivery_team],
            "technical_architects": [mention(n) for n in contacts.technical_architects],
            "triage_lead": [mention(n) for n in [policy.assignment.triage_lead] if n],
        },
        "rules": {r.id: Trusted(r.description) for r in policy.rules},
        "sow": _sow_context(policy.sow),
    }


def _sow_context(sow: Sow) -> dict[str, Trusted]:
    """The policy's SoW terms as the templates see them (trusted policy text)."""
    return {key: Trusted(str(value)) for key, value in sow.model_dump().items()}


def template_context(
    policy: Policy,
    issue: IssueSnapshot,
    stage: str | None,
    *,
    why: str,
    reasons: Sequence[Mapping[str, Any]] = (),
    rule: str | None = None,
    transition: Transition | None = None,
    previous: str | None = None,
    memo: Memo | None = None,
) -> dict[str, Any]:
    """What every comment template sees. Values from the issue are escaped when rendered;
    `Trusted` ones (built by the bot or taken from the policy) are not. `memo`: the parts
    shared by the contexts of a run (the planner's `Settings.memo`), else made afresh."""
    life = policy.lifecycle
    memo = memo or Memo()
    static = memo.policy_context(policy)
    return {
        **memo.issue_context(policy, issue, stage, static, memo.closest),
        "rule_description": static["rules"].get(rule, Trusted("")),
        "notify": [],  # set by a comment's `notify`
        "document": None,  # a comment with a `document`: where its link goes (planner/comments)
        "changes_since": None,  # a comment with `changes_since` (planner/revisions)
        "approvals": {},  # for rules: the approvals that stand, by gate id (planner/gates)
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
        "why": why,  # the operator's English (`triage explain`): `reasons` is the team's to word
        "reasons": list(reasons),  # what the conditions saw, as data (rules/reasons.py)
    }


def _placeholder_links(policy: Policy) -> dict[str, dict[str, Trusted]]:
    """By rule id: a fixed link to every other rule's comment (what a revision is hashed with);
    under "", to every rule's. Made once per policy (shared: read them only)."""
    ids = [r.id for r in policy.rules] + [t.id for t in policy.lifecycle.transitions]
    return {own: {rule: Trusted("#") for rule in ids if rule != own} for own in ["", *ids]}


def _issue_context(
    policy: Policy,
    issue: IssueSnapshot,
    stage: str | None,
    static: dict[str, Any],
    nearest: Hint = closest,
) -> dict[str, Any]:
    """The parts of every template context that come from the issue in its stage, made once for
    the several comments of one issue's plan (they are shared by the contexts: read them only)."""
    life = policy.lifecycle
    block = issue.scoping
    data = block.data
    priced, estimate_problems = (
        estimate(data, policy.rates, policy.catalog) if data and data.line_items else (None, [])
    )
    quarter = policy.calendar.quarter(data.close_date) if data and data.close_date else None
    return {
        "customer": data.customer if data else issue.title,
        "people": {
            "em": issue.assignees[0] if issue.assignees else None,
            **(data.people if data else People()).model_dump(),  # every role, None when unknown
        },
        # `version` 1 until the planner counts the comment's earlier notes (planner/comments)
        "estimate": {
            **_with_catalog(
                priced.as_context(),
                policy.catalog,
                data,
                policy.sow.closing_deliverable,
                nearest,
            ),
            "version": 1,
        }
        if priced and data
        else None,
        "close_quarter": Trusted(quarter.name) if quarter else None,
        "tasks": [{"text": t.text, "done": t.done} for t in issue.tasks],
        "missing": missing_for_intake(issue, policy.intake.fields),
        "contacts": static["contacts"],
        "last_activity": Trusted(issue.updated_at.strftime("%Y-%m-%d")),  # refined by the planner
        # The policy's terms, with those of the issue's labels (`sow.by_label`).
        "sow": _sow_context(policy.sow.for_labels(issue.labels))
        if policy.sow.by_label and set(policy.sow.by_label) & set(issue.labels)
        else static["sow"],
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
        "em_confidence": _em_confidence(issue, data),
        "problems": [problem_context(p) for p in block.problems]
        + [price_problem_context(p) for p in estimate_problems],
        "data_block_status": Trusted(block.status),
        "unknown_activities": _unknown_activities(policy.catalog, data, nearest),
        "deal": {**_deal_context(policy, issue), "timeline": _timeline(priced, data)},
        "opportunity": _opportunity(policy, data),
    }


def problem_context(problem: Problem) -> dict[str, Any]:
    """A data block's problem as the templates see it: the English `message`, and its `kind`
    and values (`problem.gt`, `problem.count`, ...) a team's template words it with (issue
    33.12). The values are the problem's own keys, as a reason's are (a dict's `.values` would
    be its method in a template)."""
    return {
        **problem.values,
        "line": problem.line,
        "field": problem.field,
        "message": problem.message,
        "kind": Trusted(problem.kind),
    }


def price_problem_context(problem: PriceProblem) -> dict[str, Any]:
    """Why the estimate cannot be priced, as a data block's problem (`field` "estimate")."""
    return {
        **problem.values,
        "line": None,
        "field": "estimate",
        "message": str(problem),
        "kind": Trusted(problem.kind),
    }


def _timeline(priced: Estimate | None, data: ScopingData | None) -> dict[str, Any]:
    """How long the work runs: from the data block's `start_date` to its `end_date` when both
    are given (`start`, `end`: trusted ISO dates), else the longest role's days at five a week,
    the roles working in parallel (`weeks`; None with nothing priced per day)."""
    start, end = (data.start_date, data.end_date) if data else (None, None)
    weeks: int | None
    if start and end:
        weeks = math.ceil(((end - start).days + 1) / 7)
    else:
        by_role: dict[str, Decimal] = {}
        for line in priced.lines if priced else ():
            by_role[line.role] = by_role.get(line.role, Decimal(0)) + line.days
        longest = max(by_role.values(), default=Decimal(0))
        weeks = math.ceil(longest / 5) if longest else None
    return {
        "start": Trusted(start.isoformat()) if start else None,
        "end": Trusted(end.isoformat()) if end else None,
        "weeks": weeks,
    }


def _opportunity(policy: Policy, data: ScopingData | None) -> dict[str, Any] | None:
    """The data block's `opportunity`: `id` (as written: escaped), `valid` (a Salesforce
    opportunity id, not a placeholder), `url` (its record in the org of the policy's
    `salesforce.sync`, built by the bot from a valid id; else None); None without one."""
    if data is None or not data.opportunity:
        return None
    value = data.opportunity.strip()
    valid = id_problem(value) is None
    sync = policy.salesforce.sync
    url = f"{sync.instance_url.rstrip('/')}/{full(value)}" if valid and sync else None
    return {"id": data.opportunity, "valid": valid, "url": Trusted(url) if url else None}


def _unknown_activities(
    catalog: list[Offering], data: ScopingData | None, nearest: Hint = closest
) -> list[dict[str, Any]]:
    """The data block's activities the catalog does not know (issue text: escaped), each once,
    sorted, with the closest catalog id (trusted) as a hint."""
    names = unknown(catalog, [item.activity for item in data.line_items] if data else [])
    return [
        {"activity": name, "closest": Trusted(hint) if (hint := nearest(catalog, name)) else None}
        for name in names
    ]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".")


def _same(one: str, other: str) -> bool:
    """The same item, case, spacing and a final full stop aside."""
    return _key(one) == _key(other)


def _union(lists: Iterable[Iterable[str]]) -> list[Trusted]:
    """The items of every list once (case and spacing aside), in the order first met."""
    seen: dict[str, Trusted] = {}
    for items in lists:
        for text in items:
            seen.setdefault(_key(text), Trusted(text))
    return list(seen.values())


def _with_catalog(
    priced: dict[str, Any],
    catalog: list[Offering],
    data: ScopingData,
    closing: str,
    nearest: Hint = closest,
) -> dict[str, Any]:
    """The estimate's context with what the service catalog says of each line item: `title`,
    `code`, `description` (trusted policy), the EM's `notes` (issue text: escaped), and the
    SoW's `scope`: the union of the offerings' objectives, deliverables, prerequisites,
    assumptions and out-of-scope, and the activities the catalog does not know."""
    lines: list[dict[str, Any]] = []
    offerings: list[Offering] = []
    unknown: list[dict[str, Any]] = []
    for line, item in zip(priced["lines"], data.line_items, strict=True):
        offering = find(catalog, item.activity)
        hint = None if offering else nearest(catalog, item.activity)
        if offering:
            offerings.append(offering)
        else:
            unknown.append({"activity": item.activity, "closest": Trusted(hint) if hint else None})
        lines.append(
            {
                **line,
                "title": Trusted(offering.title) if offering else item.activity,
                "code": Trusted(offering.id) if offering else None,
                "description": Trusted(offering.description) if offering else None,
                "in_catalog": offering is not None,
                "closest": Trusted(hint) if hint else None,
                "notes": item.notes,
                "units": line.get("units"),  # fixed-price lines only, else None
                "unit": Unit(
                    line["unit"], offering.fixed.plural if offering and offering.fixed else None
                )
                if "unit" in line
                else None,
            }
        )
    return {
        **priced,
        "lines": lines,
        "scope": {
            "objectives": _union([[o.objective] for o in offerings if o.objective]),
            "deliverables": [
                *(d for d in _union(o.deliverables for o in offerings) if not _same(d, closing)),
                Trusted(closing),
            ],
            "prerequisites": _union(o.prerequisites for o in offerings),
            "assumptions": _union(o.assumptions for o in offerings),
            # less what an offering sold contradicts (`unless_sold`)
            "out_of_scope": _union(o.exclusions({s.id for s in offerings}) for o in offerings),
            "unknown": unknown,
        },
    }


def _deal_context(policy: Policy, issue: IssueSnapshot) -> dict[str, Any]:
    """What a customer-facing comment says of the deal: the SoW's number, the parties, the
    agreement and billing terms, and the people by the names on their GitLab profiles (a role
    alone when the bot does not know the name); no username, no internal reference."""
    data = issue.scoping.data
    sow = policy.sow
    people: dict[str, str | None] = {
        "em": issue.assignees[0] if issue.assignees else None,
        **(data.people if data else People()).model_dump(),
    }
    billing_asked = data.billing_terms if data else None
    agreement = data.agreement if data else None
    sow = sow.for_labels(issue.labels) if sow.by_label else sow
    fee_type = (data.fee_type if data else None) or sow.fee_type
    return {
        "sow_number": Trusted(f"{sow.number_prefix}-{issue.iid}"),
        "legal_entity": data.legal_entity if data and data.legal_entity else None,
        "msa": None
        if agreement is None or agreement == "standard"
        else {"name": agreement.msa, "date": Trusted(agreement.date.isoformat())},
        "agreement_named": agreement is not None,
        "billing": billing_asked if billing_asked in sow.billing_terms else Trusted(sow.billing),
        "billing_refused": billing_asked
        if billing_asked and billing_asked not in sow.billing_terms
        else None,
        "billing_allowed": [Trusted(term) for term in sow.billing_terms],
        "fee_type": Trusted(sow.fee_types[fee_type]),  # in the team's words
        "fee_type_id": Trusted(fee_type),  # fixed_price or time_and_materials
        "payment_terms": Trusted(sow.payment_terms),
        "clauses": [Trusted(c) for c in policy.sow.clauses_for(issue.labels)],
        "region": data.region if data else None,
        "skills": list(data.skills) if data else [],
        "start_window": data.start_window if data else None,
        "risks": list(data.risks) if data else [],
        # The one kick-off checklist: the hand-off note and the delivery issue both show it.
        "kickoff_checklist": [Trusted(step) for step in sow.kickoff_checklist],
        "scheduling": [Trusted(name) for name in policy.contacts.scheduling],
        "contacts": [
            {
                "role": Trusted(sow.contact_roles[role]),
                "name": (issue.names.get(user) or issue.names.get(user.lower())) if user else None,
                "username": user,
            }
            for role, user in people.items()
            if role in sow.contact_roles
            and (user or role in ("em", "sa", "ae"))  # those three always
        ],
    }


def _em_confidence(issue: IssueSnapshot, data: Any) -> dict[str, Any]:
    """The EM confidence every comment shows: the `EM_Confidence::` label's value (the source of
    truth), else the data block's; the data block's rationale only when it states that value."""
    colours = {"grey": "Grey", "red": "Red", "amber": "Amber", "green": "Green"}
    label = next(
        (
            lb.removeprefix("EM_Confidence::")
            for lb in issue.labels
            if lb.startswith("EM_Confidence::")
        ),
        None,
    )
    stated = data.confidence.value if data else "Grey"
    value = colours.get((label or "").strip().lower(), stated)
    rationale = data.confidence.rationale if data and stated == value else None
    return {"value": Trusted(value), "rationale": rationale, "stated": Trusted(stated)}


# What a customer document (the Word SoW) may show of a comment's context: nothing internal.
_DOCUMENT_ESTIMATE = (
    "currency",
    "revision",
    "version",
    "roles",
    "total_days",
    "list_price",
    "discount_pct",
    "discount",
    "net_price",
)
_DOCUMENT_LINE = (
    "activity",
    "title",
    "code",
    "description",
    "in_catalog",
    "notes",
    "role",
    "days",
    "units",
    "unit",
    "rate",
    "amount",
)
_DOCUMENT_SCOPE = ("objectives", "deliverables", "prerequisites", "assumptions", "out_of_scope")
_DOCUMENT_DEAL = (
    "sow_number",
    "legal_entity",
    "msa",
    "billing",
    "fee_type",
    "fee_type_id",
    "payment_terms",
    "clauses",
    "timeline",
    "region",
    "start_window",
)


def document_context(context: dict[str, Any], day: date) -> dict[str, Any]:
    """The customer's view of a comment's context, for a document they read (the Word SoW):
    `customer`, `deal`, `estimate`, `sow` as the comment sees them, less everything internal
    (cost, COGS, margin, usernames, links, the catalog's hints), and `date`, the revision date.
    The values are the raw texts (a document escapes them its own way)."""
    deal, priced = context["deal"], context["estimate"]
    return {
        "customer": context["customer"],
        "date": Trusted(day.isoformat()),
        "sow": context["sow"],
        "deal": {
            **{key: deal[key] for key in _DOCUMENT_DEAL},
            "contacts": [{"role": p["role"], "name": p["name"]} for p in deal["contacts"]],
        },
        "estimate": None
        if priced is None
        else {
            **{key: priced[key] for key in _DOCUMENT_ESTIMATE},
            "lines": [{key: line.get(key) for key in _DOCUMENT_LINE} for line in priced["lines"]],
            "scope": {
                **{key: priced["scope"][key] for key in _DOCUMENT_SCOPE},
                "unknown": [{"activity": u["activity"]} for u in priced["scope"]["unknown"]],
            },
        },
    }
