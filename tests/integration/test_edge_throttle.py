"""A GitLab behind an edge that answers some requests 429 with no Retry-After and no
RateLimit-* header (gitlab.com, gitlab-org/gitlab#365728): the bot backs off, finishes, and
writes everything exactly once."""

from gitlab_emulator.testing import admin, running_emulator
from triage.commands.demo_data import demo_seed

from support import as_state, bot_notes, bot_run, project_as


def snapshot_of(url):
    project = project_as(url, "dana")
    return {
        iid: (
            sorted(project.issues.get(iid).labels),
            project.issues.get(iid).state,
            [as_state(n.body, url) for n in bot_notes(url, iid)],
        )
        for iid in range(4101, 4110)
    }


def test_throttled_at_the_edge_the_bot_backs_off_and_finishes_without_duplicates():
    with running_emulator(demo_seed()) as clean:
        bot_run(clean.url)
        expected = snapshot_of(clean.url)
    seed = {**demo_seed(), "faults": {"seed": 5, "edge_throttle_rate": 0.25}}
    with running_emulator(seed) as edge:
        result, client = bot_run(edge.url)
        throttled = admin(edge.url, "stats")["throttled"]
        admin(edge.url, "faults", {"edge_throttle_rate": 0.0})
        assert not result.errors, result.errors
        assert throttled > 0  # the edge did answer 429s, and none stopped the run
        assert snapshot_of(edge.url) == expected  # every comment once, every label as clean
        again, client = bot_run(edge.url)
        assert not again.errors and client.traffic.writes == 0
