"""`triage emulator` and `triage demo`: the commands that start the GitLab API emulator."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .errors import guarded

DEFAULTS = Path(__file__).parent / "defaults"


def _exit(code: int) -> None:
    sys.exit(code)


def add_commands(main: click.Group, _console: Callable[..., Any]) -> None:
    @main.command()
    @click.option(
        "--seed",
        "seed",
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        required=True,
        help="Seed file (YAML or JSON) with users, projects and issues.",
    )
    @click.option(
        "--host",
        default="127.0.0.1",
        show_default=True,
        help="Address to bind (loopback unless told otherwise).",
    )
    @click.option(
        "--port", type=int, default=0, show_default=True, help="Port; 0 picks a free one."
    )
    @click.pass_context
    def emulator(ctx: click.Context, seed: Path, host: str, port: int) -> None:
        """Run the GitLab API emulator in the foreground."""
        from .commands.emulator import emulator as command

        _exit(guarded(_console(ctx), lambda: command(_console(ctx), seed, host, port)))

    @main.command()
    @click.option(
        "--policies",
        type=click.Path(path_type=Path),
        default=None,
        help="Policy folder (default: ./policies if present, else the shipped one).",
    )
    @click.option(
        "--templates",
        type=click.Path(path_type=Path),
        default=None,
        help="Templates folder (default: ./templates if present, else the shipped one).",
    )
    @click.pass_context
    def demo(ctx: click.Context, policies: Path | None, templates: Path | None) -> None:
        """Run the bot against the emulator with sample scoping issues: plan, apply, human
        steps, apply again, and a last run that writes nothing. Needs no GitLab or network."""
        from .commands.demo import demo as command

        policies = policies or (
            Path("policies") if Path("policies/ps-scoping.yml").exists() else DEFAULTS / "policies"
        )
        templates = templates or (
            Path("templates") if Path("templates").is_dir() else DEFAULTS / "templates"
        )
        _exit(guarded(_console(ctx), lambda: command(_console(ctx), policies, templates)))
