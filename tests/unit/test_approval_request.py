"""What the PS Director approves on, on one screen (issue 32 item 3): the SoW version as the SoW
names it, COGS in money, who did the TA review and when, the data block's risks, roles x days
and the start window, billing, MSA or standard terms, the opportunity, the EM's confidence and
rationale, what changed since the version approved, and how to refuse. Each field absent from
the data block is said to be absent. Through the planner, as a run renders the request.

The figures of the re-request (test_golden's `approved_then_revised`, checked by hand there):
Version 1 approved at 23 PSE + 12 PM days, no discount, 79,200 net; now 8 PM days and 10% off,
64,080 net, COGS 31,120, margin 51.4%.
"""

import re
import shutil
from dataclasses import replace
from datetime import timedelta

from test_golden import (
    APPROVAL,
    APPROVED_V1,
    BRAMBLEWOOD,
    ORCHARD,
    REVISED_V2,
    TA_REVIEW,
    WS,
    approved,
    approved_then_revised,
    stage,
)

from triage.commands.demo_data import TASKS, description
from triage.issues.markers import find_marker
from triage.issues.snapshot import LabelEvent, Note
from triage.planner import plan_issue
from triage.workspace import load_workspace

from support import BOT, NOW, ROOT, at, settings, with_details

READY = "Ready For Approval"


def request_of(issue, ws=WS, now=NOW):
    issue_plan = plan_issue(ws.policy, issue, now, settings(ws))
    assert issue_plan.error is None, issue_plan.error
    [comment] = [c for c in issue_plan.comments if c.key.startswith("approval-request/")]
    return comment.body


def ready(data=BRAMBLEWOOD, notes=(), events=(TA_REVIEW,), **kwargs):
    labels = ("Services Calculator", "TA::Approved", f"proposal::{READY}")
    issue = stage(READY, data=data, **kwargs)
    return with_details(
        replace(issue, labels=tuple(sorted({*issue.labels, *labels}))), notes, events
    )


def line(body, start):
    """The request's line that starts with `start` (exactly one)."""
    [found] = [text for text in body.splitlines() if text.startswith(start)]
    return found


def test_the_request_names_the_sow_version_as_the_sow_draft_of_the_same_run_does():
    """Two earlier SoW revisions on the issue: the SoW posted now is Version 3, and so is the
    request (its own notes are not what it counts: it has none yet)."""
    sow = "<!-- ps-triage:sow-draft/sow-draft.md.j2 rev={rev} sow={sow} -->\nx"
    notes = (
        Note(21, BOT, sow.format(rev="a" * 12, sow="1" * 12), NOW - timedelta(days=9)),
        Note(22, BOT, sow.format(rev="b" * 12, sow="2" * 12), NOW - timedelta(days=5)),
    )
    issue_plan = plan_issue(WS.policy, ready(notes=notes), NOW, settings(WS))
    [draft] = [c for c in issue_plan.comments if c.key.startswith("sow-draft/")]
    [request] = [c for c in issue_plan.comments if c.key.startswith("approval-request/")]
    assert "**Version** 3 (ref" in draft.body
    assert request.body.splitlines()[1].endswith("Bramblewood Financial, SoW Version 3")
    assert "[**Version 3**](" in request.body
    assert "**To approve** Version 3 (revision `" in request.body


def test_the_request_shows_cogs_in_money_beside_the_margin():
    body = request_of(ready())
    # 23 PSE days x 1,040 + 6 PM days x 900 = 23,920 + 5,400
    assert line(body, "- COGS (standard cost):") == "- COGS (standard cost): USD 29,320.00"
    assert line(body, "- Gross margin:") == "- Gross margin: 56.4% (floor 30%)"


def test_the_request_names_who_did_the_ta_review_and_when():
    body = request_of(ready())
    assert line(body, "- TA review:") == "- TA review: ravi, 2026-01-05 10:00 UTC"


def test_the_ta_review_time_is_in_the_teams_time_zone(tmp_path):
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    policy = policies / "ps-scoping.yml"
    policy.write_text(
        policy.read_text().replace("  time_zone: UTC ", "  time_zone: Asia/Seoul ", 1)
    )
    ws = load_workspace(policies, ROOT / "templates")
    body = request_of(ready(), ws)
    assert line(body, "- TA review:") == "- TA review: ravi, 2026-01-05 19:00 KST"


def test_a_ta_review_the_bot_normalised_from_the_legacy_spelling_names_the_ta():
    """ravi wrote `TA:Approved`; the bot replaced it by `TA::Approved` (one request, its own):
    the TA did the review, not the bot."""
    when, later = at("2026-01-05T10:00:00Z"), at("2026-01-05T11:00:00Z")
    events = (
        LabelEvent("ravi", "TA:Approved", "add", when),
        LabelEvent(BOT, "TA:Approved", "remove", later),
        LabelEvent(BOT, "TA::Approved", "add", later),
    )
    body = request_of(ready(events=events))
    assert line(body, "- TA review:") == "- TA review: ravi, 2026-01-05 10:00 UTC"


def test_a_ta_label_set_by_someone_not_a_ta_is_no_ta_review():
    events = (LabelEvent("imogen", "TA::Approved", "add", at("2026-01-05T10:00:00Z")),)
    issue_plan = plan_issue(WS.policy, ready(events=events), NOW, settings(WS))
    assert "TA::Approved" in issue_plan.remove_labels  # refused by the gate
    [request] = [c for c in issue_plan.comments if c.key.startswith("approval-request/")]
    assert line(request.body, "- TA review:") == "- TA review: none on record"


def test_the_request_shows_staffing_terms_risks_opportunity_and_confidence():
    body = request_of(ready())
    assert line(body, "- Roles:") == "- Roles: PSE 23 days, PM 6 days"
    assert line(body, "- Start window:") == "- Start window: from 2026-02-16"
    assert line(body, "- Billing:") == "- Billing: Billed monthly in arrears for the days delivered"
    assert line(body, "- Terms:") == "- Terms: the customer's MSA BFS-2024-117 of 2024-03-18"
    assert line(body, "- Opportunity:") == "- Opportunity: `006XX0000FAKE01`"
    assert "- Six migration waves need the customer's change freeze windows" in body
    assert line(body, "- EM confidence:") == (
        "- EM confidence: **Green**: Legal stamp done; PO raised"
    )


def test_the_fee_type_payment_terms_and_timeline_are_shown():
    data = {
        **BRAMBLEWOOD,
        "fee_type": "time_and_materials",
        "start_date": "2026-02-16",
        "end_date": "2026-03-20",
    }
    body = request_of(ready(data=data))
    assert line(body, "- Fee type:") == "- Fee type: Time and materials"
    assert line(body, "- Payment terms:") == (
        "- Payment terms: Invoices are payable within 30 days of their date"
    )
    assert line(body, "- Timeline:") == "- Timeline: 2026-02-16 to 2026-03-20 (5 weeks)"


def test_standard_terms_and_the_policys_billing_are_named_as_such():
    data = {**BRAMBLEWOOD, "agreement": "standard", "billing_terms": None}
    body = request_of(ready(data=data))
    assert line(body, "- Terms:") == (
        "- Terms: standard terms: the GitLab Professional Services Terms"
    )
    assert line(body, "- Billing:") == (
        "- Billing: Billed upon SOW execution (the policy's default: none in the data block)"
    )


def test_what_the_data_block_lacks_is_said_to_be_absent_never_invented():
    lean = {
        key: value
        for key, value in BRAMBLEWOOD.items()
        if key not in ("opportunity", "agreement", "billing_terms", "start_window", "risks")
    }
    lean["confidence"] = {"value": "Amber"}
    body = request_of(ready(data=lean, confidence="Amber"))
    assert line(body, "- Opportunity:") == "- Opportunity: not in the data block (`opportunity`)"
    assert line(body, "- Start window:") == "- Start window: not in the data block (`start_window`)"
    assert line(body, "- Terms:") == (
        "- Terms: not in the data block (`agreement`): the SoW names the GitLab Professional "
        "Services Terms"
    )
    assert line(body, "- EM confidence:") == (
        "- EM confidence: **Amber**, no rationale in the data block (`confidence.rationale`)"
    )
    assert "- No risks listed." in body
    assert "BFS-2024-117" not in body and "from 2026-02-16" not in body


def test_an_opportunity_id_that_is_no_salesforce_id_is_flagged():
    body = request_of(ready(data={**BRAMBLEWOOD, "opportunity": "OPP-2291"}))
    assert line(body, "- Opportunity:") == (
        "- Opportunity: `OPP-2291` **not a Salesforce opportunity id**"
    )


def test_the_opportunity_links_its_record_in_the_org_the_policy_syncs_with():
    sync = {"instance_url": "https://acme.my.salesforce.com", "api_version": "64.0"}
    salesforce = WS.policy.salesforce.model_validate({"sync": sync})
    ws = replace(WS, policy=WS.policy.model_copy(update={"salesforce": salesforce}))
    body = request_of(ready(data={**BRAMBLEWOOD, "opportunity": "0065g00000AbCdE"}), ws)
    # the 18-character form: the 15 and their checksum
    assert re.fullmatch(
        r"- Opportunity: \[`0065g00000AbCdE`\]\(https://acme\.my\.salesforce\.com/"
        r"0065g00000AbCdE[A-Z0-5]{3}\)",
        line(body, "- Opportunity:"),
    )


def test_the_request_says_how_to_approve_and_how_to_refuse():
    body = request_of(ready())
    assert 'set ~"proposal::Approved" on this issue, or award :thumbsup: to this note' in body
    assert '**To refuse or send it back**: move the issue back to ~"proposal::SOW_WIP"' in body


def test_a_first_request_has_no_changes_section():
    assert "What changed since" not in request_of(ready())


def test_a_re_request_after_a_revision_says_what_changed_since_the_version_approved():
    body = request_of(approved_then_revised())
    section = body.split("**What changed since Version 1, the version approved:**\n\n")[1]
    changes = section.split("\n\n")[0].splitlines()
    assert changes == [
        "- List price: USD 79,200.00 → USD 71,200.00",
        "- Discount: 0% → 10%",
        "- Net price: USD 79,200.00 → USD 64,080.00",
        "- Total days: 35 days → 31 days",
        "- PM days: 12 days → 8 days",
    ]
    assert body.splitlines()[1].endswith("SoW Version 2")


def test_the_changes_name_the_dates_terms_and_roles_that_changed():
    revised = {
        **REVISED_V2,
        "close_date": "2026-02-20",
        "start_window": "from 2026-03-02",
        "agreement": "standard",
        "fee_type": "time_and_materials",
        "line_items": [*REVISED_V2["line_items"], {"activity": "Review", "role": "TA", "days": 2}],
    }
    issue = approved_then_revised()
    body = request_of(replace(issue, description=description("Summary.", TASKS, revised)))
    assert "- TA days: none → 2 days" in body
    assert "- Close date: 2026-01-23 → 2026-02-20" in body
    assert "- Start window: from 2026-02-16 → from 2026-03-02" in body
    assert "- Terms: MSA BFS-2024-117 of 2024-03-18 → standard terms" in body
    assert "- Fee type: Fixed price → Time and materials" in body


def _signature_note(issue):
    return next(n for n in issue.notes if "signature-request/" in n.body)


def test_the_approved_figures_count_only_from_the_bots_own_unedited_note():
    """Anyone may write a marker into a note, and a Maintainer may edit the bot's: the changes
    come only from the bot's signature request as it posted it."""
    issue = approved_then_revised()
    note = _signature_note(issue)
    forged = replace(note, author="imogen")
    edited = replace(note, updated_at=note.created_at + timedelta(hours=1))
    for replaced in (forged, edited):
        notes = tuple(replaced if n is note else n for n in issue.notes)
        plan = plan_issue(WS.policy, replace(issue, notes=notes), NOW, settings(WS))
        requests = [c for c in plan.comments if c.key.startswith("approval-request/")]
        # no approval on record: no request compares with one
        assert all("What changed since" not in c.body for c in requests)


def test_an_approval_recorded_before_the_figures_were_kept_says_so():
    issue = approved_then_revised()
    note = _signature_note(issue)
    marker = find_marker(note.body)
    old = replace(note, body=note.body.replace(f" figures={marker.figures}", ""))
    notes = tuple(old if n is note else n for n in issue.notes)
    body = request_of(replace(issue, notes=notes))
    assert f"**What changed since the version approved (ref `{marker.sow[:8]}`):**" in body
    assert f"- Not on record: the approval of revision `{marker.sow}` was recorded before" in body


def test_the_public_signature_request_records_the_approved_figures_and_no_cost():
    from triage.planner.revisions import decode

    issue = approved_then_revised()
    note = _signature_note(issue)
    marker = find_marker(note.body)
    shown = decode(marker.figures)
    assert shown["version"] == "1" and shown["net_price"] == "79200"
    assert shown["roles"] == [["PSE", "23"], ["PM", "12"]]
    # COGS 23 x 1,040 + 12 x 900 = 34,720 and the margin: nowhere in the public note
    assert not {"cogs", "margin_pct", "cost"} & set(shown)
    assert "34720" not in str(shown)


def test_hostile_text_in_the_recorded_figures_stays_inert():
    """The start window is the data block's: in the marker it is base64, in the changes it is
    escaped (no mention, no quick action, no HTML, nothing closing the marker's comment)."""
    hostile = "@all\n/close <b>x</b> -->"
    issue = approved_then_revised()
    signed_at = at("2026-01-07T16:00:00Z")
    v1_issue = with_details(approved({**APPROVED_V1, "start_window": hostile}), (), APPROVAL)
    v1 = plan_issue(WS.policy, v1_issue, signed_at, settings(WS))
    [sign] = [c for c in v1.comments if c.key.startswith("signature-request/")]
    marker_line = sign.body.splitlines()[0]
    assert "@" not in marker_line and "<b>" not in marker_line
    assert marker_line.endswith(" -->") and marker_line.count("-->") == 1
    notes = (issue.notes[0], Note(13, BOT, sign.body, signed_at))
    revised = replace(issue, notes=notes, description=description("S.", TASKS, REVISED_V2))
    body = request_of(revised)
    [change] = [text for text in body.splitlines() if text.startswith("- Start window: @")]
    assert "@\u2060all" in change and "&lt;b&gt;" in change and "\n/close" not in body


def test_an_older_sow_on_orchard_lane_keeps_its_flags():
    """The flags of the request before issue 32 stay: above the maximum discount, below the
    floor, red confidence."""
    body = request_of(ready(data=ORCHARD, confidence="Red"))
    assert "**above the policy maximum**" in body and "**below the floor**" in body
    assert "- EM confidence is Red: Budget owner not confirmed." in body


def _who_approved(issue):
    """What the signature request's template sees as the director's approval (`approvals`),
    rendered by a stand-in template."""
    sources = {
        **WS.templates.sources,
        "signature-request.md.j2": "{{ approvals.director.by }}, {{ approvals.director.at }}",
    }
    ws = replace(WS, templates=replace(WS.templates, sources=sources))
    issue_plan = plan_issue(ws.policy, issue, NOW, settings(ws))
    assert issue_plan.error is None, issue_plan.error
    [comment] = [c for c in issue_plan.comments if c.key.startswith("signature-request/")]
    return comment.body.splitlines()[1]


def test_the_approver_behind_a_stage_the_bot_put_back_is_the_one_who_approved():
    """imogen moved the approved deal to Closed_Won (not Deal Desk): the bot put Approved back.
    The approval is rowan's, not the bot's."""
    refused, put_back = at("2026-01-08T10:00:00Z"), at("2026-01-08T11:00:00Z")
    events = (
        *APPROVAL,
        LabelEvent("imogen", "proposal::Approved", "remove", refused),
        LabelEvent("imogen", "proposal::Closed_Won", "add", refused),
        LabelEvent(BOT, "proposal::Closed_Won", "remove", put_back),
        LabelEvent(BOT, "proposal::Approved", "add", put_back),
    )
    assert _who_approved(with_details(approved(), (), events)) == "rowan, 2026-01-07 15:00 UTC"


def test_the_approver_behind_a_label_the_bot_set_for_an_emoji_is_who_awarded_it():
    from triage.issues.snapshot import Award

    first = plan_issue(WS.policy, ready(), at("2026-01-07T09:00:00Z"), settings(WS))
    [request] = [c for c in first.comments if c.key.startswith("approval-request/")]
    note = Note(31, BOT, request.body, at("2026-01-07T09:00:00Z"), internal=True)
    awarded, set_at = at("2026-01-07T14:00:00Z"), at("2026-01-07T15:00:00Z")
    events = (
        TA_REVIEW,
        LabelEvent(BOT, f"proposal::{READY}", "remove", set_at),
        LabelEvent(BOT, "proposal::Approved", "add", set_at),
    )
    issue = replace(
        with_details(approved(), (note,), events),
        note_awards={31: (Award("thumbsup", "rowan", awarded),)},
    )
    assert _who_approved(issue) == "rowan, 2026-01-07 14:00 UTC"
