"""The merge-request plan note, and the per-issue error texts it quotes, never carry the token.

The plan note is Markdown: issue text and error texts in it are escaped (`~` becomes `\\~`),
so a token inside them no longer reads as the token to a mask applied to the finished note.
Each error text is masked where the run ends, before anything quotes it, and the note is
masked as a whole before it is posted. Each test runs the real command in a subprocess, as
test_token_leaks.py does, and reads the note back from GitLab.
"""

from __future__ import annotations

from collections.abc import Iterator

import gitlab as python_gitlab
import pytest
from test_token_leaks import ISSUE_FAILS, TOKEN, forms, seed_with_token, triage

from gitlab_emulator import Emulator
from gitlab_emulator.testing import running_emulator
from triage.commands.demo_data import description

PLAN_NOTE = [
    "plan",
    "--format",
    "markdown",
    "--merge-request",
    "7",
    "--merge-request-project",
    "ps/ps-plan",
]


@pytest.fixture
def gitlab() -> Iterator[Emulator]:
    seed = seed_with_token()
    seed["projects"][0]["merge_requests"] = [
        {"iid": 7, "title": "A policy change", "author": "dana"}
    ]
    with running_emulator(seed) as emulator:
        yield emulator


def plan_note(emulator: Emulator) -> str:
    project = python_gitlab.Gitlab(emulator.url, private_token="dana-token").projects.get(
        "ps/ps-plan", lazy=True
    )
    [note] = project.mergerequests.get(7, lazy=True).notes.list(get_all=True)
    return str(note.body)


def leaks(text: str) -> list[str]:
    return sorted(form for form in forms(TOKEN) if form in text)


def test_an_error_text_holding_the_token_is_masked_in_the_plan_note(gitlab, tmp_path):
    run = triage(tmp_path, PLAN_NOTE, gitlab.url, TOKEN + "\n", patch=ISSUE_FAILS)
    assert run.code == 1, run.output
    note = plan_note(gitlab)
    assert note.startswith("<!-- ps-triage:plan -->") and "refused \\[MASKED\\]" in note
    assert leaks(note) == [] and run.leaks(TOKEN + "\n") == []


def test_a_token_pasted_into_an_issue_is_masked_in_the_plan_note(gitlab, tmp_path):
    block = f"customer: Pasted Inc\nline_items:\n  - activity: Discovery\n    role: {TOKEN}\n    days: 1\n"
    python_gitlab.Gitlab(gitlab.url, private_token="dana-token").projects.get(
        "ps/ps-plan", lazy=True
    ).issues.create(
        {
            "title": f"Pasted Inc {TOKEN}",
            "labels": "Services Calculator",
            "description": description("A pasted token", [], block),
        }
    )
    run = triage(tmp_path, PLAN_NOTE, gitlab.url, TOKEN)
    assert run.code == 0, run.output
    note = plan_note(gitlab)
    assert "role '[MASKED]' is not in the rate card" in note
    assert leaks(note) == [] and run.leaks(TOKEN) == []


def test_the_mask_knows_each_token_as_markdown_escapes_issue_text():
    from triage.masking import forms as masked_forms
    from triage.render.markdown import escape

    for token in (TOKEN, "glpat-a_b*c[d]#e|f`g\\h&<>@i~j"):
        assert escape(token) in masked_forms(token)
