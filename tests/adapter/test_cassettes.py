"""The GitLab adapter against recorded HTTP exchanges (vcrpy), so its parsing is pinned to
response shapes, replayed without any server.

Re-record: `TRIAGE_RECORD=1 pytest tests/adapter` records against a throwaway emulator; with
GITLAB_URL, GITLAB_TOKEN and GITLAB_TEST_PROJECT also set, against that real GitLab (the token's
user needs Maintainer on the test project). Tokens are filtered out of what is written.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import gitlab
import pytest
import vcr

from gitlab_emulator.testing import running_emulator
from triage.gitlab.adapter import GitLab
from triage.policy.model import Scope

CASSETTES = Path(__file__).parent / "cassettes"
RECORD = os.environ.get("TRIAGE_RECORD") == "1"
EMULATOR_SEED = {
    "now": "2026-01-12T09:00:00Z",
    "users": [
        {"username": "ps-bot", "name": "PS Triage Bot", "token": "recording-token", "bot": True}
    ],
    "projects": [
        {
            "path": "ps/ps-plan",
            "members": [{"username": "ps-bot", "access_level": 40}],
            "labels": [{"name": "Services Calculator"}],
        }
    ],
}
DESCRIPTION = """- [x] Discovery call held
- [ ] Customer agreed price and scope

<!-- ps-triage:scoping -->
```yaml
customer: Cassette Corp
line_items:
  - {activity: Discovery, role: PSE, days: 2}
```
"""

recorder = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="all" if RECORD else "none",
    match_on=["method", "path", "query", "raw_body"],
    filter_headers=[("PRIVATE-TOKEN", "[FILTERED]"), ("Authorization", "[FILTERED]")],
    filter_query_parameters=[("private_token", "[FILTERED]")],
    decode_compressed_response=True,
)


@pytest.fixture
def target():
    """(url, token, project) to record against, or placeholders for replay."""
    if not RECORD:
        yield "http://gitlab.test", "replay-token", "ps/ps-plan"
        return
    if os.environ.get("GITLAB_URL"):
        yield (
            os.environ["GITLAB_URL"],
            os.environ["GITLAB_TOKEN"],
            os.environ["GITLAB_TEST_PROJECT"],
        )
        return
    with ExitStack() as stack:
        emulator = stack.enter_context(running_emulator(EMULATOR_SEED))
        yield emulator.url, "recording-token", "ps/ps-plan"


def test_adapter_round_trip(target):
    url, token, path = target
    with recorder.use_cassette("adapter_round_trip.yaml"):
        setup = gitlab.Gitlab(url, private_token=token).projects.get(path, lazy=True)
        created = setup.issues.create(
            {
                "title": "Cassette Corp - Scope Issue and Write SOW",
                "description": DESCRIPTION,
                "labels": "Services Calculator",
            }
        )
        adapter = GitLab(url, token)
        bot = adapter.bot_username()
        [snapshot] = list(
            adapter.list_issues(
                Scope(project=path, labels=["Services Calculator"]), iids=[created.iid]
            )
        )
        assert (snapshot.project, snapshot.iid, snapshot.labels) == (
            path,
            created.iid,
            ("Services Calculator",),
        )
        assert (
            snapshot.scoping.status == "valid" and snapshot.scoping.data.customer == "Cassette Corp"
        )
        assert [(t.text, t.done) for t in snapshot.tasks] == [
            ("Discovery call held", True),
            ("Customer agreed price and scope", False),
        ]
        assert snapshot.created_at.tzinfo is not None and snapshot.web_url.endswith(
            f"/issues/{created.iid}"
        )

        body = "<!-- ps-triage:cassette rev=0123456789ab -->\nRecorded."
        adapter.create_note(
            path, created.iid, body, marker_key="cassette", marker_rev="0123456789ab"
        )
        adapter.update_issue(
            path, created.iid, add=("proposal::Awaiting_Discovery",), remove=(), state_event="close"
        )

        notes = adapter.notes(path, created.iid)
        assert [(n.author, n.body) for n in notes if not n.system] == [(bot, body)]
        events = adapter.label_events(path, created.iid)
        assert ("add", "proposal::Awaiting_Discovery", bot) in {
            (e.action, e.label, e.user) for e in events
        }
        [closed] = list(adapter.list_issues(Scope(project=path, state="all"), iids=[created.iid]))
        assert closed.state == "closed" and "proposal::Awaiting_Discovery" in closed.labels
        assert adapter.traffic.writes == 2


def test_cassettes_hold_no_token():
    for cassette in CASSETTES.glob("*.yaml"):
        text = cassette.read_text()
        assert "recording-token" not in text and "glpat-" not in text, cassette.name
        assert "[FILTERED]" in text, f"{cassette.name}: token header not filtered"
