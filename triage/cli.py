"""The `triage` command: parses arguments and the environment, then dispatches.

Environment variables are read here and nowhere else: GITLAB_URL (or CI_SERVER_URL),
GITLAB_TOKEN, TRIAGE_PROJECT (then the policy's scope, then CI_PROJECT_PATH), TRIAGE_WEBHOOK_SECRET*;
click reads TRIAGE_CACHE, TRIAGE_READERS and TRIAGE_SERVE_STATE."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from . import cli_emulator, cli_serve, credentials, process
from .cli_options import (
    NOW_HELP,
    QUIET_HELP,
    VERBOSE_HELP,
    add_common_flags,
    cache_options,
    connection_options,
    parse_now,
    readers_option,
    workspace_options,
)
from .cli_salesforce import salesforce_group, salesforce_secrets
from .console import Console
from .errors import BUG, guarded
from .masking import masked_output

if TYPE_CHECKING:
    from .commands.run import RunOptions

DEFAULTS = Path(__file__).parent / "defaults"


def _credentials(ctx: click.Context | None = None) -> dict[str, str]:
    """The credentials the command was started with (`credentials.CREDENTIALS`): taken out of
    the environment by `entry`, read from it when `main` is called in-process."""
    obj = (ctx or click.get_current_context()).ensure_object(dict)
    found: dict[str, str] = obj.setdefault("credentials", credentials.read(os.environ))
    return found


def _token() -> str | None:
    """GITLAB_TOKEN, checked (`credentials.gitlab_token`); one refused is a usage error."""
    try:
        return credentials.gitlab_token(_credentials())
    except credentials.TokenRefused as refused:
        raise click.UsageError(str(refused)) from None


def _console(ctx: click.Context, token: str | None = None, *others: str | None) -> Console:
    obj = ctx.ensure_object(dict)
    return Console(
        color=False if "NO_COLOR" in os.environ else None,
        secrets=[token, *_credentials(ctx).values(), *others],
        quiet=obj.get("quiet", False),
        verbose=obj.get("verbose", False),
        columns=int(columns) if (columns := os.environ.get("COLUMNS", "")).isdigit() else None,
    )


def _exit(code: int) -> None:
    sys.exit(code)


def _gitlab_url(given: str | None) -> str | None:
    """The GitLab URL; one carrying credentials (`user:pass@`, a query) is refused unshown."""
    url = given or os.environ.get("GITLAB_URL") or os.environ.get("CI_SERVER_URL")
    parts = urlsplit(url or "")
    if "@" in parts.netloc or parts.query or parts.fragment:
        raise click.UsageError(
            "the GitLab URL (--gitlab-url, GITLAB_URL or CI_SERVER_URL) carries a user name, "
            "password or query: give the base URL alone (https://host) and the token in "
            "GITLAB_TOKEN (its value is not shown)"
        )
    return url


def _connection(gitlab_url: str | None, project: str | None, readers: int | None = None) -> Any:
    from .commands.connection import Connection

    return Connection(
        url=_gitlab_url(gitlab_url),
        token=_token(),
        project=project or os.environ.get("TRIAGE_PROJECT"),
        readers=readers,
        pipeline_project=os.environ.get("CI_PROJECT_PATH"),
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)
@click.option("-v", "--verbose", is_flag=True, help=VERBOSE_HELP)
@click.option("--now", metavar="DATE|TIME", callback=parse_now, help=NOW_HELP)
@click.version_option(package_name="ps-triage")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: bool, now: datetime | None) -> None:
    """ps-triage: moves PS scoping issues through their lifecycle from YAML policies.

    -q, -v and --now go before the command or after it."""
    ctx.ensure_object(dict).update(quiet=quiet, verbose=verbose, now=now)
    # Whatever the command writes, through the console or not, the token is masked in it.
    ctx.with_resource(masked_output(list(_credentials(ctx).values())))


@main.command()
@workspace_options
@click.option(
    "--members",
    is_flag=True,
    help="Also read the scope's members from GitLab (GITLAB_URL, GITLAB_TOKEN) and name each "
    "person of the assignment pools GitLab would not assign; and read the approver groups.",
)
@click.option("--project", help="With --members: the project whose members count (as for apply).")
@click.option("--gitlab-url", help="With --members: GitLab base URL. Default: $GITLAB_URL.")
@click.pass_context
def validate(
    ctx: click.Context,
    policies: Path,
    templates: Path,
    members: bool,
    project: str | None,
    gitlab_url: str | None,
) -> None:
    """Check policies and templates; exit non-zero on any problem."""
    from .commands.validate import validate as command

    now = ctx.obj.get("now") or datetime.now(UTC)  # a target's quarter over by then is named
    connection = _connection(gitlab_url, project) if members else None
    console = _console(ctx, connection.token if connection else None)
    _exit(guarded(console, lambda: command(console, policies, templates, now, connection)))


def _run(ctx: click.Context, options: RunOptions) -> None:
    from .commands.connection import ask_ahead  # the adapter alone: python-gitlab, no policy
    from .sealed import Beside

    note: tuple[str, int] | None = None  # the merge request the plan is noted on
    if options.merge_request is not None:
        where = options.merge_request_project or os.environ.get("CI_PROJECT_PATH")
        if not where:
            raise click.UsageError(
                "--merge-request needs --merge-request-project (or CI_PROJECT_PATH)"
            )
        note = (where, options.merge_request)

    connection = _connection(options.gitlab_url, options.project, options.readers)
    console = _console(ctx, connection.token)

    def action() -> int:
        # A scheduled run with the details cache keeps, beside it, which workspace passed the
        # check last: the same one is not checked again (its templates compiled for nothing);
        # and, sealed with the token (`sealed.py`), the public holidays its policy's places have
        # (read again, they cost ~90 ms), the forecast's text (rendered again, ~40 ms) and the
        # listing it made, whose first pages the next run asks for at once (`ask_ahead`), with
        # who the bot is: both answers on their way while it loads its code and workspace.
        beside = options.cache if options.cache and options.mode == "apply" else None
        kept = Beside(beside, connection.token) if beside and connection.token else None
        gitlab = ask_ahead(connection, kept)
        from .commands.run import CacheFile, MergeRequestNote, run_command
        from .workspace import load_workspace

        # An invalid policy stops here, before any request but those two reads, so before any
        # write; a failing template stops only the issues that use it in a scheduled `apply`
        # (a `plan`, for a merge request, stops here).
        workspace = load_workspace(
            options.policies,
            options.templates,
            lenient=options.mode == "apply",
            checked=beside.with_name(f"{beside.name}.checked") if beside else None,
            kept=kept,
        )
        for problem in workspace.template_problems:
            console.err(f"warning: {problem}; the issues that use it fail, the others go on")
        code = run_command(
            console,
            workspace,
            connection,
            mode=options.mode,
            iid=options.issue,
            report=options.report,
            max_writes=options.max_writes,
            now=options.now,
            fmt=options.fmt,
            merge_request=MergeRequestNote(*note) if note else None,
            cache=CacheFile(options.cache, timedelta(hours=options.cache_max_age))
            if options.cache
            else None,
            gitlab=gitlab,
        )
        if workspace.templates.kept is not None:
            workspace.templates.kept.save()
        return code

    _exit(guarded(console, action))


@main.command()
@workspace_options
@connection_options
@click.option("--issue", type=int, help="Only this issue (IID).")
@click.option("--report", type=click.Path(path_type=Path), help="Write the JSON report here.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown"]),
    default="table",
    show_default=True,
    help="markdown: a summary for a merge request.",
)
@click.option(
    "--merge-request",
    type=int,
    help="Post (or update) the Markdown plan as one note on this merge request.",
)
@click.option(
    "--merge-request-project", help="The merge request's project (default: $CI_PROJECT_PATH)."
)
@cache_options
@readers_option
@click.pass_context
def plan(
    ctx: click.Context,
    policies: Path,
    templates: Path,
    gitlab_url: str | None,
    project: str | None,
    issue: int | None,
    report: Path | None,
    now: datetime | None,
    fmt: str,
    merge_request: int | None,
    merge_request_project: str | None,
    cache: Path | None,
    cache_max_age: float,
    readers: int | None,
) -> None:
    """Show what a run would change. Never writes to the issues (a merge-request note aside)."""
    from .commands.run import RunOptions

    _run(
        ctx,
        RunOptions(
            mode="plan",
            policies=policies,
            templates=templates,
            gitlab_url=gitlab_url,
            project=project,
            issue=issue,
            report=report,
            max_writes=None,
            now=now,
            fmt=fmt,
            merge_request=merge_request,
            merge_request_project=merge_request_project,
            cache=cache,
            cache_max_age=cache_max_age,
            readers=readers,
        ),
    )


@main.command()
@workspace_options
@connection_options
@click.option("--issue", type=int, help="Only this issue (IID).")
@click.option("--report", type=click.Path(path_type=Path), help="Write the JSON report here.")
@click.option(
    "--max-writes",
    type=click.IntRange(min=0),
    default=500,
    show_default=True,
    help="Write budget for this run; running out is a warning and exit code 1.",
)
@cache_options
@readers_option
@click.pass_context
def apply(
    ctx: click.Context,
    policies: Path,
    templates: Path,
    gitlab_url: str | None,
    project: str | None,
    issue: int | None,
    report: Path | None,
    max_writes: int,
    now: datetime | None,
    cache: Path | None,
    cache_max_age: float,
    readers: int | None,
) -> None:
    """Make the changes: labels, state and comments."""
    from .commands.run import RunOptions

    _run(
        ctx,
        RunOptions(
            mode="apply",
            policies=policies,
            templates=templates,
            gitlab_url=gitlab_url,
            project=project,
            issue=issue,
            report=report,
            max_writes=max_writes,
            now=now,
            cache=cache,
            cache_max_age=cache_max_age,
            readers=readers,
        ),
    )


@main.command()
@click.argument("iid", type=int)
@workspace_options
@connection_options
@click.pass_context
def explain(
    ctx: click.Context,
    iid: int,
    policies: Path,
    templates: Path,
    gitlab_url: str | None,
    project: str | None,
    now: datetime | None,
) -> None:
    """Show every rule and transition for one issue, each condition met or not."""
    from .commands.run import explain_command

    connection = _connection(gitlab_url, project)
    console = _console(ctx, connection.token)
    _exit(
        guarded(
            console,
            lambda: explain_command(console, policies, templates, connection, iid, now),
        )
    )


@main.command()
@click.option(
    "--policies", type=click.Path(path_type=Path), default=Path("policies"), show_default=True
)
@click.pass_context
def graph(ctx: click.Context, policies: Path) -> None:
    """Print the lifecycle as a Mermaid diagram."""
    from .commands.graph import graph as command

    _exit(guarded(_console(ctx), lambda: command(_console(ctx), policies)))


@main.command()
@workspace_options
@click.option(
    "--format",
    "form",
    type=click.Choice(["terminal", "markdown", "json"]),
    default="terminal",
    show_default=True,
    help="markdown: a handbook page; json: every field",
)
@click.pass_context
def catalog(ctx: click.Context, policies: Path, templates: Path, form: str) -> None:
    """List the service catalog's offerings (for the team's handbook page: --format markdown,
    worded by the templates' catalog.md.j2)."""
    from .commands.catalog import catalog as command

    _exit(guarded(_console(ctx), lambda: command(_console(ctx), policies, templates, form)))


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@click.option(
    "--update",
    is_flag=True,
    help="Take up this release: show the diff, rewrite only the files you have not edited.",
)
@click.pass_context
def init(ctx: click.Context, directory: Path, update: bool) -> None:
    """Lay out an operations repository: policies, templates, CI, the issue template, a policy test."""
    from .commands.init import init as command

    _exit(guarded(_console(ctx), lambda: command(_console(ctx), directory, update)))


@main.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the schema to this file instead of the terminal.",
)
@click.pass_context
def schema(ctx: click.Context, output: Path | None) -> None:
    """Print the JSON Schema of the policy format (editors validate and complete policy files with it)."""
    from .commands.schema import schema as command

    _exit(guarded(_console(ctx), lambda: command(_console(ctx), output)))


@main.command()
@workspace_options
@connection_options
@click.option("--quarter", help="Fiscal quarter, like FY27-Q4 (default: the current one).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "markdown", "json", "csv", "salesforce-csv"]),
    default="terminal",
    show_default=True,
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write it to this file."
)
@click.pass_context
def report(
    ctx: click.Context,
    policies: Path,
    templates: Path,
    gitlab_url: str | None,
    project: str | None,
    now: datetime | None,
    quarter: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """The quarter's forecast for PS leadership, or the CSV for Salesforce. Never writes to GitLab."""
    from .commands.report import report as command
    from .workspace import load_workspace

    connection = _connection(gitlab_url, project)
    console = _console(ctx, connection.token)

    def action() -> int:
        workspace = load_workspace(policies, templates)
        return command(
            console,
            workspace,
            connection,
            quarter=quarter,
            fmt=fmt,
            output=output,
            now=now,
        )

    _exit(guarded(console, action))


@main.command(hidden=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("docs/policy.md"),
    show_default=True,
)
@click.pass_context
def reference(ctx: click.Context, output: Path) -> None:
    """Write the policy and template reference (generated from the code)."""
    from .reference import policy_reference

    def action() -> int:
        output.write_text(policy_reference(), encoding="utf-8")
        _console(ctx).info(f"wrote {output}")
        return 0

    _exit(guarded(_console(ctx), action))


@main.command()
@click.argument("template")
@workspace_options
@connection_options
@click.option("--issue", type=int, help="Render for this live issue (IID); nothing is written.")
@click.option(
    "--data",
    "data_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Render from a local file holding the scoping data block's YAML.",
)
@click.option(
    "--stage",
    help="Stage to render a rule's comment in (default: the issue's, else the rule's first).",
)
@click.option(
    "--docx",
    "docx",
    type=click.Path(path_type=Path),
    help="Render the Word template TEMPLATE (`sow` or `sow.docx`) into this .docx file (a "
    "name not ending in .docx is a folder, made if missing: <Customer>-SoW-<date>.docx there).",
)
@click.option(
    "--pdf",
    is_flag=True,
    help="With --docx: a PDF beside it too, when LibreOffice (soffice) is installed.",
)
@click.pass_context
def render(
    ctx: click.Context,
    template: str,
    policies: Path,
    templates: Path,
    gitlab_url: str | None,
    project: str | None,
    now: datetime | None,
    issue: int | None,
    data_file: Path | None,
    stage: str | None,
    docx: Path | None,
    pdf: bool,
) -> None:
    """Preview a comment template (or with --docx, a Word template) for an issue or a scoping
    data file, without writing to GitLab."""
    from .commands.render import DocumentOut, render_data, render_issue
    from .workspace import load_workspace

    if (issue is None) == (data_file is None):
        raise click.UsageError("give exactly one of --issue IID or --data FILE")
    if pdf and docx is None:
        raise click.UsageError("--pdf goes with --docx OUT.docx")
    if docx is not None and docx.suffix and docx.suffix.lower() != ".docx" and not docx.is_dir():
        # A folder (made if missing) has no suffix; `--docx x.pdf --pdf` would have the PDF's
        # clean-up delete the document
        raise click.UsageError(
            f"--docx {docx}: the Word document's file name must end in .docx (or name a folder, "
            "without a suffix)"
        )
    connection = _connection(gitlab_url, project)
    console = _console(ctx, connection.token)
    when = now or datetime.now(UTC)  # the date in the file name and the document

    def action() -> int:
        workspace = load_workspace(policies, templates)
        day = workspace.policy.calendar.local(when).date()  # the team's, as a run dates it
        document = DocumentOut(path=docx, day=day, pdf=pdf) if docx else None
        if data_file is not None:
            return render_data(console, workspace, template, data_file, stage, document)
        assert issue is not None
        return render_issue(console, workspace, connection, template, issue, stage, document)

    _exit(guarded(console, action))


cli_emulator.add_commands(main, _console)  # emulator, demo
cli_serve.add_commands(
    main,
    _connection,
    _console,
    _exit,
    lambda: [
        _credentials().get(f"TRIAGE_WEBHOOK_SECRET{e}", "").strip() or None
        for e in ("", "_PREVIOUS")
    ],
)  # serve, hooks
main.add_command(
    salesforce_group(
        secrets=lambda: salesforce_secrets(os.environ, _credentials()),
        connection=_connection,
        console=_console,
    )
)


add_common_flags(main)


def entry() -> None:
    """The `triage` command. A run keeps many long-lived objects (every listed issue, parsed)
    and makes few cycles, and Python's collector, started every 700 allocations, re-scanned
    them: ~0.48 s of a settled 10,000-issue run. Started every 50,000 (as mypy and others do
    for the same reason), it takes ~0.1 s."""
    gc.set_threshold(50_000, 20, 20)
    # Out of the environment before anything else runs: no program the run starts can read them.
    taken = credentials.take(os.environ)
    try:
        with masked_output(list(taken.values())):
            try:
                main(obj={"credentials": taken})
            except BrokenPipeError:  # the reader went away (`triage --help | head`): quietly
                with contextlib.suppress(Exception):
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                sys.exit(0)
            except Exception:  # a bug outside a command's own handler: the traceback masked too
                traceback.print_exc()
                sys.exit(BUG)
    except SystemExit as exiting:  # without freeing every object first (`process.done`)
        if exiting.code is None or isinstance(exiting.code, int):
            process.done(exiting.code or 0)
        raise
