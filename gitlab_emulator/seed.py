"""Seed files: the users, groups, projects and issues an emulator starts with (YAML or JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .clock import Clock, parse_time
from .colors import INVALID, label_color
from .faults import Faults, RateLimit
from .store import (
    ACCESS_LEVELS,
    DEFAULT_MAX_ATTACHMENT_MB,
    Award,
    Group,
    GroupLink,
    Issue,
    Label,
    LabelEvent,
    MergeRequest,
    Note,
    Project,
    Store,
    User,
)


class SeedError(ValueError):
    """A seed file that cannot be loaded; the message names the file, the entry and the problem."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return parse_time(value.isoformat())
    if isinstance(value, date):
        return parse_time(value.isoformat())
    return parse_time(str(value))


Timestamp = datetime


class SeedUser(_Model):
    username: str
    name: str | None = None
    token: str | None = None
    bot: bool = False
    admin: bool = False


class SeedMember(_Model):
    username: str
    access_level: int = 30

    @field_validator("access_level")
    @classmethod
    def _level(cls, value: int) -> int:
        if value not in ACCESS_LEVELS:
            raise ValueError(
                f"must be one of {sorted(ACCESS_LEVELS)} (10 Guest, 20 Reporter, 30 Developer, ...)"
            )
        return value


class SeedGroupLink(_Model):
    """A group invited into a project or group (GitLab's `shared_with_groups` entries)."""

    group_full_path: str
    group_access_level: int = 30
    expires_at: date | None = None

    @field_validator("group_access_level")
    @classmethod
    def _level(cls, value: int) -> int:
        if value not in ACCESS_LEVELS:
            raise ValueError(f"must be one of {sorted(ACCESS_LEVELS)} (10 Guest, 20 Reporter, ...)")
        return value


class SeedLabel(_Model):
    name: str
    color: str = "#6699cc"
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if "," in value or not value.strip() or len(value) > 255:
            raise ValueError("a label title has 1 to 255 characters and no comma")
        return value

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        stored = label_color(value)
        if stored is None:
            raise ValueError(
                f"{value!r} {INVALID}: #RGB, #RRGGBB or a CSS colour name such as 'red'"
            )
        return stored


class SeedNote(_Model):
    author: str
    body: str
    created_at: Timestamp | None = None
    internal: bool = False
    system: bool = False
    award_emoji: list[SeedAward] = Field(default_factory=list)


class SeedLabelEvent(_Model):
    user: str
    label: str
    action: Literal["add", "remove"]
    created_at: Timestamp | None = None


class SeedAward(_Model):
    user: str
    name: str
    created_at: Timestamp | None = None


class SeedIssue(_Model):
    iid: int | None = None
    title: str
    description: str | None = None
    author: str
    assignees: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    state: Literal["opened", "closed"] = "opened"
    confidential: bool = False
    due_date: date | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    closed_at: Timestamp | None = None
    notes: list[SeedNote] = Field(default_factory=list)
    label_events: list[SeedLabelEvent] | None = None
    award_emoji: list[SeedAward] = Field(default_factory=list)


class SeedGroup(_Model):
    path: str
    name: str | None = None
    visibility: Literal["private", "internal", "public"] = "private"
    members: list[SeedMember] = Field(default_factory=list)
    labels: list[SeedLabel] = Field(default_factory=list)
    shared_with_groups: list[SeedGroupLink] = Field(default_factory=list)


class SeedMergeRequest(_Model):
    iid: int
    title: str
    author: str


class SeedProject(_Model):
    path: str
    name: str | None = None
    visibility: Literal["private", "internal", "public"] = "private"
    members: list[SeedMember] = Field(default_factory=list)
    labels: list[SeedLabel] = Field(default_factory=list)
    shared_with_groups: list[SeedGroupLink] = Field(default_factory=list)
    issues: list[SeedIssue] = Field(default_factory=list)
    merge_requests: list[SeedMergeRequest] = Field(default_factory=list)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if "/" not in value:
            raise ValueError("a project path has a namespace, e.g. 'ps/ps-plan'")
        return value


class SeedRateLimit(_Model):
    per_minute: int | None = None
    headers: bool = False  # the newer always-on RateLimit-* headers on answers not throttled
    period_seconds: float = 60.0


class SeedFaults(_Model):
    seed: int = 0
    error_rate: float = Field(0.0, ge=0, le=1)
    latency_ms: int = Field(0, ge=0)
    drop_after_write_rate: float = Field(0.0, ge=0, le=1)
    edge_throttle_rate: float = Field(0.0, ge=0, le=1)
    workers: int = Field(0, ge=0)  # 0: as many as come
    work_ms: int = Field(0, ge=0)


class SeedFile(_Model):
    now: Timestamp | None = None
    tier: Literal["premium", "free"] = "premium"
    # The instance's "Maximum attachment size" in MB (GitLab's default 100): uploads above it
    # are refused 413. A test lowers it to try the limit without sending 100 MB.
    max_attachment_size: int = Field(DEFAULT_MAX_ATTACHMENT_MB, ge=1)
    rate_limit: SeedRateLimit = SeedRateLimit()
    faults: SeedFaults = SeedFaults()
    users: list[SeedUser]
    groups: list[SeedGroup] = Field(default_factory=list)
    projects: list[SeedProject]


SeedNote.model_rebuild()


@dataclass
class Seed:
    store: Store
    rate_limit: RateLimit
    faults: Faults


class _SeedLoader(yaml.SafeLoader):
    """YAML's safe loader; a value it cannot make (`1:0:0:...:0.5`, a base-60 number past what
    a float holds; a number of 5,000 digits, past Python's limit) is an error naming its line
    and column, never a crash."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ArithmeticError, ValueError) as error:
            shown = str(node.value)
            shown = shown if len(shown) <= 40 else shown[:39] + "…"
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read `{shown}` ({error})", node.start_mark
            ) from None


def load_seed(path: Path) -> Seed:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SeedError(f"{path}: cannot read the seed file ({error.strerror})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_SeedLoader)
    except (ValueError, yaml.YAMLError) as error:
        raise SeedError(
            f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {error}"
        ) from None
    return build_seed(data, source=str(path))


def build_seed(data: Any, *, source: str = "<seed>") -> Seed:
    """A ready Store from seed data (a dict as in the README's seed format)."""
    try:
        seed = SeedFile.model_validate(data)
    except ValidationError as error:
        raise SeedError(
            "\n".join(f"{source}: {_describe(data, e['loc'])}: {e['msg']}" for e in error.errors())
        ) from None
    return _Builder(seed, source).build()


def _describe(data: Any, loc: tuple[Any, ...]) -> str:
    """A path like `projects[0] (ps/ps-plan).issues[2] (iid 3).author`, naming entries by id."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict):
                name = (
                    node.get("path")
                    or node.get("username")
                    or (f"iid {node['iid']}" if "iid" in node else None)
                    or node.get("title")
                    or node.get("name")
                )
                if name:
                    out += f" ({name})"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


class _Builder:
    def __init__(self, seed: SeedFile, source: str) -> None:
        self.seed = seed
        self.source = source
        self.store = Store(
            Clock(_when(seed.now) if seed.now else None),
            premium=seed.tier == "premium",
            max_attachment_mb=seed.max_attachment_size,
        )

    def fail(self, where: str, problem: str) -> SeedError:
        return SeedError(f"{self.source}: {where}: {problem}")

    def user(self, username: str, where: str) -> User:
        user = self.store.user_by_username(username)
        if user is None:
            raise self.fail(where, f"'{username}' is not a declared user (add it under users:)")
        return user

    def build(self) -> Seed:
        s = self.seed
        tokens: set[str] = set()
        for i, u in enumerate(s.users):
            where = f"users[{i}] ({u.username})"
            if self.store.user_by_username(u.username):
                raise self.fail(where, "username declared twice")
            if u.token:
                if u.token in tokens:
                    raise self.fail(where, "token already used by another user")
                tokens.add(u.token)
            user = User(
                self.store.new_id("user"), u.username, u.name or u.username, u.token, u.bot, u.admin
            )
            self.store.users[user.id] = user
        for i, g in enumerate(s.groups):
            where = f"groups[{i}] ({g.path})"
            group = Group(
                self.store.new_id("group"),
                g.path,
                g.name or g.path.rsplit("/", 1)[-1],
                visibility=g.visibility,
            )
            group.members = self.members(g.members, where)
            group.labels = [
                Label(
                    self.store.new_id("label"), lb.name, lb.color, lb.description, group_id=group.id
                )
                for lb in g.labels
            ]
            self.store.groups[group.id] = group
        for i, g in enumerate(s.groups):  # invitations once every group is known
            invited_into = self.store.group_by_ref(g.path)
            assert invited_into is not None
            invited_into.shared_with_groups = self.links(
                g.shared_with_groups, f"groups[{i}] ({g.path})"
            )
        for i, p in enumerate(s.projects):
            self.project(p, f"projects[{i}] ({p.path})")
        rate = RateLimit(s.rate_limit.per_minute, s.rate_limit.headers, s.rate_limit.period_seconds)
        faults = Faults(**s.faults.model_dump())
        return Seed(self.store, rate, faults)

    def members(self, members: list[SeedMember], where: str) -> dict[int, int]:
        return {
            self.user(m.username, f"{where}.members[{j}]").id: m.access_level
            for j, m in enumerate(members)
        }

    def links(self, links: list[SeedGroupLink], where: str) -> list[GroupLink]:
        found = []
        for j, link in enumerate(links):
            group = self.store.group_by_ref(link.group_full_path)
            if group is None:
                raise self.fail(
                    f"{where}.shared_with_groups[{j}]",
                    f"'{link.group_full_path}' is not a declared group (add it under groups:)",
                )
            found.append(GroupLink(group.id, link.group_access_level, link.expires_at))
        return found

    def project(self, p: SeedProject, where: str) -> None:
        if self.store.project_by_ref(p.path):
            raise self.fail(where, "project path declared twice")
        project = Project(
            self.store.new_id("project"),
            p.path,
            p.name or p.path.rsplit("/", 1)[-1],
            visibility=p.visibility,
        )
        project.members = self.members(p.members, where)
        project.shared_with_groups = self.links(p.shared_with_groups, where)
        self.store.projects[project.id] = project
        for lb in p.labels:
            self.store.create_project_label(project, lb.name, lb.color, lb.description)
        for j, mr in enumerate(p.merge_requests):
            author = self.user(mr.author, f"{where}.merge_requests[{j}].author")
            project.merge_requests[mr.iid] = MergeRequest(
                self.store.new_id("issue"), mr.iid, mr.title, author.id, self.store.clock.now()
            )
        for j, spec in enumerate(p.issues):
            self.issue(
                project,
                spec,
                f"{where}.issues[{j}] ({'iid ' + str(spec.iid) if spec.iid else spec.title})",
            )

    def issue(self, project: Project, spec: SeedIssue, where: str) -> None:
        now = self.store.clock.now()
        iid = spec.iid or project.next_iid()
        if iid in project.issues:
            raise self.fail(where, f"iid {iid} declared twice in {project.path_with_namespace}")
        created = _when(spec.created_at) if spec.created_at else now
        author = self.user(spec.author, f"{where}.author")
        label_ids = []
        for name in spec.labels:
            label = self.store.find_label(project, name) or self.store.create_project_label(
                project, name
            )
            label_ids.append(label.id)
        issue = Issue(
            id=self.store.new_id("issue"),
            iid=iid,
            project_id=project.id,
            title=spec.title,
            description=spec.description,
            author_id=author.id,
            created_at=created,
            updated_at=_when(spec.updated_at) if spec.updated_at else created,
            state=spec.state,
            label_ids=label_ids,
            assignee_ids=[self.user(a, f"{where}.assignees").id for a in spec.assignees],
            due_date=spec.due_date.isoformat() if spec.due_date else None,
            confidential=spec.confidential,
        )
        if spec.state == "closed":
            issue.closed_at = _when(spec.closed_at) if spec.closed_at else issue.updated_at
            issue.closed_by_id = author.id
        for k, n in enumerate(spec.notes):
            note_where = f"{where}.notes[{k}]"
            when = _when(n.created_at) if n.created_at else created
            note = Note(
                self.store.new_id("note"),
                n.body,
                self.user(n.author, note_where + ".author").id,
                when,
                when,
                system=n.system,
                internal=n.internal,
            )
            note.awards = [
                self.award(a, note.id, "Note", f"{note_where}.award_emoji[{m}]", when)
                for m, a in enumerate(n.award_emoji)
            ]
            issue.notes.append(note)
        if spec.label_events is None:
            # Labels given without their history: GitLab would hold an `add` event by the author.
            issue.label_events = [
                LabelEvent(self.store.new_id("event"), author.id, created, i, "add")
                for i in label_ids
            ]
        for k, ev in enumerate(spec.label_events or []):
            ev_where = f"{where}.label_events[{k}]"
            label = self.store.find_label(project, ev.label) or self.store.create_project_label(
                project, ev.label
            )
            issue.label_events.append(
                LabelEvent(
                    self.store.new_id("event"),
                    self.user(ev.user, ev_where + ".user").id,
                    _when(ev.created_at) if ev.created_at else created,
                    label.id,
                    ev.action,
                )
            )
        issue.awards = [
            self.award(a, issue.id, "Issue", f"{where}.award_emoji[{m}]", created)
            for m, a in enumerate(spec.award_emoji)
        ]
        project.issues[iid] = issue

    def award(
        self, spec: SeedAward, awardable_id: int, kind: str, where: str, default: datetime
    ) -> Award:
        from .emoji import NAMES, is_emoji, normalize_emoji

        if not is_emoji(spec.name.strip(":")):
            raise self.fail(
                where,
                f"'{spec.name}' is not an emoji name the emulator knows ({', '.join(sorted(NAMES)[:8])}, ...)",
            )
        return Award(
            self.store.new_id("award"),
            normalize_emoji(spec.name.strip(":")),
            self.user(spec.user, where + ".user").id,
            _when(spec.created_at) if spec.created_at else default,
            awardable_id,
            kind,
        )
