"""pytest fixtures for teams testing against the emulator.

Enable with `pytest_plugins = ["gitlab_emulator.pytest_plugin"]` in a conftest.py, then:

    def test_something(gitlab_emulator):
        emu = gitlab_emulator({"users": [...], "projects": [...]})
        ...  # emu.url is python-gitlab's url; stopped when the test ends
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from .server import Emulator
from .testing import running_emulator


@pytest.fixture
def gitlab_emulator() -> Iterator[Callable[[dict[str, Any]], Emulator]]:
    with ExitStack() as stack:
        yield lambda seed: stack.enter_context(running_emulator(seed))
