"""`triage report`: the quarter's forecast, offline (reads GitLab, never writes)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

from ..console import Console
from ..errors import UserError
from ..forecast_report import as_json, deals_csv, markdown, salesforce_csv
from ..forecast_source import closed_in, quarter_forecast
from ..rules.fiscal import FiscalQuarter, fiscal_quarter
from ..workspace import Workspace
from .connection import Connection, open_gitlab, scoped


def parse_quarter(name: str, start_month: int) -> FiscalQuarter:
    """`FY27-Q4` -> that fiscal quarter."""
    match = re.fullmatch(r"FY(\d{2})-Q([1-4])", name.strip().upper())
    if not match:
        raise UserError(f"'{name}' is not a fiscal quarter: write it like FY27-Q4")
    year, quarter = 2000 + int(match.group(1)), int(match.group(2))
    # the fiscal year named `year` ends in `year`; find a day inside the quarter and let fiscal_quarter name it
    month = (start_month - 1 + (quarter - 1) * 3) % 12 + 1
    calendar_year = year - 1 if start_month != 1 and month >= start_month else year
    found = fiscal_quarter(date(calendar_year, month, 15), start_month)
    assert found.name == f"FY{match.group(1)}-Q{quarter}", found
    return found


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
    gitlab = open_gitlab(connection)
    open_issues = list(gitlab.list_issues(policy.scope))
    when = now or gitlab.now()
    cal = policy.calendar
    chosen = (
        parse_quarter(quarter, cal.fiscal_year_start_month)
        if quarter
        else fiscal_quarter(when.date(), cal.fiscal_year_start_month)
    )
    fc = quarter_forecast(policy, gitlab, open_issues, when, chosen)
    if fmt == "salesforce-csv":
        rows = salesforce_csv(
            policy, open_issues, when, closed_in(policy, gitlab, open_issues, chosen)
        )
        text = rows.text
        if rows.no_opportunity:
            console.err(
                f"warning: {len(rows.no_opportunity)} row(s) without an opportunity id (the data "
                f"loader cannot match them): {', '.join(rows.no_opportunity)}; set `opportunity` "
                "in their data blocks"
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
    else:
        text = markdown(fc, workspace.templates, policy.forecast.template)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        console.info(f"wrote {output}")
    else:
        console.out(text.rstrip("\n"))
    return 0
