"""The lifecycle as a Mermaid flowchart (GitLab renders ```mermaid blocks in Markdown)."""

from __future__ import annotations

from .model import ANY_OPEN, NO_STAGE, Policy


def mermaid(policy: Policy) -> str:
    life = policy.lifecycle
    ids = {NO_STAGE: "s0"} | {stage: f"s{i + 1}" for i, stage in enumerate(life.stage_ids())}
    lines = ["flowchart LR", f'  {ids[NO_STAGE]}(["no {life.label_prefix}:: label"])']
    for stage in life.stages:
        shape = f'(["{life.label(stage.id)}"])' if stage.terminal else f'["{life.label(stage.id)}"]'
        lines.append(f"  {ids[stage.id]}{shape}")
    open_stages = [NO_STAGE, *(s for s in life.stage_ids() if s not in life.terminal())]
    for t in life.transitions:
        sources = [s for name in t.from_ for s in (open_stages if name == ANY_OPEN else [name])]
        arrow = "-->" if t.by == "bot" else "-.->"
        label = t.id if t.by == "bot" else f"{t.id} (people)"
        for source in dict.fromkeys(sources):
            lines.append(f'  {ids[source]} {arrow}|"{label}"| {ids[t.to]}')
    return "\n".join(lines)
