"""The state of one issue's plan while it is made."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..issues.markers import Marker, find_marker
from ..issues.snapshot import IssueSnapshot, Note
from ..policy.model import Policy
from ..render.markdown import Trusted
from ..rules.actions import Draft
from ..rules.facts import Facts, NeedDetail
from ..rules.moment import Moment
from .records import Settings


class PlanState:
    """One issue being planned: the policy, the issue as GitLab showed it, the time, the draft
    of what it should become, and what the gates, the comments and the lifecycle share."""

    def __init__(
        self, policy: Policy, issue: IssueSnapshot, now: datetime, settings: Settings
    ) -> None:
        self.policy = policy
        self.life = policy.lifecycle
        self.issue = issue
        # the only way the plan reads the time; its dates are the team's (calendar.time_zone)
        self.moment = Moment(policy.calendar.local(now))
        self.settings = settings
        self.prefix = f"{self.life.label_prefix}::"
        self.draft = Draft(labels=set(issue.labels), state=issue.state, assignees=issue.assignees)
        self.judged = False  # someone was judged against the gates' approvers (`Gates.approvers`)

    def current(self) -> IssueSnapshot:
        """The issue as it will be once the draft is applied (an EM it assigns named as the
        listing names them, as the next listing will), the people its data block names by the
        names the run knows (their member profiles); the task items it unticks unticked."""
        edited = self.issue.edited(self.draft.labels, self.draft.state, self.draft.assignees)
        edited = edited.unticked(self.draft.untick) if self.draft.untick else edited
        data = edited.scoping.data
        people = [user for user in data.people.model_dump().values() if user] if data else []
        names = self.settings.names
        known = {
            user: name
            for user in (*self.draft.assignees, *people)
            if user not in edited.names
            and (name := names.get(user) or names.get(user.lower())) is not None
        }
        return edited.changed(names={**edited.names, **known}) if known else edited

    def facts(self, issue: IssueSnapshot, stage: str | None) -> Facts:
        cal = self.policy.calendar
        return Facts(
            issue=issue,
            moment=self.moment,
            stage=stage,
            stage_prefix=self.life.label_prefix,
            fiscal_start_month=cal.fiscal_year_start_month,
            fiscal_named_by=cal.fiscal_year_named_by,
            holidays=self.policy.days_off(issue.assignees[0] if issue.assignees else None),
            rates=self.policy.rates,
            catalog=self.policy.catalog,
            quarter_end_days=cal.quarter_end_business_days,
            bot=self.settings.bot,
            members=self.settings.members,
            digest=self.policy.digest.project is not None,
            hours=(cal.business_hours.start, cal.business_hours.end),
            estimator=self.settings.memo.estimate,
            money=getattr(self.settings.templates, "money", None),  # Templates have it
        )

    def bot_notes(self) -> list[tuple[Note, Marker]]:
        """The bot's own marked notes, oldest first (markers on anyone else's are ignored)."""
        notes = self.issue.notes
        if notes is None:
            raise NeedDetail("notes")
        return marked_by(notes, self.settings.bot)

    def links(self, mine: list[tuple[Note, Marker]]) -> dict[str, Trusted]:
        """The newest live note of each rule, by rule id: for templates that point at them."""
        return {
            m.key.split("/")[0]: Trusted(f"{self.issue.web_url}#note_{n.id}")
            for n, m in mine
            if m.superseded is None
        }


def marked_by(notes: Iterable[Note], author: str | None) -> list[tuple[Note, Marker]]:
    """The marked notes of `author` (the bot), oldest first: markers on anyone else's notes, and
    notes someone else edited since (`Note.bots_words`), are ignored."""
    mine = [
        (n, m)
        for n in notes
        if n.author == author and (m := find_marker(n.body)) and n.bots_words(m)
    ]
    return sorted(mine, key=lambda pair: (pair[0].created_at, pair[0].id))
