"""What every condition is (`Condition`) and what its evaluation says (`Outcome`): the registry
of conditions is `conditions.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from .facts import Facts
from .reasons import Reason, samples


@dataclass(frozen=True)
class Outcome:
    met: bool
    saw: str
    # What the comments of the transition or rule it let through may show of what it found
    # (`review` of `review_outdated`); the outcomes `all`, `any` and `not` combine keep them all.
    found: Mapping[str, Any] = field(default_factory=dict)
    # What it saw as data (`reasons.py`): the comments word it (`reasons`, templates/reasons.j2)
    # where `saw` is the operator's English (`triage explain`); `all`, `any`, `not` keep them all.
    reasons: tuple[Reason, ...] = ()


class Condition(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    key: ClassVar[str]
    summary: ClassVar[str]
    example: ClassVar[str]
    # What it finds for the comments it lets through (`Outcome.found`), as the templates are
    # checked with it (`found_samples`).
    found_sample: ClassVar[dict[str, Any]] = {}

    def found_samples(self) -> dict[str, Any]:
        return dict(self.found_sample)

    def reason_samples(self) -> list[Reason]:
        """Every reason it can give, with sample parameters (the templates are checked with them)."""
        return samples(self.key)

    def evaluate(self, facts: Facts) -> Outcome:
        raise NotImplementedError
