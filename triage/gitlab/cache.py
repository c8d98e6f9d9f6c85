"""Notes and label events read on an earlier run, reused while GitLab shows the issue unchanged.

Every run lists the issues afresh; what costs is reading, issue by issue, the notes and label
events the rules need, which for a settled issue say what they said an hour ago. This cache keeps
them between runs (compacted: the bot's markers, everyone's authors and times, no bodies) and
reuses an issue's entry only while the listing shows that issue as it was when they were read:
the same `updated_at`, `user_notes_count`, state and labels.

What keeps it safe:
- It only ever lets a run conclude "nothing to do". When a plan made from remembered details
  has anything to write, the run reads the details again and plans afresh (`run.py`), so no
  write is ever decided from this file.
- Award emoji are never kept: an emoji on a note does not move the issue's `updated_at`.
- GitLab throttles the `touch` a new note gives its issue (`ThrottledTouch`: not within a
  minute of the last update), so `updated_at` alone can miss a comment; `user_notes_count`
  does not. Label changes show in the listing's labels.
- Each entry is read again after `max_age` (spread over the issues so they do not all expire in
  one run): the bound on anything GitLab changes without showing it in the listing, such as a
  note deleted and another added within the same minute.
- A missing, unreadable or foreign file (another GitLab, another bot user, another format) is
  an empty cache, never an error: the run reads what it needs. So is one the bot did not seal with
  its token (`triage apply --cache` seals it: the CI cache is writable by others, and the
  forecast issue is written from the label events kept here).

An entry also holds what the issue's last plan left to remember (`quiet`, see planner/memory.py): it
lives and dies with the details it was planned from.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..issues.snapshot import IssueSnapshot, LabelEvent, Note, Quiet
from ..sealed import read_kept

FORMAT = 2  # 2: each issue's entry is its own JSON text (far less memory than nested lists)
DEFAULT_MAX_AGE = timedelta(hours=24)


def _seen(issue: IssueSnapshot) -> list[Any]:
    """What the listing shows that moves whenever the details do."""
    return [
        issue.updated_at.isoformat(),
        issue.user_notes_count,
        issue.state,
        sorted(issue.labels),
    ]


def _spread(ref: str) -> float:
    """A fixed share in [0.5, 1) per issue: entries read in one run expire over many."""
    return 0.5 + int(hashlib.sha256(ref.encode()).hexdigest()[:4], 16) / 2**17


@dataclass
class DetailsCache:
    gitlab: str
    bot: str
    max_age: timedelta = DEFAULT_MAX_AGE
    entries: dict[str, str] = field(default_factory=dict)  # issue ref -> its entry, as JSON
    reused: int = 0  # issues whose plan was made from their remembered details (see keep)
    problem: str | None = None  # why a file that was there could not be used
    # What fill() handed out, by issue: kept as it was when the plan added nothing to it.
    _served: dict[str, tuple[object, object]] = field(default_factory=dict, repr=False)
    # The file, its entries as it held them, and its key: a run that changed none writes nothing.
    _loaded: tuple[Path, dict[str, str], str | None] | None = field(default=None, repr=False)

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        gitlab: str,
        bot: str,
        max_age: timedelta = DEFAULT_MAX_AGE,
        key: str | None = None,
    ) -> DetailsCache:
        """`key` (the token): the file is used only when the bot sealed it with it (`save`)."""
        cache = cls(gitlab, bot, max_age)
        try:
            data = json.loads(read_kept(path))  # no pipe planted in its place: no wait
        except FileNotFoundError:
            return cache
        except (OSError, ValueError, RecursionError) as error:
            cache.problem = f"{path}: unreadable ({type(error).__name__}); reading everything"
            return cache
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            cache.problem = f"{path}: another format; reading everything"
        elif data.get("gitlab") != gitlab or data.get("bot") != bot:
            cache.problem = f"{path}: written for another GitLab or bot user; reading everything"
        elif not isinstance(data.get("issues"), dict):
            return cache
        elif key is not None and not _sealed(data, key):
            cache.problem = f"{path}: not sealed by the bot with this token; reading everything"
        else:
            cache.entries = dict(data["issues"])
            cache._loaded = (path, data["issues"], key)
        return cache

    def fill(self, issue: IssueSnapshot, now: datetime) -> tuple[IssueSnapshot, datetime | None]:
        """The issue with the details remembered for it, and when they were read; or the issue
        as listed and None when nothing usable is remembered."""
        text = self.entries.get(issue.ref)
        if text is None or issue.user_notes_count is None:
            return issue, None
        try:
            entry = json.loads(text)
            if entry["seen"] != _seen(issue):
                return issue, None
            read = datetime.fromisoformat(entry["read"])
            # read in the future (a tampered file): it would never expire
            if not timedelta(0) <= now - read < self.max_age * _spread(issue.ref):
                return issue, None
            notes = entry.get("notes")
            events = entry.get("events")
            quiet = entry.get("quiet")
            filled = issue.changed(
                notes=None if notes is None else tuple(_note(n) for n in notes),
                label_events=None if events is None else tuple(_event(e) for e in events),
                quiet=None if quiet is None else _quiet(quiet),
            )
        except (KeyError, TypeError, ValueError, RecursionError):
            return issue, None  # a damaged entry: read the issue instead
        self._served[issue.ref] = (filled.notes, filled.label_events)
        return filled, read

    def keep(self, issue: IssueSnapshot, read: datetime, quiet: Quiet | None = None) -> None:
        """Remember what was read for `issue` (as listed), read at `read`, and what its plan
        left to remember (`runner/memory.remember`)."""
        served = self._served.pop(issue.ref, None)
        if served is not None and served[0] is issue.notes and served[1] is issue.label_events:
            self.reused += 1  # planned from what was remembered, not read again
            if quiet is not issue.quiet:  # planned afresh from them: what it left replaces
                entry = json.loads(self.entries[issue.ref])
                entry["quiet"] = _quiet_row(quiet)
                self.entries[issue.ref] = json.dumps(entry, separators=(",", ":"))
            return  # its entry stands as it is
        if issue.user_notes_count is None or (
            issue.notes is None and issue.label_events is None and quiet is None
        ):
            self.entries.pop(issue.ref, None)
            return
        compact = issue.compact(self.bot)
        entry = {
            "seen": _seen(issue),
            "read": read.isoformat(),
            "quiet": _quiet_row(quiet),
            "notes": None
            if compact.notes is None
            else [
                [
                    n.id,
                    n.author,
                    n.body,
                    n.created_at.isoformat(),
                    n.system,
                    n.internal,
                    n.updated_at.isoformat() if n.updated_at else None,
                ]
                for n in compact.notes
            ],
            "events": None
            if issue.label_events is None
            else [
                [e.user, e.label, e.action, e.created_at.isoformat(), e.user_id]
                for e in issue.label_events
            ],
        }
        self.entries[issue.ref] = json.dumps(entry, separators=(",", ":"))

    def forget(self, ref: str) -> None:
        self.entries.pop(ref, None)
        self._served.pop(ref, None)

    def keep_only(self, refs: set[str]) -> None:
        """Drop the issues a full listing no longer shows (closed, out of scope)."""
        self.entries = {ref: e for ref, e in self.entries.items() if ref in refs}

    def save(self, path: Path, key: str | None = None) -> None:
        """Written whole, then renamed into place: a run killed while saving leaves the old file.
        `key` (the token): sealed with it (an HMAC, which does not reveal it). Not written when
        the file already holds these very entries, sealed with `key`: a settled run's cache is
        the one it loaded (at 3,000 issues, ~10 ms of encoding, sealing and writing saved)."""
        if self._loaded == (path, self.entries, key) and path.exists():
            return
        data: dict[str, Any] = {
            "format": FORMAT,
            "gitlab": self.gitlab,
            "bot": self.bot,
            "issues": self.entries,
        }
        if key is not None:
            data["seal"] = _seal(data, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, separators=(",", ":"))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _seal(data: dict[str, Any], key: str) -> str:
    """The HMAC of everything the file says, with `key`: its refs and entries are JSON texts
    (no NUL in them), each one ended by a NUL."""
    mac = hmac.new(key.encode(), digestmod=hashlib.sha256)
    mac.update(f"{data['format']}\0{data['gitlab']}\0{data['bot']}\0".encode())
    issues = data["issues"]
    for ref in sorted(issues):
        mac.update(f"{ref}\0{issues[ref]}\0".encode())
    return mac.hexdigest()


def _sealed(data: dict[str, Any], key: str) -> bool:
    """Whether the bot sealed the file's data with `key` (a file anyone else wrote: no)."""
    try:
        made = _seal(data, key).encode()
        return hmac.compare_digest(str(data.get("seal", "")).encode(), made)
    except (TypeError, AttributeError, UnicodeEncodeError):
        return False


def _note(row: list[Any]) -> Note:
    id_, author, body, created, system, internal, *rest = row
    updated = rest[0] if rest else None
    return Note(
        int(id_),
        str(author),
        str(body),
        datetime.fromisoformat(created),
        bool(system),
        bool(internal),
        datetime.fromisoformat(updated) if updated else None,
    )


def _quiet_row(quiet: Quiet | None) -> list[Any] | None:
    if quiet is None:
        return None
    until = None if quiet.until is None else quiet.until.isoformat()
    return [quiet.fingerprint, quiet.since.isoformat(), until, list(quiet.awards), quiet.judged]


def _quiet(row: list[Any]) -> Quiet:
    fingerprint, since, until, awards, *judged = row
    return Quiet(
        str(fingerprint),
        datetime.fromisoformat(since),
        None if until is None else datetime.fromisoformat(until),
        tuple(int(note) for note in awards),
        bool(judged and judged[0]),
    )


def _event(row: list[Any]) -> LabelEvent:
    user, label, action, created, *rest = row
    user_id = int(rest[0]) if rest and rest[0] is not None else None
    return LabelEvent(user, str(label), str(action), datetime.fromisoformat(created), user_id)
