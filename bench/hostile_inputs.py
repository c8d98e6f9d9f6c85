"""Benchmark (not a test): the time and memory it takes to read the worst data blocks, policies
and templates anyone can write, each in a fresh process. Goal: each under 0.25 s and 100 MB.

    .venv/bin/python bench/hostile_inputs.py

Per case: the wall time and the CPU time of reading it once (the process warmed up with a
small input of the same kind; on a shared machine the CPU time is the steadier of the two), the peak of Python's allocations while reading it (tracemalloc, a second reading),
the growth of the process's peak resident memory over the first, and what came of it. Results
are recorded in docs/benchmarks.md ("Hostile inputs").
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage.issues.scoping import MAX_BLOCK_BYTES, MAX_BLOCK_DEPTH, MAX_BLOCK_VALUES, parse_scoping
from triage.policy.loader import (
    MAX_POLICY_BYTES,
    MAX_POLICY_DEPTH,
    MAX_POLICY_VALUES,
    PolicyInvalid,
    policy_from_texts,
)
from triage.preview import sample_issue, template_uses, use_context
from triage.render.templates import TemplateProblem, Templates
from triage.workspace import load_workspace
from triage.yaml_source import Bounds, check_bounds

ROOT = Path(__file__).resolve().parents[1]
POLICY = (ROOT / "policies/ps-scoping.yml").read_text()
_UNDER = 255_000  # bytes of numbers: a block just under MAX_BLOCK_BYTES


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def description(body: str) -> str:
    checklist = "## Checklist\n\n- [x] Discovery call held\n\n"
    return f"{checklist}<!-- ps-triage:scoping -->\n```yaml\n{body}```\n"


def line_items(count: int, activity: str = "Workshop") -> str:
    return "".join(
        f"  - {{activity: '{activity} {n}', role: PSE, days: 2}}\n" for n in range(count)
    )


def padded_items(limit: int) -> str:
    """As many long line items as fit in `limit` bytes (a block past MAX_LINE_ITEMS)."""
    items, size = [], 0
    for n in range(limit):
        item = f"  - {{activity: '{'A' * 180} {n}', role: PSE, days: 2}}\n"
        if size + len(item) > limit:
            return "".join(items)
        items.append(item)
        size += len(item)
    return "".join(items)


def block(body: str) -> Callable[[], str]:
    text = description(body)

    def read() -> str:
        parsed = parse_scoping(text)
        if parsed.status == "valid":
            assert parsed.data is not None
            return f"valid, {len(parsed.data.line_items)} line items"
        first = parsed.problems[0]
        return f"{len(parsed.problems)} problem(s): {first}"[:110]

    return read


def policy(extra: str, shipped: str = POLICY) -> Callable[[], str]:
    def read() -> str:
        try:
            policy_from_texts([("ps-scoping.yml", shipped), ("extra.yml", extra)])
        except PolicyInvalid as error:
            count = len(error.problems)
            return f"{count} problem(s): {str(error.problems[0]).split(chr(10))[0]}"[:110]
        return "valid"

    return read


def margin_floor(number: str) -> str:
    """The shipped policy with `rates.margin_floor_pct: <number>`."""
    return POLICY.replace("margin_floor_pct: 30\n", f"margin_floor_pct: {number}\n")


def many_rules(values: int) -> str:
    """Rules (in flow style) up to `values` values in all, with the shipped policy's."""
    rule = "  - {id: r%d, when: {state: opened}, actions: [{add_labels: [x]}]}\n"
    unbounded = Bounds(10**9, 100, 10**9, anchors=True)
    each = check_bounds("rules:\n" + rule % 0, unbounded) - check_bounds("rules:\n", unbounded)
    left = values - check_bounds(POLICY, unbounded) - check_bounds("rules: []\n", unbounded)
    return "rules:\n" + "".join(rule % n for n in range(left // each))


def long_descriptions(size: int) -> str:
    rule = "  - {id: r%d, description: '%s', when: {state: opened}, actions: [{add_labels: [x]}]}\n"
    text = "x" * 1_900
    return "rules:\n" + "".join(rule % (n, text) for n in range(size // (len(rule) + 1_900)))


def template(attack: str) -> Callable[[], str]:
    workspace = load_workspace(ROOT / "policies", ROOT / "templates")
    sources = dict(workspace.templates.sources)
    sources["sow-draft.md.j2"] = attack + "\n" + sources["sow-draft.md.j2"]
    templates = Templates(sources)
    issue = sample_issue(workspace.policy)
    kind, use = template_uses(workspace.policy)["sow-draft.md.j2"][0]
    context = {**use_context(workspace.policy, issue, kind, use), "links": {}}

    def read() -> str:
        try:
            return f"rendered, {len(templates.render('sow-draft.md.j2', context)):,} characters"
        except TemplateProblem as problem:
            return str(problem)[:110]

    return read


CASES: dict[str, Callable[[], Callable[[], str]]] = {
    "data block: alias bomb (9 levels of 9)": lambda: block("customer: Bomb\n" + alias_bomb()),
    f"data block: {MAX_BLOCK_DEPTH} levels (the most)": lambda: block(
        "customer: Deep\nx: " + "[" * (MAX_BLOCK_DEPTH - 1) + "]" * (MAX_BLOCK_DEPTH - 1) + "\n"
    ),
    "data block: 20,000 levels": lambda: block(
        "customer: Deep\nx: " + "[" * 20_000 + "]" * 20_000 + "\n"
    ),
    f"data block: {MAX_BLOCK_BYTES:,} bytes of line items (the most)": lambda: block(
        "customer: Big\nline_items:\n" + padded_items(MAX_BLOCK_BYTES - 30)
    ),
    f"data block: {MAX_BLOCK_BYTES:,} bytes of wrong values": lambda: block(
        "customer: Big\nline_items:\n"
        + "".join(f"  - wrong {n}\n" for n in range(MAX_BLOCK_BYTES // 16))
    ),
    "data block: 1 MB": lambda: block("customer: Big\nline_items:\n" + padded_items(1_000_000)),
    "data block: a base-60 number (403 bytes)": lambda: block(
        "customer: Sixty\ndiscount_pct: 1" + ":0" * 200 + ".5\n"
    ),
    "data block: 1.0e+99999, .inf, .nan": lambda: block(
        "customer: Inf\ndiscount_pct: 1.0e+99999\nline_items:\n"
        "  - {activity: A, role: PSE, days: .inf, rate: .nan}\n"
    ),
    "data block: 255 KB, one base-60 number": lambda: block(
        "customer: Sixty\ndiscount_pct: 1" + ":0" * (_UNDER // 2) + "\n"
    ),
    "data block: 255 KB, one number of 255,000 digits": lambda: block(
        "customer: Long\ndiscount_pct: " + "9" * _UNDER + "\n"
    ),
    "data block: 255 KB, base-60 numbers of 400 bytes": lambda: block(
        "customer: Sixty\nskills:\n" + ("  - 1" + ":0" * 198 + ".5\n") * (_UNDER // 403)
    ),
    "data block: 255 KB, numbers of 5,000 digits": lambda: block(
        "customer: Long\nskills:\n" + f"  - {'9' * 5000}\n" * (_UNDER // 5006)
    ),
    "data block: 255 KB, numbers of 99 digits": lambda: block(
        "customer: Long\nskills:\n" + f"  - {'9' * 99}\n" * (_UNDER // 104)
    ),
    "data block: 255 KB of .inf": lambda: block(
        "customer: Inf\nskills:\n" + "  - .inf\n" * (_UNDER // 9)
    ),
    "data block: 255 KB, [1,1,1,...]": lambda: block(
        "customer: Ones\nskills: [" + "1," * (_UNDER // 2) + "1]\n"
    ),
    f"data block: {MAX_BLOCK_VALUES:,} values (the most)": lambda: block(
        "customer: Many\nskills: [" + ",".join(["1"] * (MAX_BLOCK_VALUES - 5)) + "]\n"
    ),
    "data block: 200 line items (valid)": lambda: block(
        "customer: Big\nline_items:\n" + line_items(200, "A" * 180)
    ),
    "policy: alias bomb (9 levels of 9)": lambda: policy(alias_bomb()),
    f"policy: {MAX_POLICY_VALUES:,} values (the most)": lambda: policy(
        many_rules(MAX_POLICY_VALUES)
    ),
    f"policy: {MAX_POLICY_VALUES:,} values, every rule wrong": lambda: policy(
        many_rules(MAX_POLICY_VALUES).replace("{state: opened}", "{stat: opened}")
    ),
    f"policy: {MAX_POLICY_BYTES:,} bytes (the most)": lambda: policy(
        long_descriptions(MAX_POLICY_BYTES - len(POLICY.encode()))
    ),
    "policy: 1 MB": lambda: policy(long_descriptions(1_000_000)),
    "policy: a base-60 number (403 bytes)": lambda: policy("", margin_floor("1" + ":0" * 200 + ".5")),
    "policy: 255 KB in all, one base-60 number": lambda: policy(
        "", margin_floor("1" + ":0" * ((_UNDER - len(POLICY)) // 2))
    ),
    "policy: 255 KB in all, one long number": lambda: policy(
        "", margin_floor("9" * (_UNDER - len(POLICY)))
    ),
    f"policy: {MAX_POLICY_DEPTH} levels, then 20,000": lambda: policy(
        "rules: " + "[" * 20_000 + "]" * 20_000 + "\n"
    ),
    "template: range(10**9)": lambda: template("{% for i in range(10**9) %}x{% endfor %}"),
    "template: 'x' * 10**9": lambda: template("{{ 'x' * 10**9 }}"),
    "template: includes itself": lambda: template("{% include 'sow-draft.md.j2' %}"),
    "template: doubled 60 times with ~": lambda: template(
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s }}"
    ),
    "template: 10,000 x 10,000 empty loops": lambda: template(
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"
    ),
    "template: the shipped SoW draft": lambda: template(""),
}


def measure(name: str) -> dict[str, Any]:
    """In this process: read the case once timed, then again for the allocations' peak."""
    read = CASES[name]()
    block(line_items(3))()  # warm: each reader's code and caches, on a small input
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu = time.perf_counter(), time.process_time()
    outcome = read()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    tracemalloc.start()
    read()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": peak / 1e6,
        "rss_mb": grown / 1e3,
        "outcome": outcome,
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(measure(sys.argv[2])))
        return
    print("| input | time | CPU time | peak allocated | peak RSS growth | outcome |")
    print("|---|---:|---:|---:|---:|---|")
    for name in CASES:
        found = subprocess.run(
            [sys.executable, __file__, "--case", name],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        got = json.loads(found.stdout)
        outcome = got["outcome"].replace("|", "\\|").replace("\n", " ")
        print(
            f"| {name} | {got['seconds']:.3f} s | {got['cpu']:.3f} s | {got['peak_mb']:.1f} MB "
            f"| {got['rss_mb']:.1f} MB "
            f"| {outcome} |"
        )


if __name__ == "__main__":
    main()
