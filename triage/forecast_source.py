"""What the quarter's forecast is made from, read from GitLab: the one computation behind both
the forecast issue a run keeps and `triage report`, so that both show the same numbers and the
same lists that need action."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from .forecast import Forecast, deal_of, forecast, stage_timers
from .gitlab.adapter import GitLab
from .issues.snapshot import IssueSnapshot
from .policy.model import Policy
from .rules.fiscal import FiscalQuarter

READERS = 8  # label events read at once for the deals whose stage start nobody read yet


def quarter_forecast(
    policy: Policy,
    gitlab: GitLab,
    issues: list[IssueSnapshot],
    now: datetime,
    quarter: FiscalQuarter,
    *,
    closed: list[IssueSnapshot] | None = None,
    listed: list[IssueSnapshot] | None = None,
) -> Forecast:
    """The forecast of `quarter` from `issues` (as listed, or as a run leaves them), the quarter's
    closed deals (listed by their `close_qtr::` label, and those among `issues`), and the stage
    starts of the open deals whose time in the stage the forecast shows (SLA breaches, days since
    approval): their label events, read here for those that nobody read yet. `closed`: the
    quarter's closed deals when the caller has them (as their gates leave them); `listed`: as
    GitLab lists them, when the caller read them already (see `closed_in`)."""
    if closed is None:
        closed = closed_in(policy, gitlab, issues, quarter, listed)
    return forecast(policy, with_stage_starts(policy, gitlab, issues, now), closed, now, quarter)


def closed_in(
    policy: Policy,
    gitlab: GitLab,
    issues: list[IssueSnapshot],
    quarter: FiscalQuarter,
    listed: list[IssueSnapshot] | None = None,
) -> list[IssueSnapshot]:
    """The deals closed in `quarter` (by their `close_qtr::` label), and the closed among
    `issues`: an issue among `issues` is as it is there (a run's plan reopened it, or took back
    a win whose gate did not count). `listed`: the quarter's closed deals as GitLab listed them
    for the caller (a run reads them with the issues its gates check), not listed again."""
    closed_scope = policy.scope.model_copy(
        update={"state": "closed", "labels": [*policy.scope.labels, f"close_qtr::{quarter.label}"]}
    )
    given = {(i.project, i.iid): i for i in issues}
    closed = {
        key: i
        for i in (gitlab.list_issues(closed_scope) if listed is None else listed)
        if (key := (i.project, i.iid)) not in given
    }
    closed |= {key: i for key, i in given.items() if i.state == "closed"}
    return list(closed.values())


def with_stage_starts(
    policy: Policy, gitlab: GitLab, issues: list[IssueSnapshot], now: datetime
) -> list[IssueSnapshot]:
    """`issues`, each open deal in a stage with a timer (or approved) carrying its label events."""
    timed = {*stage_timers(policy), "Approved"}

    def needs(issue: IssueSnapshot) -> bool:
        if issue.state != "opened" or issue.label_events is not None:
            return False
        deal = deal_of(policy, issue, now)
        return deal is not None and deal.stage in timed

    missing = [i for i in issues if needs(i)]
    if not missing:
        return issues
    with ThreadPoolExecutor(max_workers=min(READERS, len(missing))) as pool:
        read = dict(
            zip(
                ((i.project, i.iid) for i in missing),
                pool.map(lambda i: gitlab.label_events(i.project, i.iid), missing),
                strict=True,
            )
        )
    return [
        i.changed(label_events=read[(i.project, i.iid)]) if (i.project, i.iid) in read else i
        for i in issues
    ]
