"""pytest fixture for policy tests: `pytest_plugins = ["triage.pytest_plugin"]`.

`scoping` runs the policies in ./policies and ./templates (or `TRIAGE_POLICIES` /
`TRIAGE_TEMPLATES`) against a fresh GitLab emulator for each test. See `triage.testing`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .testing import Scoping, scoping_gitlab


@pytest.fixture
def scoping() -> Iterator[Scoping]:
    policies = os.environ.get("TRIAGE_POLICIES", "policies")
    templates = os.environ.get("TRIAGE_TEMPLATES", "templates")
    with scoping_gitlab(policies, templates) as harness:
        yield harness
