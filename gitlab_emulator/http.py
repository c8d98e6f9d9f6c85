"""HTTP plumbing shared by the API routes: requests, responses, errors, pagination."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .store import User

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_COUNT = 10_000  # above this GitLab omits x-total, x-total-pages and rel="last"


@dataclass
class Request:
    method: str
    path: str  # below /api/v4, e.g. /projects/ps%2Fps-plan/issues
    query: dict[str, list[str]]
    body: dict[str, Any]
    user: User | None
    base_url: str

    def arg(self, name: str, default: Any = None) -> Any:
        """A parameter from the body (PUT/POST) or the query string, as GitLab merges them."""
        if name in self.body:
            return self.body[name]
        values = self.query.get(name)
        return values[-1] if values else default

    def has(self, name: str) -> bool:
        return name in self.body or name in self.query

    def list_arg(self, name: str) -> list[str] | None:
        """Array params: a JSON array, a CSV string (CommaSeparatedToArray), or repeated `name[]`."""
        if name in self.body:
            return split_csv(self.body[name])
        if f"{name}[]" in self.query:
            return [v for value in self.query[f"{name}[]"] for v in split_csv(value)]
        if name in self.query:
            return split_csv(self.query[name][-1])
        return None


def split_csv(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [
        part.strip()
        for item in items
        if item is not None
        for part in str(item).split(",")
        if part.strip()
    ]


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart/form-data body: what Workhorse hands Rails for a `file`
    param. `filename` is the part's `filename`, passed through `filepath.Base` as Go's
    `mime/multipart` `Part.FileName()` does (`../../x.docx` -> `x.docx`)."""

    filename: str
    content_type: str
    data: bytes


_PARAM = re.compile(r';\s*([\w*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def _header_params(value: str) -> dict[str, str]:
    params = {}
    for name, raw in _PARAM.findall(value):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[name.lower()] = raw
    return params


def _base(name: str) -> str:
    """Go's `filepath.Base` on Linux: the last element after `/` ("." for "", "/" for slashes)."""
    if name == "":
        return "."
    stripped = name.rstrip("/")
    return stripped.rsplit("/", 1)[-1] if stripped else "/"


def parse_multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """The fields of a multipart/form-data body: text fields as str, file parts as
    `UploadedFile`. Raises ValueError when the body is not multipart as declared."""
    boundary = _header_params(content_type).get("boundary")
    if not boundary:
        raise ValueError("multipart body without a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    fields: dict[str, Any] = {}
    chunks = raw.split(delimiter)
    if len(chunks) < 3:
        raise ValueError("multipart body without parts")
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        chunk = chunk.removeprefix(b"\r\n")
        head, sep, body = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("a multipart part without headers")
        body = body.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        params = _header_params(";" + headers.get("content-disposition", "").partition(";")[2])
        name = params.get("name")
        if name is None:
            continue
        if "filename" in params:
            fields[name] = UploadedFile(
                _base(params["filename"]),
                headers.get("content-type", "application/octet-stream"),
                body,
            )
        else:
            fields[name] = body.decode("utf-8", "replace")
    return fields


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, separators=(",", ":")).encode()


class ApiError(Exception):
    """An error answered with GitLab's exact status and body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


def not_found(what: str | None = None) -> ApiError:
    """`not_found!('Project')` -> "404 Project Not Found"; RecordNotFound -> "404 Not found"."""
    return ApiError(404, {"message": f"404 {what} Not Found" if what else "404 Not found"})


def bad_param(name: str, problem: str = "does not have a valid value") -> ApiError:
    return ApiError(400, {"error": f"{name} {problem}"})


UNAUTHORIZED = ApiError(401, {"message": "401 Unauthorized"})
FORBIDDEN = ApiError(403, {"message": "403 Forbidden"})


def page_params(req: Request) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = req.arg(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise bad_param(name, "is invalid") from None
        if value < 0:
            raise bad_param(name)
        return value

    per_page = number("per_page", DEFAULT_PER_PAGE)
    if per_page == 0:
        raise bad_param("per_page", "has a value not allowed")
    page = number("page", 1) or 1
    return page, min(per_page, MAX_PER_PAGE)


def paginate(
    req: Request,
    items: list[Any],
    declared: dict[str, Any],
    render: Callable[[Any], Any],
    visible: Callable[[Any], bool] | None = None,
) -> Response:
    """GitLab offset pagination (GL `lib/gitlab/pagination/offset_pagination.rb`, Kaminari):
    x-* headers ('' when absent; no previous page past the end) and an absolute Link header
    rebuilt from all declared params, sorted (Rails `to_query`), with `per_page` as requested.
    `visible` filters a page after it is cut, as routes that check `readable_by?` per item do."""
    page, per_page = page_params(req)
    total = len(items)
    total_pages = max(1, math.ceil(total / per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    if visible is not None:
        chunk = [item for item in chunk if visible(item)]
    over = total > MAX_COUNT
    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(per_page),
        "X-Next-Page": str(page + 1) if page * per_page < total else "",
        "X-Prev-Page": str(page - 1) if 1 < page <= total_pages else "",
    }
    if not over:
        headers["X-Total"] = str(total)
        headers["X-Total-Pages"] = str(total_pages)

    params: dict[str, Any] = {k: v for k, v in declared.items() if v is not None}
    for key, values in req.query.items():
        if key not in ("page", "per_page", "private_token"):
            params[key] = values if key.endswith("[]") else values[-1]
    requested = req.arg("per_page")
    params["per_page"] = requested if requested not in (None, "") else DEFAULT_PER_PAGE

    def link(to_page: int, rel: str) -> str:
        query = urlencode(sorted({**params, "page": to_page}.items()), doseq=True)
        return f'<{req.base_url}/api/v4{req.path}?{query}>; rel="{rel}"'

    links = []
    if headers["X-Prev-Page"]:
        links.append(link(page - 1, "prev"))
    if headers["X-Next-Page"]:
        links.append(link(page + 1, "next"))
    links.append(link(1, "first"))
    if not over:
        links.append(link(total_pages, "last"))
    headers["Link"] = ", ".join(links)
    return Response(200, [render(item) for item in chunk], headers)


class Router:
    """Route templates like `/projects/:id/issues/:issue_iid` to handlers."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], str, Callable[..., Response]]] = []

    def add(self, method: str, template: str, handler: Callable[..., Response]) -> None:
        pattern = re.sub(r":(\w+)", r"(?P<\1>[^/]+)", template)
        self.routes.append((method, re.compile(f"^{pattern}$"), template, handler))

    def match(
        self, method: str, path: str
    ) -> tuple[str, Callable[..., Response], dict[str, str]] | None:
        wanted = "GET" if method == "HEAD" else method  # Grape answers HEAD on every GET route
        for route_method, pattern, template, handler in self.routes:
            found = pattern.match(path)
            if found and route_method == wanted:
                return f"{method} {template}", handler, found.groupdict()
        return None
