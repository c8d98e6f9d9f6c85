"""The forecast issue's upkeep: the quarter's forecast written to its one issue, created once by
the bot and found again among the bot's own issues by its marker, or by the bot's label with its
title or its opening in the quarter (`gitlab/own.py`): a person's edit of its text or title is
put back at the next run, never a new issue opened. The marker also records how many deals the forecast
shows (`deals=N`), so that a run that sees no issue at all (a scope that names the wrong project)
does not wipe a forecast that showed deals."""

from __future__ import annotations

import re
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import TriageError
from ..forecast import Forecast, forecast
from ..forecast_report import markdown, movement_context
from ..forecast_source import closed_in, quarter_forecast
from ..forecast_week import Snapshot, movement, previous, read, snapshot, week_of
from ..gitlab import own
from ..gitlab.adapter import GitLab
from ..issues.snapshot import IssueSnapshot
from ..policy.model import Policy
from ..render.markdown import Trusted
from ..render.templates import Templates
from ..rules.fiscal import FiscalQuarter
from .closed import ClosedRead


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
    closed: ClosedRead | None = None,
    ahead: Future[Weeks | None] | None = None,
) -> str:
    """The quarter's forecast issue: created once, found again by its marker, rewritten only when
    its text changed. Computed from the issues as this run leaves them, so a second run is idle.
    `closed`: the closed issues the run read, the quarter's among them (not listed again).
    `ahead`: its weekly snapshots, read while the listing went on (`weeks_ahead`).
    A run that found no issue in scope, and would write a forecast without deals over one that
    shows some, writes nothing and raises `EmptyScope`: the scope is more likely wrong (the
    pipeline's project taken for the scoping project) than every deal gone."""
    config = policy.forecast
    assert config.project is not None
    quarter = policy.calendar.quarter(policy.calendar.local(now).date())
    listed = closed.in_quarter if closed and closed.quarter == quarter.label else None
    fc = quarter_forecast(policy, gitlab, issues, now, quarter, listed=listed)
    token, title, found = _kept_issue(policy, gitlab, quarter, now)
    shown = deals_shown(fc)
    week = week_of(policy.calendar.local(now).date())
    read = ahead.result() if ahead is not None and not ahead.exception() else None
    if found and read and read.iid == found.iid:
        kept = read.snapshots
    else:  # not read ahead, or of another issue (the quarter turned meanwhile): read now
        kept = _snapshots(gitlab, config.project, found.iid) if found else []
    weekly = weekly_context(fc, issues, kept, week)
    text = markdown(fc, templates, config.template, weekly=weekly)
    description = gitlab.as_kept(f"<!-- {token} deals={shown} -->\n{text}")
    before = _recorded_deals(found.description, token) if found else None
    if not issues and shown == 0 and before:
        scope = policy.scope.project or policy.scope.group
        raise EmptyScope(
            f"forecast {quarter.name} not rewritten: this run found no issue in scope ({scope}) "
            f"while the forecast issue shows {before} deals; check the scope (--project, "
            f"TRIAGE_PROJECT, the policy's scope.project: CI_PROJECT_PATH is used only when the "
            f"policy names none) and that the token can read the scoping project"
        )
    restated = [
        restate(policy, gitlab, templates, past, late, now, write=write)
        for past, late in late_bookings(policy, issues, quarter)
    ]
    iid = found.iid if found else None
    if found is None:
        if write:
            url = gitlab.create_issue(config.project, title, description, (own.FORECAST_LABEL,))
            iid = _iid_of(gitlab, config.project, url, token)
        done = f"forecast {quarter.name}: {'created' if write else 'would be created'}"
    elif (
        found.description == description
        and found.title == title
        and own.FORECAST_LABEL in found.labels
    ):
        done = f"forecast {quarter.name}: unchanged"
    else:
        if write:
            labelled = own.FORECAST_LABEL in found.labels
            gitlab.set_description(
                config.project,
                found.iid,
                description,
                title=title if found.title != title else None,
                label="" if labelled else own.FORECAST_LABEL,
            )
        done = f"forecast {quarter.name}: {'updated' if write else 'would be updated'}"
    if write and iid and not any(k.week == week for k in kept):
        _keep_week(gitlab, templates, config.project, iid, snapshot(fc, week), fc)
    return "; ".join([done, *(r for r in restated if r)])


@dataclass(frozen=True)
class Weeks:
    """The weekly snapshots on a forecast issue."""

    iid: int
    snapshots: list[Snapshot]


def weeks_ahead(policy: Policy, gitlab: GitLab, now: datetime) -> Weeks | None:
    """The weekly snapshots on this quarter's forecast issue, read with the listing's first page
    (`run.py`) rather than after it; None while there is no such issue."""
    assert policy.forecast.project is not None
    quarter = policy.calendar.quarter(policy.calendar.local(now).date())
    found = _kept_issue(policy, gitlab, quarter, now)[2]
    return (
        Weeks(found.iid, _snapshots(gitlab, policy.forecast.project, found.iid)) if found else None
    )


def _kept_issue(
    policy: Policy, gitlab: GitLab, quarter: FiscalQuarter, now: datetime
) -> tuple[str, str, own.OwnIssue | None]:
    """The quarter's forecast issue's marker, its title, and the issue if there is one."""
    config = policy.forecast
    assert config.project is not None
    token = f"ps-triage-forecast-{quarter.name.lower()}"
    title = gitlab.as_kept(config.title.replace("{quarter}", quarter.name))
    since = datetime.combine(quarter.start, time.min, tzinfo=policy.calendar.local(now).tzinfo)
    found = own.kept_issue(
        gitlab.own_issues(config.project),
        token=token,
        label=own.FORECAST_LABEL,
        title=title,
        since=since,
    )
    return token, title, found


def weekly_context(
    fc: Forecast, issues: list[IssueSnapshot], kept: list[Snapshot], week: date
) -> dict[str, Any]:
    """The movement since the newest snapshot of an earlier week, for the template."""
    before = previous(kept, week)
    closes = {
        i.ref: i.scoping.data.close_date.isoformat()
        for i in issues
        if i.state == "opened" and i.scoping.data and i.scoping.data.close_date
    }
    return movement_context(movement(before, fc, closes) if before else None, week)


def weekly_of(
    policy: Policy, gitlab: GitLab, fc: Forecast, issues: list[IssueSnapshot], now: datetime
) -> dict[str, Any] | None:
    """The movement the forecast issue of `fc`'s quarter shows now (read-only, for `triage
    report`): None when the policy keeps no forecast issue or `fc` is not the current quarter."""
    config = policy.forecast
    today = policy.calendar.local(now).date()
    if config.project is None or policy.calendar.quarter(today) != fc.quarter:
        return None
    token = f"ps-triage-forecast-{fc.quarter.name.lower()}"
    title = config.title.replace("{quarter}", fc.quarter.name)
    found = own.kept_issue(
        gitlab.own_issues(config.project), token=token, label=own.FORECAST_LABEL, title=title
    )
    kept = _snapshots(gitlab, config.project, found.iid) if found else []
    return weekly_context(fc, issues, kept, week_of(today))


def _snapshots(gitlab: GitLab, project: str, iid: int) -> list[Snapshot]:
    """The weekly snapshots on the forecast issue that the bot wrote and nobody changed."""
    bot = gitlab.bot_username()
    return [s for n in gitlab.notes(project, iid) if (s := read(n.body, n.author, bot))]


SHIPPED = Path(__file__).resolve().parents[1] / "defaults" / "templates"


def with_shipped(templates: Templates, name: str) -> Templates:
    """`templates`, with the shipped `name` when a team's folder (copied from an older release)
    has none: a template the code renders by itself, not one a policy names, so that upgrading
    does not fail the forecast; a team's own copy is used when it has one."""
    if name in templates.sources or not (SHIPPED / name).is_file():
        return templates
    return replace(templates, sources={**templates.sources, name: (SHIPPED / name).read_text()})


def _keep_week(
    gitlab: GitLab, templates: Templates, project: str, iid: int, kept: Snapshot, fc: Forecast
) -> None:
    """This week's forecast, kept in a note of its own for next week's movement."""
    templates = with_shipped(templates, "forecast-snapshot.md.j2")
    said = templates.render(
        "forecast-snapshot.md.j2",
        {
            "quarter": Trusted(fc.quarter.name),
            "week": Trusted(kept.week.isoformat()),
            "count": len(fc.deals),
            "forecast_total": str(fc.total()),
            "currency": Trusted(fc.currency),
        },
    )
    marker = kept.marker()
    body = f"{marker}\n{said.rstrip()}\n\n{kept.hidden()}\n"
    gitlab.create_note(project, iid, body, marker_key=marker.key, marker_rev=marker.rev)


def _iid_of(gitlab: GitLab, project: str, url: str, token: str) -> int | None:
    """The iid of the issue just opened: from its link, else found again by its marker."""
    found = re.search(r"/-/issues/(\d+)$", url or "")
    if found:
        return int(found.group(1))
    gitlab.own_issues(project, fresh=True)
    return next((i.iid for i in gitlab.own_issues(project) if token in i.description), None)


BOOKINGS = ("<!-- ps-triage:bookings -->", "<!-- ps-triage:/bookings -->")
BOOKINGS_HEADING = "### Closed this quarter"  # a forecast written before the markers


def late_bookings(
    policy: Policy, issues: list[IssueSnapshot], current: FiscalQuarter
) -> list[tuple[FiscalQuarter, list[IssueSnapshot]]]:
    """The wins among `issues` (those this run closed, and closed ones it listed) booked to a
    quarter before `current`, by quarter: a restatement looks for the ones that quarter's
    forecast issue does not show yet (recorded after it ended, their close date in it)."""
    won = policy.lifecycle.label("Closed_Won")
    late: dict[str, tuple[FiscalQuarter, list[IssueSnapshot]]] = {}
    for issue in issues:
        data = issue.scoping.data
        if issue.state != "closed" or won not in issue.labels or not data or not data.close_date:
            continue
        quarter = policy.calendar.quarter(data.close_date)
        if quarter.start < current.start and f"close_qtr::{quarter.label}" in issue.labels:
            late.setdefault(quarter.name, (quarter, []))[1].append(issue)
    return [late[name] for name in sorted(late)]


def restate(
    policy: Policy,
    gitlab: GitLab,
    templates: Templates,
    quarter: FiscalQuarter,
    late: list[IssueSnapshot],
    now: datetime,
    *,
    write: bool,
) -> str | None:
    """A past quarter's forecast issue restated for its late bookings: its bookings part (won,
    lost, win rate, attainment) computed again from the quarter's closed deals, and one line
    above it saying when, which wins and what the totals were. The rest stands as the quarter
    left it. None when the quarter has no forecast issue or it already shows them."""
    config = policy.forecast
    assert config.project is not None
    token = f"ps-triage-forecast-{quarter.name.lower()}"
    title = config.title.replace("{quarter}", quarter.name)
    found = own.kept_issue(
        gitlab.own_issues(config.project), token=token, label=own.FORECAST_LABEL, title=title
    )
    if found is None:
        return None
    old = found.description
    where = _span(old)
    if where is None:
        return None
    stood = old[where[0] : where[1]]
    fc = forecast(policy, [], closed_in(policy, gitlab, late, quarter), now, quarter)
    # The wins the issue does not show yet: those recorded since it was last written.
    added = [c for c in fc.won if f"]({c.url})" not in stood]
    if not added:
        return None
    line = {
        "date": Trusted(policy.calendar.local(now).date().isoformat()),
        "count": len(added),
        "deals": [
            {"customer": c.customer, "url": Trusted(c.url), "net": str(c.net)} for c in added
        ],
        "was_count": len(fc.won) - len(added),
        "was_value": str(fc.won_value - sum((c.net for c in added), Decimal(0))),
        "won_count": len(fc.won),
        "won_value": str(fc.won_value),
    }
    text = gitlab.as_kept(markdown(fc, templates, config.template, restated=[line]))
    part, banner = _between(text, *BOOKINGS), _restatement(text)
    if part is None or stood == part:
        return None
    lo, hi = where
    description = old[:lo] + banner + part + old[hi:]
    if write:
        gitlab.set_description(config.project, found.iid, description)
    return f"forecast {quarter.name}: {'restated' if write else 'would be restated'}"


def _between(text: str, start: str, end: str) -> str | None:
    """The part of `text` from `start` to `end`, both included."""
    lo, hi = text.find(start), text.find(end)
    return text[lo : hi + len(end)] if 0 <= lo < hi else None


def _span(old: str) -> tuple[int, int] | None:
    """Where the bookings part of a forecast issue's text is: between its markers, or from its
    heading to the next heading in a text written before them."""
    lo, hi = old.find(BOOKINGS[0]), old.find(BOOKINGS[1])
    if 0 <= lo < hi:
        return lo, hi + len(BOOKINGS[1])
    lo = old.find(BOOKINGS_HEADING)
    if lo < 0:
        return None
    hi = old.find("\n### ", lo + len(BOOKINGS_HEADING))
    return lo, (hi + 1 if hi >= 0 else len(old))


def _restatement(text: str) -> str:
    """The restatement lines of a freshly rendered forecast (those just above its bookings)."""
    lo = text.find(BOOKINGS[0])
    lines = text[:lo].rstrip("\n").split("\n")
    kept: list[str] = []
    while lines and lines[-1].startswith("> "):
        kept.insert(0, lines.pop())
    return "\n".join(kept) + "\n\n" if kept else ""
