"""Quick actions in note bodies, extracted and run as GitLab does for notes made via the API.

Which lines GitLab takes (GL `lib/gitlab/quick_actions/extractor.rb`, `Banzai::Filter::
QuickActionFilter`): only top-level Markdown paragraphs are searched, so nothing inside a code
block (``` or ~~~ fences, indented code), a blockquote (`>` or `>>>`), a list or an HTML block
is a command. Inside such a paragraph, a line that starts with `/name` for *any* defined
command name or alias, case-insensitive, is a command outside inline code spans. Every such
line leaves the body, whether or not the command can run here; one that cannot says "Could not
apply <name> command." (GL `lib/gitlab/quick_actions/command_definition.rb`). `/shrug` and
`/tableflip` are substitutions: their line stays, with the text appended.

What the commands do (GL `lib/gitlab/quick_actions/issuable_actions.rb`, `issue_actions.rb`,
`issue_and_merge_request_actions.rb`; `app/services/quick_actions/interpret_service.rb`): a
handful are emulated (see `_RUNNABLE`); every other defined command is taken out of the text
and reported as not applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .emoji import emoji_in, normalize_emoji
from .store import (
    DEVELOPER,
    SET_METADATA,
    UPDATE_ANY_ISSUE,
    Award,
    Issue,
    MergeRequest,
    Project,
    Store,
    User,
)

# Every issue, merge request, epic, commit and work item command GitLab defines (CE and EE),
# with its aliases: canonical name -> aliases (GL `lib/gitlab/quick_actions/*.rb`,
# `ee/lib/ee/gitlab/quick_actions/*.rb`, doc/user/project/quick_actions.md). The extractor
# takes all of them out of a note on any noteable; `available?` decides whether they run.
DEFINED: dict[str, tuple[str, ...]] = {
    "add_child": (),
    "add_contacts": (),
    "add_email": (),
    "approve": (),
    "assign": (),
    "assign_reviewer": ("reviewer", "request_review"),
    "blocked_by": (),
    "blocks": (),
    "board_move": (),
    "checkin_reminder": (),
    "child_epic": (),
    "clear_health_status": (),
    "clear_weight": (),
    "clone": (),
    "close": (),
    "confidential": (),
    "convert_to_ticket": (),
    "copy_metadata": (),
    "create_merge_request": (),
    "done": (),
    "draft": (),
    "due": (),
    "duplicate": (),
    "epic": (),
    "estimate": ("estimate_time",),
    "health_status": (),
    "iteration": (),
    "label": ("labels",),
    "lock": (),
    "merge": (),
    "milestone": (),
    "move": (),
    "page": (),
    "parent_epic": (),
    "promote": (),
    "promote_to": (),
    "promote_to_incident": (),
    "publish": (),
    "ready": (),
    "reassign": (),
    "reassign_reviewer": (),
    "rebase": (),
    "relabel": (),
    "relate": (),
    "remove_child": (),
    "remove_child_epic": (),
    "remove_contacts": (),
    "remove_due_date": (),
    "remove_email": (),
    "remove_epic": (),
    "remove_estimate": ("remove_time_estimate",),
    "remove_iteration": (),
    "remove_milestone": (),
    "remove_parent": (),
    "remove_parent_epic": (),
    "remove_time_spent": (),
    "remove_zoom": (),
    "reopen": (),
    "react": ("award",),
    "set_parent": (),
    "severity": (),
    "spend": ("spent", "spend_time"),
    "status": (),
    "submit_review": (),
    "subscribe": (),
    "tag": (),
    "target_branch": (),
    "timeline": (),
    "title": (),
    "todo": (),
    "type": (),
    "unapprove": (),
    "unassign": (),
    "unassign_reviewer": ("remove_reviewer",),
    "unlabel": ("remove_label",),
    "unlink": (),
    "unlock": (),
    "unsubscribe": (),
    "weight": (),
    "zoom": (),
}
SHRUG = "\u00af\\\uff3f(\u30c4)\uff3f/\u00af"  # shrug, with full-width low lines (GL SHRUG)
TABLEFLIP = "(╯°□°)╯︵ ┻━┻"
SUBSTITUTIONS = {"shrug": SHRUG, "tableflip": TABLEFLIP}
_CANONICAL = {alias: name for name, aliases in DEFINED.items() for alias in (name, *aliases)}


def _alternation(names: list[str]) -> str:
    # Longest first, so `labels` is tried before `label` (Ruby backtracks to the same end).
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


# GL extractor `commands_regex` with EXCLUSION_REGEX (inline code, HTML block), flags `mix`.
_COMMANDS = re.compile(
    r"(?P<inline_code>`.+?`)"
    r"|(?P<html>^<[^>]+?>\n.+?\n</[^>]+?>$)"
    rf"|(?:^/(?P<cmd>{_alternation(list(_CANONICAL))})(?:[ ](?P<arg>[^\n]*))?(?:\s*\n|$))"
    rf"|(?:^/(?P<sub>{_alternation(list(SUBSTITUTIONS))})(?:[ ](?P<subarg>[^\n]*))?(?:\s*\n|$))",
    re.DOTALL | re.MULTILINE | re.IGNORECASE,
)

# Markdown block starts (CommonMark, as GitLab's renderer reads them).
_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}(?!.*`)|~{3,})")
_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_THEMATIC = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_QUOTE = re.compile(r"^ {0,3}>")
_MULTILINE_QUOTE = re.compile(r"^>>>")
_BULLET = re.compile(r"^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]+\S|[ \t]*$)")
_BULLET_INTERRUPTS = re.compile(r"^ {0,3}(?:[-+*]|1[.)])[ \t]+\S")
_HTML_1_5 = re.compile(
    r"^ {0,3}(?:<(?P<raw>script|pre|style|textarea)(?:\s|>|$)|<!--|<\?|<![A-Za-z]|<!\[CDATA\[)",
    re.IGNORECASE,
)
_HTML_6 = re.compile(
    r"^ {0,3}</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|"
    r"colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|"
    r"frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    r"noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|"
    r"thead|title|tr|track|ul)(?:\s|/?>|$)",
    re.IGNORECASE,
)
_HTML_7 = re.compile(
    r"^ {0,3}(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*\s*/?>"
    r"|</[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$"
)
_HTML_END = {"<!--": "-->", "<?": "?>", "<![CDATA[": "]]>"}


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))


def _html_end(line: str) -> str | None:
    """The end marker of an HTML block of kinds 1-5 opened by `line` (None: ends at a blank)."""
    found = _HTML_1_5.match(line)
    if found is None:
        return None
    if found.group("raw"):
        return f"</{found.group('raw').lower()}>"
    stripped = line.lstrip()
    for start, end in _HTML_END.items():
        if stripped.startswith(start):
            return end
    return ">"


def top_level_paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line index of each paragraph at the top level of the document: GitLab's
    QuickActionFilter looks only at `p` elements directly under the root."""
    found: list[tuple[int, int]] = []
    index, count = 0, len(lines)
    para: int | None = None  # first line of the open paragraph

    def end_paragraph(last: int) -> None:
        nonlocal para
        if para is not None:
            found.append((para, last))
        para = None

    while index < count:
        line = lines[index]
        blank = not line.strip()
        if para is not None:
            if blank:
                end_paragraph(index - 1)
                index += 1
                continue
            if _SETEXT.match(line):  # the paragraph was a heading
                para = None
                index += 1
                continue
            interrupts = (
                _FENCE_OPEN.match(line)
                or _ATX.match(line)
                or _THEMATIC.match(line)
                or _QUOTE.match(line)
                or _BULLET_INTERRUPTS.match(line)
                or _HTML_1_5.match(line)
                or _HTML_6.match(line)
            )
            if not interrupts:
                index += 1
                continue
            end_paragraph(index - 1)
        if blank:
            index += 1
            continue
        fence = _FENCE_OPEN.match(line)
        if fence:
            mark = fence.group("fence")
            closing = re.compile(rf"^ {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$")
            index += 1
            while index < count and not closing.match(lines[index]):
                index += 1
            index += 1
            continue
        if _MULTILINE_QUOTE.match(line):
            index += 1
            while index < count and lines[index].strip() != ">>>":
                index += 1
            index += 1
            continue
        if _indent(line) >= 4:  # indented code (a paragraph is not open here)
            index += 1
            continue
        if _ATX.match(line) or _THEMATIC.match(line):
            index += 1
            continue
        end = _html_end(line)
        if end is not None:
            while index < count and end not in lines[index].lower():
                index += 1
            index += 1
            continue
        if _HTML_6.match(line) or _HTML_7.match(line):
            while index < count and lines[index].strip():
                index += 1
            continue
        if _QUOTE.match(line) or _BULLET.match(line):
            # A container: its lines, indented continuations and lazy paragraph lines.
            index += 1
            previous_blank = False
            while index < count:
                nxt = lines[index]
                if not nxt.strip():
                    previous_blank = True
                elif previous_blank and (
                    (_QUOTE.match(line) and not _QUOTE.match(nxt))
                    or (_BULLET.match(line) and not (_indent(nxt) >= 2 or _BULLET.match(nxt)))
                ):
                    break
                elif not previous_blank and not (
                    _QUOTE.match(nxt) or _BULLET.match(nxt) or _indent(nxt) >= 1
                ):
                    if _FENCE_OPEN.match(nxt) or _ATX.match(nxt) or _THEMATIC.match(nxt):
                        break  # not a lazy continuation: a block of its own
                else:
                    previous_blank = False
                index += 1
            continue
        para = index
        index += 1
    end_paragraph(count - 1)
    return found


def extract(body: str) -> tuple[str, list[tuple[str, str]]]:
    """(the body without its command lines, [(command as written, lower-cased; argument)]),
    substitutions performed (GL `Extractor#extract_commands`)."""
    content = body.replace("\r", "")
    lines = content.splitlines(keepends=True)
    commands: list[tuple[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        if match.group("cmd"):
            commands.append((match.group("cmd").lower(), (match.group("arg") or "").strip()))
            return ""
        if match.group("sub"):
            name = match.group("sub").lower()
            commands.append((name, (match.group("subarg") or "").strip()))
            text = match.group(0)
            # SubstitutionDefinition#perform_substitution: `/name text` becomes the symbol.
            return re.sub(
                rf"/{name}(?!\S) ?(.*)$",
                lambda m: SUBSTITUTIONS[name],
                text,
                count=1,
                flags=re.IGNORECASE | re.MULTILINE,
            )
        return match.group(0)

    for first, last in top_level_paragraphs([line.rstrip("\n") for line in lines]):
        end = last + 1 if last + 1 < len(lines) and lines[last + 1] == "\n" else last
        paragraph = _COMMANDS.sub(replace, "".join(lines[first : end + 1]))
        lines[first : end + 1] = [paragraph] + [""] * (end - first)
    return "".join(lines).rstrip(), commands


@dataclass
class Outcome:
    body: str  # the text left once command lines are removed
    commands: list[str] = field(default_factory=list)  # the commands found (as written)
    commands_changes: dict[str, Any] = field(default_factory=dict)
    message: str = ""  # the execution messages, joined with spaces
    executed: int = 0  # commands (not substitutions) found: GitLab's commands_executed_count

    @property
    def only_commands(self) -> bool:
        return self.executed > 0 and not self.body

    @property
    def failed(self) -> bool:
        """A note of only commands that applied nothing and said nothing: GitLab answers
        400 "Failed to apply commands." (Notes::CreateService#do_commands)."""
        return self.only_commands and not self.message

    @property
    def summary(self) -> list[str]:
        return [self.message] if self.message else []


_LABEL_REF = re.compile(r'~"(?P<quoted>[^"]+)"|~(?P<plain>[^\s~"]+)')
_USER_REF = re.compile(r"@(?P<name>[A-Za-z0-9_.-]+)")
_NAME_WORDS = re.compile(r'"([^"]+)"|([^ ]+)')


def _find_labels(store: Store, project: Project, arg: str | None) -> list[int]:
    """GL InterpretService#find_labels: `~` references, or (without any `~`) plain names."""
    every = store.labels_for(project)
    if arg is None:
        return [label.id for label in every]
    ids: list[int] = []
    if "~" in arg:
        for ref in _LABEL_REF.finditer(arg):
            name = ref.group("quoted") or ref.group("plain")
            label = store.find_label(project, name)
            if label is None and name.isdigit():
                label = next((lb for lb in every if lb.id == int(name)), None)
            if label is not None and label.id not in ids:
                ids.append(label.id)
        return ids
    for quoted, plain in _NAME_WORDS.findall(arg):
        label = store.find_label(project, quoted or plain)
        if label is not None and label.id not in ids:
            ids.append(label.id)
    return ids


def _label_refs(store: Store, project: Project, ids: list[int]) -> str:
    names = [store.label(project, i).name for i in ids]
    return " ".join(f'~"{n}"' for n in names) + " label" + ("s" if len(names) != 1 else "")


def _due(arg: str, today: date) -> date | None:
    """A subset of Chronic: ISO dates, today/tomorrow, `in N days|weeks`."""
    text = arg.strip().lower()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    if text in ("today", "tomorrow"):
        return today + timedelta(days=text == "tomorrow")
    found = re.fullmatch(r"in (\d+) (day|week)s?", text)
    if found:
        return today + timedelta(days=int(found.group(1)) * (7 if found.group(2) == "week" else 1))
    return None


class _Run:
    """One note's commands against one issue: `available?` then the action, collecting
    updates and messages as InterpretService does, then applying them (apply_updates)."""

    def __init__(self, store: Store, project: Project, issue: Issue, user: User) -> None:
        self.store, self.project, self.issue, self.user = store, project, issue, user
        access = store.project_access(project, user)
        self.may_set_metadata = access >= SET_METADATA
        self.may_update = access >= UPDATE_ANY_ISSUE or issue.author_id == user.id
        self.updates: dict[str, Any] = {}
        self.messages: list[str] = []

    def command(self, name: str, arg: str) -> None:
        handler = getattr(self, f"_{name}", None)
        message = handler(arg) if handler is not None else None
        if message is False or handler is None:
            message = f"Could not apply {name} command."
        if message:
            self.messages.append(message)

    # Each returns its execution message, "" for none, or False when not available.

    def _close(self, arg: str) -> str | bool:
        if not (self.issue.state == "opened" and self.may_update):
            return False
        self.updates["state_event"] = "close"
        return "Closed this issue."

    def _reopen(self, arg: str) -> str | bool:
        if not (self.issue.state == "closed" and self.may_update):
            return False
        self.updates["state_event"] = "reopen"
        return "Reopened this issue."

    def _title(self, arg: str) -> str | bool:
        if not self.may_update:
            return False
        if not arg:
            return ""
        self.updates["title"] = arg
        return f'Changed the title to "{arg}".'

    def _label(self, arg: str) -> str | bool:
        if not (self.may_set_metadata and _find_labels(self.store, self.project, None)):
            return False
        ids = _find_labels(self.store, self.project, arg) if arg else []
        if not ids:
            return ""
        added = self.updates.setdefault("add_label_ids", [])
        added += [i for i in ids if i not in added]
        return f"Added {_label_refs(self.store, self.project, ids)}."

    def _unlabel(self, arg: str) -> str | bool:
        if not (self.issue.label_ids and self.may_set_metadata):
            return False
        if not arg:
            self.updates["label_ids"] = []
            return "Removed all labels."
        ids = _find_labels(self.store, self.project, arg)
        if ids:
            removed = self.updates.setdefault("remove_label_ids", [])
            removed += [i for i in ids if i not in removed]
            return f"Removed {_label_refs(self.store, self.project, ids)}."
        return "Removed all labels."  # remove_label_message([]) when nothing matched

    def _relabel(self, arg: str) -> str | bool:
        if not (self.issue.label_ids and self.may_set_metadata):
            return False
        ids = _find_labels(self.store, self.project, arg) if arg else []
        if not ids:
            return ""
        self.updates["label_ids"] = ids
        return f"Replaced all labels with {_label_refs(self.store, self.project, ids)}."

    def _users(self, arg: str) -> list[User]:
        names = [m.group("name") for m in _USER_REF.finditer(arg)]
        if "me" in arg.split():
            names.append(self.user.username)
        users = [self.store.user_by_username(n if n != "me" else self.user.username) for n in names]
        return [u for u in users if u is not None]

    def _assign(self, arg: str) -> str | bool:
        if not self.may_set_metadata:
            return False
        found = self._users(arg)
        if not found:
            return ""
        if not self.store.premium:  # one assignee: the first named replaces the one there
            found = found[:1]
            self.updates["assignee_ids"] = [found[0].id]
        else:
            current = self.updates.get("assignee_ids", self.issue.assignee_ids)
            self.updates["assignee_ids"] = [
                *current,
                *(u.id for u in found if u.id not in current),
            ]
        return "Assigned " + " ".join(f"@{u.username}" for u in found) + "."

    def _reassign(self, arg: str) -> str | bool:
        if not self.may_set_metadata:
            return False
        found = self._users(arg)
        if not found:
            return ""
        self.updates["assignee_ids"] = [u.id for u in found]
        return "Reassigned " + " ".join(f"@{u.username}" for u in found) + "."

    def _unassign(self, arg: str) -> str | bool:
        if not (self.issue.assignee_ids and self.may_set_metadata):
            return False
        found = self._users(arg) if arg else []
        gone = {u.id for u in found} if found else set(self.issue.assignee_ids)
        self.updates["assignee_ids"] = [i for i in self.issue.assignee_ids if i not in gone]
        names = [self.store.users[i].username for i in self.issue.assignee_ids if i in gone]
        return (
            "Removed assignee"
            + ("s " if len(names) > 1 else " ")
            + " ".join(f"@{n}" for n in names)
            + "."
        )

    def _react(self, arg: str) -> str | bool:
        name = emoji_in(arg)
        if name is None:
            return ""  # the message block gives nothing without a name
        self.updates["emoji_award"] = name
        return f"Toggled :{name}: emoji reaction."

    def _confidential(self, arg: str) -> str | bool:
        if self.issue.confidential or not self.may_set_metadata:
            return False
        self.updates["confidential"] = True
        return "Made this issue confidential."

    def _due(self, arg: str) -> str | bool:
        if not self.may_set_metadata:
            return False
        when = _due(arg, self.store.clock.now().date()) if arg else None
        if when is None:
            return "Failed to set due date because the date format is invalid."
        self.updates["due_date"] = when.isoformat()
        return f"Set the due date to {when.strftime('%b')} {when.day}, {when.year}."

    def _remove_due_date(self, arg: str) -> str | bool:
        if not (self.issue.due_date and self.may_set_metadata):
            return False
        self.updates["due_date"] = None
        return "Removed the due date."

    def _lock(self, arg: str) -> str | bool:
        if self.issue.discussion_locked or not self.may_set_metadata:
            return False
        self.updates["discussion_locked"] = True
        return "Locked the discussion."

    def _unlock(self, arg: str) -> str | bool:
        if not self.issue.discussion_locked or not self.may_set_metadata:
            return False
        self.updates["discussion_locked"] = False
        return "Unlocked the discussion."

    def apply(self) -> None:
        """Issues::UpdateService with the collected params: `updated_at` moves only when
        something really changes."""
        store, issue, updates, now = self.store, self.issue, self.updates, self.store.clock.now()
        changed = False
        labels = updates.get("label_ids")
        adds, removes = updates.get("add_label_ids"), updates.get("remove_label_ids")
        if labels is not None or adds or removes:

            def names(ids: list[int] | None) -> list[str] | None:
                return None if ids is None else [store.label(self.project, i).name for i in ids]

            store.change_labels(
                self.project,
                issue,
                self.user,
                labels=names(labels),
                add=names(adds),
                remove=names(removes),
            )
        if updates.get("state_event") == "close":
            issue.state, issue.closed_at, issue.closed_by_id, changed = (
                "closed",
                now,
                self.user.id,
                True,
            )
        elif updates.get("state_event") == "reopen":
            issue.state, issue.closed_at, issue.closed_by_id, changed = "opened", None, None, True
        # The same system notes an API update writes (SystemNoteService, by the note's author).
        if "title" in updates and updates["title"] != issue.title:
            store.add_note(
                issue,
                self.user,
                f"changed title from **{issue.title}** to **{updates['title']}**",
                system=True,
            )
        if "assignee_ids" in updates:  # filtered as the API's update is
            updates["assignee_ids"] = store.assignable(
                self.project, updates["assignee_ids"], issue.assignee_ids
            )
        if "assignee_ids" in updates and updates["assignee_ids"] != issue.assignee_ids:
            store.add_note(
                issue,
                self.user,
                assignment_note(issue.assignee_ids, updates["assignee_ids"], store),
                system=True,
            )
        for key in ("title", "assignee_ids", "confidential", "due_date", "discussion_locked"):
            if key in updates and getattr(issue, key) != updates[key]:
                setattr(issue, key, updates[key])
                changed = True
        if "emoji_award" in updates:
            name = normalize_emoji(updates["emoji_award"])
            mine = next(
                (a for a in issue.awards if a.name == name and a.user_id == self.user.id), None
            )
            if mine is not None:
                issue.awards.remove(mine)
            else:
                issue.awards.append(
                    Award(store.new_id("award"), name, self.user.id, now, issue.id, "Issue")
                )
        if changed:
            issue.updated_at = now


_RUNNABLE = sorted(
    name[1:].removesuffix("_")
    for name in vars(_Run)
    if name.startswith("_") and not name.startswith("__") and name[1:] in DEFINED
)


def run(store: Store, project: Project, issue: Issue, user: User, body: str) -> Outcome:
    """Take every command line out of `body`, run those this user may run on this issue."""
    content, commands = extract(body)
    session = _Run(store, project, issue, user)
    outcome = Outcome(body=content, commands=[name for name, _ in commands])
    for written, arg in commands:
        if written in SUBSTITUTIONS:
            continue  # substitutions are done in the text; they are no commands to count
        outcome.executed += 1
        session.command(_CANONICAL[written], arg)
    session.apply()
    outcome.commands_changes = session.updates
    outcome.message = " ".join(session.messages)
    return outcome


def run_on_merge_request(
    store: Store, project: Project, mr: MergeRequest, user: User, body: str
) -> Outcome:
    """Quick actions in a merge request's note: taken out of the text as on an issue (GL
    `Notes::CreateService` and `UpdateService` run `QuickActionsService` for every noteable that
    supports them). `/close`, `/reopen` and `/title` run here for the MR's author or a Developer
    and above (`update_merge_request`, `merge_request_policy.rb`); every other command is taken
    out and answered "Could not apply ... command." (this emulator keeps no more of an MR)."""
    content, commands = extract(body)
    outcome = Outcome(body=content, commands=[name for name, _ in commands])
    may = mr.author_id == user.id or store.project_access(project, user) >= DEVELOPER
    messages: list[str] = []
    for written, arg in commands:
        if written in SUBSTITUTIONS:
            continue
        outcome.executed += 1
        name = _CANONICAL[written]
        if may and name == "close" and mr.state == "opened":
            outcome.commands_changes["state_event"] = "close"
            messages.append("Closed this merge request.")
        elif may and name == "reopen" and mr.state == "closed":
            outcome.commands_changes["state_event"] = "reopen"
            messages.append("Reopened this merge request.")
        elif may and name == "title" and arg:
            outcome.commands_changes["title"] = arg
            messages.append(f'Changed the title to "{arg}".')
        else:
            messages.append(f"Could not apply {name} command.")
    event = outcome.commands_changes.get("state_event")
    mr.state = {"close": "closed", "reopen": "opened"}.get(str(event), mr.state)
    mr.title = str(outcome.commands_changes.get("title", mr.title))
    outcome.message = " ".join(messages)
    return outcome


def assignment_note(before: list[int], after: list[int], store: Store) -> str:
    """The system note of an assignee change (the wording the API's update and `/assign` share)."""
    added = [f"@{store.users[i].username}" for i in after if i not in before]
    removed = [f"@{store.users[i].username}" for i in before if i not in after]
    parts = ([f"assigned to {' '.join(added)}"] if added else []) + (
        [f"unassigned {' '.join(removed)}"] if removed else []
    )
    return " and ".join(parts)
