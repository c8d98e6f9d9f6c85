"""The forecast issue's upkeep: the quarter's forecast written to its one issue, created once by
the bot and found again among the bot's own issues by its marker, or by the bot's label with its
title or its opening in the quarter (`gitlab/own.py`): a person's edit of its text or title is
put back at the next run, never a new issue opened. The marker also records how many deals the forecast
shows (`deals=N`), so that a run that sees no issue at all (a scope that names the wrong project)
does not wipe a forecast that showed deals."""

from __future__ import annotations

import re
from datetime import datetime, time

from ..errors import TriageError
from ..forecast import Forecast
from ..forecast_report import markdown
from ..forecast_source import quarter_forecast
from ..gitlab import own
from ..gitlab.adapter import GitLab
from ..issues.snapshot import IssueSnapshot
from ..policy.model import Policy
from ..render.templates import Templates
from ..rules.fiscal import fiscal_quarter


class EmptyScope(TriageError):
    """The run found no issue in scope while the forecast issue shows deals: it is kept."""


def deals_shown(fc: Forecast) -> int:
    """The issues the forecast names: the quarter's open and approved deals, won and lost."""
    return len({d.ref for d in (*fc.deals, *fc.approved)} | {c.ref for c in (*fc.won, *fc.lost)})


def _recorded_deals(description: str, token: str) -> int | None:
    """The deal count the forecast issue's marker records (None: written before it did)."""
    found = re.match(rf"<!-- {re.escape(token)} deals=(\d+) -->", description)
    return int(found.group(1)) if found else None


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
    its text changed. Computed from the issues as this run leaves them, so a second run is idle.
    A run that found no issue in scope, and would write a forecast without deals over one that
    shows some, writes nothing and raises `EmptyScope`: the scope is more likely wrong (the
    pipeline's project taken for the scoping project) than every deal gone."""
    config = policy.forecast
    assert config.project is not None
    quarter = fiscal_quarter(
        policy.calendar.local(now).date(), policy.calendar.fiscal_year_start_month
    )
    fc = quarter_forecast(policy, gitlab, issues, now, quarter)
    text = markdown(fc, templates, config.template)
    token = f"ps-triage-forecast-{quarter.name.lower()}"
    shown = deals_shown(fc)
    description = f"<!-- {token} deals={shown} -->\n{text}"
    title = config.title.replace("{quarter}", quarter.name)
    since = datetime.combine(quarter.start, time.min, tzinfo=policy.calendar.local(now).tzinfo)
    found = own.kept_issue(
        gitlab.own_issues(config.project),
        token=token,
        label=own.FORECAST_LABEL,
        title=title,
        since=since,
    )
    before = _recorded_deals(found.description, token) if found else None
    if not issues and shown == 0 and before:
        scope = policy.scope.project or policy.scope.group
        raise EmptyScope(
            f"forecast {quarter.name} not rewritten: this run found no issue in scope ({scope}) "
            f"while the forecast issue shows {before} deals; check the scope (--project, "
            f"TRIAGE_PROJECT, the policy's scope.project: CI_PROJECT_PATH is used only when the "
            f"policy names none) and that the token can read the scoping project"
        )
    if found is None:
        if write:
            gitlab.create_issue(config.project, title, description, (own.FORECAST_LABEL,))
        return f"forecast {quarter.name}: {'created' if write else 'would be created'}"
    labelled = own.FORECAST_LABEL in found.labels
    if found.description == description and found.title == title and labelled:
        return f"forecast {quarter.name}: unchanged"
    if write:
        gitlab.set_description(
            config.project,
            found.iid,
            description,
            title=title if found.title != title else None,
            label="" if labelled else own.FORECAST_LABEL,
        )
    return f"forecast {quarter.name}: {'updated' if write else 'would be updated'}"
