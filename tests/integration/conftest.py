from collections.abc import Iterator
from typing import Any

import pytest

from gitlab_emulator import Emulator
from gitlab_emulator.testing import running_emulator
from triage.commands.demo_data import demo_seed
from triage.testing import Scoping, scoping_gitlab

from support import MAINTAINER, ROOT


@pytest.fixture
def demo() -> Iterator[Emulator]:
    """The demo's GitLab: nine sample scoping issues, clock pinned at 2026-01-12 09:00 UTC."""
    with running_emulator(demo_seed()) as emulator:
        yield emulator


def _with_maintainer(seed: dict[str, Any]) -> None:
    seed["users"].append({"username": MAINTAINER, "token": f"{MAINTAINER}-token"})
    seed["projects"][0]["members"].append({"username": MAINTAINER, "access_level": 40})


@pytest.fixture
def word() -> Iterator[Scoping]:
    """The shipped policies and templates with a Maintainer, `MAINTAINER`, in the project: on
    GitLab only a Maintainer may list uploads or download one by its id (the bot is a Reporter)."""
    with scoping_gitlab(ROOT / "policies", ROOT / "templates", seed_with=_with_maintainer) as s:
        yield s
