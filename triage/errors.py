"""One handler turns exceptions into messages and exit codes, with secrets scrubbed.

0 ok, 1 a problem the user can fix, 2 usage (click), 3 a bug, 130 interrupted.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

from .console import Console
from .gitlab.adapter import GitLabProblem
from .policy.loader import PolicyInvalid
from .render.templates import TemplateProblem

OK, USER_ERROR, BUG, INTERRUPTED = 0, 1, 3, 130


class UserError(Exception):
    """Something the person running ps-triage can fix; the message says what."""


def guarded(console: Console, action: Callable[[], int]) -> int:
    try:
        return action()
    except PolicyInvalid as error:
        count = len(error.problems)
        console.err(
            f"error: the policy is invalid ({count} problem{'s' if count != 1 else ''}); nothing was written\n{error}"
        )
        return USER_ERROR
    except (UserError, TemplateProblem, GitLabProblem) as error:
        console.err(f"error: {error}")
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
