"""The PDFs a run makes beside its Word documents (a comment's `pdf: true`), with LibreOffice
when the runner has it. Optional: a PDF that cannot be made is skipped, the Word document
linked alone, and the run says so once, with why. After one failure (not installed, an exit,
a hang cut short) the run does not start LibreOffice again: one timeout per run at most."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..pdf import convert_to_pdf, find_libreoffice


@dataclass
class PdfCopies:
    """`program`: LibreOffice's `soffice` (None: not installed). What the run made and
    skipped, by `<project>#<iid> <file name>` of the Word document."""

    program: str | None
    made: dict[str, str] = field(default_factory=dict)  # -> the PDF's file name
    skipped: dict[str, str] = field(default_factory=dict)  # -> why
    failed: str | None = None  # why the first conversion failed: not tried again in this run

    @classmethod
    def on_this_machine(cls) -> PdfCopies:
        return cls(find_libreoffice())

    def convert(self, filename: str, content: bytes) -> tuple[bytes | None, str]:
        """(the PDF of a Word document, "") or (None, why not), in a temporary folder."""
        if self.failed:
            return None, self.failed  # the same reason: the run's line names it once
        if self.program is None:
            return None, (
                "LibreOffice is not installed on the runner (no `soffice` on PATH); install "
                "libreoffice-writer-nogui in the job's image for a PDF"
            )
        with tempfile.TemporaryDirectory(prefix="ps-triage-pdf-") as folder:
            document = Path(folder) / filename
            document.write_bytes(content)
            pdf, why = convert_to_pdf(document, self.program)
            if pdf is None:
                self.failed = why
                return None, why
            return pdf.read_bytes(), ""

    def skip(self, key: str, why: str) -> None:
        self.skipped[key] = why

    def line(self) -> str | None:
        """The run's one line about PDFs it skipped, naming why (None: none skipped)."""
        if not self.skipped:
            return None
        reasons = "; ".join(dict.fromkeys(self.skipped.values()))
        count = len(self.skipped)
        documents = "document" if count == 1 else "documents"
        return f"PDF skipped for {count} Word {documents} (linked without it): {reasons}"
