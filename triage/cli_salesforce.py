"""`triage salesforce check | plan | apply` as click commands: the options and the masking; the
CLI (triage/cli.py, which reads the environment) hands in the secrets, connection and console."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from .cli_options import connection_options, workspace_options
from .errors import TriageError, guarded
from .masking import masked_output

DOCS = {
    "check": "Check the fields, the picklist and the mapped users in Salesforce; write nothing.",
    "plan": "What a sync would write, and where Salesforce disagrees; write nothing.",
    "apply": "Write the fields that differ; flag and note the deals Salesforce disagrees with.",
}


def salesforce_command(
    action: str,
    *,
    secrets: Callable[[], Any],
    connection: Callable[[str | None, str | None], Any],
    console: Callable[[click.Context, str | None], Any],
) -> click.Command:
    @workspace_options
    @connection_options
    @click.option(
        "--state",
        "state_file",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="TRIAGE_SALESFORCE_STATE",
        default=Path(".triage-salesforce.json"),
        show_default=True,
        help="What the bot last wrote to each opportunity (keep it between runs: a CI cache).",
    )
    @click.pass_context
    def command(
        ctx: click.Context,
        policies: Path,
        templates: Path,
        gitlab_url: str | None,
        project: str | None,
        now: datetime | None,
        state_file: Path,
    ) -> None:
        from .commands.salesforce import salesforce as run
        from .workspace import load_workspace

        where = connection(gitlab_url, project)
        shown = console(ctx, where.token)
        try:
            given = secrets()
        except TriageError as error:  # a key file that cannot be read
            shown.err(error.report())
            ctx.exit(1)
        for secret in given.values():
            shown.mask.add(secret)
        with masked_output([*given.values(), where.token]) as masker:

            def learnt(token: str) -> None:  # the access token, once Salesforce gives it
                shown.mask.add(token)
                masker.add(token)

            def action_() -> int:
                workspace = load_workspace(policies, templates)
                return run(
                    shown,
                    workspace,
                    where,
                    given,
                    action,  # type: ignore[arg-type]
                    state_file=state_file,
                    now=now or ctx.find_root().ensure_object(dict).get("now"),
                    on_token=learnt,
                )

            code = guarded(shown, action_)
        ctx.exit(code)

    command.__doc__ = DOCS[action]
    return click.command(name=action)(command)


def salesforce_group(
    *,
    secrets: Callable[[], Any],
    connection: Callable[[str | None, str | None], Any],
    console: Callable[[click.Context, str | None], Any],
) -> click.Group:
    @click.group()
    def salesforce() -> None:
        """Sync the four EM fields to Salesforce opportunities and read back what Salesforce
        says (`pip install 'ps-triage[salesforce]'`; the policy's `salesforce.sync`)."""

    for action in DOCS:
        salesforce.add_command(
            salesforce_command(action, secrets=secrets, connection=connection, console=console)
        )
    return salesforce
