"""A label's colour: `#RGB`, `#RRGGBB` or a CSS colour name (stored as its hex), else 400.

Follows GitLab's source: `lib/api/labels.rb` (POST creates through `Labels::CreateService` and
answers `render_validation_error!`), `app/models/label.rb` (`validates :color, color: true`),
`app/validators/color_validator.rb` ("must be a valid color code") and `lib/gitlab/color.rb`
(`PATTERN`, `COLOR_NAME_TO_HEX`; `Gitlab::Color.of` casts a name to its hex value).
"""

from __future__ import annotations

import gitlab
import pytest

from gitlab_emulator.seed import SeedError, build_seed


@pytest.mark.parametrize(
    ("given", "stored"), [("#A1B2C3", "#A1B2C3"), ("#abc", "#abc"), ("Red", "#FF0000")]
)
def test_a_valid_colour_is_stored(project, tag, given, stored):
    label = project.labels.create({"name": f"colour-{tag}", "color": given})
    assert label.color == stored


@pytest.mark.parametrize("given", ["#12345", "blurple", "123456", "#GGGGGG"])
def test_an_invalid_colour_is_400_with_gitlabs_message(project, tag, given):
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.labels.create({"name": f"bad-{tag}", "color": given})
    assert caught.value.response_code == 400
    assert caught.value.error_message == {"color": ["must be a valid color code"]}


def test_a_seed_label_with_an_invalid_colour_is_refused_naming_it():
    seed = {
        "users": [{"username": "m", "token": "t"}],
        "projects": [{"path": "g/p", "labels": [{"name": "x", "color": "blurple"}]}],
    }
    with pytest.raises(SeedError) as caught:
        build_seed(seed)
    assert "'blurple' must be a valid color code" in str(caught.value)
