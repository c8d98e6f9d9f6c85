"""The one door to GitLab (this package; `door.py` is its transport). Only it imports
python-gitlab; what leaves it is frozen snapshots and plain values.

- One paginated listing per run (per_page=100, server-side filters).
- Details (notes, label events) fetched per issue, only when asked for.
- Label and state changes for one issue in one PUT with add_labels/remove_labels.
- Reads and PUTs retry transient errors (bounded; python-gitlab honours 429 Retry-After).
  A note POST is not blindly retried: if the answer was lost, the notes are read back and
  the note's marker looked for first, so a dropped answer never becomes a duplicate comment.
- Every request is counted by method; the token never appears in what this module raises.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests
from gitlab.exceptions import GitlabError

from ..emoji import canonical
from ..issues.markers import find_marker
from ..issues.snapshot import Award, IssueSnapshot, LabelEvent, Names, Note, profile_names
from ..issues.tasks import untick
from .door import GONE, parse_time, problem_of
from .members import Members
from .own import OwnIssue
from .prefetch import Ahead
from .records import GitLabProblem as GitLabProblem
from .records import IssueAward as IssueAward
from .records import Upload as Upload
from .records import kept_assignees as kept_assignees

if TYPE_CHECKING:  # the policy's type only: a run opens the adapter before loading it
    from ..policy.model import Scope

TRANSIENT = (500, 502, 503, 504)
# Pages of a listing asked for before the run plans (`ask_listing`) that may wait taken: the
# whole listing of a few hundred issues is there by the time the run has loaded its code.
AHEAD_AT_START = 4


def _asked_key(path: str, filters: dict[str, Any]) -> tuple[str, str]:
    """A listing as `list_issues` finds it among those asked ahead: its path and parameters, in
    any order, as a kept listing's seal reads them (`sealed.py`: JSON, its keys sorted)."""
    return path, json.dumps(filters, sort_keys=True, default=repr)


class GitLab(Members):
    """The resources the bot reads and writes, as frozen snapshots and plain values."""

    def list_issues(
        self,
        scope: Scope,
        *,
        iids: list[int] | None = None,
        updated_after: datetime | None = None,
    ) -> Iterator[IssueSnapshot]:
        """One paginated listing of the issues in scope, filtered by GitLab (`updated_after`:
        only those updated since then)."""
        path, filters = self._listing(scope, iids, updated_after)
        pages = self._asked.pop(_asked_key(path, filters), None) or Ahead(
            self._listed(path, filters), filters["per_page"]
        )
        try:
            for page in pages:
                for item in page:
                    try:
                        snapshot = self._snapshot(item)
                    except (KeyError, TypeError, AttributeError, ValueError):
                        raise self._not_a_listing() from None
                    yield snapshot
        except (GitlabError, requests.RequestException) as error:
            raise problem_of(error, self.url) from None

    def _listed(self, path: str, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The listing's issues, paced. Plain dicts from python-gitlab's own pagination
        (`http_list`): the same requests as `issues.list(iterator=True)` without building, and
        deep-copying, an object per issue."""
        listing = self._call(lambda: self._gl.http_list(path, **filters))
        while True:
            self._pace()
            try:
                item = next(listing, None)
            except (KeyError, IndexError, TypeError):  # python-gitlab indexing a non-list
                raise self._not_a_listing() from None
            if item is None:
                return
            yield item

    def list_ahead(self, scope: Scope) -> None:
        """Ask GitLab now, on a thread of its own, for the listing of `scope` (`ask_listing`): the
        next `list_issues(scope)` starts from the pages taken meanwhile. A run asks before it
        waits for who the bot is (`GET /user`), so both answers are on their way at once."""
        if (key := self.listing_key(scope)) is not None:
            self.ask_listing(*key)

    def listing_key(self, scope: Scope) -> tuple[str, dict[str, Any]] | None:
        """The whole listing of `scope` as it is asked for (its path and parameters, JSON): a
        scheduled run keeps it, and the next asks for its first page before its policy is even
        loaded (`ask_listing`). None without a project or group."""
        try:
            return self._listing(scope, None, None)
        except GitLabProblem:  # no project or group: `list_issues` says so, in its turn
            return None

    def ask_listing(self, path: str, filters: dict[str, Any]) -> None:
        """Ask for the listing at `path` with `filters` now, on a thread of its own, up to
        AHEAD_AT_START pages ahead; `list_issues` asking the same takes them (asked once: asking
        again is nothing). A listing asked that no run makes costs its pages taken ahead
        (`forget_asked` stops the rest)."""
        key = _asked_key(path, filters)
        if key not in self._asked:
            self._asked[key] = Ahead(
                self._listed(path, filters), filters["per_page"], ahead=AHEAD_AT_START
            )

    def forget_asked(self) -> None:
        """Stop taking the listings asked ahead that no run listed."""
        for pages in self._asked.values():
            pages.close()
        self._asked.clear()

    def _listing(
        self, scope: Scope, iids: list[int] | None, updated_after: datetime | None
    ) -> tuple[str, dict[str, Any]]:
        """The listing's path (the project's or group's issues) and its parameters."""
        filters: dict[str, Any] = {
            "state": scope.state,
            "per_page": 100,
            "order_by": "created_at",
            "sort": "asc",
            "iterator": True,
            "retry_transient_errors": True,
            "max_retries": self._max_retries,
        }
        if scope.labels:
            filters["labels"] = ",".join(scope.labels)
        if scope.not_labels:
            filters["not"] = {"labels": ",".join(scope.not_labels)}
        if updated_after is not None:
            filters["updated_after"] = updated_after.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if iids:  # an array parameter, sent as python-gitlab's ArrayAttribute sends it
            filters["iids[]"] = iids
        if scope.group:
            owner = self._gl.groups.get(scope.group, lazy=True)
        elif scope.project:
            owner = self._project(scope.project)
        else:
            raise GitLabProblem(
                "no project or group to triage: set scope.project in the policy, --project, "
                "TRIAGE_PROJECT or CI_PROJECT_PATH"
            )
        return str(owner.issues.path), filters

    def _not_a_listing(self) -> GitLabProblem:
        return GitLabProblem(
            f"{self.url} did not answer the issue listing as GitLab does (a list of issues): "
            "check GITLAB_URL (the GitLab address, without /api/v4)",
            fatal=True,
        )

    @staticmethod
    def _snapshot(a: dict[str, Any]) -> IssueSnapshot:
        full = a.get("references", {}).get("full", "")
        project = full.rsplit("#", 1)[0] if "#" in full else str(a["project_id"])
        return IssueSnapshot(
            project=project,
            iid=int(a["iid"]),
            title=a.get("title") or "",
            description=a.get("description") or "",
            labels=tuple(a.get("labels") or ()),
            assignees=tuple(u["username"] for u in a.get("assignees") or ()),
            author=(a.get("author") or {}).get("username", ""),
            state=a.get("state", "opened"),
            created_at=parse_time(a["created_at"]),
            updated_at=parse_time(a["updated_at"]),
            web_url=a.get("web_url", ""),
            due_date=a.get("due_date"),
            user_notes_count=a.get("user_notes_count"),
            names=profile_names([*(a.get("assignees") or ()), a.get("author") or {}]),
        )

    def notes(self, project: str, iid: int) -> tuple[Note, ...]:
        issue = self._project(project).issues.get(iid, lazy=True)
        return tuple(
            Note(
                n["id"],
                n["author"]["username"],
                n.get("body") or "",
                parse_time(n["created_at"]),
                bool(n.get("system")),
                bool(n.get("internal", False)),
                parse_time(n["updated_at"]) if n.get("updated_at") else None,
            )
            for n in self._every(issue.notes, sort="asc")
        )

    def note_awards(self, project: str, iid: int, note_id: int) -> tuple[Award, ...]:
        note = self._project(project).issues.get(iid, lazy=True).notes.get(note_id, lazy=True)
        return tuple(
            Award(
                canonical(a["name"]),
                a["user"]["username"],
                parse_time(a["created_at"]),
                a["user"].get("id"),
            )
            for a in self._every(note.awardemojis)
        )

    def label_events(self, project: str, iid: int) -> tuple[LabelEvent, ...]:
        issue = self._project(project).issues.get(iid, lazy=True)
        return tuple(
            LabelEvent(
                (e.get("user") or {}).get("username"),
                e["label"].get("name", ""),
                e["action"],
                parse_time(e["created_at"]),
                (e.get("user") or {}).get("id"),
            )
            for e in self._every(issue.resourcelabelevents)
            if e.get("label")
        )

    # writes -------------------------------------------------------------------------------

    def update_issue(
        self,
        project: str,
        iid: int,
        *,
        add: tuple[str, ...],
        remove: tuple[str, ...],
        state_event: str | None,
        assignees: tuple[str, ...] | None = None,
    ) -> None:
        """One PUT: add_labels/remove_labels are deltas GitLab applies atomically, so a retry
        after a lost answer changes nothing more."""
        data: dict[str, Any] = {}
        if add:
            data["add_labels"] = ",".join(add)
        if remove:
            data["remove_labels"] = ",".join(remove)
        if state_event:
            data["state_event"] = state_event
        if assignees is not None:
            data["assignee_ids"] = [self.user_id(name) for name in assignees]
        if not data:
            return
        issues = self._project(project).issues
        answer = self._write(
            lambda: issues.update(
                iid, data, retry_transient_errors=True, max_retries=self._max_retries
            )
        )
        if assignees and isinstance(answer, dict):
            kept_assignees(answer, assignees, f"{project}#{iid}")

    def create_note(
        self,
        project: str,
        iid: int,
        body: str,
        *,
        marker_key: str,
        marker_rev: str,
        internal: bool = False,
    ) -> int:
        """POST a note at most once and return its id: after a failure whose outcome is
        unknown, look for the marker before trying again."""
        issue = self._project(project).issues.get(iid, lazy=True)
        payload: dict[str, Any] = {"body": body}
        if internal:
            payload["internal"] = True
        for attempt in range(self._max_retries + 1):
            self._pace()
            try:
                created = issue.notes.create(payload, retry_transient_errors=False)
                self.traffic.writes += 1
                self.traffic.notes += 1
                if internal:
                    self._kept_internal(
                        project, iid, int(created.id), created.attributes, marker_key
                    )
                return int(created.id)
            except (GitlabError, requests.RequestException) as error:
                unknown_outcome = isinstance(error, requests.RequestException) or (
                    getattr(error, "response_code", None) in TRANSIENT
                )
                if not unknown_outcome or attempt == self._max_retries:
                    raise problem_of(error, self.url) from None
            self._sleep(min(0.1 * 2**attempt, 5))
            existing = self._find_note(project, iid, marker_key, marker_rev)
            if existing is not None:
                self.traffic.writes += 1
                self.traffic.notes += 1
                if internal:
                    shown = {"internal": existing.internal}
                    self._kept_internal(project, iid, existing.id, shown, marker_key)
                return existing.id
        raise GitLabProblem(
            f"could not post a note on {project}#{iid}"
        )  # not reached: the loop raises

    def _find_note(self, project: str, iid: int, key: str, rev: str) -> Note | None:
        bot = self.bot_username()
        for note in self.notes(project, iid):
            marker = find_marker(note.body)
            if note.author == bot and marker and marker.key == key and marker.rev == rev:
                return note
        return None

    def _kept_internal(
        self, project: str, iid: int, note_id: int, shown: dict[str, Any], what: str
    ) -> None:
        """GitLab saves an `internal: true` note public, and answers 201, when its author may not
        mark notes internal (`Notes::BuildService`): a note meant to be internal that GitLab shows
        public is the bot's own, and is deleted at once; the run stops."""
        if shown.get("internal") is True:
            return
        try:
            self.delete_note(project, iid, note_id)
            done = "it was deleted at once and the run stopped"
        except GitLabProblem as problem:
            done = (
                f"deleting it failed ({problem}): delete note {note_id} there by hand now; "
                "the run stopped"
            )
        raise GitLabProblem(
            f"GitLab saved the bot's internal note on {project}#{iid} ({what}) as public, "
            f"so @{self._bot or 'the token user'} may not mark notes internal there: {done}. "
            f"Fix: give the token's user the Reporter role (or above) on {project}",
            fatal=True,
        )

    def edit_note(
        self, project: str, iid: int, note_id: int, body: str, *, internal: bool = False
    ) -> None:
        """Replace the body of one of the bot's notes (an edit is idempotent: safe to retry).
        `internal`: the note is meant to be internal; if GitLab shows it public, it is deleted
        and the run stops (see `_kept_internal`)."""
        notes = self._project(project).issues.get(iid, lazy=True).notes
        answer = self._write(
            lambda: notes.update(
                note_id, {"body": body}, retry_transient_errors=True, max_retries=self._max_retries
            )
        )
        if internal:
            shown = answer if isinstance(answer, dict) else {}
            self._kept_internal(project, iid, note_id, shown, f"note {note_id}")

    def delete_note(self, project: str, iid: int, note_id: int) -> None:
        """Delete one of the bot's notes (`DELETE .../notes/:note_id`, 204). Retried: a note
        already gone (its answer lost) is 404, which is what was wanted."""
        notes = self._project(project).issues.get(iid, lazy=True).notes
        self._write(
            lambda: notes.delete(
                note_id, retry_transient_errors=True, max_retries=self._max_retries
            ),
            done=lambda error: True,
        )

    def own_issues(self, project: str, *, fresh: bool = False) -> tuple[OwnIssue, ...]:
        """Every issue the bot's own user opened in `project`, any state, oldest first: GitLab
        filters by `author_id` exactly on every version (no full-text search, see `own.py`).
        Read once per run and project unless `fresh` (or the bot opened an issue there since)."""
        if fresh or project not in self._own:
            bot_id = self.bot_id()
            issues = self._project(project).issues
            found = self._every(
                issues, author_id=bot_id, state="all", order_by="created_at", sort="asc"
            )
            self._own[project] = tuple(
                OwnIssue(
                    iid=int(a["iid"]),
                    title=a.get("title") or "",
                    description=a.get("description") or "",
                    labels=tuple(a.get("labels") or ()),
                    state=str(a.get("state", "opened")),
                    created_at=parse_time(a["created_at"]),
                    web_url=str(a.get("web_url", "")),
                )
                for a in found
                if (a.get("author") or {}).get("id") == bot_id
            )
        return self._own[project]

    def set_description(
        self, project: str, iid: int, description: str, *, title: str | None = None, label: str = ""
    ) -> None:
        """Rewrite one of the bot's own issues: its description, and its title and the bot's
        label when given (put back after someone changed them)."""
        data: dict[str, Any] = {"description": description}
        data |= {"title": title} if title is not None else {}
        data |= {"add_labels": label} if label else {}
        issues = self._project(project).issues
        self._write(lambda: issues.update(iid, data, max_retries=self._max_retries))

    def untick_tasks(self, project: str, iid: int, texts: tuple[str, ...]) -> None:
        """Untick task items in a person's description, as GitLab has it now (read just
        before the PUT: an edit made since the listing is kept, and a box unticked since is no
        write). GitLab's issue API takes no lock_version, so an edit in the last moment is lost."""
        issue = self._call(lambda: self._project(project).issues.get(iid))
        text = issue.description or ""
        edited = untick(text, set(texts))
        if edited != text:
            self.set_description(project, iid, edited)

    def upsert_mr_note(self, project: str, mr_iid: int, body: str, token: str) -> str:
        """One note of the bot's on a merge request, found by `token`: posted once, then edited
        in place only when its text changes. Returns created, updated or unchanged. GitLab
        keeps a note's text as its quick-action extractor leaves it, merge requests' too
        (`Gitlab::QuickActions::Extractor`: no `\r`, no trailing white space): it is sent so,
        or every run would find it changed and edit it again."""
        body = body.replace("\r", "").rstrip()
        notes = self._project(project).mergerequests.get(mr_iid, lazy=True).notes
        bot = self.bot_username()
        found = self._call(
            lambda: notes.list(get_all=True, per_page=100, max_retries=self._max_retries)
        )
        mine = next(
            (n for n in found if n.author["username"] == bot and token in (n.body or "")), None
        )
        if mine is None:
            self._write(lambda: notes.create({"body": body}, retry_transient_errors=False))
            self.traffic.notes += 1
            return "created"
        if mine.body == body:
            return "unchanged"
        self._write(lambda: notes.update(mine.id, {"body": body}, max_retries=self._max_retries))
        return "updated"

    def find_issue(self, project: str, token: str) -> str | None:
        """The web URL of the bot's issue whose description carries `token`, if there is one
        (an issue of anyone else's carrying it is no issue of the bot's)."""
        found = [i for i in self.own_issues(project) if token in i.description]
        return found[0].web_url if found else None

    def create_issue(
        self, project: str, title: str, description: str, labels: Names, assignees: Names = ()
    ) -> str:
        """Open an issue and return its web URL. Not retried blindly: the caller looks for
        its token first (`find_issue`), so a lost answer is found on the next run."""
        data: dict[str, Any] = {"title": title, "description": description}
        data |= {"labels": ",".join(labels)} if labels else {}
        data |= {"assignee_ids": [self.user_id(n) for n in assignees]} if assignees else {}
        issues = self._project(project).issues
        self._own.pop(project, None)  # listed again, with it
        created = self._write(
            lambda: issues.create(data, retry_transient_errors=False),
            lost=f"while opening an issue in {project}; "
            "the next run looks for it before opening another",
        )
        return str(created.web_url)

    def upload_file(self, project: str, filename: str, content: bytes) -> Upload:
        """Upload a file to a project (`POST /projects/:id/uploads`, multipart `file`); GitLab
        answers its link. Any member who may read the project may upload (a Guest will do).
        Counted and paced like every write, and not retried but after a 429 (refused before
        anything was stored): a retry after a lost answer would upload a second copy, so the
        caller looks for its link on the next run first (GitLab keeps the copy whose answer was
        lost; only a Maintainer may list uploads). A 429 is sent again here, a new multipart
        body each time: python-gitlab's own retry would send the body it had already spent."""
        path = f"/projects/{self._project(project).encoded_id}/uploads"

        def post() -> Any:
            for attempt in range(self._max_retries + 1):
                try:
                    return self._gl.http_post(
                        path,
                        files={"file": (filename, content)},
                        obey_rate_limit=False,
                        retry_transient_errors=False,
                    )
                except GitlabError as error:
                    code = getattr(error, "response_code", None)
                    if code == 429 and attempt < self._max_retries:
                        self._sleep(min(0.1 * 2**attempt, 5))
                        continue
                    if code != 413:
                        raise
                    raise GitLabProblem(
                        f"GitLab at {self.url} refused {filename} ({len(content):,} bytes) for "
                        f"{project}: it is above the instance's maximum attachment size (413); "
                        "an administrator can raise it (Admin > Settings > General > Account "
                        "and limit > Maximum attachment size)"
                    ) from None
            raise AssertionError("not reached: the last attempt returns or raises")

        answer = self._write(
            post,
            lost=f"while uploading {filename} to {project}; the next run looks for its link "
            "before uploading it again",
        )
        if not isinstance(answer, dict) or not all(
            isinstance(answer.get(key), str) for key in ("url", "markdown", "alt")
        ):
            raise GitLabProblem(
                f"GitLab at {self.url} answered the upload of {filename} to {project} without "
                "its url, markdown and alt"
            )
        return Upload(url=answer["url"], markdown=answer["markdown"], alt=answer["alt"])

    # the run lease (triage/gitlab/lease.py): awards on one issue of the bot's ----------------

    def open_confidential_issue(
        self, project: str, title: str, description: str, label: str = ""
    ) -> None:
        """Open a confidential issue. Not retried: the caller looks for it again."""
        data = {"title": title, "description": description, "confidential": True}
        data |= {"labels": label} if label else {}
        issues = self._project(project).issues
        self._own.pop(project, None)  # listed again, with it
        self._write(lambda: issues.create(data, retry_transient_errors=False), counted=False)

    def close_issue(self, project: str, iid: int) -> None:
        issues = self._project(project).issues
        self._write(
            lambda: issues.update(
                iid,
                {"state_event": "close"},
                retry_transient_errors=True,
                max_retries=self._max_retries,
            ),
            counted=False,
        )

    def issue_awards(self, project: str, iid: int) -> tuple[IssueAward, ...]:
        """Every award emoji on an issue, with GitLab's time of the answer in `self.now()`."""
        issue = self._project(project).issues.get(iid, lazy=True)
        return tuple(
            IssueAward(
                int(a["id"]),
                canonical(a["name"]),
                a["user"]["username"],
                parse_time(a["created_at"]),
            )
            for a in self._every(issue.awardemojis)
        )

    def award_issue(self, project: str, iid: int, name: str) -> IssueAward | None:
        """Award `name` on an issue as the bot; None if the bot already has (GitLab's 404 "has
        already been taken"). Not retried: an award whose answer was lost is not sent twice."""
        emojis = self._project(project).issues.get(iid, lazy=True).awardemojis
        award = self._write(
            lambda: emojis.create({"name": name}, retry_transient_errors=False),
            counted=False,
            done=lambda error: (
                "already been taken" in str(getattr(error, "error_message", "") or error)
            ),
        )
        if award is GONE:
            return None
        user = award.user["username"]
        return IssueAward(
            int(award.id), canonical(str(award.name)), user, parse_time(award.created_at)
        )

    def delete_issue_award(self, project: str, iid: int, award_id: int) -> bool:
        """Take back one of the bot's awards; False if it was gone already."""
        emojis = self._project(project).issues.get(iid, lazy=True).awardemojis
        gone = self._write(
            lambda: emojis.delete(
                award_id, retry_transient_errors=True, max_retries=self._max_retries
            ),
            counted=False,
            done=lambda error: True,
        )
        return gone is not GONE
