"""Project Markdown uploads: the file names, links and Markdown GitLab makes for them.

Sources (GitLab 17.x): `lib/api/markdown_uploads.rb` (the routes), `app/uploaders/file_uploader.rb`
(`secret` is `SecureRandom.hex`, 32 hex characters; `url` is `/uploads/<secret>/<filename>`;
`markdown_name` and `markdown_link`), `lib/api/entities/project_upload.rb` (`full_path`
`/-/project/<id>/uploads/<secret>/<filename>` since 17.1, `id` since 17.3),
`lib/gitlab/file_type_detection.rb` (which extensions are images and videos), and CarrierWave's
`SanitizedFile#sanitize` (the stored name).
"""

from __future__ import annotations

import re
import secrets
import unicodedata

# Gitlab::FileTypeDetection: SAFE_IMAGE_EXT, SAFE_VIDEO_EXT, DANGEROUS_IMAGE_EXT.
IMAGE_EXT = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "tiff", "ico", "webp"})
VIDEO_EXT = frozenset({"mp4", "m4v", "mov", "webm", "ogv"})
DANGEROUS_IMAGE_EXT = frozenset({"svg"})

# CarrierWave::SanitizedFile.sanitize_regexp: /[^[:word:]\.\-\+]/ (GitLab keeps the default).
# Ruby's [[:word:]] is Unicode letters, marks, numbers and connector punctuation: Python's \w.
_UNSAFE = re.compile(r"[^\w.\-+]")


def sanitize(name: str) -> str:
    """CarrierWave `SanitizedFile#sanitize`: backslashes as slashes, the base name only, every
    character outside `[[:word:]].-+` replaced by `_`, a name of dots only prefixed with `_`,
    and `unnamed` for nothing at all."""
    name = name.replace("\\", "/")
    if name.strip("/"):  # Ruby's File.basename: the last element, trailing slashes ignored
        name = name.rstrip("/").rsplit("/", 1)[-1]
    elif name:
        name = "/"
    name = _UNSAFE.sub("_", name)
    if re.fullmatch(r"\.+", name):
        name = f"_{name}"
    return name or "unnamed"


def new_secret() -> str:
    """`FileUploader.generate_secret`: `SecureRandom.hex`, 32 lowercase hex characters."""
    return secrets.token_hex(16)


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def image_or_video(filename: str) -> bool:
    return _extension(filename) in IMAGE_EXT | VIDEO_EXT


def markdown_name(filename: str) -> str:
    """`FileUploader#markdown_name`: an image's or video's name without its extension, any
    other file's whole name; `]` escaped."""
    name = filename
    if image_or_video(filename) and "." in filename.lstrip("."):
        name = filename.rsplit(".", 1)[0]
    return name.replace("]", "\\]")


def markdown_link(filename: str, url: str) -> str:
    """`FileUploader#markdown_link`: `[alt](url)`, with `!` before it for images and videos
    (and the dangerous images, SVG)."""
    link = f"[{markdown_name(filename)}]({url})"
    if image_or_video(filename) or _extension(filename) in DANGEROUS_IMAGE_EXT:
        link = "!" + link
    return link


def _percent_escape(text: str, keep: str) -> str:
    return "".join(
        ch if re.fullmatch(keep, ch) else "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
        for ch in text
    )


def content_disposition(filename: str) -> str:
    """Rails' `ActionDispatch::Http::ContentDisposition.format(disposition: 'attachment',
    filename:)`: `filename="…"` transliterated to ASCII (`I18n.transliterate`: accents dropped,
    anything else `?`) and percent-escaped outside ``[ A-Za-z0-9!#$+.^_`|~-]``, then
    `filename*=UTF-8''…` percent-escaped outside ``[A-Za-z0-9!#$&+.^_`|~-]``."""
    ascii_name = "".join(
        ch
        if ch.isascii()
        else (
            unicodedata.normalize("NFKD", ch)[0:1]
            if unicodedata.normalize("NFKD", ch)[0:1].isascii()
            else "?"
        )
        for ch in filename
    )
    traditional = _percent_escape(ascii_name, r"[ A-Za-z0-9!#$+.^_`|~-]")
    rfc5987 = _percent_escape(filename, r"[A-Za-z0-9!#$&+.^_`|~-]")
    return f"attachment; filename=\"{traditional}\"; filename*=UTF-8''{rfc5987}"
