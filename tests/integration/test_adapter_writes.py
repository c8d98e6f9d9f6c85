"""The adapter's one write path: every write is paced before GitLab's rate limit bites, and
every write of the triage is counted (the run lease's bookkeeping is not)."""

import time
from collections.abc import Callable

from gitlab_emulator.testing import running_emulator
from triage.commands.demo_data import BOT_TOKEN, DELIVERY_PROJECT, PROJECT, demo_seed
from triage.gitlab.adapter import GitLab


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
