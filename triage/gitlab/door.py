"""The transport under the GitLab adapter: one python-gitlab client, every request counted,
paced before the rate limit bites, and every failure turned into a `GitLabProblem` that never
carries the token. `adapter.GitLab` builds the resources on it (issues, notes, events, awards).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import gitlab
import requests
from gitlab.exceptions import GitlabAuthenticationError, GitlabError
from requests.adapters import HTTPAdapter

from ..masking import Masker
from .own import OwnIssue
from .records import GitLabProblem, Traffic

USER_AGENT = "ps-triage"


class _MaskingAdapter(HTTPAdapter):
    """Every text the bot sends GitLab (a note, a description, a title: a JSON body's strings)
    with the token masked. The bot's words quote people's (a customer name, a rationale), and
    someone may paste the bot's token there: GitLab would keep it under the bot's name, in mail
    and in every reader's view. Files (a multipart upload) go as they are."""

    def __init__(self, masker: Masker, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._masker = masker

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        kind = request.headers.get("Content-Type", "")
        if self._masker and request.body and kind.startswith("application/json"):
            try:
                sent = json.loads(request.body)
            except ValueError:  # not JSON after all: nothing of the bot's words to mask
                return super().send(request, *args, **kwargs)
            if (masked := self._mask(sent)) != sent:
                body = json.dumps(masked).encode()
                request.body = body
                request.headers["Content-Length"] = str(len(body))
        return super().send(request, *args, **kwargs)

    def _mask(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._masker(value)
        if isinstance(value, list):
            return [self._mask(v) for v in value]
        if isinstance(value, dict):
            return {k: self._mask(v) for k, v in value.items()}
        return value


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _describe(error: Exception, url: str) -> str:
    if isinstance(error, GitlabAuthenticationError):
        return f"GitLab at {url} refused the token (401): check GITLAB_TOKEN is set, valid and not expired"
    if isinstance(error, GitlabError):
        code = getattr(error, "response_code", None)
        message = getattr(error, "error_message", "") or str(error)
        if code == 403:
            return f"GitLab at {url} refused the request (403 {message}): the token needs the `api` scope and at least Reporter access"
        if code == 404:
            return f"GitLab at {url} answered 404 ({message}): check the project or group path and that the token's user can see it"
        return f"GitLab at {url} answered {code}: {message}"
    if isinstance(error, requests.ConnectionError | requests.Timeout):
        return f"cannot reach GitLab at {url}: {type(error).__name__}"
    return f"GitLab request failed: {type(error).__name__}"


def problem_of(error: Exception, url: str) -> GitLabProblem:
    fatal = isinstance(
        error, GitlabAuthenticationError | requests.ConnectionError | requests.Timeout
    )
    return GitLabProblem(_describe(error, url), fatal=fatal)


GONE = object()  # what a write answers when GitLab's 404 says it was done already
_ROLE = {0: "no", 5: "Minimal", 10: "Guest", 15: "Planner"}


class Door:
    """One client, its pacing, its counting and its errors; the resources are `GitLab`'s."""

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        max_retries: int = 6,
        timeout: float = 30,
        sleep: Callable[[float], None] = time.sleep,
        min_remaining: int = 10,
    ) -> None:
        self.url = url.rstrip("/")
        self.traffic = Traffic()
        self._counting = threading.Lock()
        self._sleep = sleep
        self._min_remaining = min_remaining
        self._timed = threading.local()  # per thread: who is told each answer's time
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        # One kept connection for each request that may be in flight at once (requests keeps 10).
        self._masker = Masker([token])
        pool = _MaskingAdapter(self._masker, pool_maxsize=min_remaining)
        session.mount("http://", pool)
        session.mount("https://", pool)
        session.hooks["response"].append(self._observe)
        self._gl = gitlab.Gitlab(
            self.url,
            private_token=token,
            session=session,
            timeout=timeout,
            # Reads and idempotent writes retry transient errors; the two POSTs that are not
            # idempotent (a note, an issue) opt out where they are made.
            retry_transient_errors=True,
            keep_base_url=True,
        )
        self._max_retries = max_retries
        self._projects: dict[str, Any] = {}
        self._user_ids: dict[str, int] = {}
        self._member_ids: dict[str, int] = {}  # groups read: members (lower case), to user ids
        self._member_names: dict[str, str] = {}  # the scope's members, to their profiles' names
        self._group_members: dict[
            tuple[str, bool], dict[str, int]
        ] = {}  # read once per run (`group_members`)
        self._bot: str | None = None
        self._bot_id: int | None = None
        self._who: Future[str] | None = None  # `GET /user` asked ahead (`ask_who_ahead`)
        # (path, parameters) -> a listing's pages asked ahead (`GitLab.ask_listing`)
        self._asked: dict[tuple[str, str], Any] = {}
        # the bot's own issues, by project (adapter.own_issues)
        self._own: dict[str, tuple[OwnIssue, ...]] = {}

    def member_names(self) -> dict[str, str]:
        """The names on the GitLab profiles of the scope's members, once listed (lower-cased
        usernames): what a customer-facing comment calls the people a data block names."""
        return dict(self._member_names)

    # bookkeeping --------------------------------------------------------------------------

    @contextlib.contextmanager
    def timed(self, told: Callable[[float], None]) -> Iterator[None]:
        """Within: `told` each answer's time (seconds from sending a request to its answer's
        headers) of the requests this thread makes."""
        self._timed.told = told
        try:
            yield
        finally:
            self._timed.told = None

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        took = response.elapsed.total_seconds()
        with self._counting:  # details are read from several threads at once
            self.traffic.by_method[response.request.method or "GET"] += 1
            if response.ok:
                self.traffic.fastest = min(self.traffic.fastest, took)
        told = getattr(self._timed, "told", None)
        if told is not None:
            told(took)
        date = response.headers.get("Date")
        if date:
            with contextlib.suppress(TypeError, ValueError):
                self.traffic.server_time = parsedate_to_datetime(date).astimezone(UTC)
        remaining = response.headers.get("RateLimit-Remaining")
        if remaining is not None and remaining.isdigit():
            self.traffic.rate_remaining = int(remaining)
            reset = response.headers.get("RateLimit-Reset")
            self.traffic.rate_reset = float(reset) if reset and reset.isdigit() else None

    def _pace(self) -> None:
        """Slow down before the rate limit bites: when few requests remain in the window,
        wait for it to reset instead of spending them and meeting a 429."""
        remaining, reset = self.traffic.rate_remaining, self.traffic.rate_reset
        if remaining is not None and reset is not None and remaining <= self._min_remaining:
            wait = reset - time.time()
            if 0 < wait <= 60:
                self._sleep(wait)
            self.traffic.rate_remaining = None

    def _call(self, fn: Callable[[], Any]) -> Any:
        """A read: paced before the rate limit bites, retried as `fn` asks."""
        self._pace()
        try:
            return fn()
        except (GitlabError, requests.RequestException) as error:
            raise problem_of(error, self.url) from None

    def _write(
        self,
        fn: Callable[[], Any],
        *,
        counted: bool = True,
        lost: str = "",
        done: Callable[[GitlabError], bool] | None = None,
    ) -> Any:
        """Every write but a note's POST (which reads back before it tries again): paced before
        the rate limit bites, retried as `fn` asks, and counted in `traffic.writes` unless it is
        the run lease's bookkeeping (`counted`). A 404 that `done` accepts (a delete whose
        answer was lost, an award already given) answers GONE. A write whose answers keep
        getting lost fails that item only: its outcome is unknown, and the next run reads what
        happened (`lost` says so in the message). An unreachable GitLab is met by the next
        read, which stops the run; a refused token stops it here."""
        self._pace()
        try:
            answer = fn()
        except GitlabError as error:
            if done is None or getattr(error, "response_code", None) != 404 or not done(error):
                raise self._write_problem(error, lost) from None
            answer = GONE
        except requests.RequestException as error:
            raise self._write_problem(error, lost) from None
        if counted:
            self.traffic.writes += 1
        return answer

    def _write_problem(self, error: Exception, lost: str) -> GitLabProblem:
        problem = problem_of(error, self.url)
        if not isinstance(error, GitlabAuthenticationError):
            problem.fatal = False
        if lost and isinstance(error, requests.RequestException):
            problem = GitLabProblem(f"{problem} {lost}")
        return problem

    # reads --------------------------------------------------------------------------------

    def as_kept(self, text: str) -> str:
        """`text` as GitLab will keep it once sent (the token masked: `_MaskingAdapter`): what
        a text the bot rewrites only when it changed is compared as."""
        return self._masker(text)

    def ask_who_ahead(self) -> None:
        """Ask GitLab now, on a thread of its own, who the bot is (`GET /user`): the caller
        loads its workspace while the answer is on its way, and `bot_username` takes it (or
        raises what asking raised)."""
        if self._bot is not None or self._who is not None:
            return
        asked: Future[str] = Future()

        def ask() -> None:
            try:
                asked.set_result(self._call(self._whoami))
            except BaseException as error:  # raised by `bot_username`, if it comes to it
                asked.set_exception(error)

        self._who = asked
        threading.Thread(target=ask, name="triage-whoami", daemon=True).start()

    def bot_username(self) -> str:
        if self._bot is None:
            self._bot = self._who.result() if self._who is not None else self._call(self._whoami)
        return self._bot

    def _whoami(self) -> str:
        # The first contact: a GitLab that cannot be reached is said at once (2 retries).
        user = self._gl.http_get("/user", max_retries=2)
        if not isinstance(user, dict) or not isinstance(user.get("username"), str):
            raise GitLabProblem(
                f"{self.url} did not answer GET /api/v4/user as GitLab does: check "
                "GITLAB_URL (the GitLab address, without /api/v4)",
                fatal=True,
            )
        if isinstance(user.get("id"), int):
            self._bot_id = user["id"]
        return str(user["username"])

    def bot_id(self) -> int:
        """The token user's id (read with its username)."""
        self.bot_username()
        if self._bot_id is None:
            raise GitLabProblem(
                f"{self.url} answered GET /api/v4/user without the user's id", fatal=True
            )
        return self._bot_id

    def check_can_write(self, path: str) -> None:
        """Before any write: the token's user needs Reporter (or above) on the project."""
        if why := self.write_refusal(path):
            raise GitLabProblem(f"{why}; nothing was written", fatal=True)

    def write_refusal(self, path: str) -> str | None:
        """Why the token's user may not write in project `path`, or None: below Reporter it can
        set no labels, and GitLab saves its internal notes public (`Notes::BuildService` drops
        the flag of a user who may not mark notes internal: a Guest, or no member of a public
        project). GitLab's `permissions` of GET /projects/:id name both ways in."""
        project = self._call(lambda: self._gl.projects.get(path, max_retries=self._max_retries))
        permissions = getattr(project, "permissions", None) or {}
        levels = [
            (permissions.get(kind) or {}).get("access_level") or 0
            for kind in ("project_access", "group_access")
        ]
        if max(levels) >= 20:
            return None
        return (
            f"@{self.bot_username()} has {_ROLE.get(max(levels), 'no')} access to {path}: "
            "ps-triage needs Reporter (or above) to set labels and close issues"
        )

    def _project(self, path: str) -> Any:
        if path not in self._projects:
            self._projects[path] = self._gl.projects.get(path, lazy=True)
        return self._projects[path]

    def _every(self, manager: Any, **params: Any) -> list[dict[str, Any]]:
        """Every page of a listing as plain dicts: the requests `manager.list(get_all=True)`
        makes, through python-gitlab's `http_list`, without an object per item."""
        found = self._call(
            lambda: self._gl.http_list(
                manager.path,
                get_all=True,
                per_page=100,
                retry_transient_errors=True,
                max_retries=self._max_retries,
                **params,
            )
        )
        return list(found)

    def now(self) -> datetime:
        """GitLab's time (the `Date` of its last answer), else this machine's."""
        return self.traffic.server_time or datetime.now(UTC)
