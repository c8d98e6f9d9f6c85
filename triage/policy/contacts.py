"""The policy's `contacts`: the people and groups the templates mention on purpose."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from .strict import Strict

_HANDLE = r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$"
EM_NOT_A_MEMBER = "{person} is not a member of {project}, so they were not mentioned."
NOT_A_MEMBER = (
    "{person} is not a member of {project}, so they were not mentioned: name a project member "
    "under `people:` instead."
)
MENTIONS_CAPPED = (
    "No one is mentioned here: comments of rule `{rule}` on this issue mentioned people {count} "
    "times in the last 24 hours, the most `contacts.mentions_per_day` allows."
)


class Contacts(Strict):
    """People and groups the templates mention on purpose: usernames or group paths. Left out,
    `approvers` is the users and groups of the approval gate (the `approvals` gate with an `emoji`
    approval: the one the approval request asks for); given, it must name the same ones."""

    approvers: list[str] = Field(default_factory=list)
    delivery_team: list[str] = Field(default_factory=list)
    technical_architects: list[str] = Field(default_factory=list)
    # Project coordinators (usernames): the delivery hand-off issue is assigned to them.
    scheduling: list[str] = Field(default_factory=list)
    # How many comments of one rule on one issue may mention people within 24 hours; the next
    # ones name them without `@` (an estimate changed back and forth re-posts the approval
    # request each time, and mentioned the directors every time).
    mentions_per_day: int = Field(2, ge=1, le=24)
    # The bot's lines below a comment: a person of the data block `notify` names who is not a
    # member of the project (`{person}`: `sa: felix`, `{project}`), the EM apart (no `people:`
    # to fix); and a comment past `mentions_per_day` (`{rule}`, `{count}`).
    not_a_member: str = Field(NOT_A_MEMBER, min_length=1, max_length=500)
    em_not_a_member: str = Field(EM_NOT_A_MEMBER, min_length=1, max_length=500)
    mentions_capped: str = Field(MENTIONS_CAPPED, min_length=1, max_length=500)

    @field_validator("scheduling")
    @classmethod
    def _users(cls, names: list[str]) -> list[str]:
        cleaned = [name.lstrip("@") for name in names]
        for name in cleaned:
            if not re.match(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*$", name):
                raise ValueError(f"'{name}' is not a username (an issue is assigned to users)")
        return cleaned

    @field_validator("approvers", "delivery_team", "technical_architects")
    @classmethod
    def _handles(cls, names: list[str]) -> list[str]:
        cleaned = [name.lstrip("@") for name in names]
        for name in cleaned:
            if not re.match(_HANDLE, name) or name.lower() in ("all", "here"):
                raise ValueError(f"'{name}' is not a username or group path that may be mentioned")
        return cleaned
