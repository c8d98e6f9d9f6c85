"""`triage serve` and `triage hooks`: the reactive mode's commands (`triage/cli.py` adds them).
cli.py reads the secrets from the environment and hands them over; click reads TRIAGE_SERVE_STATE."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from .cli_options import connection_options, readers_option, workspace_options
from .console import Console
from .errors import guarded


def serve_command(
    connection_of: Callable[..., Any],
    console_of: Callable[..., Console],
    finish: Callable[[int], None],
    secrets_of: Callable[[], Sequence[str | None]],
) -> click.Command:
    """The `serve` command, given cli.py's helpers: the connection from the options and the
    environment, the console (the secrets masked), and the exit."""

    @click.command()
    @workspace_options
    @connection_options
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option(
        "--port", type=int, default=8080, show_default=True, help="Port; 0 picks a free one."
    )
    @click.option(
        "--state",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path(".triage-serve.json"),
        show_default=True,
        envvar="TRIAGE_SERVE_STATE",
        help="The issues waiting to be planned, kept across restarts. Default: $TRIAGE_SERVE_STATE.",
    )
    @click.option(
        "--debounce",
        type=click.FloatRange(min=0),
        default=3.0,
        show_default=True,
        help="Seconds without an event before an issue is planned again.",
    )
    @click.option(
        "--debounce-max",
        type=click.FloatRange(min=0),
        default=15.0,
        show_default=True,
        help="Seconds after an issue's first event it is planned at the latest.",
    )
    @click.option(
        "--writes-per-minute",
        type=click.IntRange(min=1),
        default=60,
        show_default=True,
        help="Notes serve creates in any minute at most (GitLab.com: 60 a minute per user); "
        "label updates and the lease's emoji are paced by GitLab's rate-limit headers.",
    )
    @readers_option
    @click.pass_context
    def serve(
        ctx: click.Context,
        policies: Path,
        templates: Path,
        gitlab_url: str | None,
        project: str | None,
        now: datetime | None,
        host: str,
        port: int,
        state: Path,
        debounce: float,
        debounce_max: float,
        writes_per_minute: int,
        readers: int | None,
    ) -> None:
        """Answer GitLab's webhooks (POST /webhook) and plan again, within seconds, each issue an
        event touches; GET /healthz, GET /metrics. Needs TRIAGE_WEBHOOK_SECRET (and, while it is
        rotated, TRIAGE_WEBHOOK_SECRET_PREVIOUS) and the serve extra."""
        from .commands.serve import ServeOptions, check_secret
        from .commands.serve import serve as command
        from .workspace import load_workspace

        connection = connection_of(gitlab_url, project, readers)
        secret, previous = secrets_of()
        console = console_of(ctx, connection.token, secret, previous)
        options = ServeOptions(
            host=host,
            port=port,
            secret=secret,
            previous_secret=previous,
            state=state,
            quiet=debounce,
            most=debounce_max,
            writes_per_minute=writes_per_minute,
        )

        def action() -> int:
            check_secret(options)  # before anything is read: the reason, exit 1
            workspace = load_workspace(policies, templates, lenient=True)
            for problem in workspace.template_problems:
                console.err(f"warning: {problem}; the issues that use it fail, the others go on")
            return command(console, workspace, connection, options)

        finish(guarded(console, action))

    return serve


def hooks_command(
    connection_of: Callable[..., Any],
    console_of: Callable[..., Console],
    finish: Callable[[int], None],
    secrets_of: Callable[[], Sequence[str | None]],
) -> click.Command:
    """The `hooks` command, given cli.py's helpers (as `serve_command`)."""

    @click.command()
    @workspace_options
    @connection_options
    @click.option("--url", help="serve's address for GitLab, ending in /webhook: check its hook.")
    @click.option(
        "--create",
        is_flag=True,
        help="With --url: make the hook, or set its events and secret (TRIAGE_WEBHOOK_SECRET).",
    )
    @click.pass_context
    def hooks(
        ctx: click.Context,
        policies: Path,
        templates: Path,
        gitlab_url: str | None,
        project: str | None,
        now: datetime | None,
        url: str | None,
        create: bool,
    ) -> None:
        """List the project's webhooks; with --url, check (or with --create, make) the one
        `triage serve` needs: its events, its status, one only, not also a group's."""
        from .commands.hooks import hooks as command
        from .workspace import load_workspace

        if create and not url:
            raise click.UsageError("--create goes with --url (serve's address, ending in /webhook)")
        connection = connection_of(gitlab_url, project)
        secret = secrets_of()[0]
        console = console_of(ctx, connection.token, secret)

        def action() -> int:
            workspace = load_workspace(policies, templates, lenient=True)
            return command(console, workspace, connection, url=url, create=create, secret=secret)

        finish(guarded(console, action))

    return hooks


def add_commands(
    main: click.Group,
    connection_of: Callable[..., Any],
    console_of: Callable[..., Console],
    finish: Callable[[int], None],
    secrets_of: Callable[[], Sequence[str | None]],
) -> None:
    """`serve` and `hooks` on `main`, with cli.py's helpers and the webhook secrets it reads."""
    main.add_command(serve_command(connection_of, console_of, finish, secrets_of))
    main.add_command(hooks_command(connection_of, console_of, finish, secrets_of))
