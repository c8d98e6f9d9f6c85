"""Sample scoping issues for `triage demo` and the tests (fictional customers and people,
after ../shared/domain/ps-scoping-research.md section 6.8)."""

from __future__ import annotations

from typing import Any

import yaml

DEMO_NOW = "2026-01-12T09:00:00Z"  # 14 business days before FY26-Q4 ends (2026-01-31)
PROJECT = "ps/ps-plan"
DELIVERY_PROJECT = "ps/delivery"
BOT_TOKEN = "demo-bot-token"  # a fake token for the emulator only

TASKS = (
    "Discovery call held",
    "Customer agreed price and scope",
    "SoW reviewed by account team and customer",
)
STAGES = (
    "Awaiting_Discovery",
    "Strawman_WIP",
    "Estimate_Feedback",
    "SOW_WIP",
    "Ready For Approval",
    "Approved",
    "On_hold",
    "Closed_Won",
    "Closed_Lost",
)


def description(
    summary: str, done: tuple[str, ...] = (), block: dict[str, Any] | str | None = None
) -> str:
    """A scoping issue description as the issue template lays it out."""
    tasks = "\n".join(f"- [{'x' if task in done else ' '}] {task}" for task in TASKS)
    text = f"## Summary\n\n{summary}\n\n## Checklist\n\n{tasks}\n"
    if block is not None:
        body = (
            block
            if isinstance(block, str)
            else yaml.safe_dump(block, sort_keys=False, default_flow_style=None)
        )
        text += f"\n## Scoping data\n\n<!-- ps-triage:scoping -->\n```yaml\n{body.rstrip()}\n```\n"
    return text


def _items(*rows: tuple[str, str, float]) -> list[dict[str, Any]]:
    return [{"activity": activity, "role": role, "days": days} for activity, role, days in rows]


def _issue(
    iid: int,
    customer: str,
    *,
    em: str | None,
    labels: list[str],
    summary: str,
    done: tuple[str, ...] = (),
    block: dict[str, Any] | str | None = None,
    created: str = "2025-11-20T10:00:00Z",
    updated: str = "2026-01-09T15:00:00Z",
    author: str = "imogen",
) -> dict[str, Any]:
    return {
        "iid": iid,
        "title": f"{customer} - Scope Issue and Write SOW",
        "author": author,
        "assignees": [em] if em else [],
        "labels": ["Services Calculator", *labels],
        "description": description(summary, done, block),
        "created_at": created,
        "updated_at": updated,
        # GitLab's record of the last edit: a system note by whoever edited the description.
        "notes": [
            {
                "author": em or author,
                "body": "changed the description",
                "system": True,
                "created_at": updated,
            }
        ]
        if updated != created
        else [],
    }


def _block(
    customer: str,
    segment: str,
    close: str,
    confidence: str,
    rationale: str,
    items: list[dict[str, Any]],
    *,
    discount: float = 0,
    sa: str = "felix",
    ae: str = "imogen",
) -> dict[str, Any]:
    return {
        "customer": customer,
        "segment": segment,
        "close_date": close,
        "currency": "USD",
        "people": {"sa": sa, "ae": ae},
        "confidence": {"value": confidence, "rationale": rationale},
        "line_items": items,
        "discount_pct": discount,
    }


def demo_seed() -> dict[str, Any]:
    issues = [
        _issue(
            4101,
            "Bramblewood Financial",
            em="dana",
            labels=[
                "proposal::Approved",
                "Segment::Ent_EAST",
                "TA:Approved",
                "EM_Confidence::Green",
            ],
            done=TASKS,
            summary="Bitbucket Server to Self-Managed; 950 users, 1,800 repositories.",
            block=_block(
                "Bramblewood Financial",
                "Ent_EAST",
                "2026-01-23",
                "Green",
                "Legal stamp done; PO raised; signature booked 23 Jan",
                _items(
                    ("Discovery and wave planning", "PSE", 5),
                    ("User and group setup with Congregate", "PSE", 3),
                    ("Six migration waves", "PSE", 15),
                    ("Project management", "PM", 6),
                ),
            ),
        ),
        _issue(
            4102,
            "Corvid Aerospace Systems",
            em="mateo",
            labels=["proposal::SOW_WIP", "Segment::Ent_EAST", "Public Sector US"],
            done=TASKS[:2],
            summary="New on-prem HA build, 3,000-user reference architecture, Geo, air-gapped.",
            block=_block(
                "Corvid Aerospace Systems",
                "Ent_EAST",
                "2026-01-30",
                "Amber",
                "RDM review pending; reseller paperwork may slip",
                [
                    *_items(
                        ("Architecture design", "TA", 6),
                        ("HA primary build", "PSE", 12),
                        ("Geo secondary", "PSE", 10),
                        ("Air-gapped mirror and scanning", "PSE", 8),
                        ("Project management", "PM", 8),
                    ),
                    # a fixed-price catalog offering: 2 remote sessions x 6,000 (not days)
                    {"activity": "System Administration training", "units": 2},
                ],
            ),
        ),
        _issue(
            4103,
            "Lantern Health Network",
            em="harriet",
            labels=[
                "proposal::Estimate_Feedback",
                "Segment::Ent_EMEA",
                "TA::Needs-Review",
                "EM_Confidence::Green",
            ],
            done=TASKS[:1],
            summary="Self-Managed to GitLab.com; 1,400 users, 2,600 projects.",
            block=_block(
                "Lantern Health Network",
                "Ent_EMEA",
                "2026-01-28",
                "Green",
                "Customer confirmed budget",
                _items(
                    ("saas_discovery_remote", "PSE", 3),
                    ("saas_sso_configuration_remote", "PSE", 2),
                    ("saas_security_configuration_remote", "PSE", 2),
                    ("Automated migration waves", "PSE", 22),
                    ("Manual migration of repositories over 5 GB", "PSE", 3),
                    ("Project management", "PM", 6),
                ),
            ),
        ),
        _issue(
            4104,
            "Orchard Lane Retail",
            em="dana",
            labels=["proposal::Awaiting_Discovery", "Segment::MM_West"],
            done=TASKS[:1],
            summary="Jenkins to GitLab CI, net new.",
            block=_block(
                "Orchard Lane Retail",
                "MM_West",
                "2026-01-29",
                "Red",
                "Jenkins inventory not provided; budget owner not confirmed",
                _items(
                    ("CI discovery workshop", "PSE", 2),
                    ("Conversion pilot of 15 pipelines", "PSE", 6),
                    ("Enablement", "PSE", 2),
                ),
                discount=45,
            ),
        ),
        _issue(
            4105,
            "Meridian Tidewater Utilities",
            em="kaito",
            labels=["proposal::Strawman_WIP", "Segment::MM_APAC"],
            done=TASKS[:1],
            summary="Readiness assessment before growing from 600 to 2,000 users.",
            block=_block(
                "Meridian Tidewater Utilities",
                "MM_APAC",
                "2026-03-20",
                "Grey",
                "",
                _items(
                    ("Architecture review", "TA", 2),
                    ("GitLab Performance Tool run and report", "PSE", 5),
                    ("Coordination", "PM", 1),
                ),
            ),
        ),
        _issue(
            4106,
            "Quarry Peak Logistics",
            em="kaito",
            labels=["Segment::MM_APAC"],
            created="2026-01-11T08:00:00Z",
            updated="2026-01-11T08:00:00Z",
            summary="Just opened by the account team; EM assigned at triage.",
        ),
        _issue(
            4107,
            "Saltmarsh Insurance",
            em=None,
            labels=[],
            created="2026-01-12T07:30:00Z",
            updated="2026-01-12T07:30:00Z",
            summary="Just opened; no Engagement Manager yet.",
        ),
        _issue(
            4108,
            "Vellum Press",
            em="harriet",
            labels=["proposal::Strawman_WIP", "Segment::Ent_WEST"],
            done=TASKS[:1],
            summary="Implementation; the EM is still filling in the data block.",
            block="customer: Vellum Press\nclose_date: 2026-13-01\nline_items:\n  - {activity: Install, role: PSE, days: -2}\n",
        ),
        _issue(
            4109,
            "Harbor & Finch Legal",
            em="mateo",
            labels=["proposal::Estimate_Feedback", "proposal::SOW_WIP", "Segment::Ent_WEST"],
            done=TASKS[:2],
            summary="Two stage labels, added by two people on the same day.",
            block=_block(
                "Harbor & Finch Legal",
                "Ent_WEST",
                "2026-02-20",
                "Amber",
                "Waiting on procurement",
                _items(("Advisory workshop", "PSE", 4)),
            ),
        ),
    ]
    # Label history: the Estimate_Feedback label of 4109 was added before its SOW_WIP label.
    for issue in issues:
        events = [
            {
                "user": issue["author"],
                "label": label,
                "action": "add",
                "created_at": issue["created_at"],
            }
            for label in issue["labels"]
        ]
        if issue["iid"] == 4109:
            events[-2]["created_at"] = "2026-01-08T10:00:00Z"
            events[-2]["user"] = "mateo"
        by = {
            "proposal::Approved": ("rowan", "2026-01-08T16:00:00Z"),
            "TA:Approved": ("ravi", "2025-12-18T11:00:00Z"),
        }
        for event in events:
            if (
                issue["iid"] == 4101 and event["label"] in by
            ):  # the Director approved; the TA reviewed
                event["user"], event["created_at"] = by[event["label"]]
        issue["label_events"] = events
    labels = [
        "Services Calculator",
        "Public Sector US",
        *(f"proposal::{s}" for s in STAGES),
        *(
            f"Segment::{s}"
            for s in (
                "Ent_APAC",
                "Ent_EAST",
                "Ent_WEST",
                "Ent_EMEA",
                "MM_APAC",
                "MM_East",
                "MM_EMEA",
                "MM_West",
                "SMB",
            )
        ),
        *(f"Lost::{r}" for r in ("budget", "scheduling", "unknown", "NoServiceFit")),
        "TA::Needs-Review",
        "TA::Approved",
        "TA:Approved",
        *(f"EM_Confidence::{c}" for c in ("Grey", "Red", "Amber", "Green")),
    ]
    people = [
        ("dana", "Dana Okafor"),
        ("mateo", "Mateo Lindqvist"),
        ("harriet", "Harriet Sato"),
        ("kaito", "Kaito Brennan"),
        ("felix", "Felix Marchetti"),
        ("imogen", "Imogen Pryce"),
        ("quinn", "Quinn Adeyemi (Deal Desk)"),
        ("rowan", "Rowan Achebe"),
        ("ravi", "Ravi Quill (TA)"),
    ]
    return {
        "now": DEMO_NOW,
        "tier": "premium",
        "users": [
            {"username": "ps-bot", "name": "PS Triage Bot", "token": BOT_TOKEN, "bot": True},
            *({"username": u, "name": n, "token": f"{u}-token"} for u, n in people),
        ],
        "groups": [
            {"path": "ps", "members": [{"username": "rowan", "access_level": 40}]},
            {"path": "ps/ps-scheduling", "members": [{"username": "quinn", "access_level": 30}]},
            {
                "path": "ps/ps-directors",
                "visibility": "internal",
                "members": [{"username": "rowan", "access_level": 30}],
            },
            {
                "path": "ps/ps-ta",
                "visibility": "internal",
                "members": [{"username": "ravi", "access_level": 30}],
            },
            {
                "path": "ps/deal-desk",
                "visibility": "internal",
                "members": [{"username": "quinn", "access_level": 30}],
            },
        ],
        "projects": [
            {
                "path": PROJECT,
                "members": [
                    {"username": "ps-bot", "access_level": 20},
                    *({"username": u, "access_level": 30} for u, _ in people if u != "rowan"),
                ],
                "labels": [{"name": name} for name in labels],
                "issues": issues,
            },
            {
                "path": DELIVERY_PROJECT,
                "members": [
                    {"username": "ps-bot", "access_level": 20},
                    {"username": "quinn", "access_level": 30},
                ],
                "labels": [{"name": "Delivery Hand-off"}],
            },
        ],
    }
