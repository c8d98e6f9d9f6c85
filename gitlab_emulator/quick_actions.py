"""Quick actions in note bodies, extracted and run as GitLab does for notes created via the API.

GitLab (lib/gitlab/quick_actions/extractor.rb): only a line that *starts* with `/command` is a
command; lines inside fenced code blocks, HTML blocks and `>>>` blockquotes are not. A command
the caller may not use in this context is not extracted and stays in the text. Extracted
command lines are removed from the stored body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .store import SET_METADATA, UPDATE_ANY_ISSUE, Issue, Project, Store, User

_COMMAND_LINE = re.compile(r"^/(?P<name>[a-z_]+)(?:[ \t]+(?P<arg>.*?))?[ \t]*$")
_FENCE = re.compile(r"^[ ]{0,3}(```|~~~)")
_HTML_OPEN = re.compile(r"^<(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)?>\s*$")
_LABEL_REF = re.compile(r'~"(?P<quoted>[^"]+)"|~(?P<plain>[^\s~"]+)')
_USER_REF = re.compile(r"@(?P<name>[A-Za-z0-9_.-]+)")

LABEL_COMMANDS = {"label", "labels", "unlabel", "remove_label", "relabel"}
ASSIGN_COMMANDS = {"assign", "unassign", "reassign"}


@dataclass
class Outcome:
    body: str  # the text left once command lines are removed
    commands_changes: dict[str, Any] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    ran: bool = False


def _command_lines(body: str) -> list[tuple[int, str, str]]:
    """(line index, command name, argument) for candidate command lines outside code,
    HTML blocks and `>>>` quotes."""
    found = []
    in_fence: str | None = None
    in_quote = False
    in_html: str | None = None
    for index, line in enumerate(body.split("\n")):
        fence = _FENCE.match(line)
        if in_fence:
            if fence and fence.group(1) == in_fence:
                in_fence = None
            continue
        if fence:
            in_fence = fence.group(1)
            continue
        if line.strip() == ">>>":
            in_quote = not in_quote
            continue
        if in_quote:
            continue
        if in_html:
            if line.strip() == f"</{in_html}>":
                in_html = None
            continue
        html = _HTML_OPEN.match(line)
        if html:
            in_html = html.group("tag")
            continue
        match = _COMMAND_LINE.match(line)
        if match:
            found.append((index, match.group("name"), match.group("arg") or ""))
    return found


def _labels(arg: str) -> list[str]:
    return [m.group("quoted") or m.group("plain") for m in _LABEL_REF.finditer(arg)]


def run(store: Store, project: Project, issue: Issue, user: User, body: str) -> Outcome:
    """Extract the commands this user may run on this issue, apply them, strip their lines."""
    access = store.project_access(project, user)
    may_set_metadata = access >= SET_METADATA
    may_update = access >= UPDATE_ANY_ISSUE or issue.author_id == user.id
    lines = body.split("\n")
    outcome = Outcome(body=body)
    removed: set[int] = set()
    add: list[str] = []
    remove: list[str] = []
    replace: list[str] | None = None
    for index, name, arg in _command_lines(body):
        if name in LABEL_COMMANDS and may_set_metadata:
            names = _labels(arg)
            if name in ("label", "labels"):
                known = [n for n in names if store.find_label(project, n)]
                if not known:
                    continue
                add += known
                outcome.summary.append(
                    "Added "
                    + " ".join(f'~"{n}"' for n in known)
                    + " label"
                    + ("s." if len(known) > 1 else ".")
                )
            elif name in ("unlabel", "remove_label"):
                if not issue.label_ids:
                    continue
                targets = names or [store.label(project, i).name for i in issue.label_ids]
                remove += targets
                outcome.summary.append(
                    "Removed "
                    + " ".join(f'~"{n}"' for n in targets)
                    + " label"
                    + ("s." if len(targets) > 1 else ".")
                )
            else:
                replace = [n for n in names if store.find_label(project, n)]
                outcome.summary.append(
                    "Replaced all labels with "
                    + " ".join(f'~"{n}"' for n in replace)
                    + " label"
                    + ("s." if len(replace) > 1 else ".")
                )
        elif name in ASSIGN_COMMANDS and may_set_metadata:
            users = [
                store.user_by_username(
                    user.username if m.group("name") == "me" else m.group("name")
                )
                for m in _USER_REF.finditer(arg)
            ]
            if "me" in arg.split():
                users.append(user)
            found = [u for u in users if u is not None]
            if name == "assign" and found:
                ids = [
                    *issue.assignee_ids,
                    *(u.id for u in found if u.id not in issue.assignee_ids),
                ]
            elif name == "reassign" and found:
                ids = [u.id for u in found]
            elif name == "unassign" and issue.assignee_ids:
                ids = [i for i in issue.assignee_ids if found and i not in {u.id for u in found}]
            else:
                continue
            issue.assignee_ids = ids
            outcome.commands_changes["assignee_ids"] = ids
            outcome.summary.append(
                ("Assigned " if name != "unassign" else "Removed assignee ")
                + " ".join(f"@{u.username}" for u in found)
                + "."
            )
        elif name == "close" and may_update and issue.state == "opened":
            issue.state, issue.closed_at, issue.closed_by_id = "closed", store.clock.now(), user.id
            outcome.commands_changes["state_event"] = "close"
            outcome.summary.append("Closed this issue.")
        elif name == "reopen" and may_update and issue.state == "closed":
            issue.state, issue.closed_at, issue.closed_by_id = "opened", None, None
            outcome.commands_changes["state_event"] = "reopen"
            outcome.summary.append("Reopened this issue.")
        elif name == "title" and may_update and arg:
            issue.title = arg
            outcome.commands_changes["title"] = arg
            outcome.summary.append(f'Changed the title to "{arg}".')
        else:
            continue
        removed.add(index)
    if add or remove or replace is not None:
        before = list(issue.label_ids)
        store.change_labels(project, issue, user, labels=replace, add=add, remove=remove)
        if add:
            outcome.commands_changes["add_label_ids"] = [
                i for i in issue.label_ids if i not in before
            ]
        if remove:
            outcome.commands_changes["remove_label_ids"] = [
                i for i in before if i not in issue.label_ids
            ]
        if replace is not None:
            outcome.commands_changes["label_ids"] = list(issue.label_ids)
    if removed:
        outcome.ran = True
        issue.updated_at = store.clock.now()
        outcome.body = "\n".join(line for i, line in enumerate(lines) if i not in removed).strip(
            "\n"
        )
    return outcome
