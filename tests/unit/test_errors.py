"""The error handler: messages and exit codes, the token masked even in a bug's traceback."""

import io

from triage.console import Console
from triage.errors import BUG, INTERRUPTED, USER_ERROR, UserError, guarded

SECRET = "glpat-abcdefghijklmnop"


def run(action):
    out, err = io.StringIO(), io.StringIO()
    code = guarded(Console(secrets=[SECRET], out=out, err=err), action)
    return code, out.getvalue() + err.getvalue()


def test_user_error_is_one_line_and_exit_1():
    def fail():
        raise UserError("no token: set GITLAB_TOKEN")

    assert run(fail) == (USER_ERROR, "error: no token: set GITLAB_TOKEN\n")


def test_a_bug_exits_3_with_a_traceback_and_the_token_masked():
    def bug():
        raise RuntimeError(f"request with PRIVATE-TOKEN {SECRET} failed")

    code, text = run(bug)
    assert code == BUG and "Traceback" in text and "RuntimeError" in text
    assert SECRET not in text and "[MASKED]" in text


def test_interrupt_exits_130():
    def interrupted():
        raise KeyboardInterrupt

    assert run(interrupted) == (INTERRUPTED, "interrupted\n")
