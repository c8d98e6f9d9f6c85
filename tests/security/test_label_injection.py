"""Labels, titles and names are data: wherever the bot writes them they stay text.

Anyone who can set labels can create one with any name (GitLab refuses only commas). The bot
writes label names into notes, into the forecast (tables and Mermaid pie charts) and into the
merge-request plan; none of them may mention anyone, render HTML, run a quick action or break
out of a Mermaid block.
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from gitlab_emulator.quick_actions import extract
from triage.cli import main
from triage.testing import BOT_TOKEN, TASKS, Scoping

ROOT = Path(__file__).resolve().parents[2]

CONFIDENCE_ALL = "EM_Confidence::Green @all"
CONFIDENCE_HTML = "EM_Confidence::Amber ``` `x` <img src=x onerror=alert(1)>"
SEGMENT_HTML = "Segment::Ent <b>EAST</b> @all"
# A stage label built to close the pie's slice name and the fence, and to start a quick action.
STAGE_BREAKOUT = (
    'proposal::SOW_WIP"] : 1\n%%{init: {}}%%\n```\n@all <img src=x>\n/close\n```mermaid\npie\n"x'
)
TITLE = "@all /close Harbor <script>x</script>"

# GitLab reads `@name` as a mention when it is not preceded by a word character or a backtick.
MENTION = re.compile(r"(?<![\w`])@([A-Za-z0-9_.][A-Za-z0-9_.-]*)")
PIE_LINE = re.compile(r'^    "[\w ().,/+\'-]*" : \d+(\.\d+)?$')
PIE_INIT = re.compile(
    r'^%%\{init: \{"theme": "base", "themeVariables": \{("pie\d+": "#[0-9a-f]{6}", )+'
    r'"pieStrokeColor": "#ffffff", "pieOuterStrokeWidth": "0px"\}\}\}%%$'
)


def _data(customer: str, **extra: object) -> dict[str, object]:
    return {
        "customer": customer,
        "segment": "Ent_EAST",
        "close_date": "2026-01-28",
        "people": {"sa": "felix", "ae": "imogen"},
        "line_items": [{"activity": "Migration waves", "role": "PSE", "days": 10}],
        **extra,
    }


def _attack(scoping: Scoping) -> list[int]:
    """Dana, a project Developer, creates hostile labels and puts them on deals; Imogen opens a
    deal with a hostile title."""
    project = scoping.as_person("dana")
    for name in (CONFIDENCE_ALL, CONFIDENCE_HTML, SEGMENT_HTML, STAGE_BREAKOUT):
        project.labels.create({"name": name, "color": "#ff0000"})
    green = scoping.issue(stage="Estimate_Feedback", tasks=TASKS[:1], data=_data("Corvid Aero"))
    amber = scoping.issue(stage="Estimate_Feedback", tasks=TASKS[:1], data=_data("Lantern Health"))
    stage = scoping.issue(data=_data("Orchard Lane", confidence={"value": "Red"}))
    titled = scoping.issue(title=TITLE)
    project.issues.update(green, {"add_labels": CONFIDENCE_ALL})
    project.issues.update(amber, {"add_labels": f"{CONFIDENCE_HTML},{SEGMENT_HTML}"})
    issue = project.issues.get(stage)
    issue.labels = [*issue.labels, STAGE_BREAKOUT]  # a name with line breaks: set it whole
    issue.save()
    return [green, amber, stage, titled]


def _assert_inert(
    text: str, allowed_tags: tuple[str, ...] = (), mentions: frozenset[str] = frozenset()
) -> None:
    """No mention but `mentions` (usernames), no quick action line, no HTML but `allowed_tags`."""
    outside_code = re.sub(r"`[^`\n]+`", "", text)  # GitLab reads no mention in a code span
    found = {m.group(1) for m in MENTION.finditer(outside_code)}
    assert found <= mentions, (found, text)
    assert extract(text)[1] == [], text
    without = re.sub(r"<!-- [\w:/. =-]+ -->", "", outside_code)  # nor HTML
    for tag in allowed_tags:
        without = without.replace(tag, "")
    assert "<" not in without, text


def test_label_names_and_titles_reach_the_forecast_and_notes_as_text(scoping: Scoping) -> None:
    issues = _attack(scoping)
    assert STAGE_BREAKOUT in scoping.labels(issues[2])  # GitLab took the name as it is
    result = scoping.run()
    assert result.forecast == "forecast FY26-Q4: created"

    project = scoping.as_person("dana")
    [forecast] = [i for i in project.issues.list(get_all=True) if i.title == "PS forecast FY26-Q4"]
    text = forecast.description
    assert "Orchard Lane" in text and "Ent &lt;b&gt;EAST" in text  # the deals are there
    _assert_inert(text, ("<sub>", "</sub>"))
    lines = text.split("\n")
    fences = [n for n, line in enumerate(lines) if line.startswith("```")]
    assert [lines[n] for n in fences] == ["```mermaid", "```", "```mermaid", "```"], fences
    for opening, closing in zip(fences[::2], fences[1::2], strict=True):
        # the bot's own theme line (colours only), then the pie
        assert PIE_INIT.match(lines[opening + 1]), lines[opening + 1]
        assert lines[opening + 2].startswith("pie title Pipeline closing in FY26-Q4, by ")
        for line in lines[opening + 3 : closing]:
            assert PIE_LINE.match(line), line

    for iid in issues:
        for note in project.issues.get(iid).notes.list(get_all=True):
            if note.author["username"] == "ps-bot" and not note.system:
                # The EM (the assignee, a project member) is the one person these notes name.
                _assert_inert(note.body, ("<sub>", "</sub>"), frozenset({"dana"}))
    assert scoping.comments(issues[0], "confidence-rationale")  # it names the label


def test_the_merge_request_plan_mentions_no_one_and_runs_no_quick_action(
    scoping: Scoping,
) -> None:
    _attack(scoping)
    result = CliRunner().invoke(
        main,
        [
            "plan",
            "--policies",
            str(ROOT / "policies"),
            "--templates",
            str(ROOT / "templates"),
            "--format",
            "markdown",
        ],
        env={"GITLAB_URL": scoping.emulator.url, "GITLAB_TOKEN": BOT_TOKEN},
    )
    assert result.stdout.startswith("### ps-triage plan:"), result.output
    assert "unknown stage label" in result.stdout  # the hostile stage label is reported
    _assert_inert(result.stdout, ("<details>", "</details>", "<summary>", "</summary>"))
