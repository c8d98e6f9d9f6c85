"""The daily digest of reminders, kept on GitLab: one comment per person per business day (of the
team's calendar, in its business hours), on a digest issue the bot keeps for that person (with
`per: person`; created once, found again by its exact marker among the bot's own issues only).

It mentions the person once and lists, with links and by customer, what is new for them since
their last digest (`digest.items.choose`: the day's reminders and escalations, the deals newly
overdue, a deal still overdue again after a week, then less often while nothing happens on it
(`digest.repeat_after_days`), or daily in its quarter-end mode). No comment
when nothing is new. A reminder due later the same day is added to that day's comment by an
edit, which mentions no one anew. A group named as a contact is its members, each in their own
digest: a person is listed once, never again through a group.

Why one issue per person: GitLab makes everyone mentioned on an issue a participant, and
participants get mail for every later comment on it. On one issue for the team each person's
mail would carry everyone else's digest; on their own issue they are told only of their own.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from ..digest.items import Choice, Item, Listed, choose, listed_in, listing
from ..gitlab import own
from ..gitlab.adapter import GitLab
from ..issues.markers import Marker, find_marker, revision
from ..policy.model import Policy
from ..render.markdown import Trusted, mention
from ..render.templates import Templates
from .forecast_issue import with_shipped

TEMPLATE = "digest.md.j2"  # its words: the issue's text, a day's comment, the items added


@dataclass
class DigestOutcome:
    summary: str | None  # one line for the run's report; None: nothing was due
    writes: int = 0
    exhausted: bool = False  # the run's write budget ran out before every digest was kept

    def left(self, budget: int | None) -> int | None:
        return None if budget is None else budget - self.writes


MembersOf = Callable[[str], "list[str] | None"]  # a group's members; None: `name` is a user


def by_person(due: Mapping[str, list[Item]], members_of: MembersOf) -> dict[str, list[Item]]:
    """The items by username: a group's items go to each of its members; a person named directly
    and through a group (or through two groups) gets each item once."""
    people: dict[str, dict[str, Item]] = defaultdict(dict)
    for who, items in due.items():
        name = who.removeprefix("@")
        members = members_of(name)
        for person in [name] if members is None else members:
            for item in items:
                people[person.lower()].setdefault(item.key, item)
    return {person: list(items.values()) for person, items in people.items()}


def keep_digest(
    policy: Policy,
    gitlab: GitLab,
    due: Mapping[str, list[Item]],
    now: datetime,
    *,
    members_of: MembersOf,
    templates: Templates,
    writes_left: int | None = None,
    write: bool = True,
) -> DigestOutcome:
    """Post (or extend) today's digest comment of each person with something new in `due` (by
    mention: the day's reminders and the deals overdue). Each write counts against
    `writes_left` (None: no limit); when it would run out, the rest waits for the next run."""
    config = policy.digest
    cal = policy.calendar
    if config.project is None or not due:
        return DigestOutcome(None)
    local = cal.local(now)
    if not cal.in_business_hours(local):
        return DigestOutcome("digest: waits for business hours" if write else None)
    today = local.date()
    outcome = DigestOutcome(None)
    words = Words(with_shipped(templates, TEMPLATE), today)  # a team's older folder has none
    posted = extended = 0
    issues: dict[str, int] | None = None  # the digest issues by token: one listing, when needed
    for person, items in sorted(by_person(due, members_of).items()):
        if today.weekday() >= 5 or today in policy.days_off(person):
            continue  # not a business day of theirs
        slug = re.sub(r"[^a-z0-9]+", "-", person.lower()).strip("-")
        token = "ps-triage-digest" + (f"-{slug}" if config.per == "person" else "")
        if issues is None:
            issues = _digest_issues(gitlab, config.project)
        named = person if config.per == "person" else words.team()
        title = config.title.replace("{person}", named)
        iid = issues.get(token) or _kept_anyway(
            gitlab, config.project, token, title, slug, write, words.about()
        )
        issues[token] = iid
        earlier, mine = _earlier(gitlab, config.project, iid, slug, today.isoformat())
        choice = choose(items, earlier, today, config.repeat_after_days)
        if not choice.items:
            continue
        left = outcome.left(writes_left)
        if left is not None and left < (0 if iid else 1) + 1:
            outcome.exhausted = True
            break
        if not write:  # a plan for an apply: only whether it would write
            posted, extended = (
                (posted, extended + 1) if mine is not None else (posted + 1, extended)
            )
            continue
        if not iid:
            iid = issues[token] = _open(
                gitlab,
                config.project,
                token,
                named,
                config.title,
                words.about(),
            )
            outcome.writes += 1
        key = f"digest/{slug}/{today.isoformat()}"  # no `@` in the marker: it mentions no one
        if mine is not None:
            gitlab.edit_note(config.project, iid, mine[0], _extended(mine[1], choice, today, words))
            extended += 1
        else:
            rev = revision({"key": key})
            body = _body(Marker(key, rev), person, choice, today, words)
            gitlab.create_note(config.project, iid, body, marker_key=key, marker_rev=rev)
            posted += 1
        outcome.writes += 1
    if not write:
        if posted or extended:
            outcome.summary = f"digest: {posted} would be posted, {extended} would be extended"
        return outcome
    outcome.summary = f"digest: {posted} posted, {extended} extended" + (
        " (write budget used up: the rest waits)" if outcome.exhausted else ""
    )
    return outcome


def _digest_issues(gitlab: GitLab, project: str) -> dict[str, int]:
    """The bot's digest issues by their exact marker token (`dan`'s is not `dana`'s), the oldest
    of each, among the issues the bot's own user opened (`gitlab/own.py`: no search)."""
    found: dict[str, int] = {}
    for issue in gitlab.own_issues(project):
        token = own.marker_token(issue.description)
        if token and (token == "ps-triage-digest" or token.startswith("ps-triage-digest-")):
            found.setdefault(token, issue.iid)
    return found


def _kept_anyway(
    gitlab: GitLab, project: str, token: str, title: str, slug: str, write: bool, about: str
) -> int:
    """The digest issue for `token` whose marker someone edited away, found by the bot's digest
    label and the title it was given (or, per person, the person's digest comments in it); its
    text and label are put back. 0: there is none."""
    mine = gitlab.own_issues(project)
    team = token == "ps-triage-digest"
    found = own.kept_issue(mine, token=token, label=own.DIGEST_LABEL, title=title, alone=team)
    if found is None and not team:
        found = _with_comments_for(gitlab, project, mine, slug)
    if found is None:
        return 0
    if not write:
        return found.iid
    labelled = own.DIGEST_LABEL in found.labels
    gitlab.set_description(
        project,
        found.iid,
        f"<!-- {token} -->\n{about}\n",
        label="" if labelled else own.DIGEST_LABEL,
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


def _open(gitlab: GitLab, project: str, token: str, person: str, title: str, about: str) -> int:
    url = gitlab.create_issue(
        project,
        title.replace("{person}", person),
        f"<!-- {token} -->\n{about}\n",
        (own.DIGEST_LABEL,),
    )
    gitlab.own_issues(project, fresh=True)  # read again: the new issue is among them
    found = _digest_issues(gitlab, project).get(token)
    assert found is not None, url
    return found


def _earlier(
    gitlab: GitLab, project: str, iid: int, slug: str, day: str
) -> tuple[list[Listed], tuple[int, str] | None]:
    """What the person's earlier digests listed, and today's comment (id, body) if there is one."""
    if not iid:
        return [], None
    bot = gitlab.bot_username()
    earlier: list[Listed] = []
    today: tuple[int, str] | None = None
    for note in gitlab.notes(project, iid):
        marker = find_marker(note.body) if note.author == bot else None
        if marker is None or not marker.key.startswith(f"digest/{slug}/"):
            continue
        when = marker.key.rsplit("/", 1)[1]
        try:
            earlier.append(listed_in(note.body, date.fromisoformat(when)))
        except ValueError:
            continue
        if when == day:
            today = (note.id, note.body)
    return earlier, today


@dataclass(frozen=True)
class Words:
    """The digest in its template's words (`digest.md.j2`)."""

    templates: Templates
    today: date

    def about(self) -> str:
        """The digest issue's text."""
        return self.render("issue")

    def team(self) -> str:
        """Who a team's one digest (`per: team`) is for, in its title's `{person}`."""
        return self.render("team")

    def render(self, part: str, person: str = "", items: tuple[Item, ...] = ()) -> str:
        shown = [
            {
                "kind": Trusted(i.kind),
                "customer": i.customer,
                "url": Trusted(i.url),
                "what": Trusted(i.what),  # the policy's description of the rule
                "stage": Trusted(i.stage),  # a stage of the policy's (its rules name it)
                "late": i.late,
            }
            for i in items
        ]
        context = {"part": part, "person": person, "today": self.today, "items": shown}
        return self.templates.render(TEMPLATE, context).strip("\n")


def _body(marker: Marker, person: str, choice: Choice, today: date, words: Words) -> str:
    text = words.render("comment", mention(person), choice.items)
    return f"{marker}\n{text}\n\n{listing(choice.items, today)}\n"


def _extended(body: str, choice: Choice, today: date, words: Words) -> str:
    """Today's comment with the new items added (an edit: nobody is mentioned anew)."""
    before = listed_in(body, today)
    added = listing(choice.items, today)
    record = Listed(before.day, before.items + added.items, before.also + added.also)
    kept = re.sub(r"\n*<!-- ps-triage-digest-items [^>]*-->\n*", "\n", body).rstrip("\n")
    lines = words.render("items", items=choice.items)
    return f"{kept}\n{lines}\n\n{record}\n"


def members_of(policy: Policy, gitlab: GitLab) -> MembersOf:
    """A group's members (read once per run) for a name the policy knows as a group (a path
    with `/`, or an approval gate's group); None for a username. The bot is nobody's reader."""
    groups = {g.lower() for gate in policy.approvals for g in gate.groups}
    bot = gitlab.bot_username().lower()
    read: dict[str, list[str]] = {}

    def members(name: str) -> list[str] | None:
        if "/" not in name and name.lower() not in groups:
            return None
        if name not in read:
            read[name] = sorted(u for u in gitlab.group_members(name) if u != bot)
        return read[name]

    return members
