"""On a GitLab from before gitlab-org/gitlab#428428 (late 2023), issue search never finds a
token inside `<!-- ... -->`: the bot does not search for its own issues (the run lease, the
quarter's forecast, the daily digest), it lists its user's issues (`author_id`), which every
GitLab filters exactly. (The search itself: tests/contract/test_issue_search.py.)"""

from __future__ import annotations

import pytest

from triage.gitlab.own import DIGEST_LABEL, FORECAST_LABEL, LEASE_LABEL


@pytest.fixture
def older(scoping):
    scoping.emulator.store.search_indexes_html = False
    return scoping


def test_an_older_gitlab_search_does_not_find_the_bots_hidden_tokens(older):
    older.issue(stage="Strawman_WIP", data={"customer": "Acme Widgets"})
    older.run()
    project = older.as_person("dana")
    assert project.issues.list(search="ps-triage-run-lease", state="all") == []


def test_on_an_older_gitlab_the_bot_keeps_one_lease_one_forecast_and_one_digest(older):
    older.issue(stage="Strawman_WIP", data={"customer": "Acme Widgets"})  # its estimate is due

    results = [older.run(days=1) for _ in range(8)]

    assert [r.lease_busy for r in results] == [None] * 8
    assert results[0].forecast and results[0].forecast.endswith("created")
    assert all(not (r.forecast or "").endswith("created") for r in results[1:])
    store = older.emulator.store
    project = store.project_by_ref(older.project_path)
    bot = store.user_by_username("ps-bot")
    assert project is not None and bot is not None
    labels = [
        [store.label(project, label_id).name for label_id in issue.label_ids]
        for issue in project.issues.values()
        if issue.author_id == bot.id
    ]
    assert sorted(labels) == sorted([[LEASE_LABEL], [FORECAST_LABEL], [DIGEST_LABEL]])
