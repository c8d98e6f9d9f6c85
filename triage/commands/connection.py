"""What the commands that talk to GitLab share: the connection given on the command line, the
policy scoped by it, and the adapter opened with it."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UserError
from ..gitlab.adapter import GitLab
from ..gitlab.readers import CAP
from ..policy.model import Policy


@dataclass(frozen=True)
class Connection:
    url: str | None
    token: str | None
    project: str | None  # overrides the policy's scope
    readers: int | None  # issues' details read at once; None: as GitLab answers (`Readers`)


def scoped(policy: Policy, connection: Connection) -> Policy:
    """The policy, with the project `--project` names as its scope, if any."""
    if connection.project:
        return policy.model_copy(
            update={
                "scope": policy.scope.model_copy(
                    update={"project": connection.project, "group": None}
                )
            }
        )
    return policy


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
