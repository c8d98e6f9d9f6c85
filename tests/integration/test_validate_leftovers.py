"""`triage validate` names what is left of the shipped team and cannot be right for another one
(issue 33.3), and `task:` conditions naming tasks the issue template lacks (33.4): warnings with
file:line and the fix; validate still passes."""

from click.testing import CliRunner
from test_init_for_another_team import adopt, edit

from triage.cli import main


def init(tmp_path, monkeypatch):
    target = tmp_path / "ops"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    monkeypatch.chdir(target)
    return target


def validate():
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    return result.stderr


def test_a_euro_team_hears_of_the_shipped_terms_and_usd_thresholds_left(tmp_path, monkeypatch):
    target = init(tmp_path, monkeypatch)
    adopt(target)  # EUR, de_DE, its roles, Europe/Berlin and Bavarian holidays
    edit(target / ".gitlab/issue_templates/Scoping.md", ("role: PSE", "role: Consultant"))
    warned = validate()
    policy = "policies/ps-scoping.yml"
    lines = target.joinpath(policy).read_text().splitlines()

    def line_of(text, start=0):
        return next(i for i, line in enumerate(lines, 1) if i > start and text in line)

    assert (
        f"warning: {policy}:{line_of('  provider: GitLab Inc.')}:3: sow.provider: still the shipped "
        "team's ('GitLab Inc.') under EUR, de_DE\n    fix: write your legal name"
    ) in warned
    keys = ("provider_short", "governing_terms", "billing", "billing_terms", "payment_terms")
    for key in (*keys, "fee_types"):
        assert f": sow.{key}: still the shipped team's" in warned, key
    move = line_of("- id: price-and-scope-agreed")
    assert (
        f"warning: {policy}:{line_of('when:', move)}:7: "
        "lifecycle.transitions[price-and-scope-agreed].when: net_price 50,000 is the shipped "
        "team's threshold in USD; this policy's amounts are in EUR\n"
        "    fix: write the threshold in EUR"
    ) in warned
    assert ": rules[ta-review].when: net_price 50,000" in warned
    assert ": approvals[director].requires[0].when: net_price 50,000" in warned
    assert "time_zone" not in warned  # Europe/Berlin with Bavarian holidays


def test_a_utc_calendar_with_no_country_is_warned_of(tmp_path, monkeypatch):
    """The shipped policy names its US team's country; a team that drops it and keeps UTC
    hears of it."""
    target = init(tmp_path, monkeypatch)
    assert validate() == ""  # the shipped calendar: UTC, US holidays
    edit(target / "policies/ps-scoping.yml", ("\n  country: US ", "\n  # country: US "))
    warned = validate()
    line = next(
        i
        for i, text in enumerate((target / "policies/ps-scoping.yml").read_text().splitlines(), 1)
        if text.startswith("  time_zone:")
    )
    assert warned == (
        f"warning: policies/ps-scoping.yml:{line}:3: calendar.time_zone: `time_zone: UTC` and no "
        "`country`: a day starts at midnight UTC and no public holiday is skipped\n"
        "    fix: set your `time_zone` (e.g. Asia/Seoul) and `country` (e.g. KR)\n"
    )


def test_a_task_the_issue_template_lacks_is_named(tmp_path, monkeypatch):
    target = init(tmp_path, monkeypatch)
    edit(
        target / ".gitlab/issue_templates/Scoping.md",
        ("- [ ] Discovery call held", "- [ ] Discovery call done"),
    )
    warned = validate()
    assert (
        ": lifecycle.transitions[discovery-held].when: task 'Discovery call held' is not in the "
        "issue template's checklist ('Discovery call scheduled', 'Discovery call done', "
        "'Customer agreed price and scope', "
        "'SoW reviewed by account team and customer')\n"
        "    fix: name a task of the checklist, or add it to the issue template"
    ) in warned
    assert ": rules[first-touch].when: task 'Discovery call held' is not in" in warned
    assert "Customer agreed price and scope' is not in" not in warned


# The Japanese a Tokyo team writes for the policy's words the file `init` writes does not show.
JAPANESE_WORDS = """
banners:
  superseded: ":no_entry: **古い版です。** 最新版は[こちら]({url})。この版は下に折りたたんでいます。"
  superseded_summary: 古い版
  resolved: ":white_check_mark: **解決済み**: 対応は不要です。"
  resolved_summary: 報告時の内容
  pdf_link: " / PDF版: {link}"
"""
JAPANESE_CONTACTS = (
    "  not_a_member: '{person} は {project} のメンバーではないため、メンションしていません。'\n"
    "  em_not_a_member: '{person} は {project} のメンバーではありません。'\n"
    "  mentions_capped: 'ルール {rule} は24時間で{count}回メンションしたため、今回はしません。'\n"
)


def test_a_team_in_another_language_hears_of_the_english_the_policy_file_does_not_show(
    tmp_path, monkeypatch
):
    """The banners on outdated notes and the lines below a comment that could not mention
    someone are the policy's words, but the file `init` writes does not show them: a Tokyo team
    would meet their English first on GitLab. Validate names each, in the policy's own file
    (not the catalog's), and the placeholders to keep; written in Japanese, none is left."""
    target = init(tmp_path, monkeypatch)
    policy = target / "policies/ps-scoping.yml"
    edit(policy, ("  locale: en_US ", "  locale: ja_JP "))
    warned = validate()
    assert (
        "warning: policies/ps-scoping.yml:5:1: banners.superseded_summary: still the shipped "
        "English under ja_JP ('The superseded revision'): the bot writes it on GitLab\n"
        "    fix: write `banners: {superseded_summary: ...}` in your words\n"
    ) in warned
    assert ": banners.superseded: still the shipped English" in warned
    assert "fix: write `banners: {superseded: ...}` in your words, keeping {url}\n" in warned
    for key in ("resolved", "resolved_summary", "pdf_link"):
        assert f": banners.{key}: still the shipped English under ja_JP" in warned, key
    for key, kept in (
        ("not_a_member", "{person} and {project}"),
        ("em_not_a_member", "{person} and {project}"),
        ("mentions_capped", "{rule} and {count}"),
    ):
        assert f": contacts.{key}: still the shipped English under ja_JP" in warned, key
        assert f"fix: write `contacts: {{{key}: ...}}` in your words, keeping {kept}\n" in warned
    assert "catalog.yml" not in warned

    edit(policy, ("\ncontacts:\n", f"{JAPANESE_WORDS}\ncontacts:\n{JAPANESE_CONTACTS}"))
    warned = validate()
    assert "banners." not in warned and "contacts." not in warned, warned


def test_an_english_speaking_team_elsewhere_keeps_the_shipped_words(tmp_path, monkeypatch):
    """en_GB is English too: the shipped words are its own."""
    target = init(tmp_path, monkeypatch)
    edit(target / "policies/ps-scoping.yml", ("  locale: en_US ", "  locale: en_GB "))
    assert "banners." not in validate()


def test_reason_ids_a_teams_reasons_file_leaves_unworded_are_named(tmp_path, monkeypatch):
    """A Tokyo team's reasons.j2 words the task reasons and falls back to the id, as the shipped
    file does: its notes would say `net\\_price.net`. Validate names each id of the policy's
    conditions it shows as the id (none of a condition the policy does not use)."""
    target = init(tmp_path, monkeypatch)
    (target / "templates/reasons.j2").write_text(
        "{% macro why(reasons) %}{% for r in reasons %}"
        '{% if r.id == "task.ticked" %}タスク「{{ r.task }}」完了'
        '{% elif r.id == "task.not_ticked" %}タスク「{{ r.task }}」未完了'
        "{% else %}{{ r.id }}{% endif %}{% endfor %}{% endmacro %}"
    )
    warned = validate()
    [line, fix] = [text for text in warned.splitlines() if "reasons.j2" in text or "r.id" in text]
    assert line.startswith(
        "warning: templates/reasons.j2: the `why` macro shows 44 reason ids of this policy's "
        "conditions as the id, not in your words: label.found, label.none, "
    ), line
    assert ", net_price.net, " in line and "task.ticked" not in line
    assert "days_in_stage" not in line and "quarter_end.mode" not in line  # not in the policy
    assert fix == (
        '    fix: word each (`{%- elif r.id == "label.found" %}...`), as the shipped reasons.j2 does'
    )
