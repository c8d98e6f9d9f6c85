"""The emulator's HTTP server on loopback: auth, rate limits, faults, counting, admin routes."""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from .api import Api
from .clock import ClockError, parse_time
from .entities import Entities
from .faults import Faults, RateLimit
from .hooks import Hooks
from .http import ApiError, Request, Response, parse_multipart
from .store import Store, User

API_PREFIX = "/api/v4"
ADMIN_PREFIX = "/-/emulator"
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})


@dataclass
class Stats:
    requests: Counter[str] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)
    throttled: int = 0  # requests answered 429
    peak_in_flight: int = 0  # most API requests being answered at once

    def as_json(self) -> dict[str, Any]:
        methods = {m: self.requests.get(m, 0) for m in ("GET", "POST", "PUT", "DELETE")}
        return {
            "requests": methods,
            "routes": dict(sorted(self.routes.items())),
            "throttled": self.throttled,
            "peak_in_flight": self.peak_in_flight,
        }


class _Throttle:
    def __init__(self) -> None:
        self.windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, limit: RateLimit) -> tuple[bool, int, float]:
        """(allowed, observed, window end as Unix time) for one request of `key`."""
        now = time.time()
        start = math.floor(now / limit.period_seconds) * limit.period_seconds
        window_start, count = self.windows.get(key, (start, 0))
        if window_start != start:
            count = 0
        count += 1
        self.windows[key] = (start, count)
        assert limit.per_minute is not None
        return count <= limit.per_minute, count, start + limit.period_seconds


class Emulator:
    """A GitLab on loopback. Use as a context manager, or `start()` / `stop()`."""

    def __init__(
        self,
        store: Store,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: RateLimit | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.store = store
        self.rate_limit = rate_limit or RateLimit()
        self.faults = faults or Faults()
        self._rng = random.Random(self.faults.seed)
        self.stats = Stats()
        self._throttle = _Throttle()
        self._lock = threading.RLock()
        self._in_flight = 0
        self._working = 0
        self._turns = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        bound_host, bound_port = (
            str(self._server.server_address[0]),
            int(self._server.server_address[1]),
        )
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.url = f"http://{shown}:{bound_port}"
        self.entities = Entities(store, self.url)
        self.api = Api(store, self.entities)
        self.hooks = Hooks(store, self.url, lambda: self.faults)  # webhooks: hooks.py
        self.hooks.register(self.api.router, self.api.project, self.api.group)
        self._thread: threading.Thread | None = None

    @classmethod
    def from_seed(cls, path: str | Path, **kwargs: Any) -> Emulator:
        from .seed import load_seed

        seed = load_seed(Path(path))
        return cls(seed.store, rate_limit=seed.rate_limit, faults=seed.faults, **kwargs)

    # lifecycle ----------------------------------------------------------------------------

    def start(self) -> Emulator:
        # stop() waits for serve_forever's next poll: a short one makes stopping quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="gitlab-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self.hooks.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # in-process controls (the same as the admin routes) -----------------------------------

    def set_faults(self, **changes: Any) -> None:
        with self._lock:
            self.faults = Faults(**{**asdict(self.faults), **changes})
            self._rng = random.Random(self.faults.seed)
            self._turns.notify_all()  # more workers: those waiting may go

    def reset_stats(self) -> None:
        with self._lock:
            self.stats = Stats()

    # request handling ---------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes, client: str
    ) -> Response | None:
        """The answer to one HTTP request, or None to drop the connection unanswered."""
        parts = urlsplit(raw_path)
        if parts.path.startswith(ADMIN_PREFIX):
            return self._admin(method, parts.path[len(ADMIN_PREFIX) :], raw_body)
        if not parts.path.startswith(API_PREFIX + "/"):
            return Response(404, {"error": "404 Not Found"})
        with self._lock:
            self._in_flight += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self._in_flight)
        try:
            return self._answer(method, parts, headers, raw_body, client)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(
        self,
        method: str,
        parts: SplitResult,
        headers: dict[str, str],
        raw_body: bytes,
        client: str,
    ) -> Response | None:
        # Route on the raw path: an encoded project path (ps%2Fps-plan) is one segment.
        path = parts.path[len(API_PREFIX) :]
        query = parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            matched = self.api.router.match(method, path)
            if method in WRITE_METHODS:
                self.store.version += 1
            self.stats.requests[method] += 1
            self.stats.routes[matched[0] if matched else f"{method} (unknown route)"] += 1
            try:
                user = self._authenticate(headers, query)
            except ApiError as error:
                return _error(error)
            throttled = self._throttled(user, client)
            if throttled is not None:
                return throttled
            latency, fail, drop = self._draw_faults(method)
        if latency:
            time.sleep(latency)
        with self._worker():
            if fail:
                return fail
            if matched is None:
                return Response(404, {"error": "404 Not Found"})
            _, handler, params = matched
            try:
                body = _parse_body(headers, raw_body)
            except ValueError:
                return Response(
                    400,
                    {
                        "error": "The provided content-type is not supported or the body is invalid JSON"
                    },
                )
            request = Request(method, path, query, body, user, self.url)
            with self._lock:
                named = {k: unquote(v) for k, v in params.items()}
                try:
                    if method in WRITE_METHODS:  # the webhooks its changes fire (hooks.py)
                        with self.hooks.watch(named, user):
                            response = handler(request, **named)
                    else:
                        response = handler(request, **named)
                except ApiError as error:
                    response = _error(error)
                self._informational_headers(response, user, client)
            if drop and 200 <= response.status < 300:
                return None  # applied, but the answer never reaches the client
            return response

    @contextmanager
    def _worker(self) -> Iterator[None]:
        """A worker to answer on: with `faults.workers`, a request waits until one is free (the
        queue in front of GitLab's Puma), then holds it `faults.work_ms`."""
        with self._turns:
            while self.faults.workers and self._working >= self.faults.workers:
                self._turns.wait()
            self._working += 1
            work = self.faults.work_ms / 1000
        try:
            if work:
                time.sleep(work)
            yield
        finally:
            with self._turns:
                self._working -= 1
                self._turns.notify()

    def _authenticate(self, headers: dict[str, str], query: dict[str, list[str]]) -> User | None:
        token = headers.get("private-token") or (query.get("private_token") or [""])[-1]
        auth = headers.get("authorization", "")
        if not token and auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        if not token:
            return None
        user = self.store.user_by_token(token)
        if user is None:
            raise ApiError(401, {"message": "401 Unauthorized"})
        return user

    def _throttle_key(self, user: User | None, client: str) -> str:
        return f"user:{user.id}" if user else f"ip:{client}"

    def _throttled(self, user: User | None, client: str) -> Response | None:
        limit = self.rate_limit
        if limit.per_minute is None:
            return None
        allowed, observed, reset = self._throttle.hit(self._throttle_key(user, client), limit)
        if allowed:
            return None
        self.stats.throttled += 1
        retry_after = max(1, math.ceil(reset - time.time()))
        headers = {
            "Retry-After": str(retry_after),
            "RateLimit-Name": "throttle_authenticated_api"
            if user
            else "throttle_unauthenticated_api",
            "RateLimit-Limit": str(limit.per_minute),
            "RateLimit-Observed": str(observed),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(math.ceil(reset)),
            "RateLimit-ResetTime": formatdate(reset, usegmt=True),
        }
        return Response(429, "Retry later\n", headers, content_type="text/plain")

    def _informational_headers(self, response: Response, user: User | None, client: str) -> None:
        limit = self.rate_limit
        if limit.per_minute is None or not limit.headers:
            return
        start, count = self._throttle.windows.get(
            self._throttle_key(user, client), (time.time(), 0)
        )
        reset = start + limit.period_seconds
        response.headers.update(
            {
                "RateLimit-Limit": str(limit.per_minute),
                "RateLimit-Observed": str(count),
                "RateLimit-Remaining": str(max(0, limit.per_minute - count)),
                "RateLimit-Reset": str(math.ceil(reset)),
                "RateLimit-ResetTime": formatdate(reset, usegmt=True),
            }
        )

    def _draw_faults(self, method: str) -> tuple[float, Response | None, bool]:
        faults = self.faults
        latency = faults.latency_ms / 1000
        if faults.edge_throttle_rate and self._rng.random() < faults.edge_throttle_rate:
            self.stats.throttled += 1
            return (
                latency,
                Response(429, "429 Too Many Requests\n", content_type="text/plain"),
                False,
            )
        if faults.error_rate and self._rng.random() < faults.error_rate:
            status = self._rng.choice([500, 502, 503])
            if status == 500:
                return latency, Response(500, {"message": "500 Internal Server Error"}), False
            return (
                latency,
                Response(
                    status,
                    f"{status} Bad Gateway\n" if status == 502 else "503 Service Unavailable\n",
                    content_type="text/plain",
                ),
                False,
            )
        drop = (
            method in WRITE_METHODS
            and bool(faults.drop_after_write_rate)
            and self._rng.random() < faults.drop_after_write_rate
        )
        return latency, None, drop

    # admin routes (outside the GitLab API; the bot never uses them) -----------------------

    def _admin(self, method: str, path: str, raw_body: bytes) -> Response:
        try:
            body = json.loads(raw_body or b"{}")
        except ValueError:
            return Response(400, {"error": "body must be JSON"})
        with self._lock:
            if (method, path) == ("GET", "/stats"):
                return Response(200, self.stats.as_json())
            if (method, path) == ("POST", "/stats/reset"):
                self.stats = Stats()
                return Response(200, self.stats.as_json())
            if (method, path) == ("GET", "/clock"):
                return Response(200, {"now": self.entities.store.clock.now().isoformat()})
            if (method, path) == ("POST", "/clock"):
                try:
                    if "now" in body:
                        when = self.store.clock.set(parse_time(str(body["now"])))
                    elif "advance_seconds" in body:
                        when = self.store.clock.advance(float(body["advance_seconds"]))
                    else:
                        return Response(
                            400, {"error": "give 'now' (ISO 8601) or 'advance_seconds'"}
                        )
                except (ClockError, ValueError) as error:
                    return Response(400, {"error": str(error)})
                return Response(200, {"now": when.isoformat()})
            if (method, path) == ("POST", "/faults"):
                unknown = set(body) - set(asdict(self.faults))
                if unknown:
                    return Response(400, {"error": f"unknown fault keys: {sorted(unknown)}"})
                self.set_faults(**body)
                return Response(200, asdict(self.faults))
        return Response(404, {"error": "404 Not Found"})


def _error(error: ApiError) -> Response:
    return Response(error.status, error.body, {"Cache-Control": "no-cache"})


def _parse_body(headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":  # uploads (Workhorse takes the file parts out)
        return parse_multipart(headers.get("content-type", ""), raw)
    if kind == "application/x-www-form-urlencoded":
        form = parse_qs(raw.decode(), keep_blank_values=True)
        return {k.removesuffix("[]"): (v if k.endswith("[]") else v[-1]) for k, v in form.items()}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _handler_for(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = (
            True  # headers and body go out as two writes: no 40 ms delayed-ACK stall
        )
        server_version = "nginx"
        sys_version = ""

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = emulator.handle(
                self.command, self.path, headers, raw, self.client_address[0]
            )
            if response is None:
                self.close_connection = True
                return
            payload = response.encode()
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            if "Cache-Control" not in response.headers:
                self.send_header("Cache-Control", "max-age=0, private, must-revalidate")
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        def date_time_string(self, timestamp: float | None = None) -> str:
            """`Date` follows the emulator's clock, so a client can take the server's time."""
            return formatdate(emulator.store.clock.now().timestamp(), usegmt=True)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the stats endpoint is the record

    return Handler
