"""The errors: one root, `TriageError`, for every problem the person running ps-triage can act
on, with a subclass per kind; and the one handler that turns exceptions into messages and exit
codes, with secrets scrubbed (by the console it writes to).

0 ok, 1 a problem the user can fix, 2 usage (click), 3 a bug, 130 interrupted.

The kinds: `UserError` (arguments, files, the environment), `TemplateProblem` (here: the planner
catches it without reaching the template loader), `PolicyInvalid` (policy/loader.py),
`GitLabProblem` (gitlab/adapter.py), `YamlSyntaxError` (yaml_source.py). Exceptions that steer
control flow (`NeedDetail`, the YAML reader's doubts) are not errors and stay in their modules.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .console import Console

OK, USER_ERROR, BUG, INTERRUPTED = 0, 1, 3, 130


class TriageError(Exception):
    """A problem the person running ps-triage can fix; the message says what."""

    def report(self) -> str:
        """What the handler shows."""
        return f"error: {self}"


class UserError(TriageError):
    """Something the person running ps-triage can fix; the message says what."""


class TemplateProblem(TriageError):
    """A template that cannot be loaded or rendered; names the template and line."""


def guarded(console: Console, action: Callable[[], int]) -> int:
    try:
        return action()
    except TriageError as error:
        console.err(error.report())
        return USER_ERROR
    except KeyboardInterrupt:
        console.err("interrupted")
        return INTERRUPTED
    except Exception:  # a bug: say so, with what a bug report needs
        console.err(
            "error: ps-triage hit a bug; please report it with the traceback below\n"
            + traceback.format_exc()
        )
        return BUG
