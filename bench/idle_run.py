"""Benchmark (not a test): a steady-state `triage apply` (nothing to do) against python-gitlab
listing the same issues, side by side in one run.

    .venv/bin/python bench/idle_run.py 302 3000 10000
    .venv/bin/python bench/idle_run.py 3000 --latency 30 --pairs 5

Seeds the emulator (in this process) with N settled scoping issues (bench/emulator_listing.py's
seed: every issue in a stage whose next move is not due), brings them to steady state with
`triage apply --cache` runs, then measures `--pairs` pairs (default 5), each as its own
process: python-gitlab alone listing the issues (`issues.list(iterator=True)`, 100 a page), and
the scheduled job's command (`triage apply --cache FILE`), whole: interpreter start, imports,
loading and checking the workspace, the run, saving the cache. Prints, per N, the bot's requests
(GET, and writes), the listing's pages, the median wall time of each and the median of the
pairs' ratios. `--latency MS`: the emulator answers every request of the measured runs MS ms late.
Both commands run from compiled bytecode, as an installed bot does (pip compiles a wheel's modules
when it installs them): the settling runs write it to a scratch folder (`bytecode_env`), even
where PYTHONDONTWRITEBYTECODE is set. `--no-bytecode`: the environment as it is (with
PYTHONDONTWRITEBYTECODE, a source checkout's modules compiled again by every process). Results are kept in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emulator_listing import seed

from gitlab_emulator.testing import admin, running_emulator

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "demo-bot-token"
LISTING = (
    "import gitlab, sys; p = gitlab.Gitlab(sys.argv[1], private_token=sys.argv[2])"
    ".projects.get('ps/ps-plan', lazy=True); "
    "sum(1 for _ in p.issues.list(state='opened', labels='Services Calculator', per_page=100, "
    "iterator=True))"
)


def bytecode_env(folder: Path) -> dict[str, str]:
    """The environment of the measured processes: bytecode written to and read from `folder`
    (not beside the sources), never compiled again by each process."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(folder)}


def listing(url: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", LISTING, url, TOKEN], check=True, env=env)
    return time.perf_counter() - started


def apply(url: str, cache: Path, report: Path, env: dict[str, str]) -> float:
    env = {**env, "GITLAB_URL": url, "GITLAB_TOKEN": TOKEN}
    command = [
        *(sys.executable, "-c", "from triage.cli import entry; entry()"),
        *("-q", "apply", "--policies", str(ROOT / "policies")),
        *("--templates", str(ROOT / "templates"), "--cache", str(cache)),
        *("--report", str(report), "--max-writes", "100000"),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    return wall


def measure(n: int, latency: int, pairs: int, bytecode: bool = True) -> dict[str, object]:
    with running_emulator(seed(n)) as emu, tempfile.TemporaryDirectory() as tmp:
        env = bytecode_env(Path(tmp) / "bytecode") if bytecode else dict(os.environ)
        cache, report = Path(tmp) / "details.json", Path(tmp) / "report.json"
        for _ in range(4):  # settle: the first runs move and comment, then nothing is left
            apply(emu.url, cache, report, env)
            if json.loads(report.read_text())["writes"] == 0:
                break
        listing(emu.url, env)  # python-gitlab's bytecode written too
        admin(emu.url, "faults", {"latency_ms": latency})
        bots, alones, ratios = [], [], []
        for _ in range(pairs):
            alone = listing(emu.url, env)
            admin(emu.url, "stats/reset", {})
            bot = apply(emu.url, cache, report, env)
            served = admin(emu.url, "stats")["requests"]
            bots.append(bot)
            alones.append(alone)
            ratios.append(bot / alone)
        writes = json.loads(report.read_text())["writes"]
    return {
        "n": n,
        "gets": served["GET"],
        "writes": served["POST"] + served["PUT"] + served["DELETE"],
        "reported": writes,
        "pages": -(-n // 100),
        "bot": statistics.median(bots),
        "alone": statistics.median(alones),
        "ratio": statistics.median(ratios),
    }


def main() -> None:
    args = sys.argv[1:]
    latency = int(args.pop(args.index("--latency") + 1)) if "--latency" in args else 0
    pairs = int(args.pop(args.index("--pairs") + 1)) if "--pairs" in args else 5
    bytecode = "--no-bytecode" not in args
    sizes = [int(a) for a in args if not a.startswith("--")] or [302, 3000]
    print(
        "| settled issues | latency (ms) | bot GETs | listing pages | fixed reads | bot writes "
        "| triage apply (s, median) | python-gitlab listing (s, median) | ratio (median of pairs) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        row = measure(n, latency, pairs, bytecode)
        print(
            f"| {n:,} | {latency} | {row['gets']} | {row['pages']} | "
            f"{int(row['gets']) - int(row['pages'])} | {row['writes']} | {row['bot']:.2f} | "  # type: ignore[call-overload]
            f"{row['alone']:.2f} | {row['ratio']:.2f} |"
        )


if __name__ == "__main__":
    main()
