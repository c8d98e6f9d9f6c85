"""Issue 32.1: the digest lists a deal as overdue on the reminder's own clock (`rules/clock.py`,
as the reminders and escalations are posted), not by its days in the stage: people's last edit
starts the clock again, the escalation contacts get the deal once its escalation is due, and
"days past the SLA" count from the clock's start. Pure: `digest.overdue.overdue`."""

from triage.digest.overdue import overdue
from triage.issues.markers import Marker
from triage.issues.snapshot import LabelEvent, Note

from support import BOT, at, block, snapshot, workspace

POLICY = workspace().policy
MEMBERS = frozenset({"felix", "imogen", "dana", "harriet"})
STAGE = "proposal::Estimate_Feedback"  # account-team-reminder: 3 days, then 2 to the lead
REMINDER = "account-team-reminder/reminder.md.j2"


def deal(*notes: Note):
    """In Estimate_Feedback since Mon 01-05 (two months: far past its SLA on any count); felix,
    its sa, commented on Mon 03-02 at 10:00, which starts the reminder's clock again."""
    return snapshot(
        labels=("Services Calculator", STAGE),
        assignees=("harriet",),
        data=block(close_date="2026-06-30"),  # next quarter: no quarter-end mode
        created="2026-01-05T09:00:00Z",
        events=(LabelEvent("harriet", STAGE, "add", at("2026-01-05T09:00:00Z")),),
        notes=(Note(1, "felix", "Chasing their procurement.", at("2026-03-02T10:00:00Z")), *notes),
    )


def listed(issue, now: str) -> dict[str, int]:
    """Whom the deal is overdue for, and how many business days late."""
    found = overdue(POLICY, [issue], at(now), MEMBERS, BOT)
    return {person: item.late for person, [item] in found.items()}


def test_after_a_comment_the_deal_is_overdue_again_only_when_its_reminder_then_escalation_is_due():
    """Until Thu 03-05 10:00 (3 business days after the comment) nobody gets the deal; then
    felix and imogen (its reminder's `notify`), 0 days late, not two months; the lead, dana,
    only once the escalation is due: 2 business days after this cycle's reminder was posted
    (Thu 03-05), on Mon 03-09, never on the days in the stage."""
    assert listed(deal(), "2026-03-04T12:00:00Z") == {}
    assert listed(deal(), "2026-03-05T12:00:00Z") == {"@felix": 0, "@imogen": 0}
    # not posted in this cycle (the bot had not run): no escalation is due, however long after
    assert listed(deal(), "2026-03-10T12:00:00Z") == {"@felix": 3, "@imogen": 3}
    reminded = Note(
        2,
        BOT,
        f"{Marker(f'{REMINDER}/s20260302100000', '0123456789ab')}\nA reminder.",
        at("2026-03-05T10:00:00Z"),
    )
    assert listed(deal(reminded), "2026-03-06T12:00:00Z") == {"@felix": 1, "@imogen": 1}
    assert listed(deal(reminded), "2026-03-09T12:00:00Z") == {
        "@felix": 2,
        "@imogen": 2,
        "@dana": 2,
    }


def test_a_reminder_of_an_earlier_cycle_does_not_make_the_escalation_due():
    """The reminder posted before felix's comment belongs to the cycle that comment ended:
    dana does not get the deal from it."""
    earlier = Note(
        2,
        BOT,
        f"{Marker(f'{REMINDER}/s20260105090000', '0123456789ab')}\nA reminder.",
        at("2026-01-08T10:00:00Z"),
    )
    assert "@dana" not in listed(deal(earlier), "2026-03-10T12:00:00Z")
