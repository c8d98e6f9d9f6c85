"""A group's direct members, as the approval gates count them by default.

GitLab (docs: "Group and project members API", `GET /groups/:id/members`: "Gets a list of group
or project members viewable by the authenticated user. Returns only direct members and not
inherited members through ancestors groups"; source: lib/api/members.rb `get ":id/members"` calls
`retrieve_members(source, params: params)`, and lib/api/helpers/members_helpers.rb
`retrieve_members(source, params:, deep: false)` takes `source_members(source)` (the group's own
members) unless `deep`, which only `get ":id/members/all"` asks for (MembersFinder /
GroupMembersFinder with inherited and shared members). Groups invited into a group are listed
in its `shared_with_groups` (lib/api/entities/group_detail.rb), each with `group_id`,
`group_access_level` and `expires_at`."""

from __future__ import annotations

from gitlab_emulator.testing import running_emulator
from tests.contract.test_group_sharing import NOW, client, levels, sharing_seed


def test_group_members_lists_direct_members_only(target, gl, project):
    if target.emulator is None:  # a real GitLab: the direct members are among members/all
        namespace = project.namespace
        if namespace["kind"] == "group":
            group = gl.groups.get(namespace["id"])
            direct, every = levels(group.members), levels(group.members_all)
            assert all(every[name] >= level for name, level in direct.items())
        return
    with running_emulator(sharing_seed()) as emu:
        group = client(emu.url, "ps-bot").groups.get("ps/approvers")
        # cleo is a direct member; rowan only of the parent `ps`; mia and gus only through
        # `finance`, invited into the group
        assert levels(group.members) == {"cleo": 30}
        assert levels(group.members_all) == {"cleo": 30, "rowan": 40, "mia": 30, "gus": 10}
        shown = {
            link["group_full_path"]: (link["group_access_level"], link["expires_at"])
            for link in group.shared_with_groups
        }
        assert shown == {"finance": (30, None), "old-board": (40, NOW[:10])}
