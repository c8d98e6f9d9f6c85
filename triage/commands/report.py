"""`triage report`: the quarter's forecast, offline (reads GitLab, never writes)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..console import Console
from ..errors import UserError
from ..forecast import Forecast, Need
from ..forecast_report import as_json, context, deals_csv, markdown, salesforce_csv
from ..forecast_source import closed_in, quarter_forecast
from ..policy.model import Calendar
from ..render.templates import Templates
from ..rules.fiscal import FiscalQuarter, quarter_named
from ..runner.closed import as_gates_leave_them
from ..runner.forecast_issue import weekly_of, with_shipped
from ..workspace import Workspace
from .connection import Connection, in_zone, open_gitlab, scoped


def parse_quarter(name: str, calendar: Calendar) -> FiscalQuarter:
    """`FY27-Q4` -> that fiscal quarter, as the policy's calendar names its fiscal years."""
    try:
        return quarter_named(name, calendar.fiscal_year_start_month, calendar.fiscal_year_named_by)
    except ValueError as error:
        raise UserError(str(error)) from None


def report(
    console: Console,
    workspace: Workspace,
    connection: Connection,
    *,
    quarter: str | None,
    fmt: str,
    output: Path | None,
    now: datetime | None,
) -> int:
    policy = scoped(workspace.policy, connection)
    now = in_zone(now, policy)
    gitlab = open_gitlab(connection)
    open_issues = list(gitlab.list_issues(policy.scope))
    when = now or gitlab.now()
    cal = policy.calendar
    chosen = parse_quarter(quarter, cal) if quarter else cal.quarter(cal.local(when).date())
    # A closed deal counts as it is once its gates are checked (a win that did not pass its
    # gate is no win), exactly as the next run would leave it.
    closed = as_gates_leave_them(
        policy,
        gitlab,
        workspace.templates,
        closed_in(policy, gitlab, open_issues, chosen),
        when,
    )
    # An open deal too: a gated label nobody who may set it set is no stage here either.
    open_issues = as_gates_leave_them(policy, gitlab, workspace.templates, open_issues, when)
    fc = quarter_forecast(policy, gitlab, open_issues, when, chosen, closed=closed)
    if fmt == "salesforce-csv":
        rows = salesforce_csv(policy, open_issues, when, closed)
        text = rows.text
        # One line per deal the file cannot match, so that each can be found and fixed: the row
        # is written without an id (never with a value that is no opportunity's id).
        for ref, value, why in rows.invalid:
            console.err(
                f"warning: {ref}: opportunity {value!r} {why}: its row has no Opportunity ID; "
                "set `opportunity` in its data block to the opportunity's id (006...)"
            )
        for ref in rows.no_opportunity:
            console.err(
                f"warning: {ref}: row without an opportunity id (the data loader cannot match "
                "it); set `opportunity` in its data block"
            )
        for opportunity, refs in rows.shared:
            console.err(
                f"warning: opportunity {opportunity} is named by {len(refs)} deals "
                f"({', '.join(refs)}): none of their rows is written (the data loader would keep "
                "whichever came last); give each deal its own `opportunity` in its data block"
            )
        if rows.unmapped:
            console.err(
                f"warning: no Salesforce user for {', '.join(rows.unmapped)}: written as GitLab "
                "usernames; map them in the policy's `salesforce.users`"
            )
    elif fmt == "csv":
        text = deals_csv(fc)
    elif fmt == "json":
        text = json.dumps(as_json(fc), indent=2) + "\n"
    elif fmt == "markdown":  # as the forecast issue shows it, its movement since last week too
        weekly = weekly_of(policy, gitlab, fc, open_issues, when)
        text = markdown(fc, workspace.templates, policy.forecast.template, weekly=weekly)
    elif output is None:
        console.show(terminal_view(fc, workspace.templates, console.mask))
        return 0
    else:  # the terminal view, plain, in a file
        from rich.console import Console as RichConsole

        drawn = io.StringIO()
        RichConsole(
            file=drawn, width=console.width(), no_color=True, markup=False, emoji=False
        ).print(terminal_view(fc, workspace.templates, console.mask))
        text = drawn.getvalue()
    if output is not None:
        output.write_text(text, encoding="utf-8")
        console.info(f"wrote {output}")
    else:
        console.out(text.rstrip("\n"))
    return 0


def terminal_view(fc: Forecast, templates: Templates, mask: Callable[[str], str] = str) -> Any:
    """The forecast for a terminal: rich tables (categories, the deals, by EM, won and lost,
    what needs action), amounts formatted as the comments format them. Text from the issues is
    masked (`mask`) before rich wraps it."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text as RichText

    data = context(fc)
    money = templates.environment.filters["money"]

    def Text(value: str, **style: Any) -> Any:
        return RichText(mask(value), **style)

    def amount(value: Any) -> Any:
        return Text(str(money(value)), justify="right")

    def table(title: str, *columns: str) -> Table:
        view = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD)
        for column in columns:
            right = column in ("Deals", "Net", "Weight")
            view.add_column(column, justify="right" if right else "left", overflow="fold")
        return view

    parts: list[Any] = [
        Text(
            f"PS forecast {fc.quarter.name}: {fc.business_days_left} business days left "
            f"(ends {fc.quarter.end.isoformat()})",
            style="bold",
        )
    ]
    categories = table("By confidence", "Category", "Deals", "Net", "Weight")
    for c in data["categories"]:
        name = f"{c['name']} ({c['colour']})" + (
            "" if c["in_forecast"] else ", not in the forecast"
        )
        categories.add_row(Text(name), str(c["count"]), amount(c["net"]), f"{c['weight']:g}")
    categories.add_row(
        Text("Forecast (commit + best case)", style="bold"),
        str(data["forecast_count"]),
        amount(data["forecast_total"]),
        "",
    )
    categories.add_row(Text("Pipeline (all four)"), "", amount(data["total"]), "")
    categories.add_row(Text("Weighted (all four)"), "", amount(data["weighted"]), "")
    parts.append(categories)
    deals = table("Deals closing this quarter", "Customer", "Issue", "EM", "Stage", "Close", "Net")
    for d in fc.deals:
        close = f"{d.close_date}, slipped" if d.slipped else str(d.close_date)
        deals.add_row(
            Text(d.customer),
            Text(d.ref),
            Text(d.em or "(none)"),
            Text(d.stage or "(none)"),
            Text(close),
            amount(d.net),
        )
    parts.append(deals if fc.deals else Text("No deal closes this quarter."))
    by_em = table("By Engagement Manager", "EM", "Deals", "Net")
    for row in data["by_em"]:
        by_em.add_row(Text(row["name"]), str(row["count"]), amount(row["net"]))
    if data["by_em"]:
        parts.append(by_em)
    # won and lost, the win rate by count and by value (issue 32.7), in the template's words
    shown = with_shipped(templates, "report-bookings.txt.j2")  # a team's older copy has none
    parts.append(Text(shown.render("report-bookings.txt.j2", data).strip()))
    for what, needs in fc.needs_action.items():
        if needs:  # the operator's view: the category's id, each issue with its facts
            parts.append(Text(f"needs action, {what}: {', '.join(map(_need, needs))}"))
    return Group(*parts)


def _need(need: Need) -> str:
    """`ps/ps-plan#4 (6 business days in Approved, timer 3)`: an issue and its facts."""
    facts = []
    if need.days is not None:
        facts.append(f"{need.days} business days in {need.stage}, timer {need.timer}")
    if need.missing is not None:
        facts += need.missing.named()
    if need.was is not None:
        facts.append(f"was {need.was.isoformat()}")
    return f"{need.ref} ({'; '.join(facts)})" if facts else need.ref
