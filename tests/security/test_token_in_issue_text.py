"""A token pasted into an issue never comes back under the bot's name.

Someone pastes the bot's token where the bot quotes people's words (here the customer name, which
every estimate, SoW draft, forecast and digest names). GitLab would keep each note, description
and title the bot writes, mail it and show it to every reader: the bot masks the token in all
it sends (triage/gitlab/door.py, `_MaskingAdapter`), in every form, the Markdown-escaped one of
its notes included. The run is the real command in a subprocess, as test_token_leaks.py does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import gitlab as python_gitlab
import pytest
from test_token_leaks import TOKEN, forms, seed_with_token, triage

from gitlab_emulator import Emulator
from gitlab_emulator.testing import running_emulator
from triage.masking import _as_markdown

PASTED = f"Northwind {TOKEN}"


@pytest.fixture
def gitlab() -> Iterator[Emulator]:
    seed = seed_with_token()
    for issue in seed["projects"][0]["issues"]:
        issue["description"] = re.sub(
            r"^customer: .*$", f"customer: '{PASTED}'", issue["description"], flags=re.M
        )
    with running_emulator(seed) as emulator:
        yield emulator


def bot_texts(url: str) -> list[str]:
    """Every note, description and title the bot wrote in the project, as GitLab keeps them."""
    project = python_gitlab.Gitlab(url, private_token="dana-token").projects.get("ps/ps-plan")
    texts = []
    for issue in project.issues.list(get_all=True, state="all"):
        if issue.author["username"] == "ps-bot":
            texts += [issue.title, issue.description or ""]
        texts += [
            note.body
            for note in issue.notes.list(get_all=True)
            if note.author["username"] == "ps-bot" and not note.system
        ]
    return texts


def test_the_bot_never_writes_a_token_pasted_into_an_issue(gitlab, tmp_path):
    run = triage(tmp_path, ["apply", "--now", "2026-01-12T15:00:00Z"], gitlab.url, TOKEN)
    assert run.code == 0, run.output
    texts = bot_texts(gitlab.url)
    quoting = [t for t in texts if "Northwind" in t or "Northwind".upper() in t]
    assert len(quoting) >= 3, texts  # the bot did quote the customer's name
    every_form = forms(TOKEN) | {_as_markdown(TOKEN), _as_markdown(TOKEN)[6:-2]}
    assert [f for t in texts for f in every_form if f in t] == []
    assert any("[MASKED]" in t for t in quoting)
    # what the bot reads back is what it would write: the next run has nothing to change
    gitlab.reset_stats()
    again = triage(tmp_path, ["apply", "--now", "2026-01-12T15:00:00Z"], gitlab.url, TOKEN)
    assert again.code == 0, again.output
    written = {m: gitlab.stats.requests[m] for m in ("POST", "PUT", "DELETE")}
    assert written == {"POST": 0, "PUT": 0, "DELETE": 0}, gitlab.stats.routes
