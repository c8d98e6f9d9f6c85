"""Rate-limit headers: on the 429 only, unless turned on; and a 429 from the edge with none.

Follows GitLab's source `lib/gitlab/rack_attack.rb` (`throttled_response_headers`: "Those
headers will be sent back to the client when it gets throttled"; the 429 is text/plain with
`Retry-After` and `RateLimit-*`), and gitlab-org/gitlab#365728 (gitlab.com's edge answers 429
with no `Retry-After` and no `RateLimit-*` header).
"""

import requests

from gitlab_emulator.testing import admin

RATE_HEADERS = (
    "RateLimit-Name",
    "RateLimit-Limit",
    "RateLimit-Observed",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-ResetTime",
)


def seed(**extra):
    return {
        "users": [{"username": "bot", "token": "t"}],
        "projects": [
            {
                "path": "g/p",
                "members": [{"username": "bot", "access_level": 40}],
                "issues": [{"iid": 1, "title": "x", "author": "bot"}],
            }
        ],
        **extra,
    }


# The checks below take an `emulator` too: they set up the emulator's own throttle and edge, so
# against a real GitLab they are skipped with that reason.


def get(url, path="/api/v4/projects/g%2Fp"):
    return requests.get(f"{url}{path}", headers={"PRIVATE-TOKEN": "t"}, timeout=5)


def test_an_answer_that_was_not_throttled_has_no_rate_limit_headers(target):
    answer = requests.get(
        f"{target.url}/api/v4/user", headers={"PRIVATE-TOKEN": target.token}, timeout=10
    )
    assert answer.status_code == 200
    assert not [name for name in RATE_HEADERS if name in answer.headers]


def test_with_a_throttle_only_the_429_carries_the_headers_by_default(emulator, gitlab_emulator):
    emu = gitlab_emulator(seed(rate_limit={"per_minute": 2}))
    first, _, limited = (get(emu.url) for _ in range(3))
    assert first.status_code == 200
    assert not [name for name in RATE_HEADERS if name in first.headers]
    assert limited.status_code == 429 and limited.text == "Retry later\n"
    assert all(name in limited.headers for name in (*RATE_HEADERS, "Retry-After"))


def test_the_always_on_headers_are_a_seed_option(emulator, gitlab_emulator):
    emu = gitlab_emulator(seed(rate_limit={"per_minute": 5, "headers": True}))
    answer = get(emu.url)
    assert answer.status_code == 200 and answer.headers["RateLimit-Remaining"] == "4"


def test_the_edge_answers_429_with_no_retry_after_and_drops_the_request(emulator, gitlab_emulator):
    emu = gitlab_emulator(seed(faults={"edge_throttle_rate": 1.0}))
    answer = requests.post(
        f"{emu.url}/api/v4/projects/g%2Fp/issues/1/notes",
        headers={"PRIVATE-TOKEN": "t"},
        json={"body": "never arrives"},
        timeout=5,
    )
    assert answer.status_code == 429
    assert "Retry-After" not in answer.headers
    assert not [name for name in RATE_HEADERS if name in answer.headers]
    admin(emu.url, "faults", {"edge_throttle_rate": 0.0})
    assert get(emu.url, "/api/v4/projects/g%2Fp/issues/1/notes").json() == []
