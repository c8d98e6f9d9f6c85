"""The base of every policy model: an unknown key is an error, a model is frozen.

Every model of the bot's (these, the data block's, the conditions' and actions') defers building
its validator to its first use (`defer_build`): a process builds only those it validates with, a
settled scheduled run not the data block's, and the policy's once, together (~12 ms of every
start; `bench/idle_run.py`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True, populate_by_name=True)
