"""Who may approve each gate, read from GitLab only once a plan must judge someone against it.

An idle run (no gated label on any issue, no emoji on an approval request) judges no one: it
reads no approver group. A plan that must judge someone (a gated label's setter, an emoji's
giver, a margin waiver's name) asks for the approvers as it asks for any detail
(`NeedDetail("approvers")`): the run reads them then, once, and plans the issue again with
them. Nothing is judged against approvers that were not read."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping

from ..gitlab.adapter import GitLab, GitLabProblem
from ..planner.gates import spellings
from ..policy.model import Policy
from ..rules.facts import NeedDetail

Found = tuple[dict[str, frozenset[str]], dict[str, int]]


class GateApprovers(Mapping[str, frozenset[str]]):
    """Each gate's approvers (`approvers_of`), by gate id; `ids`, their user ids. Until `read`,
    looking at either raises `NeedDetail("approvers")`. Safe to share between threads: the
    first `read` reads, the others wait for it (and meet its problem, if it had one)."""

    def __init__(self, policy: Policy, gitlab: GitLab) -> None:
        self._policy, self._gitlab = policy, gitlab
        self._lock = threading.Lock()
        self._found: Found | None = None
        self._problem: GitLabProblem | None = None
        self.ids: Mapping[str, int] = _Ids(self)

    def read(self) -> None:
        with self._lock:
            if self._found is not None:
                return
            if self._problem is None:
                try:
                    approvers = approvers_of(self._policy, self._gitlab)
                    # who they are, by user id: from the groups' member listings just made
                    ids = self._gitlab.people_ids(set().union(*approvers.values()))
                    self._found = approvers, ids
                    return
                except GitLabProblem as problem:
                    self._problem = problem
            raise GitLabProblem(str(self._problem), fatal=self._problem.fatal)

    def known(self) -> Found:
        found = self._found
        if found is None:
            raise NeedDetail("approvers")
        return found

    def __getitem__(self, gate: str) -> frozenset[str]:
        return self.known()[0][gate]

    def __iter__(self) -> Iterator[str]:
        return iter(self.known()[0])

    def __len__(self) -> int:
        return len(self.known()[0])


class _Ids(Mapping[str, int]):
    """The approvers' user ids (lower-case username -> id), once they are read."""

    def __init__(self, approvers: GateApprovers) -> None:
        self._approvers = approvers

    def __getitem__(self, name: str) -> int:
        return self._approvers.known()[1][name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._approvers.known()[1])

    def __len__(self) -> int:
        return len(self._approvers.known()[1])


def gated_labels(policy: Policy) -> frozenset[str]:
    """The gated labels, and their legacy spellings: an issue that holds one has its plan judge
    who set it, so the run may start reading the approvers as soon as it lists it."""
    return frozenset(
        label for gate in policy.approvals for label in spellings(gate, policy.label_aliases)
    )


def approvers_of(policy: Policy, gitlab: GitLab) -> dict[str, frozenset[str]]:
    """Each gate's approvers: its users, and its groups' members at or above the gate's
    `min_access_level` (members read once per run): direct members and those of groups
    invited into them, parent groups' members only when the gate says `inherited`."""
    members: dict[tuple[str, bool], dict[str, int]] = {}
    found = {}
    for gate in policy.approvals:
        for group in gate.groups:
            if (group, gate.inherited) not in members:
                try:
                    members[group, gate.inherited] = gitlab.group_members(
                        group, inherited=gate.inherited
                    )
                except GitLabProblem as problem:  # GitLab's 404 says only "Group Not Found"
                    raise GitLabProblem(
                        f"the members of group '{group}' (approvals: {gate.id}) could not be "
                        f"read: {problem}\n    fix: check `{group}` in the gate's `groups`, and "
                        "that the bot's user can see the group (a member of it, or the group "
                        "internal)",
                        fatal=problem.fatal,
                    ) from None
        found[gate.id] = frozenset(u.lower() for u in gate.users).union(
            *(
                (
                    name
                    for name, level in members[g, gate.inherited].items()
                    if level >= gate.min_access_level
                )
                for g in gate.groups
            )
        )
    return found
