"""The lifecycle as a Mermaid flowchart (GitLab renders ```mermaid blocks in Markdown), laid
out top-down. A move from many stages at once ("lost", "put on hold") is drawn once, from one
"any open stage" node, not as one arrow per stage."""

from __future__ import annotations

from .model import ANY_OPEN, NO_STAGE, Policy

MANY = 3  # a move from this many stages or more is drawn from one grouped node


def mermaid(policy: Policy) -> str:
    life = policy.lifecycle
    ids = {NO_STAGE: "s0"} | {stage: f"s{i + 1}" for i, stage in enumerate(life.stage_ids())}
    lines = ["flowchart TD", f'  {ids[NO_STAGE]}(["no {life.label_prefix}:: label"])']
    for stage in life.stages:
        shape = f'(["{life.label(stage.id)}"])' if stage.terminal else f'["{life.label(stage.id)}"]'
        lines.append(f"  {ids[stage.id]}{shape}")
    open_stages = [NO_STAGE, *(s for s in life.stage_ids() if s not in life.terminal())]
    groups: dict[tuple[str, ...], str] = {}
    edges: dict[tuple[str, str, str], list[str]] = {}  # (from, arrow, to): the moves' names
    for t in life.transitions:
        sources = [s for name in t.from_ for s in (open_stages if name == ANY_OPEN else [name])]
        sources = list(dict.fromkeys(sources))
        arrow = "-->" if t.by == "bot" else "-.->"
        label = t.id if t.by == "bot" else f"{t.id} (people)"
        if len(sources) >= MANY:
            key = tuple(sources)
            if key not in groups:
                groups[key] = f"g{len(groups) + 1}"
                rest = set(open_stages) - set(sources) - {t.to, NO_STAGE}
                name = (
                    ("any open issue" if NO_STAGE in sources else "any open stage")
                    if not rest
                    else "any of " + ", ".join(sources)
                )
                lines.append(f'  {groups[key]}{{{{"{name}"}}}}')
            edges.setdefault((groups[key], arrow, ids[t.to]), []).append(label)
            continue
        for source in sources:
            edges.setdefault((ids[source], arrow, ids[t.to]), []).append(label)
    lines += [f'  {a} {arrow}|"{", ".join(names)}"| {b}' for (a, arrow, b), names in edges.items()]
    return "\n".join(lines)
