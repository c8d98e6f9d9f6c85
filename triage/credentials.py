"""The credentials a run is started with, taken out of the process environment.

A program the run starts (LibreOffice, and whatever it starts in turn) can read the run's
environment as the process began, `/proc/<parent>/environ`, which Linux reads from the memory
the environment was handed over in: removing a variable from the environment (`unsetenv`) only
drops its pointer, and the text stays readable there. `take` reads each credential once, blanks
its value in that memory, then removes it: afterwards the process's environment, as any program
sees it, holds none of them.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Mapping, MutableMapping

# The token the bot uses, the read-only one the merge-request pipeline has beside it, and the
# credentials GitLab CI gives every job (the job token, also inside the repository URL; the
# registry, deploy and dependency-proxy passwords; the job's JWTs).
CREDENTIALS = (
    "GITLAB_TOKEN",
    "GITLAB_READ_TOKEN",
    "CI_JOB_TOKEN",
    "CI_REPOSITORY_URL",
    "CI_REGISTRY_PASSWORD",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPENDENCY_PROXY_PASSWORD",
    "CI_JOB_JWT",
    "CI_JOB_JWT_V1",
    "CI_JOB_JWT_V2",
    # the Salesforce sync's (`triage salesforce`): the consumer secret and the JWT key (or its path)
    "SF_CLIENT_SECRET",
    "SF_PRIVATE_KEY",
    # `triage serve`'s webhook secret, and the one it replaces during a rotation
    "TRIAGE_WEBHOOK_SECRET",
    "TRIAGE_WEBHOOK_SECRET_PREVIOUS",
)


def read(environment: MutableMapping[str, str]) -> dict[str, str]:
    """The credentials in `environment`, left there (a test calling the command in-process)."""
    return {name: environment[name] for name in CREDENTIALS if name in environment}


def take(environment: MutableMapping[str, str]) -> dict[str, str]:
    """The credentials in `environment` (the process's own), removed from it and
    blanked where the process's initial environment keeps them."""
    found = read(environment)
    if found:
        _blank({f"{name}=".encode() for name in found})
    for name in found:
        del environment[name]
    return found


def _blank(prefixes: set[bytes]) -> None:
    """Overwrite with NULs the values of the C library's `environ` entries starting with one of
    `prefixes` (Linux: that text is what /proc/<pid>/environ shows). Elsewhere, or without the
    C library's `environ`, nothing: removing the variable is all there is."""
    if not sys.platform.startswith("linux"):
        return
    try:
        entries = ctypes.POINTER(ctypes.c_void_p).in_dll(ctypes.CDLL(None), "environ")
    except (OSError, ValueError):
        return
    index = 0
    while (address := entries[index]) is not None:
        entry = ctypes.string_at(address)
        prefix = next((p for p in prefixes if entry.startswith(p)), None)
        if prefix is not None:
            ctypes.memset(address + len(prefix), 0, len(entry) - len(prefix))
        index += 1


class TokenRefused(ValueError):
    """A GITLAB_TOKEN that cannot be a token: the message says why, never what it holds."""


def gitlab_token(found: Mapping[str, str]) -> str | None:
    """GITLAB_TOKEN without the space around it (a pasted token often ends in a newline). One
    with space or control characters inside, or a character that is not ASCII (HTTP headers are
    Latin-1: `€` ended in exit 3 inside http.client), is refused."""
    token = found.get("GITLAB_TOKEN", "").strip()
    if any(c.isspace() or not c.isprintable() for c in token):
        raise TokenRefused(
            "GITLAB_TOKEN has a space, line break or control character inside it (not only "
            "around it): set it again to the token alone, on one line (its value is not shown)"
        )
    if not token.isascii():
        raise TokenRefused(
            "GITLAB_TOKEN has a character that is not ASCII (a GitLab token is letters, digits, "
            "'-', '_' and '.'): set it again to the token copied from GitLab (its value is not "
            "shown)"
        )
    return token or None
