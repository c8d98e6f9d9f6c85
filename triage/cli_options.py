"""The options the commands share (`triage/cli.py` declares the commands).

The common flags go before the command or after it: `triage -q plan` and `triage plan -q`,
`triage --now 2026-01-24 report` and `triage report --now 2026-01-24`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource


def parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """`--now`: a date (`2026-01-24`, its midnight) or an ISO 8601 time, with or without a zone
    (without one it is in the policy's time zone: `commands.connection.in_zone`). Given after
    the command or before it (`triage --now 2026-01-24 plan`); anything else is a usage error."""
    if value is None:
        return (ctx.find_root().obj or {}).get("now")
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither a date (2026-01-24) nor an ISO 8601 time "
            "(2026-01-24T09:00:00Z, 2026-01-24T10:00+01:00)"
        ) from None


NOW_HELP = (
    "Evaluate as of this date or ISO 8601 time (without a zone: the policy's time zone, else "
    "UTC). Default: GitLab's own clock."
)


def workspace_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--templates",
        "templates",
        type=click.Path(path_type=Path),
        default=Path("templates"),
        show_default=True,
        help="Folder of comment templates.",
    )(fn)
    return click.option(
        "--policies",
        "policies",
        type=click.Path(path_type=Path),
        default=Path("policies"),
        show_default=True,
        help="Folder of policy files (*.yml).",
    )(fn)


def connection_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--project",
        help="Project path to triage; overrides the policy scope. Default: $TRIAGE_PROJECT, "
        "then the policy's scope.project, then $CI_PROJECT_PATH.",
    )(fn)
    fn = click.option(
        "--gitlab-url", help="GitLab base URL. Default: $GITLAB_URL, then $CI_SERVER_URL."
    )(fn)
    return click.option("--now", metavar="DATE|TIME", callback=parse_now, help=NOW_HELP)(fn)


def cache_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--cache-max-age",
        type=click.FloatRange(min=0),
        default=24.0,
        show_default=True,
        help="Hours a remembered issue is trusted at most (each issue expires between half of "
        "this and all of it, so they do not expire together).",
    )(fn)
    return click.option(
        "--cache",
        "cache",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="TRIAGE_CACHE",
        help="Remember notes and label events here between runs; an issue GitLab shows unchanged "
        "is not read again, and nothing is written without reading it first. Default: $TRIAGE_CACHE.",
    )(fn)


def _readers(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """`--readers` (or TRIAGE_READERS): a number from 1 to 32, or `auto` (None)."""
    text = (value or "auto").strip()
    if text.lower() == "auto":
        return None
    if not text.isdigit() or not 1 <= int(text) <= 32:
        source = ctx.get_parameter_source(param.name or "")
        given = (
            f"TRIAGE_READERS={value!r}" if source is ParameterSource.ENVIRONMENT else repr(value)
        )
        raise click.BadParameter(f"{given} is neither a number from 1 to 32 nor 'auto'")
    return int(text)


def readers_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--readers",
        metavar="N|auto",
        callback=_readers,
        envvar="TRIAGE_READERS",
        help="Issues whose notes, label events or emoji are read at once: 1 to 32, or auto "
        "[default: auto: from 8, up to 16 while GitLab answers them without delay, down to 2 when "
        "its answers queue]. Default: $TRIAGE_READERS.",
    )(fn)


QUIET_HELP = "Only results and errors."
VERBOSE_HELP = "More detail on stderr."


def _flag(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    """-q or -v after the command: the same as before it."""
    if value and param.name:
        ctx.ensure_object(dict)[param.name] = True
    return value


def add_common_flags(group: click.Group) -> None:
    """-q and -v after every command of `group` too (they are the group's own before it)."""
    for command in group.commands.values():
        command.params += [
            click.Option(
                ["-q", "--quiet"], is_flag=True, expose_value=False, callback=_flag, help=QUIET_HELP
            ),
            click.Option(
                ["-v", "--verbose"],
                is_flag=True,
                expose_value=False,
                callback=_flag,
                help=VERBOSE_HELP,
            ),
        ]
