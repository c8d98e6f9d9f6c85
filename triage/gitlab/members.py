"""Who is who in GitLab, read once per run: approver groups' members (with the groups invited
into them), the scope's members, and people's user ids. Part of the adapter (`adapter.GitLab`
is built on it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .door import Door
from .records import GitLabProblem

if TYPE_CHECKING:  # the policy's type only: a run opens the adapter before loading it
    from ..policy.model import Scope


class Members(Door):
    def new_run(self) -> None:
        """Forget who was who: each run judges against the groups' members and the user ids
        GitLab shows as it starts (`triage serve` makes many runs with one adapter: a director
        removed from the group, or a username another person took since, is not who it was)."""
        self._group_members.clear()
        self._member_ids.clear()
        self._user_ids.clear()

    def group_members(self, group: str, *, inherited: bool = False) -> dict[str, int]:
        """A group's members (lower-cased usernames) at their highest access level: its direct
        members (`GET /groups/:id/members`) and those of the groups invited into it (not
        expired), capped at the invitation's level; a parent group's members do not count.
        `inherited`: GitLab's members/all (parent groups' and groups invited into them too).
        Read once per adapter (a run): the gates and the digest share it."""
        key = (group, inherited)
        if key not in self._group_members:
            self._group_members[key] = self._group_members_read(group, inherited)
        return dict(self._group_members[key])

    def _group_members_read(self, group: str, inherited: bool) -> dict[str, int]:
        if inherited:
            return self._levels(self._gl.groups.get(group, lazy=True).members_all)
        levels = self._levels(self._gl.groups.get(group, lazy=True).members)
        found = self._call(lambda: self._gl.groups.get(group, max_retries=self._max_retries))
        today = self.now().date()
        for link in getattr(found, "shared_with_groups", None) or []:
            expires = link.get("expires_at")
            if expires and str(expires)[:10] <= today.isoformat():
                continue  # an invitation ends on its expiry date (GitLab's Expirable)
            invited = self._gl.groups.get(int(link["group_id"]), lazy=True).members
            cap = int(link["group_access_level"])
            for name, level in self._levels(invited).items():
                levels[name] = max(min(level, cap), levels.get(name, 0))
        return levels

    def _levels(self, manager: Any, *, approvers: bool = True) -> dict[str, int]:
        """Usernames (lower case) and access levels of a member listing. `approvers`: a listing
        of approver groups, whose user ids are the approvers' for the run (`people_ids`). Only
        those: a later listing (the scope's, read again by the run that writes) may show a
        username another person took since, and must not make them an approver. Else the
        scope's: its members' profile names are kept (`member_names`), from it alone (a run
        reads approver groups only when it judges someone: what a comment calls a person must
        not depend on that)."""
        levels: dict[str, int] = {}
        for m in self._every(manager):
            if m.get("state", "active") != "active":
                continue
            name = str(m["username"]).lower()
            levels[name] = max(int(m["access_level"]), levels.get(name, 0))
            if approvers:
                self._member_ids[name] = int(m["id"])
            elif m.get("name"):  # what a customer-facing comment calls them (member_names)
                self._member_names[name] = str(m["name"])
        return levels

    def people_ids(self, usernames: set[str]) -> dict[str, int]:
        """The user id of each of `usernames` (lower case) GitLab knows, now: from this run's
        member listings, else looked up (one request each); a name nobody holds is left out."""
        found: dict[str, int] = {}
        for name in sorted(usernames):
            if name in self._member_ids:
                found[name] = self._member_ids[name]
                continue
            try:
                found[name] = self.user_id(name)
            except GitLabProblem as problem:
                if problem.fatal:
                    raise
        return found

    def scope_members(self, scope: Scope) -> frozenset[str] | None:
        """Usernames (lower case) of who GitLab shows as members of the scope, read once per run:
        the project's members/all (direct, inherited, through shared groups), or the group's
        (members of every project in it). None without either. Only users are listed there."""
        if scope.project:
            manager = self._project(scope.project).members_all
        elif scope.group:
            manager = self._gl.groups.get(scope.group, lazy=True).members_all
        else:
            return None
        return frozenset(self._levels(manager, approvers=False))

    def user_id(self, username: str) -> int:
        if username not in self._user_ids:
            found = self._call(
                lambda: self._gl.users.list(username=username, max_retries=self._max_retries)
            )
            if not found:
                raise GitLabProblem(
                    f"GitLab has no user '{username}' (check the policy's assignment pools)"
                )
            self._user_ids[username] = int(found[0].id)
        return self._user_ids[username]
