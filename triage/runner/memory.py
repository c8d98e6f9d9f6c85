"""The runner's half of the plan memory (see `planner/memory.py`): the digest of what every plan
of a run is made from (the code, read from the package's files, the libraries, the policy, the
templates, the bot, the members; and the approvers, for a plan that judged someone against
them), and what to remember of a plan once made."""

from __future__ import annotations

import functools
import hashlib
import sys
from datetime import datetime
from importlib import metadata
from pathlib import Path

from ..issues.snapshot import IssueSnapshot, Quiet
from ..planner.memory import fingerprint, with_approvers
from ..planner.records import IssuePlan, Settings
from ..policy.model import Policy
from ..render.templates import Templates

LIBRARIES = ("jinja2", "pydantic", "PyYAML")  # what renders and reads, besides the code


@functools.cache
def code_digest() -> str:
    """The planner's code and the libraries it renders and parses with: a new release (or any
    edit) plans every issue afresh."""
    digest = hashlib.sha256(sys.version.encode())
    for name in LIBRARIES:
        digest.update(f"{name}={metadata.version(name)}".encode())
    package = Path(__file__).parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run_digest(
    policy: Policy, templates: Templates, bot: str, members: frozenset[str] | None = None
) -> str:
    """What every plan of a run is made from besides its issue and the time (the project's
    members decide who a comment mentions). Not the approvers: a run reads them only when a
    plan judges someone against them, and such a plan is remembered with them (`remember`)."""
    digest = hashlib.sha256(code_digest().encode())
    digest.update(policy.model_dump_json().encode())
    for name, source in sorted(templates.sources.items()):
        digest.update(f"\0{name}\0{source}".encode())
    digest.update(f"\0{bot}\0".encode())
    digest.update(f"\0members:{'-' if members is None else ','.join(sorted(members))}".encode())
    return digest.hexdigest()


def remember(
    plan: IssuePlan, issue: IssueSnapshot, now: datetime, settings: Settings
) -> Quiet | None:
    """What to remember of `issue`, planned at `now` with `plan`: its memory again if the plan was
    recalled; a new one if the plan had nothing to do (and holds beyond now); else nothing."""
    if plan.recalled:
        return issue.quiet
    until = plan.holds_until
    if plan.has_changes or plan.error or plan.needs or not settings.digest:
        return None
    if until is not None and until <= now:
        return None
    awards = tuple(sorted(issue.note_awards))
    em = settings.assignments.get((issue.project, issue.iid))
    digest = settings.digest
    if plan.judged:  # recalled only with the same approvers, read again (`recall`)
        digest = with_approvers(digest, settings.approvers, settings.ids)
    return Quiet(fingerprint(issue, digest, em, awards), now, until, awards, plan.judged)
