import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from triage.testing import Scoping, scoping_gitlab
from triage.workspace import Workspace

pytest_plugins = ["gitlab_emulator.pytest_plugin"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scoping() -> Iterator[Scoping]:
    """The shipped policies and templates on a fresh GitLab emulator (see `triage.testing`)."""
    with scoping_gitlab(ROOT / "policies", ROOT / "templates") as harness:
        yield harness


@pytest.fixture(autouse=True, scope="session")
def _workspaces_loaded_once() -> Iterator[None]:
    """`load_workspace` checks every template by rendering it (~0.25 s): across the suite's CLI
    calls and harnesses, the same folders are loaded hundreds of times. Loaded once per content
    of the two folders (and their paths, and `lenient`); a load that fails fails every time."""
    import triage.commands.demo
    import triage.commands.run
    import triage.commands.validate
    import triage.testing
    import triage.workspace

    original = triage.workspace.load_workspace
    loaded: dict[tuple[object, ...], Workspace] = {}

    def content(folder: Path) -> tuple[tuple[str, bytes], ...]:
        files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        return tuple((str(p.relative_to(folder)), p.read_bytes()) for p in files)

    def load_workspace(
        policies: Path,
        templates_dir: Path,
        *,
        lenient: bool = False,
        checked: Path | None = None,
        kept: object = None,
    ) -> Workspace:
        # `checked` (the digest of the last workspace that passed, kept beside a details cache)
        # only spares a check, and `kept` (the public holidays and the once-a-run renders, kept
        # there too) a read of the holidays library and a render: loaded once here anyway.
        folders = Path(policies).resolve(), Path(templates_dir).resolve()
        key = (*folders, lenient, *(content(folder) for folder in folders))
        if key not in loaded:
            loaded[key] = original(policies, templates_dir, lenient=lenient)
        return loaded[key]

    patch = pytest.MonkeyPatch()
    for module in (
        triage.workspace,
        triage.testing,
        triage.commands.demo,
        triage.commands.run,
        triage.commands.validate,
    ):
        patch.setattr(module, "load_workspace", load_workspace)
    yield
    patch.undo()


@pytest.fixture(autouse=True, scope="session")
def _loopback_without_proxy() -> Iterator[None]:
    """The emulators listen on loopback: never through a proxy the environment names, and
    requests need not look for one before every request (~5% of a bot run's time)."""
    patch = pytest.MonkeyPatch()
    for name in ("no_proxy", "NO_PROXY"):
        patch.setenv(name, ",".join(filter(None, [os.environ.get(name), "127.0.0.1", "localhost"])))
    yield
    patch.undo()
