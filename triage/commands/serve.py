"""`triage serve`: answer GitLab's webhooks, and plan again within seconds each issue an event
touches (triage/serve/). Needs the `serve` extra: `pip install 'ps-triage[serve]'`."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path

from ..console import Console
from ..errors import UserError
from ..runner.pdfs import PdfCopies
from ..workspace import Workspace
from .connection import Connection, open_gitlab, scoped


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    secret: str | None  # TRIAGE_WEBHOOK_SECRET
    previous_secret: str | None  # TRIAGE_WEBHOOK_SECRET_PREVIOUS, during a rotation
    state: Path | None  # the pending issues' file
    quiet: float  # seconds of quiet before an issue is planned
    most: float  # seconds after its first event at the latest
    writes_per_minute: int


def check_secret(options: ServeOptions) -> None:
    if not options.secret:
        raise UserError(
            "no webhook secret: set TRIAGE_WEBHOOK_SECRET to the secret token of the project's "
            "webhook (`triage hooks` creates the hook with it); serve refuses every delivery "
            "without one"
        )


def serve(
    console: Console, workspace: Workspace, connection: Connection, options: ServeOptions
) -> int:
    check_secret(options)
    assert options.secret is not None
    try:
        from ..serve.app import address, bind, server
    except ImportError:
        raise UserError(
            "triage serve needs the serve extra: pip install 'ps-triage[serve]'"
        ) from None
    from ..serve.receiver import Secrets
    from ..serve.service import build

    policy = scoped(workspace.policy, connection)
    gitlab = open_gitlab(connection)
    if policy.scope.project:
        gitlab.check_can_write(policy.scope.project)
    service = build(
        policy,
        gitlab,
        workspace.templates,
        Secrets(options.secret, options.previous_secret),
        console.err,
        state=options.state,
        quiet=options.quiet,
        most=options.most,
        writes_per_minute=options.writes_per_minute,
        pdfs=PdfCopies.on_this_machine(),
        readers=connection.readers,
    )
    if service.inbox.problem:
        console.err(f"warning: {service.inbox.problem}")
    try:
        sock = bind(options.host, options.port)
    except OSError as error:
        raise UserError(
            f"cannot listen on {options.host}:{options.port}: {error.strerror}"
        ) from None
    console.out(f"serving on {address(sock)}")
    scope = policy.scope.project or policy.scope.group
    console.aside(
        f"serve: {scope} at {connection.url} as @{service.identity.bot_username}; "
        f"{len(service.inbox)} issues pending"
    )
    web = server(service)

    def stop(signum: int, frame: object) -> None:
        web.should_exit = True  # uvicorn finishes the answers under way, then returns

    # uvicorn puts these back, and sends itself the signal it caught, once it has stopped: it
    # then lands here (not on Python's default, which would end the process before the worker
    # finishes the issue it is planning).
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, stop)
    service.worker.start()
    try:
        web.run(sockets=[sock])
    finally:
        service.worker.stop()
        sock.close()
    console.aside(f"serve: stopped; {len(service.inbox)} issues pending")
    return 0
