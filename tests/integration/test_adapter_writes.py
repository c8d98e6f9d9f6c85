"""The adapter's one write path: every write is paced before GitLab's rate limit bites, and
every write of the triage is counted (the run lease's bookkeeping is not). An upload is one
of those writes; the demo's bot is a Reporter, which GitLab lets upload."""

import re
import time
from collections.abc import Callable

import gitlab
import pytest

from gitlab_emulator.testing import running_emulator
from triage.commands.demo_data import BOT_TOKEN, DELIVERY_PROJECT, PROJECT, demo_seed
from triage.gitlab.adapter import GitLab, GitLabProblem, Upload


def each_write(client: GitLab) -> list[tuple[str, Callable[[], object]]]:
    """One of each write the bot makes, in the order they can be made."""
    state: dict[str, int] = {}

    def create_issue() -> None:
        url = client.create_issue(DELIVERY_PROJECT, "Acme - Delivery hand-off", "hand-off", ())
        state["iid"] = int(url.rsplit("/", 1)[1])

    def create_note() -> None:
        state["note"] = client.create_note(
            PROJECT, 4101, "<!-- ps-triage:x/y rev=1 -->\nhello", marker_key="x/y", marker_rev="1"
        )

    return [
        ("create_issue", create_issue),
        ("set_description", lambda: client.set_description(DELIVERY_PROJECT, state["iid"], "d")),
        ("create_note", create_note),
        ("edit_note", lambda: client.edit_note(PROJECT, 4101, state["note"], "edited")),
        (
            "update_issue",
            lambda: client.update_issue(PROJECT, 4101, add=("x",), remove=(), state_event=None),
        ),
        ("upload_file", lambda: client.upload_file(PROJECT, "Acme-SoW.docx", b"PK\x03\x04")),
    ]


def test_every_write_waits_for_the_rate_limit_window_when_few_requests_remain():
    with running_emulator(demo_seed()) as emulator:
        waited: list[float] = []
        client = GitLab(emulator.url, BOT_TOKEN, sleep=waited.append, min_remaining=10)
        client.bot_username()
        for name, write in each_write(client):
            # What GitLab's last answer said: 5 requests left, the window resets in 30 s.
            client.traffic.rate_remaining, client.traffic.rate_reset = 5, time.time() + 30
            before = len(waited)
            write()
            assert len(waited) == before + 1 and 25 < waited[-1] <= 30, name


def test_every_write_of_the_triage_is_counted_and_the_lease_upkeep_is_not():
    with running_emulator(demo_seed()) as emulator:
        client = GitLab(emulator.url, BOT_TOKEN, sleep=lambda s: None)
        for count, (name, write) in enumerate(each_write(client), start=1):
            write()
            assert client.traffic.writes == count, name
        client.open_confidential_issue(PROJECT, "lease", "<!-- lease -->")
        client.close_issue(PROJECT, 4101)
        assert client.traffic.writes == len(each_write(client))


def _uploads(emulator_url: str) -> list[dict]:
    """The project's uploads as its Maintainer lists them (the bot, a Reporter, may not)."""
    gl = gitlab.Gitlab(emulator_url, private_token="rowan-token")
    return list(gl.http_list(f"/projects/{PROJECT.replace('/', '%2F')}/uploads", get_all=True))


def test_an_upload_answers_its_link_and_the_file_downloads_by_it():
    with running_emulator(demo_seed()) as emulator:
        client = GitLab(emulator.url, BOT_TOKEN, sleep=lambda s: None)
        upload = client.upload_file(PROJECT, "Bramblewood-Financial-SoW-2026-11-27.docx", b"doc")
        assert isinstance(upload, Upload)
        found = re.fullmatch(
            r"/uploads/([0-9a-f]{32})/Bramblewood-Financial-SoW-2026-11-27\.docx", upload.url
        )
        assert found, upload.url
        assert upload.alt == "Bramblewood-Financial-SoW-2026-11-27.docx"
        assert upload.markdown == f"[{upload.alt}]({upload.url})"
        assert client.traffic.writes == 1 and client.traffic.by_method["POST"] == 1
        bot = gitlab.Gitlab(emulator.url, private_token=BOT_TOKEN)
        path = f"/projects/{PROJECT.replace('/', '%2F')}{upload.url}"
        assert bot.http_get(path, raw=True).content == b"doc"


def test_an_upload_to_a_project_the_bot_cannot_see_is_that_projects_problem():
    with running_emulator(demo_seed()) as emulator:
        client = GitLab(emulator.url, BOT_TOKEN, sleep=lambda s: None)
        with pytest.raises(GitLabProblem) as caught:
            client.upload_file("ps/elsewhere", "Acme-SoW.docx", b"doc")
        assert not caught.value.fatal
        assert "404 Project Not Found" in str(caught.value)
        assert "check the project or group path" in str(caught.value)
        assert client.traffic.writes == 0


def test_an_upload_above_the_attachment_limit_says_so_and_is_not_counted():
    seed = {**demo_seed(), "max_attachment_size": 1}
    with running_emulator(seed) as emulator:
        client = GitLab(emulator.url, BOT_TOKEN, sleep=lambda s: None)
        with pytest.raises(GitLabProblem) as caught:
            client.upload_file(PROJECT, "Acme-SoW.docx", b"x" * (1024 * 1024 + 1))
        assert str(caught.value) == (
            f"GitLab at {emulator.url} refused Acme-SoW.docx (1,048,577 bytes) for {PROJECT}: "
            "it is above the instance's maximum attachment size (413); an administrator can "
            "raise it (Admin > Settings > General > Account and limit > Maximum attachment size)"
        )
        assert not caught.value.fatal and client.traffic.writes == 0
        assert _uploads(emulator.url) == []


def test_an_upload_whose_answer_is_lost_is_not_sent_twice():
    with running_emulator(demo_seed()) as emulator:
        client = GitLab(emulator.url, BOT_TOKEN, sleep=lambda s: None)
        client.bot_username()
        emulator.set_faults(drop_after_write_rate=1.0)
        with pytest.raises(GitLabProblem) as caught:
            client.upload_file(PROJECT, "Acme-SoW.docx", b"doc")
        emulator.set_faults(drop_after_write_rate=0.0)
        assert not caught.value.fatal
        assert str(caught.value).endswith(
            f"while uploading Acme-SoW.docx to {PROJECT}; the next run looks for its link "
            "before uploading it again"
        )
        assert emulator.stats.routes["POST /projects/:id/uploads"] == 1  # sent once, not retried
        assert [u["filename"] for u in _uploads(emulator.url)] == ["Acme-SoW.docx"]
