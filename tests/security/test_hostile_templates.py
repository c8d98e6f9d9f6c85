"""Templates that never end: huge loops, huge strings, a template that includes itself.

Templates are trusted policy, reviewed in merge requests, but a broken one must not stop the
bot: rendering has limits (loop range, output size, include depth, time), each ending in an
error naming the template and line. `validate` exits 1 on them; in a scheduled `apply`, only
the issues whose comments use the failing template fail, and the others go on.
"""

from __future__ import annotations

import shutil
import time

import pytest
from click.testing import CliRunner

from triage.cli import main
from triage.render.templates import MAX_OUTPUT, MAX_RANGE
from triage.testing import BOT_TOKEN, TASKS

from support import ROOT

ATTACKS = {
    "range": (
        "{% for i in range(10**9) %}x{% endfor %}",
        f"range() of 1,000,000,000 numbers; at most {MAX_RANGE:,}",
    ),
    "multiplication": (
        "{{ 'x' * 10**9 }}",
        f"more than {MAX_OUTPUT:,} characters",
    ),
    "doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s }}",
        f"more than {MAX_OUTPUT:,} characters",
    ),
    "power": ("{{ 9 ** 999999999 }}", "too large a number"),
    "self-include": (
        "{% include 'sow-draft.md.j2' %}",
        "templates include each other more than",
    ),
    "slow loops": (
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        "took more than",
    ),
}


def templates_with(tmp_path, attack: str):
    """The shipped templates, the SoW draft (used by one rule) opening with `attack` on line 2."""
    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", folder)
    draft = folder / "sow-draft.md.j2"
    draft.write_text("{{ customer }}\n" + attack + "\n" + draft.read_text())
    return folder


def cli(*args: str, url: str | None = None) -> tuple[int, str, float]:
    started = time.monotonic()
    result = CliRunner().invoke(
        main,
        list(args),
        env={
            "GITLAB_URL": url,
            "GITLAB_TOKEN": BOT_TOKEN,
            "TRIAGE_PROJECT": None,
            "CI_PROJECT_PATH": None,
            "CI_SERVER_URL": None,
        },
    )
    return result.exit_code, result.output, time.monotonic() - started


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_template_without_bounds_fails_validate_naming_template_and_line(tmp_path, attack):
    text, expected = ATTACKS[attack]
    templates = templates_with(tmp_path, text)
    code, output, seconds = cli(
        "validate", "--policies", str(ROOT / "policies"), "--templates", str(templates)
    )
    assert code == 1, output
    assert "sow-draft.md.j2:2: " in output and expected in output
    assert seconds < 5


@pytest.mark.parametrize("attack", ["range", "multiplication", "self-include"])
def test_a_template_without_bounds_fails_only_the_issues_that_use_it(scoping, tmp_path, attack):
    estimate = {"customer": "Acme", "line_items": [{"activity": "Build", "role": "PSE", "days": 3}]}
    agreed = scoping.issue(stage="Estimate_Feedback", data=estimate, tasks=TASKS[:2], title="A")
    discovered = scoping.issue(stage="Awaiting_Discovery", tasks=TASKS[:1], title="B")
    templates = templates_with(tmp_path, ATTACKS[attack][0])
    code, output, seconds = cli(
        "apply",
        "--policies",
        str(ROOT / "policies"),
        "--templates",
        str(templates),
        url=scoping.emulator.url,
    )
    assert code == 1 and seconds < 10, output
    assert f"#{agreed}" in output and "sow-draft.md.j2:2: " in output
    assert scoping.stage(agreed) == "Estimate_Feedback" and not scoping.comments(agreed)
    assert scoping.stage(discovered) == "Strawman_WIP"
    assert scoping.comments(discovered, "discovery-held")
