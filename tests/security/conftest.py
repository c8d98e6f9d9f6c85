"""Attacks on the bot through GitLab's API, one test per attack.

Each test acts as someone who may be careless or hostile (another user's token through
python-gitlab, a hostile data block, template or label, a pasted token, runs started together),
lets the bot run, and asserts the safe outcome as GitLab shows it afterwards. The list of the
bot's guarantees can be read from the test names here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from triage.testing import Scoping, scoping_gitlab

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scoping() -> Iterator[Scoping]:
    """The shipped policies and templates on a fresh GitLab emulator (see `triage.testing`)."""
    with scoping_gitlab(ROOT / "policies", ROOT / "templates") as harness:
        yield harness
