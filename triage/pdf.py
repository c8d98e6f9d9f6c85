"""A PDF beside a Word document, made by LibreOffice (`soffice --headless --convert-to pdf`)
when it is installed (Debian: `libreoffice-writer-nogui`). Optional: without it, the caller
says the PDF was skipped and why."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

SECONDS = 120  # LibreOffice's first start takes seconds; a document converts in about one


def convert_to_pdf(document: Path, program: str | None = None) -> tuple[Path | None, str]:
    """(the PDF beside `document`, "") or (None, why it was not made)."""
    found = program or shutil.which("soffice") or shutil.which("libreoffice")
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
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"LibreOffice did not convert {document.name}: {error}"
    if done.returncode != 0 or not pdf.is_file():
        said = " ".join((done.stderr or done.stdout).split())[-300:] or "no output"
        return None, f"LibreOffice did not convert {document.name} (exit {done.returncode}: {said})"
    return pdf, ""
