from collections.abc import Iterator

import pytest

from gitlab_emulator import Emulator
from gitlab_emulator.testing import running_emulator
from triage.commands.demo_data import demo_seed


@pytest.fixture
def demo() -> Iterator[Emulator]:
    """The demo's GitLab: nine sample scoping issues, clock pinned at 2026-01-12 09:00 UTC."""
    with running_emulator(demo_seed()) as emulator:
        yield emulator
