"""Group sharing: groups invited into a project or another group, as `members/all` counts them.

GitLab (docs: "Group and project members API", `GET /groups/:id/members/all` and
`GET /projects/:id/members/all`: inherited members and members of invited groups;
source: lib/api/helpers/members_helpers.rb `find_all_members_for_group` asks
app/finders/group_members_finder.rb for `[:inherited, :direct, :shared_from_groups]`, where
`shared_from_groups` is `Group.shared_into_ancestors(group)`: groups invited into the group or
one of its ancestors, their members capped at the invitation's access level (the comment in
`members_of_groups`; gitlab-org/gitlab#377922); `find_all_members_for_project` asks
app/finders/members_finder.rb for `[:inherited, :direct, :invited_groups,
:shared_into_ancestors]`, `invited_groups` being the groups invited into the project with their
ancestors. Invitations are `Expirable` (app/models/group_group_link.rb): past its `expires_at`
one counts no more. A caller who is not a member sees only the invited groups visible to them
(`public_or_visible_to_user`). Each user appears once, at their highest level.

The emulator's seed holds invitations as `shared_with_groups` (README, seed file), shown as
GitLab shows them on the project and group. The first test holds on any GitLab (against a real
one it checks whatever invitations the test project and its group have); the others need the
emulator's seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import gitlab
import pytest

from gitlab_emulator import Emulator
from gitlab_emulator.seed import SeedError, build_seed
from gitlab_emulator.testing import running_emulator

NOW = "2026-11-02T09:00:00Z"


def sharing_seed(**overrides: Any) -> dict[str, Any]:
    """`ps/approvers` (a subgroup of `ps`) and `ps/ps-plan`, with groups invited into them."""
    users = ["ps-bot", "rowan", "mia", "gus", "tom", "ann", "pat", "outsider", "cleo"]
    seed: dict[str, Any] = {
        "now": NOW,
        "users": [{"username": u, "token": f"{u}-token"} for u in users],
        "groups": [
            {"path": "ps", "members": [{"username": "rowan", "access_level": 40}]},
            {
                "path": "ps/approvers",
                "visibility": "internal",
                "members": [{"username": "cleo", "access_level": 30}],
                "shared_with_groups": [
                    {"group_full_path": "finance", "group_access_level": 30},
                    {
                        "group_full_path": "old-board",
                        "group_access_level": 40,
                        "expires_at": "2026-11-02",  # ends today: counts no more
                    },
                ],
            },
            {
                "path": "finance",
                "visibility": "internal",
                "members": [
                    {"username": "mia", "access_level": 40},  # Maintainer invited as Developer: 30
                    {"username": "gus", "access_level": 10},  # a Guest stays a Guest
                ],
            },
            {"path": "old-board", "members": [{"username": "tom", "access_level": 50}]},
            {
                "path": "legal",
                "members": [{"username": "ann", "access_level": 30}],
            },
            {
                "path": "legal/contracts",
                "visibility": "internal",
                "members": [{"username": "pat", "access_level": 40}],
            },
        ],
        "projects": [
            {
                "path": "ps/ps-plan",
                "members": [{"username": "ps-bot", "access_level": 20}],
                "shared_with_groups": [
                    {
                        "group_full_path": "legal/contracts",
                        "group_access_level": 20,
                        "expires_at": "2026-12-31",
                    }
                ],
            }
        ],
    }
    seed.update(overrides)
    return seed


@pytest.fixture
def sharing(emulator: Emulator) -> Iterator[Emulator]:
    """Emulator-only (the `emulator` fixture skips against a real GitLab): its own seed."""
    with running_emulator(sharing_seed()) as emu:
        yield emu


def levels(manager: Any) -> dict[str, int]:
    return {m.username: m.access_level for m in manager.list(get_all=True)}


def client(url: str, user: str) -> gitlab.Gitlab:
    return gitlab.Gitlab(url, private_token=f"{user}-token", retry_transient_errors=False)


def live(links: list[dict[str, Any]], today: str) -> list[dict[str, Any]]:
    return [link for link in links if not link["expires_at"] or link["expires_at"] > today]


def check_invited_members_counted(gl: gitlab.Gitlab, source: Any, today: str) -> int:
    """Every member of every live invitation shown on `source` is in its members/all, at least
    at the lower of the two levels; returns how many invited members were checked."""
    every = levels(source.members_all)
    checked = 0
    for link in live(source.shared_with_groups, today):
        try:
            invited = levels(gl.groups.get(link["group_id"]).members)
        except gitlab.GitlabGetError:
            continue  # an invited group this token cannot read
        for username, level in invited.items():
            if level > 5:
                assert every[username] >= min(level, link["group_access_level"]), username
                checked += 1
    return checked


def test_members_of_invited_groups_are_in_members_all(target, gl, project):
    """On a real GitLab: the test project's invitations and those of its group; on the
    emulator: a seed with invitations into a group and into a project."""
    if target.emulator is None:
        today = date.today().isoformat()
        check_invited_members_counted(gl, project, today)
        namespace = project.namespace
        if namespace["kind"] == "group":
            check_invited_members_counted(gl, gl.groups.get(namespace["id"]), today)
        return
    with running_emulator(sharing_seed()) as emu:
        bot = client(emu.url, "ps-bot")
        assert check_invited_members_counted(bot, bot.groups.get("ps/approvers"), NOW[:10]) == 2
        assert check_invited_members_counted(bot, bot.projects.get("ps/ps-plan"), NOW[:10]) == 1


def test_group_members_all_caps_invited_members_at_the_invitation_level(sharing):
    found = levels(client(sharing.url, "ps-bot").groups.get("ps/approvers").members_all)
    # direct (cleo), inherited from `ps` (rowan), invited `finance` capped at Developer;
    # `old-board`'s invitation has expired: tom is not there.
    assert found == {"cleo": 30, "rowan": 40, "mia": 30, "gus": 10}


def test_groups_invited_into_an_ancestor_count_in_a_subgroup(emulator):
    seed = sharing_seed()
    ps = next(g for g in seed["groups"] if g["path"] == "ps")
    ps["shared_with_groups"] = [{"group_full_path": "legal", "group_access_level": 20}]
    with running_emulator(seed) as emu:
        found = levels(client(emu.url, "cleo").groups.get("ps/approvers").members_all)
        assert found["ann"] == 20  # Developer of `legal`, invited into `ps` as Reporter
        assert "pat" not in found  # a subgroup's members are not the invited group's


def test_project_members_all_counts_groups_invited_into_the_project_and_its_group(emulator):
    seed = sharing_seed()
    ps = next(g for g in seed["groups"] if g["path"] == "ps")
    ps["shared_with_groups"] = [{"group_full_path": "finance", "group_access_level": 20}]
    with running_emulator(seed) as emu:
        project = client(emu.url, "ps-bot").projects.get("ps/ps-plan")
        found = levels(project.members_all)
        # invited into the project: `legal/contracts` and the members of its ancestor `legal`,
        # as Reporter at most; invited into the project's group `ps`: `finance`, as Reporter.
        assert found == {"ps-bot": 20, "rowan": 40, "pat": 20, "ann": 20, "mia": 20, "gus": 10}
        assert [m.username for m in project.members.list(get_all=True)] == ["ps-bot"]


def test_an_expired_invitation_gives_no_membership_and_no_access(emulator):
    seed = sharing_seed()
    seed["projects"][0]["shared_with_groups"][0]["expires_at"] = "2026-11-01"
    with running_emulator(seed) as emu:
        assert "pat" not in levels(client(emu.url, "ps-bot").projects.get("ps/ps-plan").members_all)
        with pytest.raises(gitlab.GitlabGetError) as caught:
            client(emu.url, "pat").projects.get("ps/ps-plan")
        assert caught.value.response_code == 404


def test_an_invited_member_has_the_capped_access_to_the_project(sharing):
    issues = client(sharing.url, "pat").projects.get("ps/ps-plan").issues
    created = issues.create({"title": "from an invited group"})
    assert created.author["username"] == "pat"


def test_a_caller_outside_the_group_sees_only_invited_groups_visible_to_them(emulator):
    seed = sharing_seed()
    approvers = next(g for g in seed["groups"] if g["path"] == "ps/approvers")
    approvers["shared_with_groups"].append({"group_full_path": "legal", "group_access_level": 30})
    with running_emulator(seed) as emu:
        outsider = levels(client(emu.url, "outsider").groups.get("ps/approvers").members_all)
        member = levels(client(emu.url, "cleo").groups.get("ps/approvers").members_all)
        assert "ann" not in outsider and "mia" in outsider  # `legal` is private, `finance` internal
        assert member["ann"] == 30


def test_the_group_and_project_show_their_invitations(sharing):
    bot = client(sharing.url, "ps-bot")
    [link] = bot.projects.get("ps/ps-plan").shared_with_groups
    assert (link["group_full_path"], link["group_access_level"], link["expires_at"]) == (
        "legal/contracts",
        20,
        "2026-12-31",
    )
    paths = [g["group_full_path"] for g in bot.groups.get("ps/approvers").shared_with_groups]
    assert paths == ["finance", "old-board"]


def test_a_seed_inviting_an_undeclared_group_is_refused(emulator):
    seed = sharing_seed()
    seed["projects"][0]["shared_with_groups"][0]["group_full_path"] = "nowhere"
    with pytest.raises(SeedError) as caught:
        build_seed(seed, source="seed.yml")
    assert str(caught.value) == (
        "seed.yml: projects[0] (ps/ps-plan).shared_with_groups[0]: "
        "'nowhere' is not a declared group (add it under groups:)"
    )
