"""Structural rules of the codebase (STYLE.md): deciding code does no I/O, one door to GitLab,
the bot never imports the emulator."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "triage"
PURE = [
    "plan.py",
    "explain.py",
    "rules",
    "policy/model.py",
    "policy/checks.py",
    "policy/graph.py",
    "issues",
    "render/markdown.py",
    "render/markers.py",
    "yaml_source.py",
]
IO_MODULES = {
    "os",
    "sys",
    "time",
    "socket",
    "requests",
    "urllib",
    "http",
    "subprocess",
    "pathlib",
    "gitlab",
    "click",
    "shutil",
    "io",
    "random",
    "threading",
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def files(*parts: str) -> list[Path]:
    out = []
    for part in parts:
        target = PACKAGE / part
        out += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return out


@pytest.mark.parametrize("path", files(*PURE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_deciding_code_does_no_io(path):
    assert imports(path) & IO_MODULES == set()


def test_only_the_adapter_imports_python_gitlab():
    users = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if "gitlab" in imports(p)}
    # the demo and the policy-test harness play the people, as other users
    assert users == {"gitlab/adapter.py", "commands/demo.py", "testing.py"}


def test_the_bot_never_imports_the_emulator():
    users = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "gitlab_emulator" in imports(p)
    }
    assert users == {
        "commands/demo.py",
        "commands/emulator.py",
        "testing.py",
    }  # none of the bot's own code


def test_no_module_reads_the_environment_but_the_cli():
    readers = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if re.search(r"os\.environ|getenv", p.read_text())
    }
    assert readers == {
        "cli.py",
        "pytest_plugin.py",
    }  # the two entry points: the command and the test fixture
