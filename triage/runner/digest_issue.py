"""The daily digest of reminders: one comment per person per day on an issue the bot keeps (like
the forecast issue: created once, found again by its marker among the bot's own issues only),
mentioning the person once and listing, with links, every reminder and escalation of the day
that is theirs and every deal overdue for them (reminded today or on an earlier day). A reminder due later the same day is added to that day's comment by an edit,
which mentions no one anew; the reminders themselves name people without mentioning them."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from ..gitlab import own
from ..gitlab.adapter import GitLab
from ..issues.markers import Marker, find_marker, revision
from ..issues.snapshot import Note
from ..planner.records import IssuePlan
from ..policy.model import Policy


def due_today(policy: Policy, plans: Iterable[IssuePlan]) -> dict[str, list[str]]:
    """By mention (`@felix`, `@ps/ps-ta`): one line per reminder or escalation these plans
    posted, linking its issue."""
    rules = {r.id: r.description for r in policy.rules}
    lines: dict[str, list[str]] = defaultdict(list)
    for plan in plans:
        for comment in plan.comments:
            kind = "escalation" if comment.key.endswith("/escalation") else "reminder"
            what = rules.get(comment.origin, comment.origin)  # policy text: trusted
            for person in comment.digest_for:
                lines[person].append(f"- {kind}: [{plan.ref}]({plan.web_url}) {what}")
    return lines


def keep_digest(
    policy: Policy,
    gitlab: GitLab,
    plans: Iterable[IssuePlan],
    now: datetime,
    *,
    write: bool,
    overdue: dict[str, list[str]] | None = None,
) -> str | None:
    """Post (or extend) today's digest comment of each person with reminders in `plans` or
    deals `overdue` for them (`overdue.overdue`: everything overdue, reminded today or before)."""
    config = policy.digest
    if config.project is None:
        return None
    lines = due_today(policy, plans)
    for person, items in (overdue or {}).items():
        lines[person] += items  # after the day's reminders: a deal listed once (`_new`)
    if not lines:
        return None
    day = now.date().isoformat()
    posted = extended = 0
    issues: dict[str, int] = {}
    notes: dict[int, tuple[Note, ...]] = {}
    for person, items in sorted(lines.items()):
        slug = re.sub(r"[^a-z0-9]+", "-", person.lower()).strip("-")
        token = "ps-triage-digest" + (f"-{slug}" if config.per == "person" else "")
        if token not in issues:
            found = _digest_issue(gitlab, policy, token, person, slug, write)
            if found is None:  # not opened yet, and not now (`write` off): all of it is new
                posted += 1
                continue
            issues[token] = found
        iid = issues[token]
        key = f"digest/{slug}/{day}"  # no `@` in the marker: it mentions no one
        bot = gitlab.bot_username()
        if iid not in notes:  # read once: each person's comment has a key of its own
            notes[iid] = gitlab.notes(config.project, iid)
        mine = [
            n for n in notes[iid] if n.author == bot and (m := find_marker(n.body)) and m.key == key
        ]
        if mine:
            note = mine[-1]
            new = _new(items, note.body)
            if new:
                body = note.body.rstrip("\n") + "\n" + "\n".join(new) + "\n"
                if write:
                    gitlab.edit_note(config.project, iid, note.id, body)
                extended += 1
            continue
        rev = revision({"key": key})
        text = "\n".join(_new(items, ""))
        body = f"{Marker(key, rev)}\n{person} overdue for you today ({day}):\n\n{text}\n"
        if write:
            gitlab.create_note(config.project, iid, body, marker_key=key, marker_rev=rev)
        posted += 1
    if not write:
        if not posted and not extended:
            return None  # nothing new today: nothing to write
        return f"digest: {posted} would be posted, {extended} would be extended"
    return f"digest: {posted} posted, {extended} extended"


def _digest_issue(
    gitlab: GitLab, policy: Policy, token: str, person: str, slug: str, write: bool
) -> int | None:
    """The iid of the bot's digest issue for `token`, found among the bot's own issues by its
    marker, or by the bot's digest label (`gitlab/own.py`): with `per: team` the one so labelled;
    with `per: person`, with the title it was given or the person's digest comments of the bot's
    in it. Its text is put back when someone changed it; it is opened when there is none (None:
    there is none and `write` is off)."""
    config = policy.digest
    assert config.project is not None
    project = config.project
    title = config.title.replace("{person}", person.removeprefix("@"))
    about = "Reminders and escalations of ps-triage, one comment per person and day."
    description = f"<!-- {token} -->\n{about}\n"
    mine = gitlab.own_issues(project)
    team = config.per == "team"
    found = own.kept_issue(mine, token=token, label=own.DIGEST_LABEL, title=title, alone=team)
    if found is None and not team:
        found = _with_comments_for(gitlab, project, mine, slug)
    if found is None:
        if not write:
            return None
        url = gitlab.create_issue(project, title, description, (own.DIGEST_LABEL,))
        found = own.kept_issue(
            gitlab.own_issues(project, fresh=True), token=token, label=own.DIGEST_LABEL, title=title
        )
        assert found is not None, url
    elif write and (found.description != description or own.DIGEST_LABEL not in found.labels):
        labelled = own.DIGEST_LABEL in found.labels
        gitlab.set_description(
            project, found.iid, description, label="" if labelled else own.DIGEST_LABEL
        )
    return found.iid


def _with_comments_for(
    gitlab: GitLab, project: str, mine: tuple[own.OwnIssue, ...], slug: str
) -> own.OwnIssue | None:
    """The bot's digest-labelled issue, with neither a marker nor its title left, that holds the
    bot's digest comments for `slug` (its notes read: only once both were edited away)."""
    bot = gitlab.bot_username()
    for issue in sorted(mine, key=lambda i: i.iid):
        if own.DIGEST_LABEL not in issue.labels or own.marker_token(issue.description):
            continue
        for note in gitlab.notes(project, issue.iid):
            marker = find_marker(note.body)
            if note.author == bot and marker and marker.key.startswith(f"digest/{slug}/"):
                return issue
    return None


def _new(items: list[str], body: str) -> list[str]:
    """The lines of `items` not in `body` yet, each once; an overdue deal's line only when the
    deal is not listed yet (by its reminder today, or as overdue with another count)."""
    new: list[str] = []
    for line in items:
        shown = body + "\n" + "\n".join(new)
        if line in shown.splitlines():
            continue
        if line.startswith("- overdue: ") and line.split(" ", 3)[2] in shown:
            continue  # `[ref](url)`: already there
        new.append(line)
    return new
