"""JSON shapes of GitLab's API entities (lib/api/entities/*), as recorded from gitlab.com."""

from __future__ import annotations

from typing import Any

from .clock import iso
from .store import (
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
    Upload,
    User,
    task_counts,
)
from .uploads import markdown_link, markdown_name

Json = dict[str, Any]


class Entities:
    """Serialises store records for one server, whose base URL appears in every link."""

    def __init__(self, store: Store, base_url: str) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/v4"

    def user_basic(self, user: User) -> Json:
        return {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "state": user.state,
            "locked": False,
            "avatar_url": f"https://www.gravatar.com/avatar/{user.id:032x}?s=80&d=identicon",
            "web_url": f"{self.base_url}/{user.username}",
        }

    def user_by_id(self, user_id: int | None) -> Json | None:
        if user_id is None:
            return None
        return self.user_basic(self.store.users[user_id])

    def current_user(self, user: User) -> Json:
        return {
            **self.user_basic(user),
            "bot": user.bot,
            "is_admin": user.admin,
            "email": f"{user.username}@example.invalid",
            "created_at": "2020-01-01T00:00:00.000Z",
        }

    def member(self, user: User, level: int) -> Json:
        return {
            **self.user_basic(user),
            "access_level": level,
            "created_at": "2020-01-01T00:00:00.000Z",
            "created_by": None,
            "expires_at": None,
            "membership_state": "active",
        }

    def label(self, label: Label, *, subscribed: bool = False) -> Json:
        return {
            "id": label.id,
            "name": label.name,
            "color": label.color,
            "text_color": "#FFFFFF",
            "description": label.description or None,
            "description_html": label.description,
            "open_issues_count": 0,
            "closed_issues_count": 0,
            "open_merge_requests_count": 0,
            "subscribed": subscribed,
            "priority": None,
            "is_project_label": label.project_id is not None,
        }

    def label_basic(self, label: Label) -> Json:
        return {
            "id": label.id,
            "name": label.name,
            "color": label.color,
            "description": label.description or None,
            "description_html": label.description,
            "text_color": "#FFFFFF",
        }

    def namespace(self, project: Project) -> Json:
        ns_path = project.namespace_path
        group = self.store.group_by_ref(ns_path) if ns_path else None
        return {
            "id": group.id if group else 1,
            "name": group.name if group else ns_path,
            "path": ns_path.rsplit("/", 1)[-1],
            "kind": "group" if group else "user",
            "full_path": ns_path,
            "parent_id": None,
            "avatar_url": None,
            "web_url": f"{self.base_url}/groups/{ns_path}"
            if group
            else f"{self.base_url}/{ns_path}",
        }

    def project(self, project: Project) -> Json:
        api = f"{self.api}/projects/{project.id}"
        return {
            "id": project.id,
            "description": None,
            "name": project.name,
            "name_with_namespace": project.path_with_namespace.replace("/", " / "),
            "path": project.path,
            "path_with_namespace": project.path_with_namespace,
            "created_at": "2020-01-01T00:00:00.000Z",
            "default_branch": "main",
            "tag_list": [],
            "topics": [],
            "ssh_url_to_repo": f"git@emulator:{project.path_with_namespace}.git",
            "http_url_to_repo": f"{self.base_url}/{project.path_with_namespace}.git",
            "web_url": f"{self.base_url}/{project.path_with_namespace}",
            "readme_url": None,
            "forks_count": 0,
            "avatar_url": None,
            "star_count": 0,
            "last_activity_at": "2020-01-01T00:00:00.000Z",
            "namespace": self.namespace(project),
            "visibility": project.visibility,
            "issues_enabled": True,
            "archived": False,
            "shared_with_groups": self.shared_with_groups(project.shared_with_groups),
            "_links": {
                "self": api,
                "issues": f"{api}/issues",
                "labels": f"{api}/labels",
                "members": f"{api}/members",
            },
        }

    def group(self, group: Group) -> Json:
        return {
            "id": group.id,
            "web_url": f"{self.base_url}/groups/{group.path}",
            "name": group.name,
            "path": group.path.rsplit("/", 1)[-1],
            "description": "",
            "visibility": group.visibility,
            "full_name": group.name,
            "full_path": group.path,
            "parent_id": None,
            "created_at": "2020-01-01T00:00:00.000Z",
            "shared_with_groups": self.shared_with_groups(group.shared_with_groups),
        }

    def shared_with_groups(self, links: list[GroupLink]) -> list[Json]:
        """The groups invited in, as GitLab's project and group entities list them."""
        out = []
        for link in links:
            group = self.store.groups[link.group_id]
            out.append(
                {
                    "group_id": group.id,
                    "group_name": group.name,
                    "group_full_path": group.path,
                    "group_access_level": link.access_level,
                    "expires_at": link.expires_at.isoformat() if link.expires_at else None,
                }
            )
        return out

    def issue(
        self,
        project: Project,
        issue: Issue,
        *,
        single: bool = False,
        relative_to_group: bool = False,
        labels_details: bool = False,
    ) -> Json:
        count, completed = task_counts(issue.description)
        api = f"{self.api}/projects/{project.id}/issues/{issue.iid}"
        assignees = [self.user_basic(self.store.users[i]) for i in issue.assignee_ids]
        ordered = sorted(
            (self.store.label(project, i) for i in issue.label_ids), key=lambda lb: lb.name
        )
        # `with_labels_details=true`: LabelBasic objects instead of titles (lib/api/entities/issue_basic.rb)
        labels: list[Any] = (
            [self.label_basic(lb) for lb in ordered]
            if labels_details
            else [lb.name for lb in ordered]
        )
        short = f"#{issue.iid}"
        data: Json = {
            "id": issue.id,
            "iid": issue.iid,
            "project_id": project.id,
            "title": issue.title,
            "description": issue.description,
            "state": issue.state,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "closed_by": self.user_by_id(issue.closed_by_id),
            "labels": labels,
            "milestone": None,
            "assignees": assignees,
            "author": self.user_basic(self.store.users[issue.author_id]),
            "type": "ISSUE",
            "assignee": assignees[0] if assignees else None,
            "user_notes_count": sum(1 for n in issue.notes if not n.system),
            "merge_requests_count": 0,
            "upvotes": sum(1 for a in issue.awards if a.name == "thumbsup"),
            "downvotes": sum(1 for a in issue.awards if a.name == "thumbsdown"),
            "due_date": issue.due_date,
            "confidential": issue.confidential,
            "discussion_locked": issue.discussion_locked,
            "issue_type": "issue",
            "web_url": f"{self.base_url}/{project.path_with_namespace}/-/issues/{issue.iid}",
            "time_stats": {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": None,
                "human_total_time_spent": None,
            },
            "task_completion_status": {"count": count, "completed_count": completed},
            "has_tasks": count > 0,
            "task_status": f"{completed} of {count} checklist item{'s' if count != 1 else ''} completed"
            if count
            else "",
            "_links": {
                "self": api,
                "notes": f"{api}/notes",
                "award_emoji": f"{api}/award_emoji",
                "project": f"{self.api}/projects/{project.id}",
                "closed_as_duplicate_of": None,
            },
            "references": {
                "short": short,
                "relative": f"{project.path}{short}" if relative_to_group else short,
                "full": f"{project.path_with_namespace}{short}",
            },
            "severity": "UNKNOWN",
            "moved_to_id": None,
            "service_desk_reply_to": None,
            "imported": False,
            "imported_from": "none",
            "blocking_issues_count": 0,
        }
        if self.store.premium:  # EE: `weight` when the licence has issue weights
            data["weight"] = issue.weight
        if single:
            data["subscribed"] = False
        return data

    def note(self, project: Project, issue: Issue, note: Note) -> Json:
        return self._note(project, "Issue", issue.id, issue.iid, note)

    def mr_note(self, project: Project, mr: MergeRequest, note: Note) -> Json:
        return self._note(project, "MergeRequest", mr.id, mr.iid, note)

    def _note(self, project: Project, kind: str, noteable_id: int, iid: int, note: Note) -> Json:
        """A note as GitLab shows it, on an issue or a merge request alike."""
        return {
            "id": note.id,
            "type": None,
            "body": note.body,
            "attachment": None,
            "author": self.user_basic(self.store.users[note.author_id]),
            "created_at": iso(note.created_at),
            "updated_at": iso(note.updated_at),
            "system": note.system,
            "noteable_id": noteable_id,
            "noteable_type": kind,
            "project_id": project.id,
            "noteable_iid": iid,
            "resolvable": False,
            "confidential": note.internal,
            "internal": note.internal,
            "imported": False,
            "imported_from": "none",
            "commands_changes": {},
        }

    def label_event(self, project: Project, issue: Issue, event: LabelEvent) -> Json:
        return {
            "id": event.id,
            "user": self.user_by_id(event.user_id),
            "created_at": iso(event.created_at),
            "resource_type": "Issue",
            "resource_id": issue.id,
            "label": self.label_basic(self.store.label(project, event.label_id)),
            "action": event.action,
        }

    def award(self, award: Award) -> Json:
        return {
            "id": award.id,
            "name": award.name,
            "user": self.user_by_id(award.user_id),
            "created_at": iso(award.created_at),
            "updated_at": iso(award.created_at),
            "awardable_id": award.awardable_id,
            "awardable_type": award.awardable_type,
            "url": None,
        }

    def project_upload(self, project: Project, upload: Upload) -> Json:
        """`Entities::ProjectUpload`, the answer to an upload (GitLab 17.3+: `id`; 17.1+:
        `full_path` under `/-/project/<id>/`)."""
        url = f"/uploads/{upload.secret}/{upload.filename}"
        return {
            "id": upload.id,
            "alt": markdown_name(upload.filename),
            "url": url,
            "full_path": f"/-/project/{project.id}/uploads/{upload.secret}/{upload.filename}",
            "markdown": markdown_link(upload.filename, url),
        }

    def upload_admin(self, upload: Upload) -> Json:
        """`Entities::MarkdownUploadAdmin`, one row of the uploads list."""
        by = self.store.users.get(upload.uploaded_by_id) if upload.uploaded_by_id else None
        return {
            "id": upload.id,
            "size": len(upload.data),
            "filename": upload.filename,
            "created_at": iso(upload.created_at),
            "uploaded_by": {"id": by.id, "name": by.name, "username": by.username} if by else None,
        }
