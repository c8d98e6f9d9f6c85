"""Render the demo's Corvid SoW as a Word document, then its first page as a picture
(`sow-docx-page1.png` beside this file).

Not a test and not a dependency of ps-triage: it needs LibreOffice (`soffice`, Debian:
`libreoffice-writer-nogui`), poppler's `pdftoppm` and, for Word's Calibri metrics, the Carlito
font (`fonts-crosextra-carlito`). Usage, from the repository root:

    python docs/screenshots/render_sow_docx.py
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from gitlab_emulator.testing import running_emulator
from triage.cli import main
from triage.commands.demo_data import demo_seed

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "sow-docx-page1.png"
CORVID = "4102"


def run() -> int:
    with tempfile.TemporaryDirectory() as folder, running_emulator(demo_seed()) as emulator:
        docx = Path(folder) / "sow.docx"
        args = ["render", "sow", "--issue", CORVID, "--docx", str(docx), "--pdf"]
        paths = ["--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")]
        env = {"GITLAB_URL": emulator.url, "GITLAB_TOKEN": "demo-bot-token"}
        result = CliRunner().invoke(main, [*args, *paths, "--now", "2026-01-12"], env=env)
        print(result.output, end="")
        pdf = docx.with_suffix(".pdf")
        if result.exit_code or not pdf.is_file():
            return 1
        first = Path(folder) / "page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", pdf, first],
            check=True,
        )
        OUT.write_bytes(first.with_suffix(".png").read_bytes())
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
