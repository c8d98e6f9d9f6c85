"""Seed files: accepted shapes and errors that name the file, the entry and the problem."""

import re

import pytest
import yaml

from gitlab_emulator import SeedError, build_seed, load_seed

from support import ROOT


def test_example_seed_from_the_readme_loads(tmp_path):
    path = tmp_path / "seed.yml"
    path.write_text("""
now: 2026-11-02T09:00:00Z
tier: premium
rate_limit: {per_minute: 2000, headers: true}
faults: {seed: 7, error_rate: 0.0, latency_ms: 0, drop_after_write_rate: 0.0}
users:
  - {username: ps-bot, name: PS Triage Bot, token: bot-token, bot: true}
  - {username: dana, name: Dana Okafor, token: dana-token}
  - {username: rowan, name: Rowan Achebe, token: rowan-token}
groups:
  - path: ps-directors
    members: [{username: rowan, access_level: 30}]
projects:
  - path: ps/ps-plan
    members: [{username: ps-bot, access_level: 30}, {username: dana, access_level: 30}]
    labels: [{name: Services Calculator}, {name: "proposal::Awaiting_Discovery"}]
    issues:
      - iid: 1
        title: Bramblewood Financial - Scope Issue and Write SOW
        author: dana
        assignees: [dana]
        labels: [Services Calculator]
        state: opened
        description: "free text"
        created_at: 2026-10-20T10:00:00Z
        updated_at: 2026-10-21T10:00:00Z
        notes: [{author: dana, body: "Kick-off booked", created_at: 2026-10-21T10:00:00Z, internal: false}]
        label_events: [{user: dana, label: Services Calculator, action: add, created_at: 2026-10-20T10:00:00Z}]
        award_emoji: [{user: rowan, name: thumbsup}]
""")
    seed = load_seed(path)
    project = seed.store.project_by_ref("ps/ps-plan")
    issue = project.issues[1]
    assert (
        issue.title.startswith("Bramblewood") and len(issue.notes) == 1 and len(issue.awards) == 1
    )
    assert seed.rate_limit.per_minute == 2000 and seed.faults.seed == 7
    assert seed.store.clock.now().isoformat() == "2026-11-02T09:00:00+00:00"


def test_json_seed_is_accepted(tmp_path):
    path = tmp_path / "seed.json"
    path.write_text('{"users": [{"username": "a"}], "projects": [{"path": "g/p"}]}')
    assert load_seed(path).store.project_by_ref("g/p") is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"projects": []}, "<seed>: users: Field required"),
        (
            {
                "users": [{"username": "a"}],
                "projects": [
                    {"path": "g/p", "issues": [{"iid": 3, "title": "t", "author": "bob"}]}
                ],
            },
            "<seed>: projects[0] (g/p).issues[0] (iid 3).author: 'bob' is not a declared user (add it under users:)",
        ),
        (
            {
                "users": [{"username": "a"}],
                "projects": [{"path": "g/p", "members": [{"username": "a", "access_level": 31}]}],
            },
            "<seed>: projects[0] (g/p).members[0] (a).access_level: Value error, must be one of",
        ),
        (
            {"users": [{"username": "a"}], "projects": [{"path": "noslash"}]},
            "<seed>: projects[0] (noslash).path: Value error, a project path has a namespace",
        ),
        (
            {"users": [{"username": "a"}], "projects": [{"path": "g/p", "colour": "red"}]},
            "<seed>: projects[0] (g/p).colour: Extra inputs are not permitted",
        ),
        (
            {"users": [{"username": "a"}, {"username": "a"}], "projects": []},
            "<seed>: users[1] (a): username declared twice",
        ),
    ],
)
def test_bad_seed_names_the_entry_and_the_problem(data, message):
    with pytest.raises(SeedError) as caught:
        build_seed(data)
    assert str(caught.value).startswith(message)


def test_unreadable_yaml_names_the_file(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("users: [unclosed\n")
    with pytest.raises(SeedError, match=r"broken\.yml: not valid YAML"):
        load_seed(path)


def test_the_readme_documents_the_seed_format_visibility_included():
    """Issue 33.9: `visibility` was accepted but not documented. The README's seed example loads,
    and its groups' and projects' visibility is what it says."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index("- **Seed file**")
    block = re.search(r"```yaml\n(.*?)```", readme[start:], re.DOTALL)
    assert block
    seed = yaml.safe_load(block.group(1))
    assert seed["groups"][0]["visibility"] == "internal"
    built = build_seed(seed)
    group = built.store.group_by_ref("ps-directors")
    assert group is not None and group.visibility == "internal"
    assert built.store.project_by_ref("ps/ps-plan").visibility == "private"
