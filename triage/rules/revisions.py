"""Conditions on SoW revisions: what an approval, a signature request or a review was given for,
against what is priced now (registered in `conditions.py`)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..issues.markers import Marker, find_marker, sow_version
from ..issues.tasks import normalise
from .condition import Condition, Outcome
from .facts import Facts, NeedDetail
from .reasons import reason


class EstimateRevisedSince(Condition):
    key = "estimate_revised_since"
    summary = (
        "the priced estimate is no longer the SoW revision in the named rule's `once_per: estimate` "
        "note posted since the issue entered its stage (false until that note exists)"
    )
    example = "{estimate_revised_since: signature-request}"
    estimate_revised_since: str = Field(pattern=r"^[A-Za-z0-9_.:-]+$")

    def evaluate(self, facts: Facts) -> Outcome:
        marker = _newest_in_stage(facts, self.estimate_revised_since)
        key, rule = self.key, self.estimate_revised_since
        if marker is None:
            why = reason(f"{key}.no_note", rule=rule)
            return Outcome(False, f"no {rule} note in this stage yet", reasons=why)
        approved = marker.key.rsplit("/", 1)[1]  # the revision ends the key (`once_per: estimate`)
        priced, _ = facts.estimate()
        if priced is None:  # a broken block is the data-block rule's business, not a revision
            why = reason(f"{key}.unpriced", approved=approved)
            return Outcome(False, f"SoW revision {approved}; no priced estimate now", reasons=why)
        revised = priced.revision != approved
        return Outcome(
            revised,
            f"SoW revision {approved} was approved, the estimate is now revision {priced.revision}"
            if revised
            else f"SoW revision {approved} unchanged",
            reasons=reason(f"{key}.revised", approved=approved, revision=priced.revision)
            if revised
            else reason(f"{key}.unchanged", approved=approved),
        )


def _newest_in_stage(facts: Facts, rule: str) -> Marker | None:
    """The marker of the bot's newest note of `rule` posted since the issue entered its stage."""
    notes = facts.issue.notes
    if notes is None:
        raise NeedDetail("notes")
    since, prefix = facts.stage_started(), f"{rule}/"
    posted = [
        marker
        for note in sorted(notes, key=lambda n: (n.created_at, n.id))
        if note.author == facts.bot
        and note.created_at >= since
        and (marker := find_marker(note.body))
        and note.bots_words(marker)
        and marker.key.startswith(prefix)
    ]
    return posted[-1] if posted else None


class Given(BaseModel):
    """The stage move a review is given with (`{from: SOW_WIP, to: Ready For Approval}`)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True, populate_by_name=True)
    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)


class ReviewSpec(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    task: str = Field(min_length=1)  # the task-list item people tick for the review
    given: Given  # the move the tick makes: the SoW the bot showed then is the one reviewed
    versions_of: str = Field(pattern=r"^[A-Za-z0-9_.:-]+$")  # the rule whose notes number versions


class ReviewOutdated(Condition):
    key = "review_outdated"
    summary = (
        "a review task is ticked, but the estimate is no longer the SoW revision the bot's notes "
        "showed when the issue last made the review's move (`given`); its comments see `review`: "
        "`task`, `reviewed` and `current`, SoW versions as the `versions_of` rule's notes number "
        "them (false while no such move or note is on record)"
    )
    example = (
        "{review_outdated: {task: SoW reviewed by account team and customer, "
        "given: {from: SOW_WIP, to: Ready For Approval}, versions_of: sow-draft}}"
    )
    review_outdated: ReviewSpec
    found_sample: ClassVar[dict[str, Any]] = {
        "review": {"task": "A review", "reviewed": 1, "current": 2}
    }

    def evaluate(self, facts: Facts) -> Outcome:
        spec = self.review_outdated
        wanted = normalise(spec.task)
        if not any(t.done for t in facts.issue.tasks if normalise(t.text) == wanted):
            why = reason(f"{self.key}.not_ticked", task=spec.task)
            return Outcome(False, f"task '{spec.task}' not ticked", reasons=why)
        given = facts.last_move(spec.given.from_, spec.given.to)
        reviewed = facts.shown_at(given) if given else None
        priced, _ = facts.estimate()
        if reviewed is None or priced is None:
            why = reason(f"{self.key}.no_revision", task=spec.task)
            return Outcome(False, f"no SoW revision on record for '{spec.task}'", reasons=why)
        if priced.revision == reviewed:
            why = reason(f"{self.key}.current", task=spec.task, revision=reviewed)
            return Outcome(
                False, f"'{spec.task}' is for SoW revision {reviewed}, the current one", reasons=why
            )
        shown = facts.revisions_shown(spec.versions_of)
        review = {
            "task": spec.task,
            "reviewed": sow_version(shown[: len(shown) - shown[::-1].index(reviewed)], reviewed)
            if reviewed in shown
            else None,
            "current": sow_version(shown, priced.revision),
        }
        return Outcome(
            True,
            f"'{spec.task}' was ticked for SoW revision {reviewed}, "
            f"the estimate is now revision {priced.revision}",
            {"review": review},
            reason(
                f"{self.key}.outdated", task=spec.task, reviewed=reviewed, revision=priced.revision
            ),
        )


class CloseQuarterLater(Condition):
    key = "close_quarter_later_than"
    summary = (
        "the data block's close date falls in a later fiscal quarter than the one the named rule's "
        "`once_per: estimate` note recorded in this stage (the quarter the forecast expected)"
    )
    example = "{close_quarter_later_than: signature-request}"
    close_quarter_later_than: str = Field(pattern=r"^[A-Za-z0-9_.:-]+$")

    def evaluate(self, facts: Facts) -> Outcome:
        marker = _newest_in_stage(facts, self.close_quarter_later_than)
        expected, now = (marker.close_qtr if marker else None), facts.close_quarter()
        if expected is None or now is None:
            why = reason(f"{self.key}.unknown", expected=expected, now=now)
            return Outcome(
                False, f"expected {expected or 'no quarter'}, close date in {now}", reasons=why
            )
        later = now > expected  # `FY26-Q4` < `FY27-Q1`: the names sort as the quarters do
        data = facts.issue.scoping.data
        assert data is not None  # a quarter came from its close date
        return Outcome(
            later,
            f"close date {data.close_date} is in {now}, "
            + (f"later than the {expected} expected" if later else f"{expected} was expected"),
            reasons=reason(
                f"{self.key}.{'later' if later else 'not_later'}",
                close_date=str(data.close_date),
                now=now,
                expected=expected,
            ),
        )
