"""Benchmark (not a test): what the Word SoW costs, each case in a fresh process through the CLI a
team runs (`triage render sow --data FILE --docx OUT`, `triage validate`). Goal: a document in
about a second and under 200 MB whatever the data block holds; a broken template refused at once.

    .venv/bin/python bench/word_sow.py

Per case: wall time and peak resident memory of the whole command (Python's start and the
workspace's load included: `triage --version`'s are given as the floor), the document's size,
and with LibreOffice on PATH the PDF conversion's time. Results are recorded in
docs/benchmarks.md ("The Word SoW").
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TRIAGE = [str(Path(sys.executable).parent / "triage")]
# Runs a command and prints its peak resident memory (KB): each case is measured on its own.
PEAK = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(done.returncode)"
)
CORVID = {
    "customer": "Corvid Aerospace Systems",
    "legal_entity": "Corvid Aerospace Systems, LLC",
    "agreement": {"msa": "CAS-2025-031", "date": "2025-06-02"},
    "line_items": [
        {"activity": "Architecture design", "role": "TA", "days": 6},
        {"activity": "HA primary build", "role": "PSE", "days": 12},
        {"activity": "Geo secondary", "role": "PSE", "days": 10},
        {"activity": "Air-gapped mirror and scanning", "role": "PSE", "days": 8},
        {"activity": "Project management", "role": "PM", "days": 8},
        {"activity": "training_system_administration", "units": 2},
    ],
}
# The largest block the data block's fields allow: 200 line items (MAX_LINE_ITEMS), each with a
# 200-character activity the catalog does not know and 900 characters of notes (the block then
# comes near its 262,144 bytes, MAX_BLOCK_BYTES).
LARGEST = {
    "customer": "C" * 200,
    "line_items": [
        {"activity": f"{n:03d} " + "a" * 196, "role": "PSE", "days": 2, "notes": "n" * 900}
        for n in range(200)
    ],
}


def measured(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(seconds, peak MB, the result) of one command, in a process of its own."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *command],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    *said, peak = done.stderr.rstrip().splitlines()
    done.stderr = "\n".join(said)
    return seconds, int(peak) / 1024, done


def render(folder: Path, name: str, data: dict[str, object], pdf: bool = False) -> str:
    source = folder / f"{name}.yml"
    source.write_text(yaml.safe_dump(data))
    out = folder / name
    command = [*TRIAGE, "render", "sow", "--data", str(source), "--docx", str(out)]
    seconds, peak, done = measured([*command, "--pdf"] if pdf else command)
    if done.returncode != 0:
        raise SystemExit(f"{name}: exit {done.returncode}: {done.stdout}{done.stderr}")
    (document,) = out.glob("*.docx")
    said = f"{document.stat().st_size:,} bytes"
    if pdf:
        said += "; " + ("PDF made" if list(out.glob("*.pdf")) else done.stdout.strip()[-80:])
    return f"{name}: {seconds:.2f} s, peak {peak:.0f} MB, {said}"


def bomb(folder: Path) -> str:
    """`validate` on templates whose sow.docx body unpacks to 1.5 GB of spaces (1.5 MB zipped)."""
    templates = folder / "templates"
    shutil.copytree(ROOT / "templates", templates)
    source = zipfile.ZipFile(ROOT / "templates" / "sow.docx")
    with zipfile.ZipFile(templates / "sow.docx", "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "word/document.xml":
                out.writestr(copy.copy(info), data)
                continue
            head, tail = data.split(b"<w:body>", 1)
            with out.open(copy.copy(info), "w", force_zip64=True) as body:
                body.write(head + b"<w:body>")
                for _ in range(1500):
                    body.write(b" " * 1_000_000)
                body.write(tail)
    command = [*TRIAGE, "validate", "--templates", str(templates)]
    seconds, peak, done = measured(command)
    said = (done.stdout + done.stderr).strip().splitlines()[-1][:90]
    return f"zip bomb (1.5 GB unpacked): exit {done.returncode} in {seconds:.2f} s, peak {peak:.0f} MB: {said}"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-word-") as scratch:
        folder = Path(scratch)
        seconds, peak, _ = measured([*TRIAGE, "--version"])
        print(f"floor (triage --version): {seconds:.2f} s, peak {peak:.0f} MB")
        print(render(folder, "corvid", CORVID))
        print(render(folder, "largest", LARGEST))
        if shutil.which("soffice"):
            print(render(folder, "corvid-pdf", CORVID, pdf=True))
        else:
            print("PDF: LibreOffice is not installed here (no soffice on PATH)")
        print(bomb(folder))


if __name__ == "__main__":
    main()
