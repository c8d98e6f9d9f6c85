"""Structural rules of the codebase (STYLE.md): deciding code does no I/O, one door to GitLab,
the bot never imports the emulator, no import circles.

Imports are followed transitively (a module's imports, theirs, and so on, with the packages
they sit in): a pure module that imports a helper that reads a file is not pure. Imports inside
functions count (they run too); `if TYPE_CHECKING:` imports count for circles only.
"""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "triage"
PURE = [
    "planner",
    "digest",
    "explain.py",
    "rules",
    "policy/model.py",
    "policy/hours.py",
    "policy/checks.py",
    "policy/graph.py",
    "issues",
    "render/markdown.py",
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
# What the planner may not reach, directly or through anything: files, the network, processes,
# threads, the clock, randomness, the terminal, the environment.
DENIED = IO_MODULES | {
    "asyncio",
    "concurrent",
    "glob",
    "importlib",
    "multiprocessing",
    "select",
    "signal",
    "ssl",
    "tempfile",
    "urllib3",
    "gitlab_emulator",
    "jinja2",  # templates reach the planner compiled, as a value (they render with a deadline)
}
# Libraries outside the standard one the planner may use: each works on the values it is given.
THIRD_PARTY = {
    "pydantic",
    "pydantic_core",
    "yaml",
}  # pydantic_core: its errors (PydanticCustomError)
# Reading a file or the clock in a module's own source, whatever it imports.
IO_CALLS = re.compile(
    r"\bopen\(|\.read_(?:text|bytes)\(|\.open\(|\b(?:datetime|date)\.(?:now|today|utcnow)\("
    r"|\bos\.environ|\bgetenv\("
)
PLANNER = "triage.planner"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for package in ("triage", "gitlab_emulator")
        for p in sorted((ROOT / package).rglob("*.py"))
    }


def imports(path: Path) -> set[str]:
    """The top-level names of what `path` imports (absolute imports only)."""
    return {name.split(".")[0] for name in imported(module_name(path), typing=False)}


@cache
def imported(name: str, *, typing: bool) -> frozenset[str]:
    """The full names of what module `name` imports: `from .x import y` is `pkg.x`, and also
    `pkg.x.y` when that is a module."""
    path = modules()[name]
    tree = ast.parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only and not typing:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {
                f"{module}.{alias.name}"
                for alias in node.names
                if f"{module}.{alias.name}" in modules()
            }
    return frozenset(found)


def ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def edges(name: str, *, typing: bool = False) -> set[str]:
    """Our own modules `name` imports; a package's own parents left out (they run first)."""
    own = set(ancestors(name))
    return {m for m in imported(name, typing=typing) if m in modules() and m not in own}


def reach(name: str) -> set[str]:
    """Every module of ours that importing `name` runs, packages included."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo += [*edges(current), *(a for a in ancestors(current) if a in modules())]
    return seen


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of `graph` with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = []
            while (top := stack.pop()) != node:
                part.append(top)
            if part:
                found.append(sorted([node, *part]))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def files(*parts: str) -> list[Path]:
    out = []
    for part in parts:
        target = PACKAGE / part
        if target.exists():
            out += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return out


@pytest.mark.parametrize("path", files(*PURE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_deciding_code_does_no_io(path):
    assert imports(path) & IO_MODULES == set()


def planner_modules() -> list[str]:
    return sorted(reach(PLANNER))


def test_the_planner_reaches_no_io_and_no_clock():
    """Nothing the planner imports, directly or through anything, imports a module that does
    I/O or reads the clock, or reads a file, the clock or the environment in its own code."""
    problems = []
    for name in planner_modules():
        outside = {m.split(".")[0] for m in imported(name, typing=False)} - {"triage", ""}
        for module in sorted(outside):
            if module in DENIED:
                problems.append(f"{name} imports {module}")
            elif module not in sys.stdlib_module_names and module not in THIRD_PARTY:
                problems.append(f"{name} imports {module}, a library not known to be pure")
        calls = IO_CALLS.findall(modules()[name].read_text())
        problems += [f"{name} calls {call}" for call in sorted(set(calls))]
    assert problems == []


def test_no_import_circles_between_modules():
    graph = {name: edges(name, typing=True) for name in modules()}
    assert circles(graph) == []


def test_no_import_circles_between_packages():
    """`rules` may import `policy` or the reverse, not both (a subpackage, or a top-level
    module, is one node here)."""

    def unit(name: str) -> str:
        return ".".join(name.split(".")[:2])

    graph: dict[str, set[str]] = {}
    for name in modules():
        graph.setdefault(unit(name), set()).update(
            unit(m) for m in edges(name, typing=True) if unit(m) != unit(name)
        )
    assert circles(graph) == []


def test_only_the_adapter_imports_python_gitlab():
    users = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if "gitlab" in imports(p)}
    # the adapter (its resources, and the transport under them); the demo and the policy-test
    # harness play the people, as other users
    assert users == {
        "gitlab/adapter.py",
        "gitlab/door.py",
        "commands/demo.py",
        "commands/demo_salesforce.py",
        "testing.py",
    }


def test_the_bot_never_imports_the_emulator():
    """Only three modules of triage/ run the emulator, on purpose: `triage demo` and `triage
    emulator` start one, and triage/testing.py (the policy-test harness) runs the bot against
    one. Nothing else reaches it, directly or through anything, but what dispatches to them:
    the CLI and the pytest plugin."""
    runs_the_emulator = {"triage.commands.demo", "triage.commands.emulator", "triage.testing"}
    dispatchers = {"triage.cli", "triage.cli_emulator", "triage.pytest_plugin"}
    direct = {
        name
        for name in modules()
        if name.startswith("triage")
        and any(m.split(".")[0] == "gitlab_emulator" for m in imported(name, typing=True))
    }
    assert direct == runs_the_emulator
    reaching = {
        name
        for name in modules()
        if name.startswith("triage") and any(m.startswith("gitlab_emulator") for m in reach(name))
    }
    assert reaching == runs_the_emulator | dispatchers


def test_no_module_reads_the_environment_but_the_cli():
    readers = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if re.search(r"os\.environ|getenv", p.read_text())
    }
    assert readers == {
        "cli.py",
        "pytest_plugin.py",
        "pdf.py",
    }  # the two entry points (the command and the test fixture) read settings from it; pdf.py
    # reads none: it hands LibreOffice a filtered copy (no token, no CI variables)


def test_no_module_of_the_bot_is_over_600_lines():
    over = {
        str(p.relative_to(PACKAGE)): lines
        for p in PACKAGE.rglob("*.py")
        if (lines := len(p.read_text().splitlines())) > 600
    }
    assert over == {}


def test_nothing_the_planner_reaches_keeps_a_cache():
    """Memoisation in the planner belongs to an object the run owns (`planner.context.Memo`,
    held by the `Settings`), never to a module: a module-level cache outlives the run and is
    shared by every thread and every test. (The loaders' and the runner's own caches are of
    what they read once per process.)"""
    decorated = {
        f"{name}:{number}"
        for name in planner_modules()
        for number, line in enumerate(modules()[name].read_text().splitlines(), 1)
        if re.match(r"@(functools\.)?(cache|lru_cache|last_answer)\b", line)
    }
    assert decorated == set()
