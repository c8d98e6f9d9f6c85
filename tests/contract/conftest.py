"""The contract tests' GitLab: the emulator by default, or a real GitLab when
GITLAB_URL, GITLAB_TOKEN and GITLAB_TEST_PROJECT are set (a throwaway project where the
token's user is Maintainer). GITLAB_GUEST_TOKEN (a Guest of that project) enables the
permission checks there too."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gitlab
import pytest

from gitlab_emulator import Emulator
from gitlab_emulator.testing import running_emulator

SEED: dict[str, Any] = {
    "now": "2026-11-02T09:00:00Z",
    "users": [
        {"username": "ps-bot", "name": "PS Triage Bot", "token": "bot-token", "bot": True},
        {"username": "dana", "name": "Dana Okafor", "token": "dana-token"},
        {"username": "gus", "name": "Gus Guest", "token": "guest-token"},
        {"username": "rowan", "name": "Rowan Achebe", "token": "rowan-token"},
        {"username": "outsider", "token": "outsider-token"},
    ],
    "groups": [{"path": "ps", "members": [{"username": "rowan", "access_level": 40}]}],
    "projects": [
        {
            "path": "ps/ps-plan",
            "members": [
                {"username": "ps-bot", "access_level": 40},
                {"username": "dana", "access_level": 30},
                {"username": "gus", "access_level": 10},
                {"username": "rowan", "access_level": 20},
            ],
            "labels": [{"name": "Services Calculator"}],
        }
    ],
}


@dataclass
class Target:
    url: str
    token: str
    project_path: str
    guest_token: str | None
    emulator: Emulator | None

    def client(self, token: str | None = None) -> gitlab.Gitlab:
        return gitlab.Gitlab(self.url, private_token=token, retry_transient_errors=False)


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    url, token, project = (
        os.environ.get(k) for k in ("GITLAB_URL", "GITLAB_TOKEN", "GITLAB_TEST_PROJECT")
    )
    if url and token and project:
        yield Target(url, token, project, os.environ.get("GITLAB_GUEST_TOKEN"), None)
        return
    with running_emulator(SEED) as emulator:
        yield Target(emulator.url, "bot-token", "ps/ps-plan", "guest-token", emulator)


@pytest.fixture
def emulator(target: Target) -> Emulator:
    if target.emulator is None:
        pytest.skip("emulator-only: needs its seed users, clock or admin routes")
    return target.emulator


@pytest.fixture(scope="session")
def gl(target: Target) -> gitlab.Gitlab:
    return target.client(target.token)


@pytest.fixture(scope="session")
def project(gl: gitlab.Gitlab, target: Target) -> Any:
    return gl.projects.get(target.project_path)


@pytest.fixture
def guest(target: Target) -> gitlab.Gitlab:
    if target.guest_token is None:
        pytest.skip("set GITLAB_GUEST_TOKEN (a Guest of the test project) for permission checks")
    return target.client(target.guest_token)


@pytest.fixture
def tag() -> str:
    """A unique suffix, so labels and issues of one test never meet another's."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def new_issue(project: Any, tag: str) -> Callable[..., Any]:
    def make(**fields: Any) -> Any:
        return project.issues.create({"title": f"contract {tag}", **fields})

    return make
