"""Escaping text that came from an issue so that, inside a bot comment, it stays text.

GitLab runs quick actions on lines that start with `/`, turns `@name` into a mention (and
`@all` pings everyone), renders HTML and Markdown. An escaped value:
- is one line (line breaks become spaces), so it can never start a line of its own;
- never starts with `/` (it becomes `\\/`, which Markdown shows as `/`);
- mentions no one (`@` is followed by U+2060 WORD JOINER, which ends a username);
- renders no HTML (`<`, `>`, `&` become entities) and no Markdown emphasis, links, code or
  table cells (those characters are backslash-escaped);
- holds no bare URL GitLab would link: its Markdown links `http://`, `https://` and `www.`
  (GFM's autolinks) and any other `scheme://` (its AutolinkFilter), so a WORD JOINER follows
  the scheme's `:` and `www` (the text reads the same; e-mail addresses lose their link to the
  joiner after `@`).
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_MARKDOWN = re.compile(r"([\\`*_\[\]#|~])")
# An `&` that would start a character reference (`&lt;`, `&#60;`, `&#x3C;`: CommonMark's, which
# need the `;`): escaped so that it reads as written. Any other `&` is plain text in GitLab's
# Markdown, and stays as it is, so the raw text (a mail's plain part, a to-do) reads
# `Harbor & Finch`, not `Harbor &amp; Finch` (issue 32.7).
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# Every character one of the replacements below changes: text without any is left as it is.
_CHANGED = re.compile(
    r"[\r\n\v\f\x85\u2028\u2029\x00-\x08\x0e-\x1f\x7f&<>\\`*_\[\]#|~@]|://|www\.", re.I
)
# What GitLab links in text: a URI scheme and `://` (GitLab's AutolinkFilter pattern, any
# case), and `www.` after anything but a letter, digit or `/` (GFM's extended www autolink).
_SCHEME = re.compile(r"(?<=[a-z0-9+.-]):(?=//)", re.I)
_WWW = re.compile(r"(?<![a-z0-9/])(www)(?=\.)", re.I)


class Trusted(str):
    """Text the bot built itself or took from configuration: rendered as it is."""

    __slots__ = ()


class Unit(Trusted):
    """A catalog unit (seat, session) that knows its plural: the catalog's `fixed.plural`, else
    the unit and an s. The `plural` filter uses it: `{{ 3 | plural(line.unit) }}`."""

    plural: str

    def __new__(cls, unit: str, plural: str | None = None) -> Unit:
        made = super().__new__(cls, unit)
        made.plural = plural or f"{unit}s"
        return made


def escape(value: object) -> str:
    if isinstance(value, Trusted):
        return str(value)
    text = str(value)
    if _CHANGED.search(text):  # most values (names, numbers, dates) have nothing to escape
        text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text))
        text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
        text = _MARKDOWN.sub(r"\\\1", text)
        text = text.replace("@", "@" + WORD_JOINER)
        text = _WWW.sub(r"\1" + WORD_JOINER, _SCHEME.sub(":" + WORD_JOINER, text))
    stripped = text.lstrip()
    if stripped.startswith("/"):
        text = text[: len(text) - len(stripped)] + "\\" + stripped
    return text


def code(value: object) -> Trusted:
    """Inline code: nothing inside is Markdown, HTML, a reference or a mention. Backticks
    and line breaks, which could end the span, are replaced."""
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", str(value))).replace("`", "\u02cb").strip()
    return Trusted(f"`{text}`" if text else "")


_PLAIN_LABEL = re.compile(r"\w[\w .:()/+-]*")
_NOT_MERMAID = re.compile(r"[^\w .,()/+'$€£¥₹₩₽₺₪₫₱฿-]+")  # currency signs: amounts


def label(value: object) -> Trusted:
    """A label read from GitLab, as a label reference `~"name"` when its name is plain (letters,
    digits, spaces and `_.:()/+-`), else as inline code: a name cannot close the quotes, mention
    anyone or carry HTML."""
    text = str(value)
    return Trusted(f'~"{text}"') if _PLAIN_LABEL.fullmatch(text) else code(text)


def mermaid(value: object) -> Trusted:
    """A name inside double quotes in a Mermaid block (a pie slice): only letters, digits,
    spaces, currency signs and `_.,()/+'-` are kept, each run of anything else becomes one space. So it can
    close neither the quotes nor the block, start a `%%` directive, or carry an entity, HTML
    or a mention."""
    text = " ".join(_NOT_MERMAID.sub(" ", str(value)).split())
    return Trusted(text or "-")


def title(value: object) -> str:
    """Text from an issue in the title of an issue the bot opens (titles are one line of plain
    text, but GitLab reads mentions in them, and its single-line pipeline links bare URLs:
    `AutolinkFilter`): one line, mentioning no one, linking nowhere."""
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", str(value))).strip()
    text = _WWW.sub(r"\1" + WORD_JOINER, _SCHEME.sub(":" + WORD_JOINER, text))
    return text.replace("@", "@" + WORD_JOINER)


def mention(username: str) -> Trusted:
    """A deliberate mention of a configured username or group path."""
    if not re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_./-]*", username) or username.lower() in (
        "all",
        "here",
    ):
        raise ValueError(f"not a username that may be mentioned: {username!r}")
    return Trusted("@" + username)


_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/]*", re.I)
_PROFILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")


def profile_url(issue_url: str, project: str, name: str | None) -> Trusted | None:
    """The GitLab page of a user or group as a link from the root of the GitLab an issue of
    `project` is on (`/imogen`, or `/gitlab/imogen` under a relative URL root): a link to name
    someone by, which notifies no one (a mention would), and the same text whatever host the
    bot reached GitLab by (a comment's revision is a hash of its text). None for a name that is
    no user or group path, or an issue link of another shape."""
    path = _ORIGIN.sub("", issue_url)  # without the scheme and host
    where = f"/{project}/-/"
    if not name or not _PROFILE.fullmatch(name) or where not in path:
        return None
    return Trusted(f"{path.split(where, 1)[0]}/{name}")
