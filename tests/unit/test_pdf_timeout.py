"""A LibreOffice that hangs: `soffice` is a shell script that starts `soffice.bin`, so the PDF
conversion is cut short after its timeout with a line saying so, and the whole process group
is ended, not only the script (a `soffice.bin` left behind would run on the runner for ever)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from triage import pdf


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by its new parent) is gone too
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def test_a_hanging_libreoffice_is_cut_short_and_leaves_no_process_behind(tmp_path, monkeypatch):
    document = tmp_path / "acme.docx"
    document.write_bytes(b"PK")
    started = tmp_path / "soffice.bin.pid"
    soffice = tmp_path / "soffice"
    # like /usr/bin/soffice: a wrapper whose child does the work (and here never ends)
    soffice.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {started}\nwait\n")
    soffice.chmod(0o755)
    monkeypatch.setattr(pdf, "SECONDS", 1)
    began = time.monotonic()
    made, why = pdf.convert_to_pdf(document, str(soffice))
    assert time.monotonic() - began < 10
    assert made is None and why.startswith("LibreOffice did not convert acme.docx")
    assert "1 s" in why
    child = int(started.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "soffice's child still runs"
