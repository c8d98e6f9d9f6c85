"""In-memory GitLab state and the rules GitLab applies when it changes.

Everything here is plain data plus the server-side logic that real GitLab runs: who may do
what (access levels), how a label update is computed, scoped-label exclusivity on Premium,
and the resource label events each change writes. HTTP lives in `server.py`/`api.py`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .clock import Clock

# Access levels (GitLab lib/gitlab/access.rb; python-gitlab const.AccessLevel).
NO_ACCESS, MINIMAL, GUEST, PLANNER, REPORTER, DEVELOPER, MAINTAINER, OWNER = (
    0,
    5,
    10,
    15,
    20,
    30,
    40,
    50,
)
ACCESS_LEVELS = {0, 5, 10, 15, 20, 25, 30, 40, 50}
TOUCH_INTERVAL = timedelta(minutes=1)  # ThrottledTouch

# What each ability needs (GitLab permissions page: Planner and Reporter manage labels and
# issue metadata; Reporter/Planner and above see internal notes).
SET_METADATA = PLANNER
ADMIN_LABEL = PLANNER
READ_INTERNAL = PLANNER
UPDATE_ANY_ISSUE = PLANNER

NOTE_BODY_LIMIT = 1_000_000
DESCRIPTION_LIMIT = 1_048_576
TITLE_LIMIT = 255
MAX_NOTES_PER_NOTEABLE = 5_000

DEFAULT_LABEL_COLOR = "#6699cc"

# Instance setting "Maximum attachment size" (Admin > Settings > General), in MB: GitLab's
# default is 100 (`application_settings.max_attachment_size`).
DEFAULT_MAX_ATTACHMENT_MB = 100


@dataclass
class User:
    id: int
    username: str
    name: str
    token: str | None = None
    bot: bool = False
    admin: bool = False
    state: str = "active"


@dataclass
class Label:
    id: int
    name: str
    color: str = DEFAULT_LABEL_COLOR
    description: str = ""
    group_id: int | None = None
    project_id: int | None = None

    @property
    def scope(self) -> str | None:
        """Scoped labels: the key is the text before the last '::'."""
        if "::" not in self.name:
            return None
        return self.name.rsplit("::", 1)[0]


@dataclass(frozen=True)
class GroupLink:
    """A group invited into a project or another group (GitLab's project_group_links and
    group_group_links): its members get at most `access_level` there, until `expires_at`."""

    group_id: int
    access_level: int
    expires_at: date | None = None


@dataclass
class Group:
    id: int
    path: str
    name: str
    members: dict[int, int] = field(default_factory=dict)  # user id -> access level
    labels: list[Label] = field(default_factory=list)
    visibility: str = "private"
    shared_with_groups: list[GroupLink] = field(default_factory=list)  # groups invited into it


@dataclass
class Award:
    id: int
    name: str
    user_id: int
    created_at: datetime
    awardable_id: int
    awardable_type: str  # "Issue" | "Note"


@dataclass
class Note:
    id: int
    body: str
    author_id: int
    created_at: datetime
    updated_at: datetime
    system: bool = False
    internal: bool = False
    awards: list[Award] = field(default_factory=list)


@dataclass
class LabelEvent:
    id: int
    user_id: int
    created_at: datetime
    label_id: int
    action: str  # "add" | "remove"


@dataclass
class Issue:
    id: int
    iid: int
    project_id: int
    title: str
    description: str | None
    author_id: int
    created_at: datetime
    updated_at: datetime
    state: str = "opened"
    label_ids: list[int] = field(default_factory=list)
    assignee_ids: list[int] = field(default_factory=list)
    closed_at: datetime | None = None
    closed_by_id: int | None = None
    due_date: str | None = None
    confidential: bool = False
    discussion_locked: bool | None = None
    weight: int | None = None  # Premium
    notes: list[Note] = field(default_factory=list)
    label_events: list[LabelEvent] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)


@dataclass
class Upload:
    """A project's Markdown upload (GitLab's `uploads` row with its file): `secret` is the
    32-hex `SecureRandom.hex` of `FileUploader.generate_secret`, `filename` the name as
    CarrierWave sanitised it."""

    id: int
    secret: str
    filename: str
    data: bytes
    created_at: datetime
    uploaded_by_id: int | None


@dataclass
class MergeRequest:
    id: int
    iid: int
    title: str
    author_id: int
    created_at: datetime
    notes: list[Note] = field(default_factory=list)
    state: str = "opened"  # opened | closed (what `/close` and `/reopen` change)


@dataclass
class Project:
    id: int
    path_with_namespace: str
    name: str
    members: dict[int, int] = field(default_factory=dict)
    labels: list[Label] = field(default_factory=list)
    issues: dict[int, Issue] = field(default_factory=dict)  # iid -> issue
    merge_requests: dict[int, MergeRequest] = field(default_factory=dict)  # iid -> MR (notes only)
    uploads: list[Upload] = field(default_factory=list)  # Markdown uploads, oldest first
    visibility: str = "private"
    shared_with_groups: list[GroupLink] = field(default_factory=list)  # groups invited into it

    @property
    def namespace_path(self) -> str:
        return self.path_with_namespace.rsplit("/", 1)[0] if "/" in self.path_with_namespace else ""

    @property
    def path(self) -> str:
        return self.path_with_namespace.rsplit("/", 1)[-1]

    def next_iid(self) -> int:
        return max(self.issues, default=0) + 1


class Store:
    """All of one emulated GitLab instance's data, with ids handed out like GitLab's."""

    def __init__(
        self,
        clock: Clock,
        *,
        premium: bool = True,
        max_attachment_mb: int = DEFAULT_MAX_ATTACHMENT_MB,
    ) -> None:
        self.clock = clock
        self.premium = premium
        self.max_attachment_size = max_attachment_mb * 1024 * 1024  # bytes (`.megabytes`)
        self.users: dict[int, User] = {}
        self.groups: dict[int, Group] = {}
        self.projects: dict[int, Project] = {}
        self.version = 0  # bumped by every write request; read caches key on it
        self._ids = {
            kind: itertools.count(start)
            for kind, start in (
                ("user", 1),
                ("group", 100),
                ("project", 1000),
                ("label", 1),
                ("issue", 50_000),
                ("note", 900_000),
                ("event", 1),
                ("award", 1),
                ("upload", 1),
            )
        }

    # ids and lookups --------------------------------------------------------------------

    def new_id(self, kind: str) -> int:
        return next(self._ids[kind])

    def user_by_token(self, token: str) -> User | None:
        return next(
            (u for u in self.users.values() if u.token is not None and u.token == token), None
        )

    def user_by_username(self, username: str) -> User | None:
        wanted = username.lstrip("@").lower()
        return next((u for u in self.users.values() if u.username.lower() == wanted), None)

    def project_by_ref(self, ref: str) -> Project | None:
        if ref.isdigit():
            return self.projects.get(int(ref))
        return next(
            (p for p in self.projects.values() if p.path_with_namespace.lower() == ref.lower()),
            None,
        )

    def group_by_ref(self, ref: str) -> Group | None:
        if ref.isdigit():
            return self.groups.get(int(ref))
        return next((g for g in self.groups.values() if g.path.lower() == ref.lower()), None)

    def ancestor_groups(self, path: str) -> list[Group]:
        """Groups whose full path is a prefix of `path` (nearest last)."""
        parts = path.split("/")
        found = []
        for depth in range(1, len(parts) + 1):
            group = self.group_by_ref("/".join(parts[:depth]))
            if group is not None:
                found.append(group)
        return found

    def project_group(self, project: Project) -> list[Group]:
        return self.ancestor_groups(project.namespace_path) if project.namespace_path else []

    def projects_in_group(self, group: Group) -> list[Project]:
        prefix = group.path.lower() + "/"
        return [
            p for p in self.projects.values() if p.path_with_namespace.lower().startswith(prefix)
        ]

    # access -------------------------------------------------------------------------------

    def group_access(self, group: Group, user: User | None) -> int:
        if user is None:
            return NO_ACCESS
        levels = [g.members.get(user.id, NO_ACCESS) for g in self.ancestor_groups(group.path)]
        shared = self.invited_members(self.group_links(group)).get(user.id, NO_ACCESS)
        return max([*levels, shared])

    def project_access(self, project: Project, user: User | None) -> int:
        """The effective (highest) level: direct membership, inherited from groups, or given
        by a group invited into the project or into one of its groups."""
        if user is None:
            return NO_ACCESS
        if user.admin:
            return OWNER
        inherited = [g.members.get(user.id, NO_ACCESS) for g in self.project_group(project)]
        shared = self.invited_members(self.project_links(project)).get(user.id, NO_ACCESS)
        return max([project.members.get(user.id, NO_ACCESS), *inherited, shared])

    def can_read_project(self, project: Project, user: User | None) -> bool:
        if project.visibility == "public":
            return True
        if project.visibility == "internal" and user is not None:
            return True
        return self.project_access(project, user) >= GUEST

    def can_read_group(self, group: Group, user: User | None) -> bool:
        if group.visibility == "public" or (group.visibility == "internal" and user is not None):
            return True
        if self.group_access(group, user) >= GUEST:
            return True
        return any(self.can_read_project(p, user) for p in self.projects_in_group(group))

    def assignable(self, project: Project, ids: list[int], current: list[int]) -> list[int]:
        """The assignees GitLab keeps when asked for `ids` (app/services/issuable_base_service.rb
        `filter_assignees_using_checks`, for the API's create and update and for `/assign`):
        without `multiple_issue_assignees` (Free) only the first; then only users who may read
        the project's issues (`can?(user, :read_issue, issuable.resource_parent)`), the others
        dropped without a word; none left, the assignees stay as they were. An empty list, or
        `[0]` (IssuableFinder::Params::NONE), unassigns everyone."""
        if not ids:
            return []
        ids = ids if self.premium else ids[:1]
        if ids == [0]:
            return []
        kept = [i for i in ids if i in self.users and self.can_read_project(project, self.users[i])]
        return list(dict.fromkeys(kept)) if kept else list(current)

    def can_read_issue(self, project: Project, issue: Issue, user: User | None) -> bool:
        return self.issue_reader(project, user)(issue)

    def issue_reader(self, project: Project, user: User | None) -> Callable[[Issue], bool]:
        """Who may read which issue of a project: the caller's access is worked out once,
        so a listing does not repeat it for every issue."""
        if not self.can_read_project(project, user):
            return lambda issue: False
        if user is None:
            return lambda issue: not issue.confidential
        sees_all = self.project_access(project, user) >= PLANNER
        return lambda issue: (
            not issue.confidential
            or sees_all
            or issue.author_id == user.id
            or user.id in issue.assignee_ids
        )

    # members/all: inherited members and members of invited groups (GitLab's MembersFinder and
    # GroupMembersFinder with the relations lib/api/helpers/members_helpers.rb asks for) -------

    def live_links(self, links: list[GroupLink]) -> list[GroupLink]:
        """Invitations not expired (GitLab's Expirable: an invitation ends on its expiry date)."""
        today = self.clock.now().date()
        return [link for link in links if link.expires_at is None or link.expires_at > today]

    def group_links(self, group: Group) -> list[tuple[GroupLink, list[Group]]]:
        """Groups invited into `group` or its ancestors (`shared_from_groups`), each with the
        groups whose direct members it brings (the invited group alone)."""
        return [
            (link, [self.groups[link.group_id]])
            for g in self.ancestor_groups(group.path)
            for link in self.live_links(g.shared_with_groups)
        ]

    def project_links(self, project: Project) -> list[tuple[GroupLink, list[Group]]]:
        """Groups invited into the project (`invited_groups`: members of the invited group and
        of its ancestors) and into the project's groups (`shared_into_ancestors`)."""
        own = [
            (link, self.ancestor_groups(self.groups[link.group_id].path))
            for link in self.live_links(project.shared_with_groups)
        ]
        namespace = self.project_group(project)
        return own + (self.group_links(namespace[-1]) if namespace else [])

    def invited_members(
        self,
        links: list[tuple[GroupLink, list[Group]]],
        viewer: User | None = None,
        member: bool = True,
    ) -> dict[int, int]:
        """Members brought by invitations, at the lower of their own level and the invitation's.
        A viewer who is not a member sees only invited groups visible to them (GitLab's
        `public_or_visible_to_user`)."""
        merged: dict[int, int] = {}
        for link, groups in links:
            invited = self.groups[link.group_id]
            if not member and not self.can_read_group(invited, viewer):
                continue
            for g in groups:
                for user_id, level in g.members.items():
                    if level <= MINIMAL:
                        continue
                    capped = min(level, link.access_level)
                    merged[user_id] = max(capped, merged.get(user_id, NO_ACCESS))
        return merged

    def members_all(self, project: Project, viewer: User | None = None) -> dict[int, int]:
        """Direct, inherited and invited members, each once with their highest level."""
        merged: dict[int, int] = {}
        member = viewer is None or self.project_access(project, viewer) >= GUEST
        shared = self.invited_members(self.project_links(project), viewer, member)
        for source in [*(g.members for g in self.project_group(project)), project.members, shared]:
            for user_id, level in source.items():
                merged[user_id] = max(level, merged.get(user_id, NO_ACCESS))
        return merged

    def group_members_all(self, group: Group, viewer: User | None = None) -> dict[int, int]:
        merged: dict[int, int] = {}
        member = viewer is None or any(
            viewer.id in g.members for g in self.ancestor_groups(group.path)
        )
        shared = self.invited_members(self.group_links(group), viewer, member)
        for source in [*(g.members for g in self.ancestor_groups(group.path)), shared]:
            for user_id, level in source.items():
                merged[user_id] = max(level, merged.get(user_id, NO_ACCESS))
        return merged

    # labels -------------------------------------------------------------------------------

    def labels_for(self, project: Project) -> list[Label]:
        """Project labels and those of its ancestor groups."""
        group_labels = [label for g in self.project_group(project) for label in g.labels]
        return [*project.labels, *group_labels]

    def find_label(self, project: Project, name: str) -> Label | None:
        return next((label for label in self.labels_for(project) if label.name == name), None)

    def label(self, project: Project, label_id: int) -> Label:
        return next(label for label in self.labels_for(project) if label.id == label_id)

    def create_project_label(
        self, project: Project, name: str, color: str = DEFAULT_LABEL_COLOR, description: str = ""
    ) -> Label:
        label = Label(
            id=self.new_id("label"),
            name=name,
            color=color,
            description=description,
            project_id=project.id,
        )
        project.labels.append(label)
        return label

    def resolve_labels(
        self, project: Project, names: list[str], user: User, *, create: bool
    ) -> list[int]:
        """Label ids for names; a missing one is created only for callers allowed to
        admin labels (otherwise silently ignored), as Labels::FindOrCreateService does."""
        ids = []
        may_create = create and self.project_access(project, user) >= ADMIN_LABEL
        for name in names:
            label = self.find_label(project, name)
            if label is None and may_create:
                label = self.create_project_label(project, name)
            if label is not None and label.id not in ids:
                ids.append(label.id)
        return ids

    def change_labels(
        self,
        project: Project,
        issue: Issue,
        user: User,
        *,
        labels: list[str] | None = None,
        add: list[str] | None = None,
        remove: list[str] | None = None,
    ) -> bool:
        """new = (labels given ? labels : current) | add - remove, then scoped exclusivity on
        Premium; writes the resource label events. Returns whether anything changed."""
        current = list(issue.label_ids)
        base = (
            self.resolve_labels(project, labels, user, create=True)
            if labels is not None
            else current
        )
        add_ids = self.resolve_labels(project, add or [], user, create=True)
        remove_ids = self.resolve_labels(project, remove or [], user, create=False)
        new = [i for i in base if i not in remove_ids]
        new += [i for i in add_ids if i not in new and i not in remove_ids]
        if self.premium:
            new = self._scoped_exclusive(
                project, current, new, order=add_ids + (base if labels is not None else [])
            )
        if set(new) == set(current):
            return False
        now = self.clock.now()
        for label_id in [i for i in current if i not in new]:
            issue.label_events.append(
                LabelEvent(self.new_id("event"), user.id, now, label_id, "remove")
            )
        for label_id in [i for i in new if i not in current]:
            issue.label_events.append(
                LabelEvent(self.new_id("event"), user.id, now, label_id, "add")
            )
        issue.label_ids = new
        issue.updated_at = now
        return True

    def _scoped_exclusive(
        self, project: Project, current: list[int], new: list[int], order: list[int]
    ) -> list[int]:
        """For every scope that gained a label, keep only the one added last
        (EE Issuable::Callbacks::Labels: `set.last_id_by_order(add_label_ids + label_ids)`)."""
        added = [i for i in new if i not in current]
        keep = list(new)
        scopes: dict[str, list[int]] = {}
        for label_id in new:
            scope = self.label(project, label_id).scope
            if scope is not None:
                scopes.setdefault(scope, []).append(label_id)
        for members in scopes.values():
            if len(members) < 2 or not any(i in added for i in members):
                continue  # an already-invalid set the request did not touch stays as it is
            ranked = [i for i in order if i in members]
            winner = ranked[-1] if ranked else next(i for i in reversed(new) if i in members)
            keep = [i for i in keep if i not in members or i == winner]
        return keep

    # notes --------------------------------------------------------------------------------

    def add_note(
        self,
        issue: Issue,
        author: User,
        body: str,
        *,
        internal: bool = False,
        system: bool = False,
        created_at: datetime | None = None,
    ) -> Note:
        when = created_at or self.clock.now()
        note = Note(
            id=self.new_id("note"),
            body=body,
            author_id=author.id,
            created_at=when,
            updated_at=when,
            system=system,
            internal=internal,
        )
        issue.notes.append(note)
        self.touch(issue)
        return note

    def touch(self, issue: Issue) -> None:
        """A note saved (created or edited) touches its issue, but `Issue` includes
        `ThrottledTouch`: no touch within a minute of the last update (GL
        `app/models/note.rb` `after_save :touch_noteable`; `concerns/throttled_touch.rb`).
        So a comment right after an edit leaves `updated_at` as it was; `user_notes_count`
        still counts it."""
        now = self.clock.now()
        if now - issue.updated_at > TOUCH_INTERVAL:
            issue.updated_at = now


_TASK = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[([ xX~])\][ \t]+\S", re.MULTILINE)


def task_counts(description: str | None) -> tuple[int, int]:
    """(count, completed) of Markdown task-list items, as GitLab's TaskList counts them.
    `[~]` (inapplicable) is neither counted nor completed (GitLab 15.8+)."""
    marks = [m.group(1) for m in _TASK.finditer(description or "")]
    counted = [m for m in marks if m != "~"]
    return len(counted), sum(1 for m in counted if m in "xX")
