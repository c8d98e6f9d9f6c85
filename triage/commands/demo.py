"""`triage demo`: the bot on its embedded default, against the emulator, start to finish.

This command plays both sides: the bot (through the same adapter and run as `triage apply`)
and the people (through python-gitlab, as other users). It is the one place outside the
adapter that imports python-gitlab, to act as those people.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gitlab

from gitlab_emulator.testing import admin, running_emulator

from ..console import Console
from ..gitlab.adapter import GitLab
from ..gitlab.cache import DetailsCache
from ..policy.model import Policy
from ..report import summary, table
from ..runner import Mode, run
from ..runner.pdfs import PdfCopies
from ..workspace import Workspace, load_workspace
from .demo_data import BOT_TOKEN, DELIVERY_PROJECT, PROJECT, demo_seed
from .demo_salesforce import sync_demo


def _tick(project: gitlab.v4.objects.Project, iid: int, task: str) -> None:
    issue = project.issues.get(iid)
    issue.description = issue.description.replace(f"- [ ] {task}", f"- [x] {task}")
    issue.save()


def _human_steps(url: str, path: str = PROJECT) -> list[tuple[str, Callable[[], object]]]:
    def as_user(name: str) -> gitlab.v4.objects.Project:
        return gitlab.Gitlab(url, private_token=f"{name}-token").projects.get(path, lazy=True)

    def fix_block() -> None:
        issue = as_user("harriet").issues.get(4108)
        issue.description = issue.description.replace(
            "close_date: 2026-13-01", "close_date: 2026-02-27"
        ).replace("days: -2", "days: 8")
        issue.save()

    return [
        (
            "Harriet ticks 'Customer agreed price and scope' on #4103 (Lantern Health Network)",
            lambda: _tick(as_user("harriet"), 4103, "Customer agreed price and scope"),
        ),
        (
            "Quinn (Deal Desk) records Closed Won on #4101 (Bramblewood Financial)",
            lambda: as_user("quinn").issues.update(4101, {"add_labels": "proposal::Closed_Won"}),
        ),
        (
            "Imogen (AE) records the lost reason Lost::budget on #4104 (Orchard Lane Retail)",
            lambda: as_user("imogen").issues.update(4104, {"add_labels": "Lost::budget"}),
        ),
        ("Harriet fixes the scoping data block of #4108 (Vellum Press)", fix_block),
        (
            "Ravi (Technical Architect) reviews the 88,800 estimate of #4103 and sets TA::Approved",
            lambda: as_user("ravi").issues.update(4103, {"add_labels": "TA::Approved"}),
        ),
        (
            "Felix (SA, not an approver) sets proposal::Approved on #4109 (Harbor & Finch Legal)",
            lambda: as_user("felix").issues.update(4109, {"add_labels": "proposal::Approved"}),
        ),
    ]


def _bot_run(
    console: Console, workspace: Workspace, url: str, mode: Mode, title: str, cache: DetailsCache
) -> int:
    console.out(f"\n=== {title} ===")
    admin(url, "stats/reset", {})
    gitlab_ = GitLab(url, BOT_TOKEN)
    pdfs = PdfCopies.on_this_machine()  # the Word SoWs' PDFs, as a scheduled run makes them
    result = run(workspace.policy, gitlab_, workspace.templates, mode=mode, cache=cache, pdfs=pdfs)
    console.show(table(result, console.mask))
    console.out(summary(result, gitlab_.traffic.writes, gitlab_.traffic.by_method))
    if pdf_line := result.pdfs.line():
        console.out(pdf_line)
    served = admin(url, "stats")["requests"]
    console.info(f"(the emulator served: {', '.join(f'{k} {v}' for k, v in served.items())})")
    return gitlab_.traffic.writes


def _final_state(console: Console, url: str, path: str, delivery_path: str) -> None:
    project = gitlab.Gitlab(url, private_token=BOT_TOKEN).projects.get(path)
    console.out("\n=== Where every scoping issue ended ===")
    for issue in sorted(
        project.issues.list(labels="Services Calculator", get_all=True), key=lambda i: i.iid
    ):
        stage = next(
            (label for label in issue.labels if label.startswith("proposal::")), "(no stage)"
        )
        extra = [label for label in issue.labels if label.startswith(("close_qtr::", "Lost::"))]
        notes = [n for n in issue.notes.list(get_all=True) if n.author["username"] == "ps-bot"]
        console.out(
            f"#{issue.iid} {issue.title[:40]:<40} {stage:<30} {issue.state:<7} {' '.join(extra):<28} "
            f"{len(notes)} bot note{'s' if len(notes) != 1 else ''}"
        )
    delivery = gitlab.Gitlab(url, private_token=BOT_TOKEN).projects.get(delivery_path)
    for issue in delivery.issues.list(get_all=True):
        console.out(f"\nOpened in {delivery_path}: #{issue.iid} {issue.title} ({issue.web_url})")
    notes = project.issues.get(4103).notes.list(get_all=True, sort="asc")
    sample = next((n for n in notes if "ps-triage:estimate-summary/" in n.body), None)
    if sample is None:  # the policies are the team's own, and the sample's block does not price
        console.out(
            "\nNo estimate summary on #4103: its scoping data block does not price with these policies."
        )
        return
    console.out("\nThe estimate summary on #4103, as GitLab stores it:\n")
    console.out("    " + sample.body.replace("\n", "\n    "))


def _fitted_seed(policy: Policy) -> tuple[dict[str, Any], str, str]:
    """The demo's seed in the places the policy names: the sample issues in its scope project,
    the delivery project its hand-off opens issues in, and its other projects and groups (the
    bot a Reporter, groups internal), so a team's own paths run too."""
    seed = demo_seed()
    project = policy.scope.project or PROJECT
    targets = [
        a.create_issue.project
        for r in policy.rules
        for a in r.actions
        if hasattr(a, "create_issue")
    ]
    delivery = next(iter(targets), DELIVERY_PROJECT)
    for entry in seed["projects"]:
        entry["path"] = {PROJECT: project, DELIVERY_PROJECT: delivery}.get(
            entry["path"], entry["path"]
        )
    have = {entry["path"] for entry in seed["projects"]}
    others = {*targets, policy.forecast.project, policy.digest.project} - {None, *have}
    seed["projects"] += [
        {"path": path, "members": [{"username": "ps-bot", "access_level": 20}]}
        for path in sorted(p for p in others if p)
    ]
    groups = {g for gate in policy.approvals for g in gate.groups}
    contacts = policy.contacts
    people = (*contacts.approvers, *contacts.delivery_team, *contacts.technical_architects)
    groups |= {name for name in people if "/" in name}
    known = {entry["path"] for entry in seed["groups"]}
    seed["groups"] += [
        {"path": group, "visibility": "internal", "members": []} for group in sorted(groups - known)
    ]
    return seed, project, delivery


def _sample_roles() -> set[str]:
    """The roles the sample issues' line items name (the shipped rate card's)."""
    roles: set[str] = set()
    for project in demo_seed()["projects"]:
        for issue in project.get("issues", []):
            roles.update(re.findall(r"\brole: ([A-Za-z_][\w-]*)", issue.get("description", "")))
    return roles


def demo(console: Console, policies: Path, templates: Path) -> int:
    workspace = load_workspace(policies, templates)
    console.out(f"ps-triage demo: policies from {policies}, templates from {templates}")
    missing = sorted(_sample_roles() - set(workspace.policy.rates.roles))
    if missing:
        console.out(
            f"note: the sample issues are written for the shipped policy: their line items name"
            f" roles these policies' rate card lacks ({', '.join(missing)}), so their estimates do"
            " not price and they get the data-block note. To see the shipped policy at work, run"
            " `triage demo` in a folder without policies/ and templates/."
        )
    seed, project, delivery = _fitted_seed(workspace.policy)
    with running_emulator(seed) as emulator:
        url = emulator.url
        console.out(
            f"GitLab emulator listening on {url} (clock pinned at {emulator.store.clock.now():%Y-%m-%d %H:%M} UTC)"
        )
        # Like the scheduled job, the runs keep a details cache (here in memory, there in a file).
        cache = DetailsCache(url, GitLab(url, BOT_TOKEN).bot_username())
        _bot_run(console, workspace, url, "plan", "Run 1: triage plan (read-only)", cache)
        _bot_run(console, workspace, url, "apply", "Run 2: triage apply", cache)
        console.out("\n=== People work on their issues ===")
        for text, step in _human_steps(url, project):
            step()
            console.out(f"- {text}")
        admin(url, "clock", {"advance_seconds": 86_400})
        console.out("- a day passes")
        _bot_run(console, workspace, url, "apply", "Run 3: the next scheduled triage apply", cache)
        last = _bot_run(
            console,
            workspace,
            url,
            "apply",
            "Run 4: triage apply again, nothing has changed",
            cache,
        )
        _final_state(console, url, project, delivery)
        sync_demo(console, workspace, url, project)
    if last:
        console.err(f"error: the last run made {last} writes; an idle run must make none")
        return 1
    console.out("\nThe last run made 0 writes: applying twice changes nothing.")
    return 0
