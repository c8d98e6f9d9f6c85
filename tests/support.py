"""Helpers shared by the tests: snapshots for the pure planner, the shipped workspace, a bot run."""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gitlab
import gitlab.utils
from click.testing import CliRunner, Result

from triage.cli import main
from triage.commands.demo_data import BOT_TOKEN, description
from triage.gitlab.adapter import GitLab
from triage.issues.snapshot import IssueSnapshot, LabelEvent, Note
from triage.planner import Settings
from triage.runner import RunResult, run
from triage.workspace import Workspace, load_workspace

ROOT = Path(__file__).resolve().parent.parent
MAINTAINER = "mara"  # a Maintainer the harnesses add: only they may list or download uploads by id
NOW = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
BOT = "ps-bot"


@functools.cache
def workspace() -> Workspace:
    """The shipped policies and templates (loaded once: they are frozen)."""
    return load_workspace(ROOT / "policies", ROOT / "templates")


APPROVERS = {
    "director": frozenset({"rowan"}),
    "technical-architect": frozenset({"ravi"}),
    "deal-desk": frozenset({"quinn"}),
}
# Who GitLab shows as members of the demo's ps/ps-plan (rowan through the `ps` group).
MEMBERS = frozenset(
    {BOT, "dana", "mateo", "harriet", "kaito", "felix", "imogen", "quinn", "rowan", "ravi"}
)

# A deal the gate tests move to Ready For Approval: its data block and the tasks it takes.
GATE_DATA = {
    "customer": "Acme Widgets",
    "close_date": "2026-03-20",
    "people": {"sa": "felix", "ae": "imogen"},
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}
GATE_TASKS = [
    "Discovery call held",
    "Customer agreed price and scope",
    "SoW reviewed by account team and customer",
]


def won(when: datetime, by: str = "quinn") -> tuple[LabelEvent, ...]:
    """Label events of a deal the PS Director approved and Deal Desk (`quinn`) then closed won
    at `when`: Closed Won counts only from Approved (GitLab writes the scoped pair together)."""
    approved = when - timedelta(days=7)
    return (
        LabelEvent("rowan", "proposal::Approved", "add", approved),
        LabelEvent(by, "proposal::Approved", "remove", when),
        LabelEvent(by, "proposal::Closed_Won", "add", when),
    )


def settings(ws: Workspace | None = None) -> Settings:
    """As the runner would build them for the shipped policy and the demo's groups."""
    return Settings(
        bot=BOT, templates=(ws or workspace()).templates, approvers=APPROVERS, members=MEMBERS
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def block(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "customer": "Acme Widgets",
        "segment": "Ent_EAST",
        "close_date": "2026-01-30",
        "currency": "USD",
        "people": {"sa": "felix", "ae": "imogen"},
        "confidence": {"value": "Amber", "rationale": "waiting on procurement"},
        "line_items": [{"activity": "saas_discovery_remote", "role": "PSE", "days": 3}],
        "discount_pct": 0,
    }
    data.update(fields)
    return data


def snapshot(
    *,
    iid: int = 1,
    labels: tuple[str, ...] = ("Services Calculator",),
    assignees: tuple[str, ...] = ("dana",),
    done: tuple[str, ...] = (),
    data: dict[str, Any] | str | None = None,
    state: str = "opened",
    notes: tuple[Note, ...] | None = None,
    events: tuple[LabelEvent, ...] | None = None,
    title: str = "Acme Widgets - Scope Issue and Write SOW",
    created: str = "2026-01-12T08:00:00Z",
    description_text: str | None = None,
    confidence: str | None = "stated",
    updated: str | None = None,
) -> IssueSnapshot:
    """A scoping issue; by default created an hour before NOW (no timer is due) and already
    carrying an EM confidence label (no confidence rule fires), so tests see what they set up:
    by default ("stated") the data block's value (the label the bot would have set), else Grey."""
    if confidence == "stated":
        stated = data.get("confidence") if isinstance(data, dict) else None
        confidence = stated.get("value", "Grey") if isinstance(stated, dict) else "Grey"
    if confidence and not any(label.startswith("EM_Confidence::") for label in labels):
        labels = (*labels, f"EM_Confidence::{confidence}")
    return IssueSnapshot(
        project="ps/ps-plan",
        iid=iid,
        title=title,
        description=description_text
        if description_text is not None
        else description("Summary.", done, data),
        labels=tuple(sorted(labels)),
        assignees=assignees,
        author="imogen",
        state=state,
        created_at=at(created),
        updated_at=at(updated or created),
        web_url=f"https://gitlab.example.com/ps/ps-plan/-/issues/{iid}",
        notes=notes,
        label_events=events,
    )


def with_details(
    issue: IssueSnapshot, notes: tuple[Note, ...] = (), events: tuple[LabelEvent, ...] = ()
) -> IssueSnapshot:
    return replace(issue, notes=notes, label_events=events)


class _RetryClock:
    """python-gitlab's `time` (it waits with `time.sleep` between the retries of a transient
    error or a 429): the same, but no wait while a `bot_run` is on."""

    runs = 0
    counting = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        if not _RetryClock.runs:
            time.sleep(seconds)


gitlab.utils.time = _RetryClock()  # type: ignore[assignment]


@contextmanager
def _no_retry_waits() -> Iterator[None]:
    with _RetryClock.counting:
        _RetryClock.runs += 1
    try:
        yield
    finally:
        with _RetryClock.counting:
            _RetryClock.runs -= 1


def bot_run(
    url: str, mode: str = "apply", ws: Workspace | None = None, **kwargs: Any
) -> tuple[RunResult, GitLab]:
    """One run of the bot, retrying as it would but never waiting in real time: neither its own
    pacing nor python-gitlab's waits between retries (faults make it retry a lot)."""
    client = GitLab(url, BOT_TOKEN, sleep=lambda s: None)
    with _no_retry_waits():
        result = run(
            (ws or workspace()).policy, client, (ws or workspace()).templates, mode=mode, **kwargs
        )  # type: ignore[arg-type]
    return result, client


def project_as(url: str, user: str) -> Any:
    token = BOT_TOKEN if user == BOT else f"{user}-token"
    return gitlab.Gitlab(url, private_token=token).projects.get("ps/ps-plan", lazy=True)


def bot_notes(url: str, iid: int) -> list[Any]:
    notes = project_as(url, "dana").issues.get(iid, lazy=True).notes.list(get_all=True, sort="asc")
    return [n for n in notes if n.author["username"] == BOT and not n.system]


def triage_report(url: str, token: str, *args: str) -> Result:
    """`triage report` against the GitLab at `url`, with the shipped policies and templates (an
    `--policies` among `args` names others); it must succeed. Warnings are in `.stderr`."""
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--policies",
            str(ROOT / "policies"),
            "--templates",
            str(ROOT / "templates"),
            *args,
        ],
        env={"GITLAB_URL": url, "GITLAB_TOKEN": token},
    )
    assert result.exit_code == 0, result.output
    return result


def as_state(body: str, url: str, notes: dict[int, str] | None = None) -> str:
    """A note's text as the state two GitLabs reach alike: links name the emulator's address,
    an upload's link GitLab's random secret, neither part of the state; with `notes` (note id ->
    which note it is, e.g. `4101/2`), a link to a note names which note it is, not its id (ids
    follow the order GitLab created the notes in, which faults change)."""
    body = re.sub(r"/uploads/[0-9a-f]{32}/", "/uploads/SECRET/", body.replace(url, "GITLAB"))
    if notes is not None:
        body = re.sub(r"#note_(\d+)", lambda m: f"#note_{notes.get(int(m[1]), m[1])}", body)
    return body
