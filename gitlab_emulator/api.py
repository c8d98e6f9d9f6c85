"""The GitLab REST v4 routes the emulator serves (lib/api/*.rb semantics)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import quick_actions
from .clock import parse_time
from .colors import INVALID as INVALID_COLOR
from .colors import label_color
from .emoji import NAMES, is_emoji, normalize_emoji
from .entities import Entities
from .http import (
    FORBIDDEN,
    UNAUTHORIZED,
    ApiError,
    Request,
    Response,
    Router,
    UploadedFile,
    bad_param,
    not_found,
    paginate,
)
from .quick_actions import assignment_note
from .store import (
    ADMIN_LABEL,
    DESCRIPTION_LIMIT,
    GUEST,
    MAINTAINER,
    MAX_NOTES_PER_NOTEABLE,
    NOTE_BODY_LIMIT,
    OWNER,
    READ_INTERNAL,
    SET_METADATA,
    TITLE_LIMIT,
    UPDATE_ANY_ISSUE,
    Award,
    Group,
    Issue,
    MergeRequest,
    Note,
    Project,
    Store,
    Upload,
    User,
)
from .uploads import content_disposition, new_secret, sanitize

EMOJI = NAMES  # the emoji names the emulator knows (see emoji.py)
# app/services/uploads/destroy_service.rb, for an upload that is not there (or not the caller's)
NO_SUCH_RESOURCE = (
    "The resource that you are attempting to access does not exist or you don't have "
    "permission to perform this action."
)

ISSUE_ORDER = {
    "created_at",
    "updated_at",
    "due_date",
    "label_priority",
    "milestone_due",
    "popularity",
    "priority",
    "relative_position",
    "title",
    "weight",
}
UPDATABLE = (
    "title",
    "description",
    "assignee_id",
    "assignee_ids",
    "confidential",
    "created_at",
    "discussion_locked",
    "due_date",
    "issue_type",
    "labels",
    "add_labels",
    "remove_labels",
    "milestone_id",
    "state_event",
    "updated_at",
    "weight",
    "epic_id",
)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")


def _time_arg(req: Request, name: str) -> datetime | None:
    raw = req.arg(name)
    if raw in (None, ""):
        return None
    try:
        return parse_time(str(raw))
    except ValueError:
        raise bad_param(name, "is invalid") from None


class Api:
    def __init__(self, store: Store, entities: Entities) -> None:
        self.store = store
        self.e = entities
        self.router = Router()
        self._listings: dict[Any, list[tuple[Project, Issue]]] = {}
        routes: list[tuple[str, str, Callable[..., Response]]] = [
            ("GET", "/user", self.current_user),
            ("GET", "/version", self.version),
            ("GET", "/users", self.users),
            ("GET", "/projects/:id", self.get_project),
            ("GET", "/groups/:id", self.get_group),
            ("GET", "/projects/:id/issues", self.project_issues),
            ("POST", "/projects/:id/issues", self.create_issue),
            ("GET", "/groups/:id/issues", self.group_issues),
            ("GET", "/projects/:id/issues/:issue_iid", self.get_issue),
            ("PUT", "/projects/:id/issues/:issue_iid", self.update_issue),
            ("GET", "/projects/:id/issues/:noteable_id/notes", self.list_notes),
            ("POST", "/projects/:id/issues/:noteable_id/notes", self.create_note),
            ("GET", "/projects/:id/issues/:noteable_id/notes/:note_id", self.get_note),
            ("PUT", "/projects/:id/issues/:noteable_id/notes/:note_id", self.update_note),
            ("DELETE", "/projects/:id/issues/:noteable_id/notes/:note_id", self.delete_note),
            ("GET", "/projects/:id/issues/:eventable_id/resource_label_events", self.label_events),
            (
                "GET",
                "/projects/:id/issues/:eventable_id/resource_label_events/:event_id",
                self.label_event,
            ),
            ("GET", "/projects/:id/issues/:issue_iid/award_emoji", self.issue_awards),
            ("POST", "/projects/:id/issues/:issue_iid/award_emoji", self.award_issue),
            ("GET", "/projects/:id/issues/:issue_iid/award_emoji/:award_id", self.get_issue_award),
            (
                "DELETE",
                "/projects/:id/issues/:issue_iid/award_emoji/:award_id",
                self.delete_issue_award,
            ),
            ("GET", "/projects/:id/issues/:issue_iid/notes/:note_id/award_emoji", self.note_awards),
            ("POST", "/projects/:id/issues/:issue_iid/notes/:note_id/award_emoji", self.award_note),
            (
                "GET",
                "/projects/:id/issues/:issue_iid/notes/:note_id/award_emoji/:award_id",
                self.get_note_award,
            ),
            (
                "DELETE",
                "/projects/:id/issues/:issue_iid/notes/:note_id/award_emoji/:award_id",
                self.delete_note_award,
            ),
            ("GET", "/projects/:id/labels/:label_id", self.get_project_label),
            ("GET", "/projects/:id/merge_requests/:noteable_id/notes", self.list_mr_notes),
            ("POST", "/projects/:id/merge_requests/:noteable_id/notes", self.create_mr_note),
            (
                "PUT",
                "/projects/:id/merge_requests/:noteable_id/notes/:note_id",
                self.update_mr_note,
            ),
            ("GET", "/projects/:id/members", self.project_members),
            ("GET", "/projects/:id/members/all", self.project_members_all),
            ("GET", "/projects/:id/members/all/:user_id", self.project_member_all),
            ("GET", "/projects/:id/members/:user_id", self.project_member),
            ("GET", "/groups/:id/members", self.group_members),
            ("GET", "/groups/:id/members/all", self.group_members_all),
            ("GET", "/groups/:id/members/:user_id", self.group_member),
            ("GET", "/projects/:id/labels", self.project_labels),
            ("POST", "/projects/:id/labels", self.create_label),
            ("GET", "/groups/:id/labels", self.group_labels),
            ("POST", "/projects/:id/uploads", self.create_upload),
            ("GET", "/projects/:id/uploads", self.list_uploads),
            ("GET", "/projects/:id/uploads/:upload_id", self.get_upload),
            ("DELETE", "/projects/:id/uploads/:upload_id", self.delete_upload),
            ("GET", "/projects/:id/uploads/:secret/:filename", self.get_upload_by_secret),
            ("DELETE", "/projects/:id/uploads/:secret/:filename", self.delete_upload_by_secret),
        ]
        for method, template, handler in routes:
            self.router.add(method, template, handler)

    # lookups ------------------------------------------------------------------------------

    def project(self, req: Request, ref: str) -> Project:
        project = self.store.project_by_ref(ref)
        if project is None or not self.store.can_read_project(project, req.user):
            raise not_found("Project")
        return project

    def group(self, req: Request, ref: str) -> Group:
        group = self.store.group_by_ref(ref)
        if group is None or not self.store.can_read_group(group, req.user):
            raise not_found("Group")
        return group

    def issue(self, req: Request, project: Project, iid: str, missing: str | None = None) -> Issue:
        issue = project.issues.get(int(iid)) if iid.isdigit() else None
        if issue is None or not self.store.can_read_issue(project, issue, req.user):
            raise not_found(missing)
        return issue

    def note(self, req: Request, project: Project, issue: Issue, note_id: str) -> Note:
        note = next((n for n in issue.notes if str(n.id) == note_id), None)
        if note is None:
            raise not_found()
        if note.internal and not self._sees_internal(req, project):
            raise not_found("Note")
        return note

    def _note_to_admin(
        self, req: Request, project: Project, issue: Issue, note_id: str
    ) -> tuple[User, Note]:
        """A note to edit or delete. GL `lib/api/helpers/notes_helpers.rb` finds it among all the
        issue's notes (`noteable.notes.find`: 404 only when there is none), then
        `authorize! :admin_note` answers 403 unless the caller may (`app/policies/note_policy.rb`
        with `project_policy.rb`): never on a system note (`~editable`); on an internal note only
        who may read it (Planner/Reporter and above, the issue's author or assignee); and only
        the note's author, a Maintainer (`admin_note` from `maintainer_access`) or an admin."""
        user = self._authenticated(req)
        note = next((n for n in issue.notes if str(n.id) == note_id), None)
        if note is None:
            raise not_found()
        access = self.store.project_access(project, user)
        reads_internal = (
            access >= READ_INTERNAL or issue.author_id == user.id or user.id in issue.assignee_ids
        )
        may = (
            not note.system
            and (not note.internal or reads_internal or user.admin)
            and (note.author_id == user.id or access >= MAINTAINER or user.admin)
        )
        if not may:
            raise FORBIDDEN
        return user, note

    def _sees_internal(self, req: Request, project: Project) -> bool:
        return self.store.project_access(project, req.user) >= READ_INTERNAL

    @staticmethod
    def _authenticated(req: Request) -> User:
        if req.user is None:
            raise UNAUTHORIZED
        return req.user

    # users, version, projects, groups -----------------------------------------------------

    def current_user(self, req: Request) -> Response:
        return Response(200, self.e.current_user(self._authenticated(req)))

    def version(self, req: Request) -> Response:
        self._authenticated(req)
        return Response(
            200,
            {
                "version": "18.6.0-ee",
                "revision": "emulator",
                "kas": {"enabled": False, "externalUrl": None, "version": None},
                "enterprise": True,
            },
        )

    def users(self, req: Request) -> Response:
        wanted = req.arg("username")
        users = [
            u
            for u in self.store.users.values()
            if wanted is None or u.username.lower() == str(wanted).lower()
        ]
        return paginate(req, sorted(users, key=lambda u: -u.id), {}, self.e.user_basic)

    def get_project(self, req: Request, id: str) -> Response:
        project = self.project(req, id)
        data = self.e.project(project)
        if req.user is not None:  # the caller's own access, as GitLab's single-project GET shows it
            direct = project.members.get(req.user.id)
            groups = [g.members.get(req.user.id) for g in self.store.project_group(project)]
            group = max((level for level in groups if level), default=None)
            data["permissions"] = {
                "project_access": {"access_level": direct, "notification_level": 3}
                if direct
                else None,
                "group_access": {"access_level": group, "notification_level": 3} if group else None,
            }
        return Response(200, data)

    def get_group(self, req: Request, id: str) -> Response:
        return Response(200, self.e.group(self.group(req, id)))

    # issues -------------------------------------------------------------------------------

    def project_issues(self, req: Request, id: str) -> Response:
        project = self.project(req, id)
        issues = self._filter_issues(req, [project])
        declared = self._issue_list_declared(req, id=project.id)
        details = _truthy(req.arg("with_labels_details", False))
        return paginate(
            req, issues, declared, lambda pair: self.e.issue(*pair, labels_details=details)
        )

    def group_issues(self, req: Request, id: str) -> Response:
        group = self.group(req, id)
        projects = [
            p
            for p in self.store.projects_in_group(group)
            if self.store.can_read_project(p, req.user)
        ]
        issues = self._filter_issues(req, projects)
        declared = self._issue_list_declared(req, id=group.id, non_archived="true")
        details = _truthy(req.arg("with_labels_details", False))
        return paginate(
            req,
            issues,
            declared,
            lambda pair: self.e.issue(*pair, relative_to_group=True, labels_details=details),
        )

    @staticmethod
    def _issue_list_declared(req: Request, **extra: Any) -> dict[str, Any]:
        return {
            "order_by": "created_at",
            "sort": "desc",
            "state": "all",
            "with_labels_details": "false",
            "scope": "all",
            **extra,
        }

    def _filter_issues(self, req: Request, projects: list[Project]) -> list[tuple[Project, Issue]]:
        """The filtered, sorted issues of a listing. Cached per query until the next write, so
        paging through a large listing filters it once, not once per page."""
        query = tuple(
            sorted((k, tuple(v)) for k, v in req.query.items() if k not in ("page", "per_page"))
        )
        key = (
            tuple(p.id for p in projects),
            query,
            req.user.id if req.user else None,
            self.store.version,
        )
        if key not in self._listings:
            self._listings = {
                key: self._filter_issues_uncached(req, projects)
            }  # keep only the newest
        return self._listings[key]

    def _filter_issues_uncached(
        self, req: Request, projects: list[Project]
    ) -> list[tuple[Project, Issue]]:
        state = req.arg("state", "all")
        if state not in ("opened", "closed", "all"):
            raise bad_param("state")
        order_by = req.arg("order_by", "created_at")
        if order_by not in ISSUE_ORDER:
            raise bad_param("order_by")
        sort = req.arg("sort", "desc")
        if sort not in ("asc", "desc"):
            raise bad_param("sort")
        if req.has("author_username") and req.has("author_id"):
            raise ApiError(400, {"error": "author_id, author_username are mutually exclusive"})
        labels = req.list_arg("labels")
        not_labels = req.list_arg("not[labels]")
        iids = (
            {int(v) for v in (req.list_arg("iids") or []) if v.isdigit()}
            if req.has("iids[]") or req.has("iids")
            else None
        )
        times = {
            name: _time_arg(req, name)
            for name in ("created_after", "created_before", "updated_after", "updated_before")
        }
        assignee = req.list_arg("assignee_username")
        author = req.arg("author_username")
        assignee_id, author_id = req.arg("assignee_id"), req.arg("author_id")
        search = req.arg("search")
        search_in = req.list_arg("in") or ["title", "description"]
        confidential = req.arg("confidential")

        found: list[tuple[Project, Issue]] = []
        for project in projects:
            readable = self.store.issue_reader(project, req.user)
            names_to_ids = {label.name: label.id for label in self.store.labels_for(project)}
            wanted: list[int] | None = None
            mode = None
            if labels:
                lowered = [name.lower() for name in labels]
                if lowered in (["none"], ["no label"]):
                    mode = "none"
                elif lowered == ["any"]:
                    mode = "any"
                else:
                    if any(name not in names_to_ids for name in labels):
                        continue  # "Found less labels in the DB than we were searching for. Return nothing."
                    wanted = [names_to_ids[name] for name in labels]
            excluded = {names_to_ids[name] for name in not_labels or [] if name in names_to_ids}
            for issue in project.issues.values():
                if state != "all" and issue.state != state:
                    continue
                if (mode == "none" and issue.label_ids) or (mode == "any" and not issue.label_ids):
                    continue
                if wanted and not all(i in issue.label_ids for i in wanted):
                    continue
                if excluded and excluded & set(issue.label_ids):
                    continue
                if iids is not None and issue.iid not in iids:
                    continue
                if not self._matches_people(issue, assignee, author, assignee_id, author_id):
                    continue
                if not self._in_window(issue, times):
                    continue
                if search and not any(
                    str(search).lower() in (getattr(issue, f) or "").lower()
                    for f in search_in
                    if f in ("title", "description")
                ):
                    continue
                if confidential is not None and issue.confidential != _truthy(confidential):
                    continue
                if not readable(issue):
                    continue
                found.append((project, issue))

        def key(pair: tuple[Project, Issue]) -> tuple[Any, int]:
            issue = pair[1]
            value: Any = {
                "updated_at": issue.updated_at,
                "title": issue.title.lower(),
                "due_date": issue.due_date or "9999-12-31",
            }.get(order_by, issue.created_at)
            return value, issue.id

        return sorted(found, key=key, reverse=(sort == "desc"))

    def _matches_people(
        self,
        issue: Issue,
        assignee: list[str] | None,
        author: str | None,
        assignee_id: Any,
        author_id: Any,
    ) -> bool:
        if assignee:
            ids = [u.id for name in assignee if (u := self.store.user_by_username(name))]
            if len(ids) < len(assignee) or not all(i in issue.assignee_ids for i in ids):
                return False
        if assignee_id is not None:
            value = str(assignee_id).lower()
            if (value == "none" and issue.assignee_ids) or (
                value == "any" and not issue.assignee_ids
            ):
                return False
            if value.isdigit() and int(value) not in issue.assignee_ids:
                return False
        if author is not None:
            user = self.store.user_by_username(str(author))
            if user is None or issue.author_id != user.id:
                return False
        return not (author_id is not None and str(author_id) != str(issue.author_id))

    @staticmethod
    def _in_window(issue: Issue, times: dict[str, datetime | None]) -> bool:
        checks = (
            ("created_after", issue.created_at, 1),
            ("created_before", issue.created_at, -1),
            ("updated_after", issue.updated_at, 1),
            ("updated_before", issue.updated_at, -1),
        )
        for name, value, direction in checks:
            bound = times[name]
            if bound is not None and (value < bound if direction > 0 else value > bound):
                return False
        return True

    def get_issue(self, req: Request, id: str, issue_iid: str) -> Response:
        project = self.project(req, id)
        return Response(
            200, self.e.issue(project, self.issue(req, project, issue_iid), single=True)
        )

    def create_issue(self, req: Request, id: str) -> Response:
        user = self._authenticated(req)
        project = self.project(req, id)
        access = self.store.project_access(project, user)
        if access < GUEST and project.visibility == "private":
            raise FORBIDDEN
        title = req.arg("title")
        if title is None:
            raise bad_param("title", "is missing")
        self._check_issue_fields(title=title, description=req.arg("description"))
        now = self.store.clock.now()
        created_at = _time_arg(req, "created_at") if access >= OWNER else None
        issue = Issue(
            id=self.store.new_id("issue"),
            iid=project.next_iid(),
            project_id=project.id,
            title=str(title),
            description=req.arg("description"),
            author_id=user.id,
            created_at=created_at or now,
            updated_at=created_at or now,
            confidential=_truthy(req.arg("confidential", False)),
        )
        project.issues[issue.iid] = issue
        if access >= SET_METADATA:
            labels = req.list_arg("labels")
            if labels:
                self.store.change_labels(project, issue, user, add=labels)
            issue.assignee_ids = self._assignees(req, project, [])
            issue.due_date = req.arg("due_date") or None
            if req.has("weight") and self.store.premium:
                issue.weight = self._weight(req)
        return Response(201, self.e.issue(project, issue, single=True))

    @staticmethod
    def _check_issue_fields(*, title: Any = None, description: Any = None) -> None:
        if title is not None and len(str(title)) > TITLE_LIMIT:
            raise ApiError(
                400, {"message": {"title": [f"is too long (maximum is {TITLE_LIMIT} characters)"]}}
            )
        if title is not None and not str(title).strip():
            raise ApiError(400, {"message": {"title": ["can't be blank"]}})
        if description is not None and len(str(description)) > DESCRIPTION_LIMIT:
            raise ApiError(
                400,
                {
                    "message": {
                        "description": [f"is too long (maximum is {DESCRIPTION_LIMIT} characters)"]
                    }
                },
            )

    @staticmethod
    def _weight(req: Request) -> int | None:
        raw = req.arg("weight")
        if raw is None or raw == "":
            return None
        try:
            weight = int(raw)
        except (TypeError, ValueError):
            raise bad_param("weight", "is invalid") from None
        if weight < 0:
            raise ApiError(400, {"message": {"weight": ["must be greater than or equal to 0"]}})
        return weight

    def _assignees(self, req: Request, project: Project, current: list[int]) -> list[int]:
        """`assignee_ids` (or `assignee_id`) as GitLab keeps them (Store.assignable)."""
        raw = req.body.get("assignee_ids", req.list_arg("assignee_ids"))
        if raw is None and req.arg("assignee_id") is not None:
            raw = [req.arg("assignee_id")]
        ids = raw if isinstance(raw, list) else []
        asked = [int(i) for i in ids if str(i).isdigit()]
        return self.store.assignable(project, asked, current)

    def update_issue(self, req: Request, id: str, issue_iid: str) -> Response:
        user = self._authenticated(req)
        project = self.project(req, id)
        issue = self.issue(req, project, issue_iid)
        if not any(req.has(name) for name in UPDATABLE):
            raise ApiError(
                400,
                {
                    "error": ", ".join(UPDATABLE)
                    + " are missing, at least one parameter must be provided"
                },
            )
        access = self.store.project_access(project, user)
        # app/policies/issuable_policy.rb: `guest_access & assignee_or_author` enables
        # update_issue and reopen_issue (title, description, close, reopen; metadata stays
        # Planner's, below); everyone else needs Planner or above.
        if access < UPDATE_ANY_ISSUE and user.id not in (issue.author_id, *issue.assignee_ids):
            raise FORBIDDEN
        state_event = req.arg("state_event")
        if state_event is not None and state_event not in ("close", "reopen"):
            raise bad_param("state_event")
        self._check_issue_fields(title=req.arg("title"), description=req.arg("description"))
        weight = self._weight(req)  # validated before anything changes
        now = self.store.clock.now()
        changed = False
        # GitLab records these edits as system notes by the editor (SystemNoteService);
        # label and state changes are resource events instead, not notes.
        if req.has("title") and issue.title != req.arg("title"):
            self.store.add_note(
                issue,
                user,
                f"changed title from **{issue.title}** to **{req.arg('title')}**",
                system=True,
            )
            issue.title, changed = str(req.arg("title")), True
        if req.has("description") and issue.description != req.arg("description"):
            issue.description, changed = req.arg("description"), True
            self.store.add_note(issue, user, "changed the description", system=True)
        if access >= SET_METADATA:  # otherwise silently dropped (IssuableBaseService#filter_params)
            if any(req.has(n) for n in ("labels", "add_labels", "remove_labels")):
                self.store.change_labels(
                    project,
                    issue,
                    user,
                    labels=req.list_arg("labels") if req.has("labels") else None,
                    add=req.list_arg("add_labels"),
                    remove=req.list_arg("remove_labels"),
                )
            if req.has("assignee_ids") or req.has("assignee_id"):
                assignees = self._assignees(req, project, issue.assignee_ids)
                if assignees != issue.assignee_ids:
                    self.store.add_note(
                        issue,
                        user,
                        assignment_note(issue.assignee_ids, assignees, self.store),
                        system=True,
                    )
                    issue.assignee_ids, changed = assignees, True
            if req.has("due_date") and (req.arg("due_date") or None) != issue.due_date:
                issue.due_date, changed = req.arg("due_date") or None, True
            if req.has("confidential") and _truthy(req.arg("confidential")) != issue.confidential:
                issue.confidential, changed = _truthy(req.arg("confidential")), True
            if req.has("discussion_locked"):
                issue.discussion_locked, changed = _truthy(req.arg("discussion_locked")), True
            if req.has("weight") and self.store.premium and weight != issue.weight:  # EE
                issue.weight, changed = weight, True
        if state_event == "close" and issue.state == "opened":
            issue.state, issue.closed_at, issue.closed_by_id, changed = "closed", now, user.id, True
        elif state_event == "reopen" and issue.state == "closed":
            issue.state, issue.closed_at, issue.closed_by_id, changed = "opened", None, None, True
        if changed:
            issue.updated_at = now
        return Response(200, self.e.issue(project, issue, single=True))

    # notes --------------------------------------------------------------------------------

    def list_notes(self, req: Request, id: str, noteable_id: str) -> Response:
        self._authenticated(req)  # Notes routes call authenticate!, even GET
        project = self.project(req, id)
        issue = self.issue(req, project, noteable_id, missing="Issue")
        order_by, sort = req.arg("order_by", "created_at"), req.arg("sort", "desc")
        if order_by not in ("created_at", "updated_at"):
            raise bad_param("order_by")
        if sort not in ("asc", "desc"):
            raise bad_param("sort")
        activity = req.arg("activity_filter", "all_notes")
        if activity not in ("all_notes", "only_comments", "only_activity"):
            raise bad_param("activity_filter")
        # The activity filter is part of the query; who may read which note is checked on
        # each page after it is cut, so X-Total counts notes the caller cannot see
        # (lib/api/notes.rb: "the current page can have less elements than :per_page").
        notes = [
            n
            for n in issue.notes
            if activity == "all_notes" or (activity == "only_comments") != n.system
        ]
        sees_internal = self._sees_internal(req, project)
        notes.sort(key=lambda n: (getattr(n, order_by), n.id), reverse=(sort == "desc"))
        declared = {
            "activity_filter": activity,
            "id": project.id,
            "noteable_id": issue.iid,
            "order_by": order_by,
            "sort": sort,
        }
        return paginate(
            req,
            notes,
            declared,
            lambda n: self.e.note(project, issue, n),
            visible=lambda n: not n.internal or sees_internal,
        )

    def get_note(self, req: Request, id: str, noteable_id: str, note_id: str) -> Response:
        self._authenticated(req)
        project = self.project(req, id)
        issue = self.issue(req, project, noteable_id, missing="Issue")
        return Response(200, self.e.note(project, issue, self.note(req, project, issue, note_id)))

    def create_note(self, req: Request, id: str, noteable_id: str) -> Response:
        user = self._authenticated(req)
        project = self.project(req, id)
        issue = self.issue(req, project, noteable_id, missing="Issue")
        body = req.arg("body")
        if body is None:
            raise bad_param("body", "is missing")
        body = str(body)
        if not body.strip():
            raise bad_param("body", "is empty")
        access = self.store.project_access(project, user)
        # Notes::BuildService keeps the flag only for who may `mark_note_as_internal` (Planner,
        # Reporter and above); anyone else's note is saved public, and answered 201 as such.
        internal = access >= READ_INTERNAL and _truthy(
            req.arg("internal", req.arg("confidential", False))
        )
        if access < GUEST and project.visibility == "private":
            raise FORBIDDEN
        if len(body) > NOTE_BODY_LIMIT:
            raise ApiError(
                400,
                {
                    "message": f'400 Bad request - Note {{:note=>["is too long (maximum is {NOTE_BODY_LIMIT} characters)"]}}'
                },
            )
        if len(issue.notes) >= MAX_NOTES_PER_NOTEABLE:
            raise ApiError(
                400,
                {
                    "message": '400 Bad request - Note {:base=>["Maximum number of comments exceeded"]}'
                },
            )
        # Notes::CreateService runs the commands before saving; a note of commands only is
        # not saved (lib/api/helpers/notes_helpers.rb process_note_creation_result).
        outcome = quick_actions.run(self.store, project, issue, user, body)
        if outcome.failed:
            raise ApiError(400, {"message": "400 Bad request - Failed to apply commands."})
        if outcome.only_commands:
            return Response(
                202, {"commands_changes": outcome.commands_changes, "summary": outcome.summary}
            )
        created_at = _time_arg(req, "created_at") if access >= OWNER else None
        note = self.store.add_note(
            issue, user, outcome.body, internal=internal, created_at=created_at
        )
        data = self.e.note(project, issue, note)
        data["commands_changes"] = outcome.commands_changes
        return Response(201, data)

    def update_note(self, req: Request, id: str, noteable_id: str, note_id: str) -> Response:
        project = self.project(req, id)
        issue = self.issue(req, project, noteable_id, missing="Issue")
        user, note = self._note_to_admin(req, project, issue, note_id)
        # PUT declares `body` and `confidential` only: `internal` is not a param here and is
        # ignored; a changed `confidential` fails Note validation (lib/api/notes.rb,
        # notes_helpers.rb update_note).
        wants_confidential = req.arg("confidential")
        if wants_confidential is not None and _truthy(wants_confidential) != note.internal:
            raise ApiError(
                400,
                {
                    "message": '400 Bad request - Note {:confidential=>["can not be changed for existing notes"]}'
                },
            )
        if req.has("body"):
            body = str(req.arg("body"))
            if not body.strip():
                raise bad_param("body", "is empty")
            if len(body) > NOTE_BODY_LIMIT:
                raise ApiError(
                    400,
                    {
                        "message": f'400 Bad request - Note {{:note=>["is too long (maximum is {NOTE_BODY_LIMIT} characters)"]}}'
                    },
                )
            # Notes::UpdateService: commands run; a note edited down to commands is deleted.
            outcome = quick_actions.run(self.store, project, issue, user, body)
            if outcome.only_commands:
                issue.notes.remove(note)
                return Response(
                    202, {"commands_changes": outcome.commands_changes, "summary": outcome.summary}
                )
            if outcome.body != note.body:
                note.body = outcome.body
                note.updated_at = self.store.clock.now()
                self.store.touch(issue)
        return Response(200, self.e.note(project, issue, note))

    def delete_note(self, req: Request, id: str, noteable_id: str, note_id: str) -> Response:
        """GL `lib/api/helpers/notes_helpers.rb` `delete_note`: `authorize! :admin_note` (see
        `_note_to_admin`), then 204 No Content."""
        project = self.project(req, id)
        issue = self.issue(req, project, noteable_id, missing="Issue")
        _, note = self._note_to_admin(req, project, issue, note_id)
        issue.notes.remove(note)
        return Response(204)

    # merge request notes (the bot's plan summary; no quick actions are run on them here) -----

    def _mr(self, req: Request, id: str, iid: str) -> tuple[Project, MergeRequest]:
        self._authenticated(req)
        project = self.project(req, id)
        mr = project.merge_requests.get(int(iid)) if iid.isdigit() else None
        if mr is None:
            raise not_found("Merge Request")
        return project, mr

    def list_mr_notes(self, req: Request, id: str, noteable_id: str) -> Response:
        project, mr = self._mr(req, id, noteable_id)
        sort = req.arg("sort", "desc")
        notes = sorted(mr.notes, key=lambda n: (n.created_at, n.id), reverse=(sort == "desc"))
        return paginate(
            req,
            notes,
            {"id": project.id, "noteable_id": mr.iid, "order_by": "created_at", "sort": sort},
            lambda n: self.e.mr_note(project, mr, n),
        )

    def create_mr_note(self, req: Request, id: str, noteable_id: str) -> Response:
        project, mr = self._mr(req, id, noteable_id)
        assert req.user is not None
        body = req.arg("body")
        if body is None or not str(body).strip():
            raise bad_param("body", "is missing" if body is None else "is empty")
        if self.store.project_access(project, req.user) < GUEST and project.visibility == "private":
            raise FORBIDDEN
        outcome = quick_actions.run_on_merge_request(self.store, project, mr, req.user, str(body))
        if outcome.only_commands:  # as on an issue: 202, or 400 when nothing applied
            if outcome.failed:
                raise ApiError(400, {"message": "400 Bad request - Failed to apply commands."})
            return Response(
                202, {"commands_changes": outcome.commands_changes, "summary": outcome.summary}
            )
        now = self.store.clock.now()
        note = Note(self.store.new_id("note"), outcome.body, req.user.id, now, now)
        mr.notes.append(note)
        return Response(201, self.e.mr_note(project, mr, note))

    def update_mr_note(self, req: Request, id: str, noteable_id: str, note_id: str) -> Response:
        project, mr = self._mr(req, id, noteable_id)
        assert req.user is not None
        note = next((n for n in mr.notes if str(n.id) == note_id), None)
        if note is None:
            raise not_found()
        if note.author_id != req.user.id and not req.user.admin:
            raise FORBIDDEN
        if req.has("body"):
            outcome = quick_actions.run_on_merge_request(
                self.store, project, mr, req.user, str(req.arg("body"))
            )
            if outcome.only_commands:  # Notes::UpdateService: an edit down to commands deletes
                mr.notes.remove(note)
                return Response(
                    202, {"commands_changes": outcome.commands_changes, "summary": outcome.summary}
                )
            if outcome.body != note.body:
                note.body, note.updated_at = outcome.body, self.store.clock.now()
        return Response(200, self.e.mr_note(project, mr, note))

    # label events -------------------------------------------------------------------------

    def label_events(self, req: Request, id: str, eventable_id: str) -> Response:
        # lib/api/resource_label_events.rb: `authenticate!` first; the issue is found with
        # find_noteable, so a missing one is "404 Issue Not Found".
        self._authenticated(req)
        project = self.project(req, id)
        issue = self.issue(req, project, eventable_id, missing="Issue")
        events = sorted(issue.label_events, key=lambda ev: (ev.created_at, ev.id))
        declared = {"eventable_id": issue.iid, "id": project.id}
        return paginate(req, events, declared, lambda ev: self.e.label_event(project, issue, ev))

    def label_event(self, req: Request, id: str, eventable_id: str, event_id: str) -> Response:
        self._authenticated(req)
        project = self.project(req, id)
        issue = self.issue(req, project, eventable_id, missing="Issue")
        event = next((ev for ev in issue.label_events if str(ev.id) == event_id), None)
        if event is None:
            raise not_found()
        return Response(200, self.e.label_event(project, issue, event))

    # award emoji --------------------------------------------------------------------------

    def issue_awards(self, req: Request, id: str, issue_iid: str) -> Response:
        project = self.project(req, id)
        issue = self.issue(req, project, issue_iid)
        return paginate(req, issue.awards, {"id": project.id, "issue_iid": issue.iid}, self.e.award)

    def get_issue_award(self, req: Request, id: str, issue_iid: str, award_id: str) -> Response:
        project = self.project(req, id)
        issue = self.issue(req, project, issue_iid)
        award = next((a for a in issue.awards if str(a.id) == award_id), None)
        if award is None:
            raise not_found()
        return Response(200, self.e.award(award))

    def award_issue(self, req: Request, id: str, issue_iid: str) -> Response:
        project = self.project(req, id)
        issue = self.issue(req, project, issue_iid)
        return self._award(req, issue.awards, issue.id, "Issue")

    def delete_issue_award(self, req: Request, id: str, issue_iid: str, award_id: str) -> Response:
        project = self.project(req, id)
        issue = self.issue(req, project, issue_iid)
        return self._delete_award(req, issue.awards, award_id)

    @staticmethod
    def _one_award(awards: list[Award], award_id: str) -> Award:
        award = next((a for a in awards if str(a.id) == award_id), None)
        if award is None:
            raise not_found()
        return award

    def _delete_award(self, req: Request, awards: list[Award], award_id: str) -> Response:
        """lib/api/award_emoji.rb: only the award's owner (or an admin) deletes it; 204."""
        user = self._authenticated(req)
        award = self._one_award(awards, award_id)
        if award.user_id != user.id and not user.admin:
            raise UNAUTHORIZED
        awards.remove(award)
        return Response(204)

    def get_note_award(
        self, req: Request, id: str, issue_iid: str, note_id: str, award_id: str
    ) -> Response:
        self._authenticated(req)
        project = self.project(req, id)
        note = self.note(req, project, self.issue(req, project, issue_iid), note_id)
        return Response(200, self.e.award(self._one_award(note.awards, award_id)))

    def delete_note_award(
        self, req: Request, id: str, issue_iid: str, note_id: str, award_id: str
    ) -> Response:
        project = self.project(req, id)
        note = self.note(req, project, self.issue(req, project, issue_iid), note_id)
        return self._delete_award(req, note.awards, award_id)

    def note_awards(self, req: Request, id: str, issue_iid: str, note_id: str) -> Response:
        self._authenticated(req)
        project = self.project(req, id)
        issue = self.issue(req, project, issue_iid)
        note = self.note(req, project, issue, note_id)
        return paginate(
            req,
            note.awards,
            {"id": project.id, "issue_iid": issue.iid, "note_id": note.id},
            self.e.award,
        )

    def award_note(self, req: Request, id: str, issue_iid: str, note_id: str) -> Response:
        project = self.project(req, id)
        issue = self.issue(req, project, issue_iid)
        note = self.note(req, project, issue, note_id)
        return self._award(req, note.awards, note.id, "Note")

    def _award(self, req: Request, awards: list[Award], awardable_id: int, kind: str) -> Response:
        user = self._authenticated(req)
        name = req.arg("name")
        if name is None:
            raise bad_param("name", "is missing")
        name = str(name).strip(":")
        if not is_emoji(name):
            raise not_found("Award Emoji Name is not a valid emoji name")
        name = normalize_emoji(name)  # `+1` is stored as `thumbsup`
        if any(a.name == name and a.user_id == user.id for a in awards):
            raise not_found("Award Emoji Name has already been taken")
        award = Award(
            self.store.new_id("award"), name, user.id, self.store.clock.now(), awardable_id, kind
        )
        awards.append(award)
        return Response(201, self.e.award(award))

    # members ------------------------------------------------------------------------------

    def _members(self, req: Request, members: dict[int, int], declared: dict[str, Any]) -> Response:
        query = str(req.arg("query") or "").lower()
        user_ids = {int(v) for v in req.list_arg("user_ids") or [] if v.isdigit()}
        rows = [
            (self.store.users[uid], level)
            for uid, level in sorted(members.items())
            if (
                not query
                or query in self.store.users[uid].username.lower()
                or query in self.store.users[uid].name.lower()
            )
            and (not user_ids or uid in user_ids)
        ]
        return paginate(req, rows, declared, lambda row: self.e.member(*row))

    def project_members(self, req: Request, id: str) -> Response:
        project = self.project(req, id)
        return self._members(req, project.members, {"id": project.id})

    def project_members_all(self, req: Request, id: str) -> Response:
        project = self.project(req, id)
        return self._members(req, self.store.members_all(project, req.user), {"id": project.id})

    def project_member_all(self, req: Request, id: str, user_id: str) -> Response:
        project = self.project(req, id)
        members = self.store.members_all(project, req.user)
        if not user_id.isdigit() or int(user_id) not in members:
            raise not_found("Member")
        return Response(200, self.e.member(self.store.users[int(user_id)], members[int(user_id)]))

    def _member(self, members: dict[int, int], user_id: str) -> Response:
        """GL `lib/api/members.rb` `get ":id/members/:user_id"`: `source.members` (direct
        members only) `.find_by!(user_id:)`, a RecordNotFound answering 404; `user_id` is an
        Integer param (400 otherwise)."""
        if not user_id.isdigit():
            raise bad_param("user_id", "is invalid")
        if int(user_id) not in members:
            raise not_found()
        return Response(200, self.e.member(self.store.users[int(user_id)], members[int(user_id)]))

    def project_member(self, req: Request, id: str, user_id: str) -> Response:
        return self._member(self.project(req, id).members, user_id)

    def group_member(self, req: Request, id: str, user_id: str) -> Response:
        return self._member(self.group(req, id).members, user_id)

    def group_members(self, req: Request, id: str) -> Response:
        group = self.group(req, id)
        return self._members(req, group.members, {"id": group.id})

    def group_members_all(self, req: Request, id: str) -> Response:
        group = self.group(req, id)
        return self._members(req, self.store.group_members_all(group, req.user), {"id": group.id})

    # labels -------------------------------------------------------------------------------

    def project_labels(self, req: Request, id: str) -> Response:
        project = self.project(req, id)
        include_groups = _truthy(req.arg("include_ancestor_groups", True))
        labels = self.store.labels_for(project) if include_groups else list(project.labels)
        return paginate(
            req,
            sorted(labels, key=lambda lb: lb.name.lower()),
            {"id": project.id, "include_ancestor_groups": str(include_groups).lower()},
            self.e.label,
        )

    def get_project_label(self, req: Request, id: str, label_id: str) -> Response:
        """lib/api/labels.rb: one label by id or title, project or ancestor group's."""
        project = self.project(req, id)
        labels = self.store.labels_for(project)
        label = next((lb for lb in labels if str(lb.id) == label_id), None) or next(
            (lb for lb in labels if lb.name == label_id), None
        )
        if label is None:
            raise not_found("Label")
        return Response(200, self.e.label(label))

    def group_labels(self, req: Request, id: str) -> Response:
        group = self.group(req, id)
        return paginate(
            req,
            sorted(group.labels, key=lambda lb: lb.name.lower()),
            {"id": group.id},
            self.e.label,
        )

    def create_label(self, req: Request, id: str) -> Response:
        user = self._authenticated(req)
        project = self.project(req, id)
        if self.store.project_access(project, user) < ADMIN_LABEL:
            raise FORBIDDEN
        name, color = req.arg("name"), req.arg("color")
        if name is None:
            raise bad_param("name", "is missing")
        if color is None:
            raise bad_param("color", "is missing")
        if "," in str(name):
            raise ApiError(400, {"message": {"title": ["is invalid"]}})
        stored = label_color(str(color))  # `validates :color, color: true` (colors.py)
        if stored is None:
            raise ApiError(400, {"message": {"color": [INVALID_COLOR]}})
        if self.store.find_label(project, str(name)) is not None:
            raise ApiError(409, {"message": "Label already exists"})
        label = self.store.create_project_label(
            project, str(name), stored, str(req.arg("description") or "")
        )
        return Response(201, self.e.label(label))

    # Markdown uploads (lib/api/markdown_uploads.rb; shapes and names in uploads.py) ---------
    #
    # Who may (app/policies/project_policy.rb): uploading needs only `user_project`, i.e.
    # `:read_project` (a Guest of a private project; anyone signed in on a public or internal
    # one); downloading by secret and file name needs `:read_upload` (given with guest_access
    # and public_access: whoever reads the project); listing, downloading by id and deleting
    # need `:admin_upload` / `:destroy_upload`, Maintainer and above ("403 Forbidden" below).

    def create_upload(self, req: Request, id: str) -> Response:
        """POST: `authenticate_non_get!`, then the project as the caller sees it, then the size.
        The size limit is Workhorse's: `/uploads/authorize` gives it `MaximumSize` (the
        instance's max_attachment_size) and it answers a bigger file itself, 413 with the
        status text (workhorse `internal/upload/rewrite.go`, `destination.ErrEntityTooLarge`),
        before Rails sees the request."""
        user = self._authenticated(req)
        project = self.project(req, id)
        file = req.arg("file")
        if file is None:
            raise bad_param("file", "is missing")
        if not isinstance(file, UploadedFile):
            raise bad_param("file", "is invalid")
        if len(file.data) > self.store.max_attachment_size:
            return Response(
                413, "Request Entity Too Large\n", content_type="text/plain; charset=utf-8"
            )
        upload = Upload(
            self.store.new_id("upload"),
            new_secret(),
            sanitize(file.filename),
            file.data,
            self.store.clock.now(),
            user.id,
        )
        project.uploads.append(upload)
        return Response(201, self.e.project_upload(project, upload))

    def _admin_uploads(self, req: Request, id: str) -> Project:
        project = self.project(req, id)
        if self.store.project_access(project, req.user) < MAINTAINER:
            raise FORBIDDEN  # authorize! :admin_upload / :destroy_upload
        return project

    @staticmethod
    def _by_id(project: Project, upload_id: str) -> Upload:
        """`Banzai::UploadsFinder#find`: ActiveRecord's RecordNotFound, "404 Not found"."""
        if not upload_id.isdigit():  # `requires :upload_id, type: Integer`
            raise bad_param("upload_id", "is invalid")
        found = next((u for u in project.uploads if u.id == int(upload_id)), None)
        if found is None:
            raise not_found()
        return found

    @staticmethod
    def _by_secret(project: Project, secret: str, filename: str) -> Upload:
        """`find_by_secret_and_filename`: nil when either differs, then `not_found!`."""
        found = next(
            (u for u in project.uploads if u.secret == secret and u.filename == filename), None
        )
        if found is None:
            raise ApiError(404, {"message": "404 Not Found"})
        return found

    @staticmethod
    def _file(upload: Upload) -> Response:
        """`present_disk_file!`: the bytes as an attachment, `application/octet-stream`, named
        as Rails' `ActionDispatch::Http::ContentDisposition.format` names it."""
        return Response(
            200,
            upload.data,
            {
                "Content-Disposition": content_disposition(upload.filename),
                "Content-Transfer-Encoding": "binary",
            },
            content_type="application/octet-stream",
        )

    def list_uploads(self, req: Request, id: str) -> Response:
        """Newest first (`Banzai::UploadsFinder` orders by `created_at` descending)."""
        project = self._admin_uploads(req, id)
        newest = sorted(project.uploads, key=lambda u: (u.created_at, u.id), reverse=True)
        return paginate(req, newest, {"id": project.id}, self.e.upload_admin)

    def get_upload(self, req: Request, id: str, upload_id: str) -> Response:
        # "Fetching uploads by ID is maintainer-only because it can be used to enumerate
        # uploads even without the secret" (the route's own comment).
        project = self._admin_uploads(req, id)
        return self._file(self._by_id(project, upload_id))

    def get_upload_by_secret(self, req: Request, id: str, secret: str, filename: str) -> Response:
        project = self.project(req, id)  # :read_upload: whoever may read the project
        return self._file(self._by_secret(project, secret, filename))

    def delete_upload(self, req: Request, id: str, upload_id: str) -> Response:
        self._authenticated(req)
        project = self._admin_uploads(req, id)
        project.uploads.remove(self._by_id(project, upload_id))
        return Response(204)

    def delete_upload_by_secret(
        self, req: Request, id: str, secret: str, filename: str
    ) -> Response:
        """`lib/api/markdown_uploads.rb`: the upload found by secret and file name may be nil
        (no `not_found!` here, unlike GET), and `Uploads::DestroyService#execute(nil)` answers
        an error that the route turns into `bad_request!`: 400, not 404."""
        self._authenticated(req)
        project = self._admin_uploads(req, id)
        found = next(
            (u for u in project.uploads if u.secret == secret and u.filename == filename), None
        )
        if found is None:
            raise ApiError(400, {"message": f"400 Bad request - {NO_SUCH_RESOURCE}"})
        project.uploads.remove(found)
        return Response(204)
