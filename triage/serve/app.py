"""The web side of `triage serve`: one Starlette app (POST /webhook, GET /healthz, GET /metrics)
served by uvicorn, on the main thread (`triage serve`) or on a thread of its own (tests).

The answer comes before any work: a delivery is decided (authenticated, routed, deduplicated)
and queued in microseconds, and the worker plans after the answer, so GitLab (which waits 10 s
and pauses a hook after 4 failures) always gets its 202 within a second.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .service import MAX_BODY, Service


def build_app(service: Service) -> Starlette:
    async def webhook(request: Request) -> Response:
        size = request.headers.get("content-length", "")
        if size.isdigit() and int(size) > MAX_BODY:
            return JSONResponse({"error": "payload too large"}, status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "payload too large"}, status_code=413)
        delivery = service.receive(request.headers, body)
        if delivery.status == 401:
            return JSONResponse({"error": "401 Unauthorized"}, status_code=401)
        return JSONResponse({"decision": delivery.decision}, status_code=delivery.status)

    async def healthz(request: Request) -> Response:
        return JSONResponse(service.health())

    async def metrics(request: Request) -> Response:
        return PlainTextResponse(service.metrics.text(), media_type="text/plain; version=0.0.4")

    return Starlette(
        routes=[
            Route("/webhook", webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: a free one), bound before uvicorn starts, so the address
    can be said first."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def server(service: Service) -> uvicorn.Server:
    config = uvicorn.Config(
        build_app(service),
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


class Background:
    """uvicorn on a thread of its own (tests and the benchmark): `url`, then `stop()`."""

    def __init__(self, service: Service, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = bind(host, port)
        self.url = address(self.sock)
        self.server = server(service)
        self._thread = threading.Thread(target=self._run, name="triage-serve-http", daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self) -> Background:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)
        self.sock.close()

    def __enter__(self) -> Background:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
