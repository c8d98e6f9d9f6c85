"""Benchmark (not a test): what starting ps-triage costs, against importing python-gitlab alone.

    .venv/bin/python bench/startup.py [RUNS]

Each line is the median wall time of RUNS fresh interpreters (default 15). `triage --help`
imports no command (each command imports what it uses when it runs); `triage plan` imports the
run's modules before its first request, measured as the import of `triage.commands.run`.
Every case runs from compiled bytecode, as an installed bot does (`idle_run.bytecode_env`: a
scratch folder, written by a first run of each case). Results are recorded in
docs/benchmarks.md.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from idle_run import bytecode_env

BIN = Path(sys.executable).parent
CASES = {
    "python -c 'pass'": [sys.executable, "-c", "pass"],
    "python -c 'import gitlab'": [sys.executable, "-c", "import gitlab"],
    "triage --help": [str(BIN / "triage"), "--help"],
    "import triage.commands.run (triage plan, before its first request)": [
        sys.executable,
        "-c",
        "import triage.commands.run",
    ],
}


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)  # its bytecode
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as folder:
        env = bytecode_env(Path(folder))
        found = {name: median_seconds(command, runs, env) for name, command in CASES.items()}
    width = max(map(len, found))
    for name, seconds in found.items():
        print(f"{name:<{width}}  {seconds * 1000:7.1f} ms")
    gap = found["triage --help"] - found["python -c 'import gitlab'"]
    print(
        f"{'triage --help beyond import gitlab':<{width}}  {gap * 1000:7.1f} ms (goal: <= 100 ms)"
    )


if __name__ == "__main__":
    main()
