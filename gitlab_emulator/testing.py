"""In-process helpers for tests: start an emulator from a seed dict, stop it afterwards.

    from gitlab_emulator.testing import running_emulator
    with running_emulator({"users": [...], "projects": [...]}) as emu:
        gl = gitlab.Gitlab(emu.url, private_token="bot-token")

The pytest plugin `gitlab_emulator.pytest_plugin` wraps the same as a fixture.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.request import Request, urlopen

from .seed import build_seed
from .server import Emulator


@contextmanager
def running_emulator(seed: dict[str, Any], *, host: str = "127.0.0.1") -> Iterator[Emulator]:
    built = build_seed(seed)
    with Emulator(
        built.store, host=host, rate_limit=built.rate_limit, faults=built.faults
    ) as emulator:
        yield emulator


def admin(emulator_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call an admin route (`/-/emulator/...`) over HTTP, as an outside process would."""
    data = json.dumps(body).encode() if body is not None else None
    request = Request(
        f"{emulator_url}/-/emulator/{path.lstrip('/')}",
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urlopen(request, timeout=10) as response:
        return json.loads(response.read())
