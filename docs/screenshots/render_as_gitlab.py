"""Render golden comments roughly as GitLab shows them, for the screenshots beside this file.

Not a test and not a dependency of ps-triage: a stand-in for GitLab's Markdown (markdown-it-py
with tables, task lists and raw `<details>`), label references drawn as pills, and Mermaid
(npm `mermaid`) in headless Chromium. Usage, from the repository root, with markdown-it-py and
mdit-py-plugins installed and `npm install mermaid` done in MERMAID_DIR:

    python docs/screenshots/render_as_gitlab.py MERMAID_DIR
"""

import html
import re
import subprocess
import sys
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
STYLE = """
body { font-family: -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Ubuntu, sans-serif;
  font-size: 14px; color: #333238; max-width: 900px; margin: 16px auto; padding: 16px 24px;
  border: 1px solid #dcdcde; border-radius: 4px; line-height: 1.5; }
h2 { border-bottom: 1px solid #dcdcde; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #dcdcde; padding: 4px 10px; }
th { background: #fbfafd; }
code { background: #ececef; padding: 1px 4px; border-radius: 3px; font-size: 90%; }
blockquote { border-left: 3px solid #dcdcde; margin: 8px 0; padding: 2px 12px; color: #535158; }
details { border: 1px solid #ececef; padding: 4px 8px; border-radius: 4px; margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
.gl-label { background: #428fdc; color: #fff; border-radius: 12px; padding: 1px 8px;
  font-size: 12px; white-space: nowrap; }
ul.contains-task-list { list-style: none; padding-left: 16px; }
sub { color: #737278; }
"""


def page(markdown: str, mermaid_js: Path) -> str:
    md = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
    md.use(tasklists_plugin)
    blocks: list[str] = []

    def keep(match: re.Match[str]) -> str:
        blocks.append(match.group(1))
        return f"\n\nMERMAID{len(blocks) - 1}\n\n"

    text = re.sub(r"```mermaid\n(.*?)```", keep, markdown, flags=re.S)
    body = md.render(text)
    for i, block in enumerate(blocks):
        body = body.replace(
            f"<p>MERMAID{i}</p>", f'<pre class="mermaid">{html.escape(block)}</pre>'
        )
    body = re.sub(r"~&quot;([^&]+?)&quot;", r'<span class="gl-label">\1</span>', body)
    body = re.sub(r'~"([^"]+?)"', r'<span class="gl-label">\1</span>', body)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style>"
        f"<script src='{mermaid_js.as_uri()}'></script></head><body>{body}"
        "<script>mermaid.initialize({startOnLoad: true});</script></body></html>"
    )


def shoot(name: str, golden: str, mermaid_dir: Path, height: int) -> None:
    source = (ROOT / "tests" / "golden" / golden).read_text()
    html_path = OUT / f"{name}.html"
    html_path.write_text(page(source, mermaid_dir / "node_modules/mermaid/dist/mermaid.min.js"))
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size=1000,{height}",
            "--virtual-time-budget=8000",
            f"--screenshot={OUT / f'{name}.png'}",
            html_path.as_uri(),
        ],
        check=True,
        capture_output=True,
    )
    html_path.unlink()


if __name__ == "__main__":
    where = Path(sys.argv[1])
    shoot("sow-draft", "sow-draft.md", where, 2200)
    shoot("forecast", "forecast.md", where, 3350)
    shoot("approval-request", "approval-request-revised.md", where, 1250)
