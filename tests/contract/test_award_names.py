"""Award emoji names: aliases are stored under the emoji's name; any GitLab emoji is valid.

Follows GitLab's source `app/services/award_emojis/base_service.rb` (`normalize_name`:
`TanukiEmoji.find_by_alpha_code(name)&.name`), `app/services/award_emojis/add_service.rb`
and `lib/api/award_emoji.rb` ("404 Award Emoji Name has already been taken Not Found").
"""

import gitlab
import pytest


def test_an_alias_is_stored_under_the_emojis_name(new_issue):
    issue = new_issue()
    assert issue.awardemojis.create({"name": "+1"}).name == "thumbsup"
    assert [a.name for a in issue.awardemojis.list(get_all=True)] == ["thumbsup"]
    assert issue.awardemojis.create({"name": "-1"}).name == "thumbsdown"


def test_an_alias_of_an_award_already_given_is_a_duplicate(new_issue):
    issue = new_issue()
    issue.awardemojis.create({"name": "thumbsup"})
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        issue.awardemojis.create({"name": "+1"})
    assert caught.value.error_message == "404 Award Emoji Name has already been taken Not Found"


@pytest.mark.parametrize("name", ["sparkles", "coffee", "bug", "hankey"])
def test_common_emoji_names_are_valid(new_issue, name):
    assert new_issue().awardemojis.create({"name": name}).name == name
