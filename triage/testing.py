"""Policy tests for teams: run the real bot on a GitLab emulator and look at the result.

    pytest_plugins = ["triage.pytest_plugin"]

    def test_an_agreed_estimate_gets_a_sow_draft(scoping):
        issue = scoping.issue(stage="Estimate_Feedback", tasks=["Discovery call held",
                              "Customer agreed price and scope"],
                              data={"customer": "Acme", "line_items": [
                                  {"activity": "Discovery", "role": "PSE", "days": 3}]})
        scoping.run()
        assert scoping.stage(issue) == "SOW_WIP"
        assert scoping.comments(issue, "sow-draft")

`tasks` are the team's own task-list items: the issue template's checklist
(`.gitlab/issue_templates/*.md` beside the policies folder), then any other task a `task:` condition
of the policy names; each issue is written with all of them, those named ticked, and a name that is
none of them is refused. `scoping.tasks_to("SOW_WIP")` are the tasks the bot's moves into that stage
and the stages listed before it wait for.

The GitLab it runs against holds the bot, the people the shipped policy names (EMs, approvers,
a TA) and the project the policy's scope names; `scoping.as_person(...)` acts as one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from gitlab_emulator.seed import build_seed
from gitlab_emulator.server import Emulator
from gitlab_emulator.store import Issue, Project

from .commands.validate import issue_templates
from .errors import UserError
from .gitlab.adapter import GitLab
from .issues.markers import find_marker
from .issues.tasks import normalise, parse_tasks
from .policy.tasks import named_tasks, unique
from .runner import RunResult, run
from .runner.pdfs import PdfCopies
from .workspace import Workspace, load_workspace

BOT_TOKEN = "policy-test-bot-token"
# The shipped policy's tasks (its issue template's checklist), for tests of the shipped policy.
TASKS = (
    "Discovery call held",
    "Customer agreed price and scope",
    "SoW reviewed by account team and customer",
)


def team_tasks(workspace: Workspace, policies: Path) -> tuple[str, ...]:
    """The issue templates' checklist items beside `policies`, then the policy's other tasks."""
    written = [
        task.text
        for path in issue_templates(policies)
        if path.resolve().is_relative_to(policies.resolve().parent)
        for task in parse_tasks(path.read_text(encoding="utf-8"))
    ]
    return tuple(unique(written + [named.text for named in named_tasks(workspace.policy)]))


def _people(workspace: Workspace) -> set[str]:
    """Usernames the policy names (EM pools, triage lead, approvers) and an account team."""
    policy = workspace.policy
    names = {name for pool in policy.assignment.pools.values() for name in pool}
    names |= {n for gate in policy.approvals for n in gate.users}
    names |= {n for n in (policy.assignment.triage_lead,) if n}
    names |= {"dana", "felix", "imogen"}
    return {n for n in names if "/" not in n}


def _group_paths(workspace: Workspace) -> list[str]:
    policy = workspace.policy
    groups = {g for gate in policy.approvals for g in gate.groups}
    contacts = (
        *policy.contacts.approvers,
        *policy.contacts.delivery_team,
        *policy.contacts.technical_architects,
    )
    return sorted(groups | {c for c in contacts if "/" in c})


def member_name(group: str) -> str:
    """The one member the harness gives each group the policy names: `ps/ps-ta` -> `ps-ta-member`."""
    return f"{group.rsplit('/', 1)[-1]}-member"


class Scoping:
    """A GitLab emulator holding scoping issues, and the bot that triages them."""

    def __init__(
        self,
        workspace: Workspace,
        emulator: Emulator,
        project: str,
        tasks: Sequence[str] | None = None,
    ) -> None:
        self.workspace = workspace
        # The team's tasks (`team_tasks`); by default the ones its policy names.
        self.tasks = tuple(
            unique([n.text for n in named_tasks(workspace.policy)]) if tasks is None else tasks
        )
        self.emulator = emulator
        self.project_path = project
        self.last: RunResult | None = None
        # The LibreOffice a run converts PDFs with: none, as on CI, unless a test gives a
        # stand-in (`scoping.soffice = str(script)`).
        self.soffice: str | None = None

    @property
    def _project(self) -> Project:
        project = self.emulator.store.project_by_ref(self.project_path)
        assert project is not None
        return project

    def issue(
        self,
        *,
        stage: str | None = None,
        title: str = "Acme Widgets - Scope Issue and Write SOW",
        tasks: Sequence[str] = (),
        data: dict[str, Any] | None = None,
        labels: Sequence[str] = (),
        assignee: str | None = "dana",
        author: str = "imogen",
    ) -> int:
        """Create a scoping issue (as `author`) with the team's checklist, `tasks` ticked;
        returns its iid."""
        ticked = {normalise(task) for task in tasks}
        unknown = [task for task in tasks if normalise(task) not in map(normalise, self.tasks)]
        if unknown:
            raise UserError(
                f"scoping.issue(tasks=...): {', '.join(repr(t) for t in unknown)} "
                f"{'is not a task' if len(unknown) == 1 else 'are not tasks'} of this team; its "
                f"tasks: {', '.join(repr(t) for t in self.tasks) or 'none'} (the issue template's "
                "checklist and the policy's `task:` conditions)"
            )
        checklist = "\n".join(
            f"- [{'x' if normalise(task) in ticked else ' '}] {task}" for task in self.tasks
        )
        description = f"## Checklist\n\n{checklist}\n"
        if data is not None:
            block = yaml.safe_dump(data, sort_keys=False)
            description += f"\n<!-- ps-triage:scoping -->\n```yaml\n{block}```\n"
        prefix = self.workspace.policy.lifecycle.label_prefix
        all_labels = [
            *self.workspace.policy.scope.labels,
            *labels,
            *([f"{prefix}::{stage}"] if stage else []),
        ]
        store = self.emulator.store
        user = store.user_by_username(author)
        assert user is not None, f"no user {author}"
        project = self._project
        now = store.clock.now()
        issue = Issue(
            id=store.new_id("issue"),
            iid=project.next_iid(),
            project_id=project.id,
            title=title,
            description=description,
            author_id=user.id,
            created_at=now,
            updated_at=now,
        )
        project.issues[issue.iid] = issue
        store.change_labels(project, issue, user, add=all_labels)
        if assignee:
            em = store.user_by_username(assignee)
            assert em is not None, f"no user {assignee}"
            issue.assignee_ids = [em.id]
        return issue.iid

    def tasks_to(self, stage: str) -> list[str]:
        """The tasks the bot's moves into `stage`, and into the stages listed before it, wait for."""
        stages = self.workspace.policy.lifecycle.stage_ids()
        if stage not in stages:
            raise UserError(f"scoping.tasks_to: no stage '{stage}' (stages: {', '.join(stages)})")
        before = set(stages[: stages.index(stage) + 1])
        return unique(
            [named.text for named in named_tasks(self.workspace.policy) if named.to in before]
        )

    def run(self, *, days: float = 0) -> RunResult:
        """One scheduled `triage apply`, after moving the clock `days` forward."""
        if days:
            self.emulator.store.clock.advance(days * 86400)
        client = GitLab(self.emulator.url, BOT_TOKEN)
        self.last = run(
            self.workspace.policy,
            client,
            self.workspace.templates,
            mode="apply",
            pdfs=PdfCopies(self.soffice),
        )
        return self.last

    def labels(self, iid: int) -> list[str]:
        project = self._project
        return sorted(
            self.emulator.store.label(project, i).name for i in project.issues[iid].label_ids
        )

    def stage(self, iid: int) -> str | None:
        prefix = f"{self.workspace.policy.lifecycle.label_prefix}::"
        return next(
            (label.removeprefix(prefix) for label in self.labels(iid) if label.startswith(prefix)),
            None,
        )

    def state(self, iid: int) -> str:
        return self._project.issues[iid].state

    def comments(self, iid: int, rule: str | None = None) -> list[str]:
        """Bodies of the bot's comments on an issue, oldest first; only `rule`'s when given."""
        bot = self.emulator.store.user_by_username("ps-bot")
        assert bot is not None
        found = []
        for note in sorted(self._project.issues[iid].notes, key=lambda n: (n.created_at, n.id)):
            marker = find_marker(note.body)
            if (
                note.author_id == bot.id
                and marker
                and (rule is None or marker.key.split("/")[0] == rule)
            ):
                found.append(note.body)
        return found

    @staticmethod
    def member_of(group: str) -> str:
        return member_name(group)

    def as_person(self, username: str) -> Any:
        """python-gitlab's project object, acting as `username` (for people's steps)."""
        import gitlab  # the people's side; the bot's own code never does this

        return gitlab.Gitlab(self.emulator.url, private_token=f"{username}-token").projects.get(
            self.project_path
        )


@contextmanager
def scoping_gitlab(
    policies: Path | str = "policies",
    templates: Path | str = "templates",
    *,
    now: str = "2026-01-12T09:00:00Z",
    seed_with: Callable[[dict[str, Any]], None] | None = None,
) -> Iterator[Scoping]:
    """An emulator holding the policy's project, its people and groups; the bot is Reporter.
    `seed_with` may change the seed (README: seed file) first: more people, groups, invitations."""
    workspace = load_workspace(Path(policies), Path(templates))
    project = workspace.policy.scope.project or "ps/ps-plan"
    groups = _group_paths(workspace)
    people = sorted(_people(workspace) | {member_name(g) for g in groups})
    projects = [
        {
            "path": project,
            "members": [
                {"username": "ps-bot", "access_level": 20},
                *({"username": u, "access_level": 30} for u in people),
            ],
        }
    ]
    projects += [
        {"path": p, "members": [{"username": "ps-bot", "access_level": 20}]}
        for p in {
            a.create_issue.project
            for r in workspace.policy.rules
            for a in r.actions
            if hasattr(a, "create_issue")
        }
        if p != project
    ]
    seed = {
        "now": now,
        "users": [
            {"username": "ps-bot", "token": BOT_TOKEN, "bot": True},
            *({"username": u, "token": f"{u}-token"} for u in people),
        ],
        "groups": [
            {
                "path": g,
                "visibility": "internal",
                "members": [{"username": member_name(g), "access_level": 30}],
            }
            for g in groups
        ],
        "projects": projects,
    }
    if seed_with is not None:
        seed_with(seed)
    built = build_seed(seed)
    with Emulator(built.store) as emulator:
        yield Scoping(workspace, emulator, project, team_tasks(workspace, Path(policies)))
