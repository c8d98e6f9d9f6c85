from collections.abc import Iterator
from pathlib import Path

import pytest

from triage.testing import Scoping, scoping_gitlab

pytest_plugins = ["gitlab_emulator.pytest_plugin"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scoping() -> Iterator[Scoping]:
    """The shipped policies and templates on a fresh GitLab emulator (see `triage.testing`)."""
    with scoping_gitlab(ROOT / "policies", ROOT / "templates") as harness:
        yield harness
