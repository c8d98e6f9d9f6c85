"""What a condition saw reaches the notes as data (`reasons`: an id and its values) that the
templates word (`templates/reasons.j2`): a team writes it in its own language (issue 33.12), a
folder copied from an older release gets the shipped wording, and `validate` renders every id."""

import shutil
from dataclasses import replace

from triage.commands.demo_data import TASKS
from triage.planner import plan_issue
from triage.preview import check_templates
from triage.render.templates import load_templates
from triage.rules.reasons import SAMPLES, every_sample

from support import NOW, ROOT, settings, snapshot, with_details, workspace

WS = workspace()
# The Seoul team's words for what the conditions saw: the task's text is the policy's.
KOREAN = """\
{% macro why(reasons) %}
{% for r in reasons %}
{% if not loop.first %}, {% endif %}
{% if r.id == "task.ticked" %}
할 일 '{{ r.task }}' 완료
{%- elif r.id == "task.not_ticked" %}
할 일 '{{ r.task }}' 미완료
{%- else %}
{{ r.id }}
{%- endif %}
{% endfor %}
{% endmacro %}
"""
TRANSITION = """\
{% import "reasons.j2" as reasons_of %}
~"{{ transition.from_label }}"에서 ~"{{ transition.to_label }}"(으)로 옮겼습니다.

<sub>이유: {{ reasons_of.why(reasons) | trusted }}. — ps-triage, `{{ transition.id }}`</sub>
"""


def team_folder(tmp_path, files):
    """A team's templates folder: the shipped templates, and its own (None: one it lacks)."""
    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", folder)
    for name, text in files.items():
        path = folder / name
        if text is None:
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")
    return replace(load_templates(folder), money=WS.templates.money)


def discovery_held(templates):
    issue = with_details(
        snapshot(labels=("Services Calculator", "proposal::Awaiting_Discovery"), done=TASKS[:1])
    )
    ws = replace(WS, templates=templates)
    return plan_issue(ws.policy, issue, NOW, settings(ws)).comments[0].body.split("\n", 1)[1]


def test_a_team_words_why_a_transition_note_was_written(tmp_path):
    templates = team_folder(tmp_path, {"reasons.j2": KOREAN, "transition.md.j2": TRANSITION})
    assert discovery_held(templates) == (
        '~"proposal::Awaiting_Discovery"에서 ~"proposal::Strawman_WIP"(으)로 옮겼습니다.\n'
        "\n"
        "<sub>이유: 할 일 'Discovery call held' 완료. — ps-triage, `discovery-held`</sub>\n"
    )
    assert not check_templates(WS.policy, templates)


def test_an_older_folder_without_the_macro_gets_the_shipped_words(tmp_path):
    # Its own transition note, as an older release shipped it (`why`), and one as this one does.
    old = "<sub>Why: {{ why }}. — ps-triage, rule `{{ transition.id }}`</sub>\n"
    templates = team_folder(tmp_path, {"reasons.j2": None, "transition.md.j2": old})
    assert templates.sources["reasons.j2"] == (ROOT / "templates/reasons.j2").read_text()
    said = "<sub>Why: task 'Discovery call held' ticked. — ps-triage, rule `discovery-held`</sub>\n"
    assert discovery_held(templates) == said
    assert discovery_held(team_folder(tmp_path / "new", {"reasons.j2": None})).endswith(said)


def test_validate_renders_every_reason_a_condition_can_give(tmp_path):
    shipped = (ROOT / "templates/reasons.j2").read_text()
    assert not check_templates(WS.policy, WS.templates)
    # A wording that breaks on a reason the shipped policy's conditions never give.
    broken = shipped.replace(
        '{%- elif r.id == "quarter_end.mode" %}\n',
        '{%- elif r.id == "quarter_end.mode" %}\n{{ r.modus }}',
    )
    assert broken != shipped
    problems = check_templates(WS.policy, team_folder(tmp_path, {"reasons.j2": broken}))
    assert problems and all("'modus'" in p for p in problems), problems


def test_the_shipped_words_know_every_reason():
    templates = replace(
        WS.templates,
        sources={
            **WS.templates.sources,
            "t.md.j2": '{% import "reasons.j2" as r %}{{ r.why(reasons) | trusted }}',
        },
    )
    for reason in every_sample():
        said = templates.render("t.md.j2", {"reasons": [reason]}).strip()
        assert said and said != reason["id"], reason
    assert len(SAMPLES) == len(every_sample())
