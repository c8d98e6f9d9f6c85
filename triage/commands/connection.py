"""What the commands that talk to GitLab share: the connection given on the command line, the
policy scoped by it, and the adapter opened with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..errors import UserError
from ..gitlab.adapter import GitLab
from ..gitlab.readers import CAP
from ..sealed import Beside, load_sealed, save_sealed

if TYPE_CHECKING:  # the adapter is opened before the policy is loaded (`ask_ahead`)
    from ..policy.model import Policy, Scope

LISTING = "listing"  # beside the details cache: the listing the last scheduled run made


@dataclass(frozen=True)
class Connection:
    url: str | None
    token: str | None
    project: str | None  # `--project`, else TRIAGE_PROJECT: overrides the policy's scope
    readers: int | None  # issues' details read at once; None: as GitLab answers (`Readers`)
    # CI_PROJECT_PATH: the project whose pipeline runs; the scope only when the policy names none
    pipeline_project: str | None = None


def scoped(policy: Policy, connection: Connection) -> Policy:
    """The policy with the project the run triages as its scope: `--project`, else
    TRIAGE_PROJECT, else the policy's own `scope.project` (or `scope.group`), else the project
    whose pipeline runs (CI_PROJECT_PATH). The pipeline's project comes last: an operations
    repository is not where the scoping issues are, and a run there would see none of them."""
    project = connection.project
    if not project and not (policy.scope.project or policy.scope.group):
        project = connection.pipeline_project
    if project:
        return policy.model_copy(
            update={"scope": policy.scope.model_copy(update={"project": project, "group": None})}
        )
    return policy


def in_zone(now: datetime | None, policy: Policy) -> datetime | None:
    """`--now` in UTC: a time given without a zone (or a date) is in the policy's time zone
    (`calendar.time_zone`, when the policy has one), else in UTC."""
    if now is None:
        return None
    if now.tzinfo is None:
        zone = str(getattr(policy.calendar, "time_zone", None) or "UTC")
        now = now.replace(tzinfo=UTC if zone == "UTC" else ZoneInfo(zone))
    return now.astimezone(UTC)


def open_gitlab(connection: Connection) -> GitLab:
    """The adapter for the connection, or a UserError saying what is missing."""
    if not connection.url:
        raise UserError(
            "no GitLab URL: pass --gitlab-url, or set GITLAB_URL (CI_SERVER_URL in GitLab CI)"
        )
    if not connection.token:
        raise UserError(
            "no token: set GITLAB_TOKEN (a masked CI/CD variable holding a project access token with `api` scope)"
        )
    # In flight at once: the reads, and the listing's next page or a write. One more is spare.
    readers = connection.readers or CAP
    return GitLab(connection.url, connection.token, min_remaining=readers + 2)


def ask_ahead(connection: Connection, kept: Beside | None = None) -> GitLab | None:
    """The adapter for `connection`, already asking GitLab who the bot is (`GET /user`) and,
    for a scheduled run (`kept`: beside its details cache), the listing the last run made (its
    first pages: `GitLab.ask_listing`), while the caller loads its code and workspace: the
    answers come meanwhile (each a round trip: ~10 ms on loopback, 30-100 ms on a real
    network). The run asks for its own listing in its turn; one that differs (a changed scope)
    is asked then, and the pages asked ahead cost only themselves. None when the connection
    lacks a URL or a token: `run_command` says so, after the workspace's own problems."""
    if not (connection.url and connection.token):
        return None
    gitlab = open_gitlab(connection)
    gitlab.ask_who_ahead()
    kept_listing = load_sealed(kept.path(LISTING), kept.key, LISTING) if kept else None
    if (
        isinstance(kept_listing, list)
        and len(kept_listing) == 2
        and isinstance(kept_listing[0], str)
        and isinstance(kept_listing[1], dict)
    ):
        gitlab.ask_listing(kept_listing[0], kept_listing[1])
    return gitlab


def remember_listing(gitlab: GitLab, scope: Scope, kept: Beside) -> None:
    """Keep, sealed beside the details cache, the listing of `scope` (see `ask_ahead`)."""
    listing = gitlab.listing_key(scope)
    if listing is not None and load_sealed(kept.path(LISTING), kept.key, LISTING) != list(listing):
        save_sealed(kept.path(LISTING), kept.key, LISTING, list(listing))


def check_one_issue(policy: Policy, iid: int | None) -> None:
    """`--issue IID` names one issue only in a project: with a group scope (after `--project`),
    #IID would be every project's."""
    if iid is not None and policy.scope.group:
        raise UserError(
            f"issue #{iid}: issue numbers are per project, and the scope is the group "
            f"{policy.scope.group}\n    fix: name the issue's project too (--project PATH)"
        )
