"""The emulator's own controls: rate limits, faults, clock, counting, large listings."""

import subprocess
import sys
import threading
import time

import gitlab
import pytest
import requests

from gitlab_emulator.testing import admin

USERS = [{"username": "bot", "token": "t"}]


def seed(**extra):
    return {
        "users": USERS,
        "projects": [
            {
                "path": "g/p",
                "members": [{"username": "bot", "access_level": 40}],
                "issues": [{"iid": 1, "title": "one", "author": "bot"}],
            }
        ],
        **extra,
    }


def test_rate_limit_answers_429_text_with_retry_after(gitlab_emulator):
    emu = gitlab_emulator(seed(rate_limit={"per_minute": 2, "headers": True}))
    url = f"{emu.url}/api/v4/projects/g%2Fp"
    answers = [requests.get(url, headers={"PRIVATE-TOKEN": "t"}, timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["RateLimit-Remaining"] == "1"
    limited = answers[2]
    assert limited.text == "Retry later\n" and limited.headers["Content-Type"] == "text/plain"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    for name in (
        "RateLimit-Name",
        "RateLimit-Limit",
        "RateLimit-Observed",
        "RateLimit-Reset",
        "RateLimit-ResetTime",
    ):
        assert name in limited.headers


def test_rate_limit_headers_can_be_switched_off(gitlab_emulator):
    emu = gitlab_emulator(seed(rate_limit={"per_minute": 100, "headers": False}))
    answer = requests.get(
        f"{emu.url}/api/v4/projects/g%2Fp", headers={"PRIVATE-TOKEN": "t"}, timeout=5
    )
    assert answer.status_code == 200 and "RateLimit-Remaining" not in answer.headers


def test_python_gitlab_waits_out_a_429(gitlab_emulator):
    emu = gitlab_emulator(seed(rate_limit={"per_minute": 1, "period_seconds": 2}))
    gl = gitlab.Gitlab(emu.url, private_token="t")
    # Three quick requests span at most one 2-second window boundary, so two share a window:
    # at least one is answered 429, and python-gitlab waits it out and retries.
    projects = [gl.projects.get("g/p") for _ in range(3)]
    stats = admin(emu.url, "stats")
    assert [p.path_with_namespace for p in projects] == ["g/p"] * 3
    assert stats["throttled"] >= 1 and stats["requests"]["GET"] == 3 + stats["throttled"]


def test_error_rate_one_answers_5xx_and_changes_nothing(gitlab_emulator):
    emu = gitlab_emulator(seed(faults={"seed": 3, "error_rate": 1.0}))
    answer = requests.put(
        f"{emu.url}/api/v4/projects/g%2Fp/issues/1",
        json={"add_labels": "x"},
        headers={"PRIVATE-TOKEN": "t"},
        timeout=5,
    )
    assert answer.status_code in (500, 502, 503)
    admin(emu.url, "faults", {"error_rate": 0.0})
    assert gitlab.Gitlab(emu.url, private_token="t").projects.get("g/p").issues.get(1).labels == []


def test_faults_are_deterministic_from_the_seed(gitlab_emulator):
    def pattern():
        emu = gitlab_emulator(seed(faults={"seed": 11, "error_rate": 0.5}))
        return [
            requests.get(
                f"{emu.url}/api/v4/projects/g%2Fp", headers={"PRIVATE-TOKEN": "t"}, timeout=5
            ).status_code
            for _ in range(12)
        ]

    first, second = pattern(), pattern()
    assert first == second and 200 in first and any(code >= 500 for code in first)


def test_drop_after_write_applies_then_loses_the_answer(gitlab_emulator):
    emu = gitlab_emulator(seed(faults={"drop_after_write_rate": 1.0}))
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{emu.url}/api/v4/projects/g%2Fp/issues/1/notes",
            json={"body": "hello"},
            headers={"PRIVATE-TOKEN": "t"},
            timeout=5,
        )
    notes = requests.get(
        f"{emu.url}/api/v4/projects/g%2Fp/issues/1/notes", headers={"PRIVATE-TOKEN": "t"}, timeout=5
    )
    assert [n["body"] for n in notes.json()] == ["hello"]


def test_latency_is_added(gitlab_emulator):
    emu = gitlab_emulator(seed(faults={"latency_ms": 150}))
    started = time.monotonic()
    requests.get(f"{emu.url}/api/v4/projects/g%2Fp", headers={"PRIVATE-TOKEN": "t"}, timeout=5)
    assert time.monotonic() - started >= 0.15


def test_stats_keep_the_most_requests_answered_at_once(gitlab_emulator):
    emu = gitlab_emulator(seed(faults={"latency_ms": 400}))

    def get():
        requests.get(f"{emu.url}/api/v4/projects/g%2Fp", headers={"PRIVATE-TOKEN": "t"}, timeout=5)

    get()
    assert admin(emu.url, "stats")["peak_in_flight"] == 1
    threads = [threading.Thread(target=get) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admin(emu.url, "stats")["peak_in_flight"] == 3  # each waits 400 ms: all three overlap
    admin(emu.url, "stats/reset", {})
    assert admin(emu.url, "stats")["peak_in_flight"] == 0


def test_clock_is_pinned_moves_forward_and_never_back(gitlab_emulator):
    emu = gitlab_emulator(seed(now="2026-11-02T09:00:00Z"))
    gl = gitlab.Gitlab(emu.url, private_token="t")
    issue = gl.projects.get("g/p").issues.create({"title": "now"})
    assert issue.created_at == "2026-11-02T09:00:00.000Z"
    admin(emu.url, "clock", {"advance_seconds": 86400})
    assert (
        gl.projects.get("g/p").issues.create({"title": "later"}).created_at
        == "2026-11-03T09:00:00.000Z"
    )
    with pytest.raises(Exception, match="400"):
        admin(emu.url, "clock", {"now": "2026-01-01T00:00:00Z"})


def test_stats_count_by_method_and_route_and_reset(gitlab_emulator):
    emu = gitlab_emulator(seed())
    gl = gitlab.Gitlab(emu.url, private_token="t")
    project = gl.projects.get("g/p")
    project.issues.list()
    project.issues.update(1, {"add_labels": "x"})
    stats = admin(emu.url, "stats")
    assert stats["requests"] == {"GET": 2, "POST": 0, "PUT": 1, "DELETE": 0}
    assert stats["routes"]["GET /projects/:id/issues"] == 1
    assert stats["routes"]["PUT /projects/:id/issues/:issue_iid"] == 1
    admin(emu.url, "stats/reset", {})
    assert admin(emu.url, "stats")["requests"]["GET"] == 0


def test_above_ten_thousand_totals_are_omitted(gitlab_emulator):
    issues = [{"iid": i, "title": f"t{i}", "author": "bot"} for i in range(1, 10_002)]
    emu = gitlab_emulator(
        {
            "users": USERS,
            "projects": [
                {
                    "path": "g/p",
                    "members": [{"username": "bot", "access_level": 40}],
                    "issues": issues,
                }
            ],
        }
    )
    answer = requests.get(
        f"{emu.url}/api/v4/projects/g%2Fp/issues?per_page=100",
        headers={"PRIVATE-TOKEN": "t"},
        timeout=10,
    )
    assert "X-Total" not in answer.headers and "X-Total-Pages" not in answer.headers
    assert 'rel="last"' not in answer.headers["Link"] and answer.headers["X-Next-Page"] == "2"
    listing = (
        gitlab.Gitlab(emu.url, private_token="t")
        .projects.get("g/p")
        .issues.list(per_page=100, iterator=True)
    )
    assert listing.total is None


def test_command_line_prints_the_base_url_first(tmp_path):
    path = tmp_path / "seed.yml"
    path.write_text("users: [{username: bot, token: t}]\nprojects: [{path: g/p}]\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "gitlab_emulator", str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("GitLab emulator listening on http://127.0.0.1:")
        url = line.split()[-1]
        assert (
            requests.get(
                f"{url}/api/v4/projects/g%2Fp", headers={"PRIVATE-TOKEN": "t"}, timeout=5
            ).status_code
            == 404
        )
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_date_header_follows_the_emulator_clock(gitlab_emulator):
    emu = gitlab_emulator(seed(now="2026-11-02T09:00:00Z"))
    answer = requests.get(
        f"{emu.url}/api/v4/projects/g%2Fp", headers={"PRIVATE-TOKEN": "t"}, timeout=5
    )
    assert answer.headers["Date"] == "Mon, 02 Nov 2026 09:00:00 GMT"


def test_triage_emulator_command_prints_the_base_url_first(tmp_path):
    path = tmp_path / "seed.yml"
    path.write_text(
        "users: [{username: bot, token: t}]\nprojects: [{path: g/p, members: [{username: bot, access_level: 30}]}]\n"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from triage.cli import entry; entry()",
            "emulator",
            "--seed",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("GitLab emulator listening on http://127.0.0.1:")
        project = gitlab.Gitlab(line.split()[-1], private_token="t").projects.get("g/p")
        assert project.path_with_namespace == "g/p"
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_triage_emulator_refuses_a_bad_seed(tmp_path):
    path = tmp_path / "seed.yml"
    path.write_text(
        "users: [{username: bot}]\nprojects: [{path: g/p, issues: [{title: t, author: nobody}]}]\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from triage.cli import entry; entry()",
            "emulator",
            "--seed",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: {path}: projects[0] (g/p).issues[0] (t).author: "
        "'nobody' is not a declared user (add it under users:)"
    )


def test_with_few_workers_requests_wait_their_turn(gitlab_emulator):
    emu = gitlab_emulator(seed(faults={"workers": 1, "work_ms": 150}))
    took = []

    def get():
        started = time.monotonic()
        requests.get(f"{emu.url}/api/v4/projects/g%2Fp", headers={"PRIVATE-TOKEN": "t"}, timeout=5)
        took.append(time.monotonic() - started)

    threads = [threading.Thread(target=get) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One worker: the second answer waits for the first, the third for both.
    assert [round(t, 2) >= 0.15 * turn for turn, t in enumerate(sorted(took), 1)] == [True] * 3
    assert admin(emu.url, "stats")["peak_in_flight"] == 3  # the waiting ones are in flight too


def test_more_workers_let_the_waiting_requests_go(gitlab_emulator):
    emu = gitlab_emulator(seed(faults={"workers": 1, "work_ms": 300}))
    answered = []

    def get():
        requests.get(f"{emu.url}/api/v4/projects/g%2Fp", headers={"PRIVATE-TOKEN": "t"}, timeout=5)
        answered.append(time.monotonic())

    threads = [threading.Thread(target=get) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)  # one is worked on, one waits
    admin(emu.url, "faults", {"workers": 0, "work_ms": 0})
    for thread in threads:
        thread.join()
    assert len(answered) == 2
    assert admin(emu.url, "faults", {})["workers"] == 0
