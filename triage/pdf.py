"""A PDF beside a Word document, made by LibreOffice (`soffice --headless --convert-to pdf`)
when it is installed (Debian: `libreoffice-writer-nogui`). Optional: without it, the caller
says the PDF was skipped and why."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from contextlib import suppress
from pathlib import Path

SECONDS = 120  # LibreOffice's first start takes seconds; a document converts in about one
# What LibreOffice is given of the run's environment: where programs, home, fonts and temporary
# files are, and the language; never the rest (the GitLab token, CI variables) it has no use for.
_PASSED = frozenset(
    {"PATH", "HOME", "LANG", "LANGUAGE", "TMPDIR", "TMP", "TEMP", "USER", "LOGNAME", "TZ"}
)
_PASSED_PREFIXES = ("LC_", "FONTCONFIG_", "XDG_", "SAL_")


def _environment() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if name in _PASSED or name.startswith(_PASSED_PREFIXES)
    }


# Scripts a Latin font does not draw: a character of one, the fontconfig language whose fonts
# draw it, its name, and the Debian package of fonts that do.
SCRIPTS = (
    (re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"), "ko", "Korean", "fonts-noto-cjk"),
    (re.compile("[\u3040-\u30ff]"), "ja", "Japanese", "fonts-noto-cjk"),
    (re.compile("[\u4e00-\u9fff]"), "zh-cn", "Chinese", "fonts-noto-cjk"),
    (re.compile("[\u0e00-\u0e7f]"), "th", "Thai", "fonts-thai-tlwg"),
    (re.compile("[\u0600-\u06ff]"), "ar", "Arabic", "fonts-noto-core"),
    (re.compile("[\u0590-\u05ff]"), "he", "Hebrew", "fonts-noto-core"),
    (re.compile("[\u0900-\u097f]"), "hi", "Devanagari", "fonts-noto-core"),
)


def _text_of(document: Path) -> str:
    try:
        with zipfile.ZipFile(document) as package:
            return package.read("word/document.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""


def missing_fonts(document: Path, fc_list: str | None = None) -> str:
    """Why the PDF of `document` would show boxes ("" when it would not, or when fontconfig's
    `fc-list` is not there to ask): a script of its text no installed font draws."""
    program = fc_list or shutil.which("fc-list")
    if program is None:
        return ""
    text = _text_of(document)
    for pattern, language, name, package in SCRIPTS:
        if not pattern.search(text):
            continue
        try:
            found = subprocess.run(
                [program, f":lang={language}", "family"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
                env=_environment(),
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
        if not found:
            return (
                f"no font on the runner draws the {name} text of {document.name} (its PDF would "
                f"show boxes); install one (Debian: apt-get install {package})"
            )
    return ""


def find_libreoffice() -> str | None:
    """LibreOffice's command on PATH (None: not installed)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(document: Path, program: str | None = None) -> tuple[Path | None, str]:
    """(the PDF beside `document`, "") or (None, why it was not made)."""
    found = program or find_libreoffice()
    if found is None:
        return None, (
            "LibreOffice is not installed (no `soffice` on PATH); install it "
            "(Debian: apt-get install libreoffice-writer-nogui) for a PDF"
        )
    pdf = document.with_suffix(".pdf")
    pdf.unlink(missing_ok=True)  # a PDF of an earlier version must not pass for this one
    if boxes := missing_fonts(document):
        return None, boxes
    with tempfile.TemporaryDirectory(prefix="ps-triage-soffice-") as profile:
        command = [
            found,
            f"-env:UserInstallation={Path(profile).as_uri()}",  # its own profile: runs beside others
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(document.parent),
            str(document),
        ]
        try:
            # Its own session: `soffice` is a script whose child (soffice.bin) does the work;
            # a conversion that hangs is ended with every process it started.
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
                env=_environment(),
            )
        except OSError as error:
            return None, f"LibreOffice did not convert {document.name}: {error}"
        try:
            stdout, stderr = process.communicate(timeout=SECONDS)
        except subprocess.TimeoutExpired:
            _end_group(process)
            return None, (
                f"LibreOffice did not convert {document.name} within {SECONDS} s "
                "(ended it and the processes it started)"
            )
        done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    if done.returncode != 0 or not pdf.is_file():
        said = " ".join((done.stderr or done.stdout).split())[-300:] or "no output"
        return None, f"LibreOffice did not convert {document.name} (exit {done.returncode}: {said})"
    return pdf, ""


def _end_group(process: subprocess.Popen[str]) -> None:
    """Kill a process and everything in its session (its process group), then reap it."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.kill()
    with suppress(subprocess.TimeoutExpired):  # one that left the group keeps the pipes open
        process.communicate(timeout=5)
