"""Emoji names as GitLab knows them, from GitLab's own emoji data (triage/emoji.txt: one
table of GitLab's facts that the bot and the emulator both read).

GitLab stores an award under the emoji's canonical name: an alias such as `+1` is normalised to
`thumbsup`, `stop_sign` to `octagonal_sign` (GL `app/services/award_emojis/base_service.rb`
`normalize_name`: `TanukiEmoji.find_by_alpha_code(name)&.name || name`); a name GitLab does not
know is refused (`AwardEmoji` validates `name` against `Gitlab::Emoji`).
"""

from __future__ import annotations

import re

from triage.emoji import NAMES, canonical, is_emoji

__all__ = ["NAMES", "emoji_in", "is_emoji", "normalize_emoji"]

_COLONS = re.compile(r"(?:(?<=[^\w:])|^):(?P<name>[\w+-]+):(?=[^\w:]|$)")


def normalize_emoji(name: str) -> str:
    """The name GitLab stores for an emoji name or alias (unknown names stay as they are)."""
    return canonical(name)


def emoji_in(text: str) -> str | None:
    """The first `:name:` of a known emoji in `text`, as Banzai's EmojiFilter.emoji_pattern
    finds it for `/award` (None if there is none)."""
    for found in _COLONS.finditer(text):
        if is_emoji(found.group("name")):
            return found.group("name")
    return None
