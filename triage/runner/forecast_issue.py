"""The forecast issue's upkeep: the quarter's forecast written to its one issue, created once by
the bot and found again by its marker."""

from __future__ import annotations

from datetime import datetime

from ..forecast_report import markdown
from ..forecast_source import quarter_forecast
from ..gitlab.adapter import GitLab
from ..issues.snapshot import IssueSnapshot
from ..policy.model import Policy
from ..render.templates import Templates
from ..rules.fiscal import fiscal_quarter


def keep_forecast(
    policy: Policy,
    gitlab: GitLab,
    templates: Templates,
    issues: list[IssueSnapshot],
    now: datetime,
    *,
    write: bool,
) -> str:
    """The quarter's forecast issue: created once, found again by its marker, rewritten only when
    its text changed. Computed from the issues as this run leaves them, so a second run is idle."""
    config = policy.forecast
    assert config.project is not None
    quarter = fiscal_quarter(
        policy.calendar.local(now).date(), policy.calendar.fiscal_year_start_month
    )
    text = markdown(
        quarter_forecast(policy, gitlab, issues, now, quarter), templates, config.template
    )
    token = f"ps-triage-forecast-{quarter.name.lower()}"
    description = f"<!-- {token} -->\n{text}"
    found = gitlab.find_own_issue(config.project, token)
    if found is None:
        if write:
            title = config.title.replace("{quarter}", quarter.name)
            gitlab.create_issue(config.project, title, description, ())
        return f"forecast {quarter.name}: {'created' if write else 'would be created'}"
    if found[1] == description:
        return f"forecast {quarter.name}: unchanged"
    if write:
        gitlab.set_description(config.project, found[0], description)
    return f"forecast {quarter.name}: {'updated' if write else 'would be updated'}"
