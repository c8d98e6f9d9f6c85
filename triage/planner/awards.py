"""Approvals by award emoji on the bot's approval request (`approvals[].emoji`): an approver's
emoji on the live request, showing the SoW revision priced now, sets the gated label; one on a
request a newer one replaced approves nothing, and the approver is told so at once, once."""

from __future__ import annotations

from ..issues.markers import Marker, sow_version
from ..issues.snapshot import Note
from ..policy.model import NO_STAGE, Gate
from ..render.markdown import Trusted, mention
from ..rules.actions import add_label
from ..rules.facts import NeedDetail
from .gates import Gates, emoji_approval

# The replaced requests whose awards are read, the newest: an approver answers the notification of
# a recent revision; each one watched costs a read on every run while the deal waits.
WATCHED = 3


class EmojiApprovals(Gates):
    def check_emoji_approvals(self) -> None:
        """An approver's emoji on the bot's note of rule `emoji.note_of` sets the gated label."""
        stages = [
            label.removeprefix(self.prefix)
            for label in self.draft.labels
            if label.startswith(self.prefix)
        ]
        stage = stages[0] if len(stages) == 1 else None
        for gate in self.policy.approvals:
            if gate.emoji is None or gate.label in self.draft.labels:
                continue
            rule = next((r for r in self.policy.rules if r.id == gate.emoji.note_of), None)
            if rule is None or (rule.stages is not None and (stage or NO_STAGE) not in rule.stages):
                continue
            self.stale_awards(gate)  # in the stages of the requests, whose notes are read anyway
            found = next(
                (
                    (n, m)
                    for n, m in reversed(self.bot_notes())
                    if m.key.startswith(f"{rule.id}/") and m.superseded is None
                ),
                None,
            )
            if found is None:
                continue
            note, marker = found
            now_priced, _ = self.facts(self.current(), stage).estimate()
            if marker.sow is None or now_priced is None or marker.sow != now_priced.revision:
                # The request showed another SoW revision (the estimate changed after it was
                # posted): an emoji on it approves what it showed, not what is priced now.
                self.draft.reasons.append(
                    f"gate {gate.id}: the request shows SoW revision {marker.sow or 'unknown'}, "
                    f"priced now {now_priced.revision if now_priced else 'nothing'}: "
                    "its emoji do not count"
                )
                continue
            if note.id not in self.issue.note_awards:
                raise NeedDetail(f"awards:{note.id}")
            # Only an award given on the request as it reads now: one given before its text was
            # last saved (its marker edited to show this revision) approved something else.
            valid, others = emoji_approval(
                self.issue.note_awards[note.id],
                gate.emoji.name,
                self.approver_of(gate),
                note.edited_at,
            )
            missing = self.unmet(gate, valid) if valid is not None else None
            if valid is not None and missing:
                self.draft.reasons.append(
                    f"gate {gate.id}: :{gate.emoji.name}: by @{valid.user}, "
                    f"missing {'; '.join(missing.named())}"
                )
                self.refusal(
                    gate,
                    valid.user,
                    f":{gate.emoji.name}:",
                    valid.created_at,
                    "requires",
                    missing=missing,
                )
            elif valid is not None:
                add_label(self.draft, gate.label)
                self.draft.reasons.append(
                    f"gate {gate.id}: approved by @{valid.user} with :{gate.emoji.name}:"
                )
            for award in others:
                self.refusal(gate, award.user, f":{gate.emoji.name}:", award.created_at)

    def stale_awards(self, gate: Gate) -> None:
        """An approver's emoji on a request a newer one replaced, awarded after it was replaced
        (its text was last saved then: the superseded banner), approves nothing: one note, once
        per request and approver, mentions them with the version they approved and the request
        to approve instead (the live one, if the deal has one)."""
        assert gate.emoji is not None
        requests = [
            (n, m) for n, m in self.bot_notes() if m.key.startswith(f"{gate.emoji.note_of}/")
        ]
        live = next((pair for pair in reversed(requests) if pair[1].superseded is None), None)
        shown = [m.sow for _, m in requests]
        replaced = [i for i, (_, m) in enumerate(requests) if m.superseded is not None]
        watched = replaced[-WATCHED:]
        unread = [
            f"awards:{note.id}"
            for note, _ in (requests[i] for i in watched)
            if note.id not in self.issue.note_awards
        ]
        if unread:
            raise NeedDetail(*unread)  # all in one round of reads
        for i in watched:
            note, marker = requests[i]
            approver = self.approver_of(gate)
            for award in self.issue.note_awards[note.id]:
                if award.name != gate.emoji.name or award.created_at < note.edited_at:
                    continue
                if not approver(award.user, award.user_id):
                    continue
                self.draft.reasons.append(
                    f"gate {gate.id}: :{gate.emoji.name}: by @{award.user} on a replaced request"
                )
                which = self.replaced(note, marker, shown[: i + 1], live, shown)
                self.refusal(
                    gate,
                    award.user,
                    f":{gate.emoji.name}:",
                    award.created_at,
                    "superseded",
                    extra={
                        "superseded": {
                            **which,
                            "approver": mention(award.user),
                            "emoji": Trusted(f":{gate.emoji.name}:"),
                        }
                    },
                    key=f"refused/{gate.id}/superseded/{note.id}/{award.user}",
                )

    def replaced(
        self,
        note: Note,
        marker: Marker,
        before: list[str | None],
        live: tuple[Note, Marker] | None,
        shown: list[str | None],
    ) -> dict[str, Trusted | int | None]:
        """The replaced request and the live one, as the note names them: links and the SoW
        versions they showed (None when a request showed no estimate)."""
        url = self.issue.web_url
        return {
            "old": Trusted(f"{url}#note_{note.id}"),
            "old_version": sow_version(before, marker.sow) if marker.sow else None,
            "current": Trusted(f"{url}#note_{live[0].id}") if live else None,
            "current_version": sow_version(shown, live[1].sow) if live and live[1].sow else None,
        }
