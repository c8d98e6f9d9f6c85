"""Policy loading: every error names file, line:column, key path by id, and the fix."""

from pathlib import Path

import pytest

from triage.policy.loader import PolicyInvalid, load_policy, policy_from_texts

MINIMAL = """\
lifecycle:
  stages:
    - {id: Open}
    - {id: Done, terminal: true}
  transitions:
    - id: finish
      from: none
      to: Open
      when: {assignee: true}
    - id: close-it
      from: Open
      to: Done
      when: {task: Finished}
"""


def problems(text: str, name: str = "p.yml") -> list[str]:
    with pytest.raises(PolicyInvalid) as caught:
        policy_from_texts([(name, text)])
    return [str(p) for p in caught.value.problems]


def test_the_shipped_policy_loads():
    policy = load_policy(Path(__file__).resolve().parents[2] / "policies")
    assert policy.lifecycle.label_prefix == "proposal"
    assert "Ready For Approval" in policy.lifecycle.stage_ids()
    assert policy.scope.labels == ["Services Calculator"]


def test_minimal_policy_loads():
    policy = policy_from_texts([("p.yml", MINIMAL)])
    assert [t.id for t in policy.lifecycle.transitions] == ["finish", "close-it"]


def test_unknown_key_names_file_line_path_and_fix():
    text = MINIMAL.replace(
        "      when: {task: Finished}", "      when: {task: Finished}\n      wen: {assignee: true}"
    )
    assert problems(text) == [
        "p.yml:14:7: lifecycle.transitions[close-it].wen: unknown key `wen`\n    fix: did you mean `when`? Otherwise remove `wen`."
    ]


def test_unknown_condition_suggests_the_closest():
    text = MINIMAL.replace("when: {task: Finished}", "when: {tsk: Finished}")
    assert problems(text) == [
        "p.yml:13:7: lifecycle.transitions[close-it].when: a condition is a mapping with exactly one of: label, "
        "no_label, assignee, task, touched_by, line_items, data_block, estimate, unknown_activities, field, state, days_since_update, days_in_stage, "
        "days_to_quarter_end, net_price, business_days_to_close, quarter_end, days_without_human_activity, "
        "revisit_due, estimate_revised_since, review_outdated, close_date_passed, close_quarter_later_than, all, any, not\n    fix: did you mean `task`?"
    ]


def test_nested_condition_error_points_inside():
    text = MINIMAL.replace(
        "when: {task: Finished}", "when: {all: [{assignee: true}, {days_in_stage: {gte: soon}}]}"
    )
    assert problems(text) == [
        "p.yml:13:55: lifecycle.transitions[close-it].when.all[1].days_in_stage.gte: "
        "Input should be a valid number, unable to parse string as a number"
    ]


def test_missing_required_key():
    text = MINIMAL.replace("      to: Done\n", "")
    assert problems(text) == [
        "p.yml:10:7: lifecycle.transitions[close-it].to: `to` is required\n    fix: add `to:`."
    ]


def test_yaml_syntax_error_has_a_position():
    found = problems("lifecycle:\n  stages: [unclosed\n")
    assert len(found) == 1 and found[0].startswith("p.yml:3:1: not valid YAML:")


def test_duplicate_key_is_an_error_not_silently_last_wins():
    text = MINIMAL.replace("  stages:", "  label_prefix: a\n  label_prefix: b\n  stages:")
    assert problems(text) == [
        "p.yml:3:3: not valid YAML: duplicate key 'label_prefix' (YAML would silently keep only "
        "the last)\n    fix: keep one `label_prefix:`"
    ]


def test_unknown_stage_in_a_transition():
    text = MINIMAL.replace("      to: Done", "      to: Dnoe")
    assert problems(text) == [
        "p.yml:12:7: lifecycle.transitions[close-it].to: unknown stage 'Dnoe'\n    fix: did you mean 'Done'?"
    ]


def test_unreachable_stage():
    text = MINIMAL.replace(
        "    - {id: Done, terminal: true}",
        "    - {id: Done, terminal: true}\n    - {id: Limbo, terminal: true}",
    )
    assert problems(text) == [
        "p.yml:5:8: lifecycle.stages[Limbo].id: stage 'Limbo' cannot be reached from an issue with no stage\n"
        "    fix: add a transition into it (`by: people` if people make that move)"
    ]


def test_non_terminal_stage_without_a_way_out():
    text = MINIMAL.replace("{id: Done, terminal: true}", "{id: Done}")
    assert problems(text) == [
        "p.yml:4:8: lifecycle.stages[Done].id: stage 'Done' is not terminal but has no way out\n"
        "    fix: add a transition from it, or mark it `terminal: true`"
    ]


def test_two_transitions_that_can_fire_together():
    text = (
        MINIMAL
        + """    - id: also
      from: Open
      to: Done
      when: {label: Shipped}
"""
    )
    assert problems(text) == [
        "p.yml:17:7: lifecycle.transitions[also].when: transitions 'close-it' and 'also' can fire together from Open\n"
        "    fix: give one a higher `priority:` (it wins), or add `not:` of the other's condition"
    ]


def test_exclusive_conditions_or_priorities_may_share_a_stage():
    exclusive = (
        MINIMAL
        + """    - id: also
      from: Open
      to: Done
      when: {all: [{not: {task: Finished}}, {label: Shipped}]}
"""
    )
    prioritised = (
        MINIMAL
        + """    - id: also
      from: Open
      to: Done
      priority: 5
      when: {label: Shipped}
"""
    )
    assert policy_from_texts([("p.yml", exclusive)]) and policy_from_texts([("p.yml", prioritised)])


def test_bot_transition_needs_when():
    text = MINIMAL.replace("      when: {task: Finished}\n", "")
    assert problems(text) == [
        "p.yml:10:7: lifecycle.transitions[close-it]: a transition the bot makes needs `when:` (or say `by: people`)"
    ]


def test_reserved_stage_id():
    text = MINIMAL.replace("{id: Open}", "{id: none}")
    assert problems(text)[0].startswith("p.yml:3:8: lifecycle.stages[none].id: 'none' is reserved")


def test_keys_spread_over_files_and_rules_joined():
    rules_a = "rules:\n  - {id: a, when: {state: opened}, actions: [{close: true}]}\n"
    rules_b = "rules:\n  - {id: b, when: {state: opened}, actions: [{close: truee}]}\n"
    with pytest.raises(PolicyInvalid) as caught:
        policy_from_texts([("life.yml", MINIMAL), ("a.yml", rules_a), ("b.yml", rules_b)])
    assert [str(p) for p in caught.value.problems] == [
        "b.yml:2:47: rules[b].actions[0].close: Input should be True\n    fix: use one of the values listed."
    ]


def test_a_key_defined_in_two_files():
    assert problems_two("scope: {project: a/b}\n", "scope: {project: c/d}\n") == [
        "two.yml:1:1: scope: `scope` is already defined in one.yml\n    fix: keep `scope` in one file"
    ]


def problems_two(one: str, two: str) -> list[str]:
    with pytest.raises(PolicyInvalid) as caught:
        policy_from_texts([("life.yml", MINIMAL), ("one.yml", one), ("two.yml", two)])
    return [str(p) for p in caught.value.problems]


def test_empty_folder_says_what_to_do(tmp_path):
    with pytest.raises(PolicyInvalid) as caught:
        load_policy(tmp_path)
    assert (
        str(caught.value)
        == f"{tmp_path}: no *.yml policy files here\n    fix: add a policy file, or run `triage init`"
    )


def test_anchors_may_repeat_values_but_not_multiply_them():
    reused = MINIMAL.replace("when: {assignee: true}", "when: &assigned {assignee: true}")
    policy_from_texts(
        [("p.yml", reused + "rules: [{id: r, when: *assigned, actions: [{add_labels: [x]}]}]\n")]
    )
    levels = "".join(f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}]\n" for n in range(1, 12))
    assert problems("a0: &a0 [x, y, z]\n" + levels) == [
        "p.yml:9:10: more than 20,000 values once aliases are expanded (here *a7)\n"
        "    fix: use anchors and aliases for a few repeated values, not to multiply them"
    ]


def test_values_are_counted_over_all_files():
    levels = "".join(f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}]\n" for n in range(1, 8))
    bomb = "a0: &a0 [x, y, z]\n" + levels  # 13,120 values: each file alone would pass
    with pytest.raises(PolicyInvalid) as caught:
        policy_from_texts([("a.yml", MINIMAL), ("b.yml", bomb), ("c.yml", bomb)])
    assert [str(p).split("\n")[0] for p in caught.value.problems] == [
        "c.yml:8:10: more than 20,000 values once aliases are expanded (here *a6)"
    ]


def test_an_alias_inside_its_own_anchor_is_refused():
    assert problems(MINIMAL + "x: &loop [a, *loop]\n") == [
        "p.yml:14:14: the alias *loop is inside its own anchor (&loop): it never ends\n"
        "    fix: refer to an anchor after its value is complete"
    ]
