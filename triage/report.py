"""What a run did, for people (a table) and for machines (the JSON report artifact)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from .planner import IssuePlan
from .render.markdown import code, escape
from .runner import RunResult
from .runner.pdfs import PdfCopies


def changes_of(issue_plan: IssuePlan, pdfs: PdfCopies | None = None) -> list[dict[str, Any]]:
    """One entry per change to one issue: labels, state, each comment. An upload asking for a
    PDF names it (`pdf`): planned, or made by the run (`pdfs`); or says why it was skipped."""
    entries = []
    base = {"project": issue_plan.project, "iid": issue_plan.iid, "url": issue_plan.web_url}
    why = "; ".join(issue_plan.reasons)
    if issue_plan.add_labels or issue_plan.remove_labels:
        entries.append(
            {
                **base,
                "kind": "labels",
                "add": list(issue_plan.add_labels),
                "remove": list(issue_plan.remove_labels),
                "why": why,
            }
        )
    if issue_plan.state_event:
        entries.append({**base, "kind": "state", "state_event": issue_plan.state_event, "why": why})
    for comment in issue_plan.comments:
        if comment.document:
            upload = {
                **base,
                "kind": "upload",
                "key": comment.key,
                "file": comment.document.filename,
            }
            if comment.document.pdf:
                upload |= _pdf_of(issue_plan.ref, comment.document.filename, pdfs)
            entries.append(upload)
        entries.append(
            {
                **base,
                "kind": "internal_note" if comment.internal else "comment",
                "key": comment.key,
                "rev": comment.rev,
                "origin": comment.origin,
                "why": why,
            }
        )
    for edit in issue_plan.edits:
        entries.append(
            {
                **base,
                "kind": "resolve" if edit.resolved else "supersede",
                "key": edit.key,
                "note_id": edit.note_id,
                "why": why,
            }
        )
    for new in issue_plan.new_issues:
        entries.append(
            {
                **base,
                "kind": "open_issue",
                "key": new.link_key,
                "target_project": new.project,
                "title": new.title,
                "why": why,
            }
        )
    return entries


def _pdf_of(ref: str, filename: str, pdfs: PdfCopies | None) -> dict[str, Any]:
    """A planned PDF (`pdfs` None, or the run did not get to it), a PDF made, or why not."""
    key = f"{ref} {filename}"
    if pdfs is not None and key in pdfs.skipped:
        return {"pdf": None, "pdf_skipped": pdfs.skipped[key]}
    made = pdfs.made.get(key) if pdfs is not None else None
    return {"pdf": made or filename.removesuffix(".docx") + ".pdf"}


def as_json(
    result: RunResult, traffic_by_method: Counter[str], writes: int, scope: dict[str, Any]
) -> dict[str, Any]:
    changes = []
    for outcome in result.outcomes:
        for entry in changes_of(outcome.plan, result.pdfs):
            changes.append({**entry, "status": outcome.status})
    return {
        "mode": result.mode,
        "now": result.now.isoformat() if result.now else None,
        "scope": scope,
        "issues_scanned": result.issues_scanned,
        "issues_changed": sum(1 for o in result.outcomes if o.status in ("planned", "applied")),
        "changes": changes,
        "writes": writes,
        "api_requests": {m: traffic_by_method.get(m, 0) for m in ("GET", "POST", "PUT", "DELETE")},
        "errors": [
            {"project": o.plan.project, "iid": o.plan.iid, "error": o.error} for o in result.errors
        ],
        "budget_exhausted": result.budget_exhausted,
        "lease_busy": result.lease_busy,
        "skipped_projects": dict(sorted(result.skipped_projects.items())),
        "unassignable": result.unassignable,
        "pdf": {  # the PDFs beside Word documents this run made, and those it skipped and why
            "made": sorted(result.pdfs.made.values()),
            "skipped": [
                {"document": key, "why": why} for key, why in sorted(result.pdfs.skipped.items())
            ],
            "said": result.pdfs.line(),
        },
        "forecast": result.forecast,
        "details_remembered": result.remembered,
        "plans_recalled": result.recalled,
        "readers": {
            "auto": result.readers.adaptive,
            "most_at_once": result.readers.most,
            "at_end": result.readers.limit,
        },
    }


def _describe(entry: dict[str, Any], planned: bool = False) -> str:
    if entry["kind"] == "labels":
        parts = [f"+{label}" for label in entry["add"]] + [f"-{label}" for label in entry["remove"]]
        return "labels " + " ".join(parts)
    if entry["kind"] == "state":
        return str(entry["state_event"])
    if entry["kind"] == "supersede":
        return f"mark note {entry['note_id']} superseded"
    if entry["kind"] == "resolve":
        return f"mark note {entry['note_id']} resolved"
    if entry["kind"] == "upload":
        verb = "would upload" if planned else "upload"
        if "pdf" not in entry:
            return f"{verb} {entry['file']}"
        if planned:
            return f"{verb} {entry['file']} and {entry['pdf']} (if LibreOffice is installed)"
        if entry["pdf"] is None:
            return f"{verb} {entry['file']} (PDF skipped)"
        return f"{verb} {entry['file']} and {entry['pdf']}"
    if entry["kind"] == "open_issue":
        return f"open issue in {entry['target_project']}"
    return f"{entry['kind'].replace('_', ' ')} {entry['key']}"


def table(result: RunResult, mask: Callable[[str], str] = str) -> Any:
    """Each change of each issue, and why: a rich table (as wide as the terminal, words wrapped,
    never cut; `Console.show` draws it), or "nothing to do". Each cell is masked (`mask`) before
    it is drawn: a secret wrapped over two lines would escape a mask applied line by line."""
    rows: list[tuple[str, str, str, bool]] = []
    for outcome in result.outcomes:
        ref = f"#{outcome.plan.iid}"
        if outcome.error:
            rows.append((ref, outcome.status.upper(), outcome.error, True))
            continue
        why = "; ".join(outcome.plan.reasons)
        for n, entry in enumerate(changes_of(outcome.plan, result.pdfs)):
            change = _describe(entry, planned=outcome.status == "planned")
            rows.append((ref if n == 0 else "", change, why if n == 0 else "", False))
    if not rows:
        return "nothing to do"
    from rich import box
    from rich.table import Table
    from rich.text import Text

    view = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    view.add_column("issue", no_wrap=True)
    view.add_column("change", overflow="fold", max_width=44)
    view.add_column("why", overflow="fold")
    for ref, change, why, failed in rows:
        view.add_row(
            Text(ref), Text(mask(change), style="bold red" if failed else ""), Text(mask(why))
        )
    return view


def _counted(count: int, word: str) -> str:
    """`1 issue`, `9 issues`: a count of the run log's words."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(result: RunResult, writes: int, by_method: Counter[str]) -> str:
    changed = sum(1 for o in result.outcomes if o.status in ("planned", "applied"))
    verb = "would change" if result.mode == "plan" else "changed"
    requests = sum(by_method.values())
    text = (
        f"{result.mode}: {_counted(result.issues_scanned, 'issue')} scanned, {changed} {verb}, "
        f"{_counted(writes, 'write')}, {_counted(requests, 'API request')}, "
        f"{_counted(len(result.errors), 'error')}"
    )
    if result.remembered:
        whose = "issue's" if result.remembered == 1 else "issues'"
        text += f"; {result.remembered} {whose} details remembered, not read"
    if result.recalled:
        text += f", {result.recalled} not planned again (nothing to do, as last time)"
    if result.forecast:
        text += f"; {result.forecast}"
    if result.budget_exhausted:
        text += " - WRITE BUDGET USED UP: some changes were not made"
    return text


def plan_markdown(result: RunResult, *, collapse_over: int = 10) -> str:
    """What a policy change would do, for a merge request: counts per rule and transition, then
    the changes issue by issue (collapsed when long). Labels, reasons and errors carry text
    from the issues: all of it is escaped, so the note mentions no one and runs nothing."""
    changed = [o for o in result.outcomes if o.status in ("planned", "applied")]
    counts: Counter[str] = Counter()
    for outcome in changed:
        for reason in outcome.plan.reasons:
            counts[reason.split(":", 1)[0]] += 1
    lines = [
        f"### ps-triage plan: {len(changed)} of {result.issues_scanned} issues would change",
        "",
    ]
    if result.errors:
        lines += [f"**{len(result.errors)} issues could not be planned:**", ""]
        lines += [f"- #{o.plan.iid}: {escape(o.error)}" for o in result.errors] + [""]
    if counts:
        lines += ["| rule or transition | issues |", "|---|---:|"]
        lines += [
            f"| {cell} | {n} |"
            for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            for cell in [code(name).replace("|", "\\|")]  # a code span does not end a table cell
        ]
        lines.append("")
    if result.forecast:
        lines += [f"Forecast: {escape(result.forecast)}.", ""]
    if changed:
        body = ["| issue | changes | why |", "|---|---|---|"]
        for outcome in changed:
            planned = outcome.status == "planned"
            entries = changes_of(outcome.plan, result.pdfs)
            what = escape("; ".join(_describe(e, planned) for e in entries))
            why = escape("; ".join(outcome.plan.reasons))
            body.append(f"| [#{outcome.plan.iid}]({outcome.plan.web_url}) | {what} | {why} |")
        if len(changed) > collapse_over:
            lines += [
                f"<details><summary>The {len(changed)} issues, one by one</summary>",
                "",
                *body,
                "",
                "</details>",
            ]
        else:
            lines += body
    return "\n".join(lines) + "\n"
