"""The policy and template reference, generated from the registries so it cannot drift."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .catalog import Exclusion, FixedPrice, Offering
from .issues.scoping import KINDS as BLOCK_KINDS
from .issues.scoping import sample_problems
from .policy.banners import Banners
from .policy.model import (
    Assignment,
    Calendar,
    Contacts,
    DigestConfig,
    ForecastConfig,
    Gate,
    Lifecycle,
    Policy,
    Region,
    Rule,
    Scope,
    Stage,
    Transition,
)
from .policy.sow import LabelTerms, Sow
from .pricing import KINDS as PRICE_KINDS
from .pricing import Rates
from .rules.actions import ACTIONS
from .rules.conditions import CONDITIONS


def _kinds(kinds: dict[str, tuple[str, ...]]) -> str:
    named = {kind: [f"`{v}`" for v in values if v != "input"] for kind, values in kinds.items()}
    return ", ".join(
        f"`{kind}`" + (f" ({', '.join(values)})" if values else "")
        for kind, values in named.items()
    )


# The pydantic error types a data block gives, and their values (`sample_problems`).
_PYDANTIC_KINDS = {p.kind: tuple(p.values) for p in sample_problems() if p.kind not in BLOCK_KINDS}

# Every variable a template may use. Values marked (trusted) are not escaped; all others are
# escaped for GitLab Markdown when rendered.
TEMPLATE_VARIABLES: dict[str, str] = {
    "customer": "the data block's `customer`, else the issue title",
    "people": "`em` (the assignee) and the data block's `sa`, `ae`, `csm`, `ta`, `pm` usernames",
    "estimate": "the priced estimate: `currency`, `lines` (`activity`, `role`, `days`, `rate`, `amount`, "
    "`cost_rate`, `cost`, `units` and `unit` for a fixed-price item else None; from the service "
    "catalog (trusted): `title` (else the activity as written), `code`, `description`, "
    "`in_catalog`, `closest` (the nearest catalog id of an unknown activity); `notes`, the "
    "EM's), `scope` (the union of the items' offerings, trusted: `objectives`, `deliverables` (the closing report last), "
    "`prerequisites`, `assumptions`, `out_of_scope`; `unknown`: `activity`, `closest` of the "
    "items not in the catalog), `roles` (`role`, `days`), `total_days`, `list_price`, `discount_pct`, "
    "`discount`, `net_price`, `cogs`, `margin_pct`, `margin_floor_pct`, `below_floor`, `card_price` (the list price at the "
    "rate card's prices), `card_discount_pct` (1 - net / card_price, per-line rates included), "
    "`max_discount_pct`, `above_max_discount`, `rates_overridden`, `revision` (a hash of what is "
    "priced: what an approval is for), `version` (the SoW version people read and sign, as the SoW names it: 1 on the "
    "SoW note's first revision, one more each time the estimate revision its notes showed "
    "changed; counted on the notes of the comment carrying the SoW `document`); None when it "
    "cannot be priced",
    "close_quarter": "the fiscal quarter of the close date, e.g. FY26-Q4 (trusted)",
    "tasks": "the description's task list: `text`, `done`",
    "missing": "for the intake checklist: what it still lacks, items with `what` (`assignee`, `data_block`, `readable_data_block` or `field`, with `field` its name); for an approval refusal: what the gate's `requires` found missing (trusted text)",
    "contacts": "the policy's `approvers`, `delivery_team`, `technical_architects`, `triage_lead` "
    "(assignment.triage_lead) as mentions (trusted)",
    "sow": "the policy's `sow` terms, with those of the issue's labels in `sow.by_label` (trusted)",
    "deal": "for customer-facing text: `sow_number` (trusted), `legal_entity`, `msa` (`name`, "
    "`date`) or None, `agreement_named`, `billing` (an allowed term), `billing_refused` (a term "
    "the policy does not allow), `billing_allowed`, `fee_type` (in the policy's words), "
    "`fee_type_id` (`fixed_price` or `time_and_materials`), `payment_terms`, `clauses` (those "
    "of the issue's labels in `sow.by_label`), `timeline` (`start`, `end`: the data block's "
    "dates or None; `weeks`: between them, else the longest role's days at five a week), "
    "`contacts` (`role` spelled out, `name` from "
    "the GitLab profile or None, `username`); for the delivery hand-off `region`, `skills`, "
    "`start_window`, `risks`, `kickoff_checklist` (the one checklist, trusted), `scheduling` "
    "(the policy's scheduling contacts, trusted)",
    "issue": "`title`, `iid`, `ref` (trusted), `url` (trusted), `author`, `assignees`, `labels`",
    "stage": "the stage id (trusted)",
    "stage_label": "the stage label, e.g. proposal::SOW_WIP (trusted)",
    "transition": "for transition comments: `id`, `from`, `to`, `from_label`, `to_label`, `description` "
    "(trusted); else None",
    "rule": "the rule id (trusted)",
    "rule_description": "the rule's `description` (trusted)",
    "why": "what the conditions saw, in the code's English (as `triage explain` says it; kept "
    "for templates of older releases): show `reasons` instead",
    "reasons": "what the conditions of a rule or transition saw, as data the team words: each "
    "an `id` (`task.ticked`, `days_in_stage.days`, ...: `<condition key>.<outcome>`) and its "
    "values (`task`, `days`, `label`, ...); the shipped wording is the `why` macro of "
    '`reasons.j2` (`{% import "reasons.j2" as reasons_of %}`, then '
    "`reasons_of.why(reasons)` filtered by `trusted`: the macro escapes each value itself), "
    "which a team translates in its own copy (a folder without one gets the shipped one); "
    "`validate` renders every id and names each of the policy's conditions it shows as the bare id",
    "scoping": "the whole data block, as written, or None",
    "em_confidence": "the EM confidence to show: `value` (the `EM_Confidence::` label's, else the "
    "data block's), `rationale` (the data block's, only when it states that value), `stated` "
    "(the data block's value)",
    "confidence": "for a `confidence_check` comment: `label` (the label's value) and `stated` "
    "(the data block's)",
    "problems": "what is wrong with the data block or the estimate: `line`, `field`, `message` "
    "(the code's English, as the shipped note shows it), and for a team's own words `kind` (a "
    "stable id, trusted) with that kind's values as the problem's own keys (`problem.gt`; "
    "`validate` renders the templates with one problem of each kind). The kinds: pydantic's "
    "error types, with their context, "
    + _kinds(_PYDANTIC_KINDS)
    + ", each with `input` (the value written, when it is one short value); the bot's own, "
    + _kinds(BLOCK_KINDS)
    + "; and with `field` estimate (the block cannot be priced; `item` is the line item's index "
    "from 0), " + _kinds(PRICE_KINDS),
    "data_block_status": "valid, invalid or missing (trusted)",
    "unknown_activities": "the data block's activities the service catalog does not know, each "
    "once and sorted (whatever the line items' order): `activity` (as written), `closest` (the "
    "nearest catalog id, trusted, or None)",
    "notify": "mentions of the comment's `notify` roles (trusted): the policy's contacts, and "
    "the EM and data-block people only when GitLab shows them as members of the project (the "
    "others are named below the comment, with why they were not mentioned)",
    "document": "where the link to the comment's Word document goes (a comment with "
    "`document`; none otherwise): `{% if document %}Word document: {{ document }}{% endif %}`",
    "changes_since": "for a comment with `changes_since: <rule>` once that rule posted a note "
    "(`once_per: estimate`: the signature request, when an approval counted): `version` (the SoW "
    "version it recorded, or None), `revision` (trusted), `changes` (what differs from the "
    "estimate now, in order: `field` (trusted: `list_price`, `discount_pct`, `net_price`, "
    "`total_days`, `role_days`, `close_date`, `start_window`, `start_date`, `end_date`, "
    "`fee_type`, `billing`, `payment_terms`, `agreement`), `role` (for "
    "`role_days`), `before`, `after` (None where there was or is none; `agreement`: `standard` or "
    "`msa`, `date`); None when that note recorded no figures); else None",
    "approvals": "for rules: the approvals that stand on the issue, by gate id: `by` (the "
    "approver, also when the bot set the label for them), `at` (when, in the team's time zone, "
    "trusted)",
    "opportunity": "the data block's `opportunity`: `id`, `valid` (a Salesforce opportunity id, "
    "not a placeholder), `url` (its record in the org of `salesforce.sync`, trusted, else None); "
    "None without one",
    "last_activity": "the date the deal went quiet: people last acted on the issue, or its close date when later (trusted)",
    "links": "URLs of the bot's newest note of each other rule, by rule id (trusted); use `links.get(id)`",
    "days_in_stage": "for reminders (`every`): business days in the stage",
    "digest": "for reminders, when the policy keeps a daily digest: true (`notify` then holds "
    "names, not mentions: the digest mentions them); else undefined",
    "sla_days": "for reminders without `repeat`: the SLA missed, in business days",
    "escalation": "for the escalation of a missed SLA (`escalate_after`): `margin`, the business "
    "days past the SLA; else undefined",
    "attempt": "for an approval refusal: `gate`, `label`, `actor`, `at`, `approvers`, `reason` (`actor`, `stage`, `bot`, `requires`, `size` or `superseded`), `stage` (the stage it was set from), `from`, `min_role`, `back` (the stage label put back, if any), `missing` (what the gate's `requires` found missing), `size` (reason `size`: `reviewed` and `now`, the net prices as amounts, and `ratio`, the gate's `size_ratio`; else None), `superseded` (reason `superseded`, an approver's emoji on a request a newer one replaced: `approver` (a mention), `emoji`, `old` and `current` (links to that request and the live one, or None), `old_version` and `current_version` (their SoW versions, or None); else None)",
    "move": "for an unexpected move: `user`, `at`, `source`, `target`, `source_label`, `target_label`, `allowed`, `then` (the stage label the bot moved it on to after that move, or none)",
    "closed_in": "after a `close_quarter_label` action: `quarter` (FY26-Q4), `label` (close_qtr::Q426), "
    "`date` the quarter was taken from, `source` (`close_date` or `stage`) (trusted)",
    "review": "for a comment whose condition is `review_outdated`: `task` (the review's task), "
    "`reviewed` and `current` (SoW version numbers: the one reviewed, or None when no note "
    "numbered it, and the one priced now)",
    "kept": "for a stage conflict: the stage label kept (trusted)",
    "removed": "for a stage conflict: the stage labels removed (trusted)",
}

DOCUMENT_VARIABLES: dict[str, str] = {
    "customer": "the data block's `customer`",
    "date": "the revision date (`YYYY-MM-DD`): the day the document was made; `{{ date | day }}`"
    " writes it for `rates.locale` (`Nov 27, 2026`, `27.11.2026` for de_DE)",
    "sow": "the policy's `sow` terms, with those of the issue's labels in `sow.by_label`",
    "deal": "`sow_number`, `legal_entity`, `msa` (`name`, `date`), `billing`, `fee_type`, "
    "`fee_type_id`, `payment_terms`, `clauses`, `timeline` (`start`, `end`, `weeks`), `region`, "
    "`start_window`, `contacts` (`role`, `name`: the name on the GitLab profile, or none)",
    "estimate": "`currency`, `revision` (a hash), `version` (the SoW version number, counted on "
    "the SoW note's earlier revisions: 1, 2, ...), `roles` (`role`, `days`), `total_days`, `list_price`, "
    "`discount_pct`, `discount`, `net_price`, `lines` (`activity`, `title`, `code`, "
    "`description`, `in_catalog`, `notes`, `role`, `days`, `units`, `unit`, `rate`, `amount`) and "
    "`scope` (`objectives`, `deliverables`, `prerequisites`, `assumptions`, `out_of_scope`, "
    "`unknown` with `activity`); none without a priced estimate",
}

CATALOG_PAGE_VARIABLES: dict[str, str] = {
    "offerings": "the catalog's offerings in order: `id`, `title`, `description`, `role`, "
    "`days` (typical, or None), `price` (per `unit`, else per `role` day; the `money` filter "
    "writes it), `unit` (a fixed-price offering's, else None), `deliverables`, `prerequisites`, "
    "`assumptions`, `out_of_scope` (lists); never its cost",
    "currency": "the rate card's currency",
}

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("policy (top level)", Policy),
    ("scope", Scope),
    ("calendar", Calendar),
    ("calendar.regions.<name>", Region),
    ("lifecycle", Lifecycle),
    ("lifecycle.stages[]", Stage),
    ("lifecycle.transitions[]", Transition),
    ("rules[]", Rule),
    ("rates", Rates),
    ("sow", Sow),
    ("sow.by_label.<label>", LabelTerms),
    ("contacts", Contacts),
    ("banners", Banners),
    ("approvals[]", Gate),
    ("assignment", Assignment),
    ("forecast", ForecastConfig),
    ("digest", DigestConfig),
    ("catalog[]", Offering),
    ("catalog[].fixed", FixedPrice),
    ("catalog[].out_of_scope[] (a line an offering sold drops)", Exclusion),
]

CATALOG_EXAMPLE = """\
catalog:                       # usually its own file, policies/catalog.yml
  - id: saas_sso_configuration_remote   # the activity code line items name
    title: GitLab.com SSO configuration
    description: SAML single sign-on and SCIM provisioning for the Customer's group.
    objective: people sign in to GitLab.com with the Customer's identity provider
    deliverables: [SAML SSO and SCIM provisioning working for the top-level group]
    prerequisites: [An identity-provider administrator available during the configuration]
    assumptions: []
    out_of_scope: [Changes to the identity provider beyond the GitLab application]
    role: PSE                  # a role of rates.roles
    days: 2                    # the typical days
  - id: training_system_administration
    title: System Administration training
    description: The System Administration course, remote, up to 12 attendees per session.
    role: PSE
    pricing: fixed             # units x fixed.price; COGS units x fixed.cost
    fixed: {unit: session, price: 6000, cost: 1920}
"""


def _type(info: Any) -> str:
    text = str(info.annotation).replace("typing.", "")
    if "LabelPresent" in text:
        return "condition (see Conditions)"
    if "AddLabels" in text:
        return "list of actions (see Actions)"
    for noise in (
        "triage.policy.model.",
        "triage.policy.sow.",
        "triage.policy.banners.",
        "triage.policy.contacts.",
        "triage.rules.conditions.",
        "triage.rules.actions.",
        "triage.pricing.",
        "triage.catalog.",
        "datetime.",
        "<class '",
        "'>",
    ):
        text = text.replace(noise, "")
    return text


def policy_reference() -> str:
    lines = [
        "# Policy reference",
        "",
        "Generated from the models by `triage reference`; `tests/unit/test_reference.py` keeps it current.",
        "Unknown keys are errors. The JSON Schema (`triage schema`) lets editors check and complete files.",
        "",
    ]
    for title, model in SECTIONS:
        lines += [f"## `{title}`", "", "| key | type | default |", "|---|---|---|"]
        for name, info in model.model_fields.items():
            key = info.alias or name
            default = (
                "required"
                if info.is_required()
                else f"`{info.get_default(call_default_factory=True)!r}`"
            )
            kind = _type(info).replace(" | ", " or ")
            lines.append(f"| `{key}` | `{kind}` | {default.replace('|', '/')} |")
        lines.append("")
        described = [
            (info.alias or name, info.description)
            for name, info in model.model_fields.items()
            if info.description
        ]
        if described:
            lines += [f"- `{key}`: {text}" for key, text in described] + [""]
    lines += [
        "## Service catalog",
        "",
        "The offerings SoW drafts are written from. A line item names one by `id` or an alias;"
        " `per_day` items price days x the rate card, `fixed` ones `units` x `fixed.price` (cost"
        " `fixed.cost`). The SoW lists each item's title and description, and the union of the"
        " items' deliverables, prerequisites, assumptions and out-of-scope (duplicates once, in"
        " the items' order). `validate` refuses duplicate ids or aliases, roles not in the rate"
        " card and `fixed` items without a price. An activity not in the catalog still prices"
        " from the rate card and shows in the SoW as not in the catalog. Example:",
        "",
        "```yaml",
        *CATALOG_EXAMPLE.splitlines(),
        "```",
        "",
        "## Conditions",
        "",
        "A condition is a one-key mapping; compose them with `all`, `any`, `not`.",
        "",
        "| condition | meaning | example |",
        "|---|---|---|",
    ]
    lines += [f"| `{c.key}` | {c.summary} | `{c.example}` |" for c in CONDITIONS]
    lines += ["", "## Actions", "", "| action | what it does | example |", "|---|---|---|"]
    lines += [f"| `{a.key}` | {a.summary} | `{a.example}` |" for a in ACTIONS]
    lines += [
        "",
        "## Template variables",
        "",
        "Every value from an issue is escaped for GitLab Markdown when rendered (no quick action, no mention,"
        " no HTML); trusted values are not. Filters: `money` (an amount with the rate card's currency,"
        " written for `rates.locale`: `USD 4,500.00`), `num` (a number with the locale's decimal"
        ' sign, no grouping: `2.5`, `2,5` for de_DE), `plural` (`3 | plural("day")`: `3 days`;'
        ' another plural as the second argument: `plural("Tag", "Tage")`; a Korean, Japanese or'
        " Chinese counter follows the number with no space and no plural: `12명`), `day` (a date"
        ' as the locale writes it: `Nov 27, 2026`, `27.11.2026`; `day("long")` for contracts:'
        " `November 27, 2026`, `2026년 11월 27일`; a time a note is given, `attempt.at` or"
        " `move.at`, `2026-01-12 21:00 JST`, gets its date so written: `2026/01/12 21:00 JST`"
        " for ja_JP), `quarter` (a fiscal quarter's name, `FY26-Q4`, in the template's words:"
        ' `quarter("{year}年度 第{q}四半期")` is `2026年度 第4四半期`; `{yy}`: 26), `code`, `mention`,'
        " `trusted`, `md`,"
        ' `label` (a label read from GitLab: `~"name"` when its name is plain, else inline code),'
        " `mermaid` (a name inside double quotes in a Mermaid block: only plain characters kept).",
        "",
        "| variable | what it holds |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {text} |" for name, text in TEMPLATE_VARIABLES.items()]
    lines += [
        "",
        "## Word documents",
        "",
        "A Word template (`*.docx` beside the templates, e.g. the shipped `sow.docx`, built by"
        " `scripts/build_sow_template.py`) holds docxtpl tags: `{{ value }}` in a paragraph,"
        " `{%p ... %}` alone in a paragraph to repeat or drop paragraphs, `{%tr ... %}` alone in a"
        " table row to repeat or drop rows. Every tag opens and closes in one paragraph (a tag that"
        " does not, e.g. `{{ x }` slipped in Word, is refused naming the paragraph, as is a"
        " rendered document that lost a heading its template shows outside `{%p %}` blocks). It"
        " renders in the same sandbox as the comment templates, every value XML-escaped (issue text such as `{{ x }}` or `<w:p>` is written as"
        " it is). A comment names it with `document` (`comment: {template: sow-draft.md.j2,"
        " document: sow.docx}`); with `pdf: true` beside it, the run also uploads a PDF of it and"
        " links both (`[X.docx](...) · **PDF:** [X.pdf](...)`) when the runner has LibreOffice"
        " (`soffice`); without it, or when the conversion fails or hangs (cut short after two"
        " minutes), the Word document is linked alone and the run says so in one line (stderr and"
        " the report's `pdf`), never failing the issue."
        " `triage render sow --data FILE --docx OUT.docx` writes it locally"
        " and `validate` renders every Word template against the sample issue. It sees the"
        " customer's view of the comment's variables, with nothing internal (no cost, COGS,"
        " margin, usernames or links). Filters: `money`, `num`, `plural`, `day` (a date, or its"
        " ISO text, as `rates.locale` writes it), `quarter`.",
        "",
        "| variable | what it holds |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {text} |" for name, text in DOCUMENT_VARIABLES.items()]
    lines += [
        "",
        "## The catalog page",
        "",
        "`triage catalog --format markdown` writes the service catalog as a handbook page from"
        " the template `catalog.md.j2` beside the comment templates: every heading and word on"
        " it is the template's, for the team to write in its own language. Filters: `money`,"
        " `num`, `plural`.",
        "",
        "| variable | what it holds |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {text} |" for name, text in CATALOG_PAGE_VARIABLES.items()]
    return "\n".join(lines) + "\n"
