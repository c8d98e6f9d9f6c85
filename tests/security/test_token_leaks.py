"""A pasted token never shows, in any form, on any way out of a run.

The operator pastes `GITLAB_TOKEN` into CI, often with a trailing newline (`\\n`, or `\\r\\n` from
a Windows clipboard). Each test runs the real `triage` command in a subprocess, so that nothing it
writes (stdout, stderr, logging, warnings, a traceback, the JSON report) escapes the capture, and
searches all of it for every form the token can take when printed: as text, its `repr` (escapes),
its bytes `repr` (`b'...'`), percent-encoded (as in a URL, either case of hex digits), JSON-escaped,
and its secret middle alone. The tokens hold `+`, `/`, `=` and `~` so that those forms differ.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from gitlab_emulator import Emulator
from gitlab_emulator.testing import running_emulator
from triage.commands.demo_data import demo_seed

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "glpat-Pa5ted+Tok/en=9~x"  # the bot's token in the emulator
REFUSED = "glpat-Revoked+Tok/en=7~y"  # a token GitLab does not know

# Starts the command as the `triage` script does; a file named by LEAK_TEST_PATCH runs first.
LAUNCHER = """
import os, sys
patch = os.environ.pop("LEAK_TEST_PATCH", "")
if patch:
    with open(patch) as source:
        exec(compile(source.read(), patch, "exec"))
from triage.cli import entry
sys.argv[0] = "triage"
entry()
"""


def forms(secret: str) -> set[str]:
    """Every way `secret` can be printed that a reader could copy it back from."""
    found = {secret, secret.strip()}
    for text in list(found):
        encoded = text.encode()
        found |= {
            repr(text)[1:-1],
            repr(encoded)[2:-1],
            quote(text, safe=""),
            quote(text),
            quote_plus(text),
            quote(text, safe="").lower(),
            json.dumps(text)[1:-1],
        }
    # Each without its first six and last two characters: a form cut (or wrapped onto a new
    # line at the `-` of `glpat-`) still gives the token away.
    return found | {form[6:-2] for form in found}


@dataclass
class Run:
    code: int
    output: str  # stdout, stderr and the report, everything the run wrote

    def leaks(self, secret: str) -> list[str]:
        return sorted(f for f in forms(secret) if f in self.output)


def seed_with_token() -> dict[str, Any]:
    """The demo's seed, the bot's token being TOKEN."""
    seed: dict[str, Any] = demo_seed()
    for user in seed["users"]:
        if user["username"] == "ps-bot":
            user["token"] = TOKEN
    return seed


@pytest.fixture(scope="module")
def gitlab() -> Iterator[Emulator]:
    with running_emulator(seed_with_token()) as emulator:
        yield emulator


def triage(
    tmp_path: Path,
    args: list[str],
    url: str,
    token: str,
    patch: str | None = None,
    environment: dict[str, str] | None = None,
) -> Run:
    """`triage ARGS` with GITLAB_TOKEN=token against `url`, as a CI job runs it (with the
    `environment` variables besides)."""
    report = tmp_path / "report.json"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GITLAB_URL", "CI_SERVER_URL", "TRIAGE_PROJECT", "CI_PROJECT_PATH")
    }
    env.update(GITLAB_URL=url, GITLAB_TOKEN=token, NO_COLOR="1", PYTHONWARNINGS="default")
    env.update(environment or {})
    if patch is not None:
        (tmp_path / "patch.py").write_text(patch)
        env["LEAK_TEST_PATCH"] = str(tmp_path / "patch.py")
    paths = ["--policies", str(ROOT / "policies"), "--templates", str(ROOT / "templates")]
    command = [args[0], *paths, *args[1:]]
    if args[0] in ("plan", "apply"):
        command += ["--report", str(report)]
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, "-v", *command],
        env=env,
        capture_output=True,
        timeout=120,
        cwd=tmp_path,
    )
    written = report.read_bytes() if report.exists() else b""
    text = b"\n".join((done.stdout, done.stderr, written)).decode("utf-8", "replace")
    return Run(done.returncode, text)


def test_a_token_pasted_with_a_newline_works_and_never_shows(gitlab, tmp_path):
    for pasted, command in ((TOKEN + "\n", "apply"), (TOKEN + "\r\n", "plan")):
        run = triage(tmp_path, [command], gitlab.url, pasted)
        assert run.code == 0, run.output
        assert "report written to" in run.output
        assert run.leaks(pasted) == []


def test_a_token_with_space_around_it_works_and_never_shows(gitlab, tmp_path):
    pasted = f" \t{TOKEN} \n"
    run = triage(tmp_path, ["plan"], gitlab.url, pasted)
    assert run.code == 0, run.output
    assert run.leaks(pasted) == []


def test_a_token_broken_inside_is_a_usage_error_that_never_shows_it(gitlab, tmp_path):
    for pasted in (TOKEN[:12] + "\n" + TOKEN[12:], TOKEN[:12] + " " + TOKEN[12:], TOKEN + "\x1b"):
        run = triage(tmp_path, ["plan"], gitlab.url, pasted)
        assert run.code == 2, run.output
        assert "GITLAB_TOKEN" in run.output and "inside" in run.output
        assert run.leaks(pasted) == [] and run.leaks(TOKEN) == []


def test_a_refused_token_never_shows(gitlab, tmp_path):
    run = triage(tmp_path, ["apply"], gitlab.url, REFUSED + "\n")
    assert run.code == 1, run.output
    assert "refused the token (401)" in run.output
    assert run.leaks(REFUSED + "\n") == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_gitlab_never_shows_the_token(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    run = triage(tmp_path, ["plan"], url, TOKEN + "\r\n")
    assert run.code == 1, run.output
    assert f"cannot reach GitLab at {url}" in run.output
    assert run.leaks(TOKEN + "\r\n") == []


class Echo(BaseHTTPRequestHandler):
    """Not GitLab: answers every request with what it was sent, headers and all, the way a
    misconfigured proxy or a debugging endpoint does."""

    status, content_type, shape = 200, "text/html", "{}"

    def do_GET(self) -> None:
        sent = f"{self.command} {self.path}\n{self.headers}"
        body = (
            self.shape.format(json.dumps(sent))
            if "json" in self.content_type
            else f"<html><body><pre>{sent}</pre></body></html>"
        )
        data = body.encode()
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_PUT = do_GET

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def not_gitlab(status: int, content_type: str, shape: str = "{}") -> Iterator[str]:
    handler = type(
        "Answer", (Echo,), {"status": status, "content_type": content_type, "shape": shape}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "status, content_type, shape",
    [
        (200, "text/html", ""),  # a web page (a sign-in page, a proxy's page)
        (200, "application/json", "[{}]"),  # JSON, but not the shape of GitLab's answer
        (200, "application/json", '{{"username": {}}}'),  # GitLab's shape, the token inside
        (404, "application/json", '{{"message": {}}}'),  # an error whose message holds the token
        (403, "application/json", '{{"error": {}}}'),
    ],
    ids=["html", "json-list", "json-echo", "404-message", "403-error"],
)
def test_a_server_that_is_not_gitlab_never_shows_the_token(tmp_path, status, content_type, shape):
    with not_gitlab(status, content_type, shape) as url:
        run = triage(tmp_path, ["apply", "--project", "ps/ps-plan"], url, TOKEN + "\n")
    assert run.code == 1, run.output
    assert url in run.output and "Traceback" not in run.output
    assert run.leaks(TOKEN + "\n") == []


FORCED_BUG = """
import http.client, logging, warnings
from urllib.parse import quote
import triage.commands.run

# An operator debugging a run: every logger at DEBUG on a handler made before the run starts,
# and http.client printing each request it sends, headers and all.
logging.basicConfig(level=logging.DEBUG)
http.client.HTTPConnection.debuglevel = 1

def broken_run(policy, gitlab, *args, **kwargs):
    gitlab.bot_username()
    token = gitlab._gl.private_token
    logging.getLogger("gitlab").warning("sending PRIVATE-TOKEN %s", token)
    logging.getLogger("urllib3").error("token bytes %r", token.encode())
    warnings.warn(f"the token is {token!r}", stacklevel=1)
    try:
        raise ValueError(f"Invalid header value {token.encode()!r}")
    except ValueError as error:
        raise RuntimeError(f"GET /user?private_token={quote(token, safe='')} failed: {token}") from error

triage.commands.run.run = broken_run
"""


def test_a_bug_in_a_run_never_shows_the_token(gitlab, tmp_path):
    run = triage(tmp_path, ["apply"], gitlab.url, TOKEN + "\n", patch=FORCED_BUG)
    assert run.code == 3, run.output
    assert "Traceback" in run.output and "RuntimeError" in run.output and "ValueError" in run.output
    assert "sending PRIVATE-TOKEN" in run.output and "token bytes" in run.output
    assert "the token is" in run.output and "send: b'GET /api/v4/user" in run.output
    assert run.leaks(TOKEN + "\n") == []


ISSUE_FAILS = """
from urllib.parse import quote
from triage.gitlab.adapter import GitLab, GitLabProblem

def failing_events(self, project, iid):
    token = self._gl.private_token
    raise GitLabProblem(f"refused {token} {token.encode()!r} {quote(token, safe='')}")

GitLab.label_events = failing_events
"""


def test_an_issue_that_fails_never_shows_the_token_in_the_report(gitlab, tmp_path):
    run = triage(tmp_path, ["apply"], gitlab.url, TOKEN + "\n", patch=ISSUE_FAILS)
    assert run.code == 1, run.output
    assert '"error": "refused [MASKED] b\'[MASKED]\' [MASKED]"' in run.output
    assert run.leaks(TOKEN + "\n") == []


def test_a_gitlab_url_carrying_a_password_is_a_usage_error_that_never_shows_it(gitlab, tmp_path):
    """A careless operator writes the credentials into GITLAB_URL (`https://user:pass@host`, or
    `?private_token=` as some tools take it): refused before anything prints the URL."""
    secret = "hunter2+Pass/word=9~z"
    host = gitlab.url.split("://", 1)[1]
    for url in (
        f"http://oauth2:{quote(secret, safe='')}@{host}",
        f"http://{quote(secret, safe='')}@{host}",
        f"{gitlab.url}/?private_token={quote(secret, safe='')}",
    ):
        run = triage(tmp_path, ["plan"], url, TOKEN)
        assert run.code == 2, run.output
        assert "GITLAB_URL" in run.output
        assert run.leaks(secret) == [] and run.leaks(TOKEN) == []


def test_a_token_pasted_into_an_issue_never_shows_in_the_terminal_table(tmp_path, monkeypatch):
    """Someone pastes the bot's token into an issue's data block (as a role): the plan's why
    column quotes it. The table is drawn by rich, which wraps a long word over two lines, where
    masking line by line would no longer see it: every cell is masked before it is drawn."""
    from triage.commands.demo_data import description

    seed: dict[str, Any] = demo_seed()
    for user in seed["users"]:
        if user["username"] == "ps-bot":
            user["token"] = TOKEN
    block = f"customer: Pasted Inc\nline_items:\n  - activity: Discovery\n    role: {TOKEN}\n    days: 1\n"
    with running_emulator(seed) as emulator:
        import gitlab as python_gitlab

        project = python_gitlab.Gitlab(emulator.url, private_token="dana-token").projects.get(
            "ps/ps-plan", lazy=True
        )
        project.issues.create(
            {
                "title": "Pasted Inc",
                "labels": "Services Calculator",
                "description": description("A pasted token", [], block),
            }
        )
        for columns in ("50", "200"):
            monkeypatch.setenv("COLUMNS", columns)
            run = triage(tmp_path, ["plan"], emulator.url, TOKEN)
            assert run.code == 0, run.output
            assert "data-block-problem" in run.output and "[MASKED]" in run.output
            assert run.leaks(TOKEN) == [] and "Pa5ted" not in run.output
