"""A PDF beside a Word document, made by LibreOffice (`soffice --headless --convert-to pdf`)
when it is installed (Debian: `libreoffice-writer-nogui`). Optional: without it, the caller
says the PDF was skipped and why."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
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
