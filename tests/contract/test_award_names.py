"""Award emoji names: aliases are stored under the emoji's canonical name; any GitLab emoji is valid.

Follows GitLab's source `app/services/award_emojis/base_service.rb` (`normalize_name`:
`TanukiEmoji.find_by_alpha_code(name)&.name`), `app/services/award_emojis/add_service.rb`
and `lib/api/award_emoji.rb` ("404 Award Emoji Name has already been taken Not Found"), with
GitLab's emoji data (`fixtures/emojis/aliases.json`: `stop_sign` -> `octagonal_sign`, `memo` ->
`pencil`, `email` -> `e-mail`, `lion` -> `lion_face`, `hankey` -> `poop`).
"""

import gitlab
import pytest


def test_an_alias_is_stored_under_the_emojis_name(new_issue):
    issue = new_issue()
    assert issue.awardemojis.create({"name": "+1"}).name == "thumbsup"
    assert [a.name for a in issue.awardemojis.list(get_all=True)] == ["thumbsup"]
    assert issue.awardemojis.create({"name": "-1"}).name == "thumbsdown"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("stop_sign", "octagonal_sign"),
        ("memo", "pencil"),
        ("email", "e-mail"),
        ("lion", "lion_face"),
        ("hankey", "poop"),
        ("+1_tone2", "thumbsup_tone2"),
    ],
)
def test_a_name_is_stored_canonical(new_issue, given, stored):
    issue = new_issue()
    assert issue.awardemojis.create({"name": given}).name == stored
    assert [a.name for a in issue.awardemojis.list(get_all=True)] == [stored]


def test_a_canonical_name_is_valid_and_stored_as_given(new_issue):
    issue = new_issue()
    assert issue.awardemojis.create({"name": "octagonal_sign"}).name == "octagonal_sign"
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        issue.awardemojis.create({"name": "stop_sign"})
    assert caught.value.error_message == "404 Award Emoji Name has already been taken Not Found"


def test_an_alias_of_an_award_already_given_is_a_duplicate(new_issue):
    issue = new_issue()
    issue.awardemojis.create({"name": "thumbsup"})
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        issue.awardemojis.create({"name": "+1"})
    assert caught.value.error_message == "404 Award Emoji Name has already been taken Not Found"


@pytest.mark.parametrize(
    "name", ["sparkles", "coffee", "bug", "poop", "hourglass", "construction", "no_entry"]
)
def test_common_emoji_names_are_valid(new_issue, name):
    assert new_issue().awardemojis.create({"name": name}).name == name
