"""Soak (not a test): a fiscal quarter of deals, people acting between the bot's hourly runs.

    .venv/bin/python bench/quarter.py [--span N] [--after N] [--every H]

The deals of tests/quarter_sim.py (the same engine as tests/integration/test_quarter.py) and
five more spread over the quarter, from N business days before FY27-Q1's end (default 63: all
of it, from Mon 2026-02-02) to N business days into FY27-Q2 (default 10), a run every H hours
of every working day (default 1: hourly, day and night). Prints, per quarter, what Deal Desk
recorded as signed (net, by close date) against the won total of the quarter's forecast issue
and `triage report --quarter`; the deals the bot closed as lost after an approval; and, per
person, the bot's comments that mention them and those that name them. Exits 1 when a total
disagrees or an approved deal was lost. Results in docs/benchmarks.md.

The per-person counts come from `quarter_sim.simulate(...)`'s `Quarter.mentions` / `.named`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from quarter_sim import (
    AE,
    DEAL_DESK,
    DIRECTOR,
    SMALL,
    TASKS,
    Deal,
    full_path,
    s,
    simulate,
)


def more_deals() -> list[Deal]:
    """Five more, over the quarter's first weeks (business days from its end)."""
    return [
        Deal(
            "Nutmeg Foods",
            "dana",
            "MM_East",
            -20,
            SMALL,
            steps=[*full_path(-35), s(-22, DEAL_DESK, "label", "proposal::Closed_Won")],
        ),
        Deal(
            "Oak Ridge Labs",
            "mateo",
            "Ent_WEST",
            -8,
            SMALL,
            steps=[
                *full_path(-45, approve="thumbsup"),
                s(-31, "em", "items", (*SMALL, ("enablement", "PSE", 2))),
                # the bot unticks the SoW review (a revision the customer has not seen): the
                # account team and the customer review the new version, then the director
                s(-30, "em", "tick", TASKS[2]),
                s(-29, DIRECTOR, "thumbsup"),
                s(-10, DEAL_DESK, "label", "proposal::Closed_Won"),
            ],
        ),
        Deal(
            "Poplar Aviation",
            "kaito",
            "Ent_APAC",
            -12,
            SMALL,
            steps=[
                s(-40, "em", "tick", TASKS[0]),
                s(-39, "em", "items"),
                s(-15, AE, "label", "Lost::NoServiceFit"),
            ],
        ),
        Deal(
            "Quince Media",
            "harriet",
            "MM_EMEA",
            -3,
            SMALL[:2],
            steps=[
                s(-50, "em", "tick", TASKS[0]),
                s(-49, "em", "items"),
                s(-48, AE, "tick", TASKS[1]),
                s(-45, "em", "label", "proposal::On_hold"),
                s(-20, "em", "label", "proposal::SOW_WIP"),
                s(-19, "em", "tick", TASKS[2]),
                s(-17, DIRECTOR, "label", "proposal::Approved"),
                s(-6, DEAL_DESK, "label", "proposal::Closed_Won"),
            ],
        ),
        Deal(
            "Sequoia Telecom",
            "dana",
            "Ent_EAST",
            -3,
            SMALL,
            steps=[
                *full_path(-30, approve="thumbsup"),
                s(2, DEAL_DESK, "label", "proposal::Closed_Won", hour=11),
            ],
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--span", type=int, default=63)
    parser.add_argument("--after", type=int, default=10)
    parser.add_argument("--every", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    q = simulate(
        args.span,
        args.after,
        range(0, 24, args.every),
        extra=more_deals(),
        progress=lambda line: print(line, file=sys.stderr),
    )
    took = time.perf_counter() - started
    print(f"{len(q.states)} deals, {q.people_steps} people's steps, {q.runs} runs, {took:.0f} s\n")
    print(
        "| quarter | signed (Deal Desk, by close date) | forecast issue: won | triage report: won |"
    )
    print("|---|---:|---:|---:|")
    bad = False
    for quarter in sorted(q.report_won):
        signed = q.signed.get(quarter, 0)
        shown, reported = q.forecast_won.get(quarter), q.report_won[quarter]
        bad |= not (signed == shown == reported)
        print(
            f"| {quarter} | {signed:,.2f} | {shown if shown is None else f'{shown:,.2f}'} | {reported:,.2f} |"
        )
    print(f"\napproved deals the bot closed as lost: {', '.join(q.approved_then_lost) or 'none'}")
    bad |= bool(q.approved_then_lost)
    print("\n| person | bot comments mentioning them | naming them (no @) |")
    print("|---|---:|---:|")
    for person in sorted(set(q.mentions) | set(q.named)):
        print(f"| {person} | {q.mentions[person]} | {q.named[person]} |")
    print("\nwhere each deal ended:")
    for name, (state, labels) in sorted(q.states.items()):
        stage = next((lb for lb in labels if lb.startswith("proposal::")), "(no stage)")
        extra = [lb for lb in labels if lb.startswith(("Lost::", "close_qtr::"))]
        print(f"  {name:<20} {state:<7} {stage:<30} {' '.join(extra)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
