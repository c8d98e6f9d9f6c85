"""Load `policies/*.yml` into one Policy, or fail naming file, line:column, key path and fix.

Top-level keys may be spread over several files (each key in one file), except `rules`,
whose lists are joined in file-name order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..catalog import FixedPrice, Offering
from ..errors import TriageError
from ..rules.actions import ACTION_KEYS, ACTIONS, CommentSpec
from ..rules.conditions import CONDITION_KEYS, CONDITIONS
from ..yaml_source import (
    Bounds,
    Located,
    Position,
    YamlRefused,
    YamlSyntaxError,
    check_bounds,
    parse,
)
from .calendars import KeptHolidays, read_places
from .checks import (
    GraphProblem,
    check_approvers,
    check_catalog,
    check_changes_since,
    check_emoji_names,
    check_lifecycle,
)
from .model import Calendar, Lifecycle, Policy, Rule, Scope, Stage, Transition

JOINED_LISTS = ("rules",)
# What is read of a policy, all its files together, whatever they hold (the merge-request `plan`
# job reads policies before anyone reviews them): about 20 times the shipped policy (14 KB,
# 1,100 values, 11 levels deep). Anchors and aliases may repeat values, not multiply them:
# every value counts as often as aliases repeat it.
MAX_POLICY_BYTES = 262_144
MAX_POLICY_DEPTH = 32
MAX_POLICY_VALUES = 20_000
_SHORTER = "keep the policy to the stages and rules it needs"


@dataclass(frozen=True)
class PolicyProblem:
    file: str
    position: Position | None
    path: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = (
            f"{self.file}:{self.position.line}:{self.position.column}"
            if self.position
            else self.file
        )
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text}\n    fix: {self.fix}" if self.fix else text


class PolicyInvalid(TriageError):
    def __init__(self, problems: list[PolicyProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def report(self) -> str:
        count = len(self.problems)
        return (
            f"error: the policy is invalid ({count} problem{'s' if count != 1 else ''}); "
            f"nothing was written\n{self}"
        )


@dataclass(frozen=True)
class _Source:
    file: str
    located: Located


class _Origins:
    """Maps a path in the merged data back to the file and position it came from."""

    def __init__(self) -> None:
        self.top: dict[str, _Source] = {}
        self.joined: dict[str, list[tuple[_Source, int]]] = {key: [] for key in JOINED_LISTS}

    def locate(self, path: tuple[Any, ...]) -> tuple[str, Position | None, tuple[Any, ...]]:
        if not path:
            first = next(iter(self.top.values()), None)
            return (first.file if first else "policies", None, ())
        key = str(path[0])
        if (
            key in self.joined
            and len(path) > 1
            and isinstance(path[1], int)
            and path[1] < len(self.joined[key])
        ):
            source, local = self.joined[key][path[1]]
            local_path = (key, local, *path[2:])
            return source.file, source.located.position(local_path), local_path
        found = self.top.get(key)
        if found is None:  # a key no file writes: the file that writes the most of the policy
            files = [s.file for s in self.top.values()]
            main = max(files, key=files.count)
            found = next(s for s in self.top.values() if s.file == main)
        return found.file, found.located.position(path), path


def _known_words() -> list[str]:
    words = set(CONDITION_KEYS) | set(ACTION_KEYS)
    for model in (
        Policy,
        Scope,
        Calendar,
        Lifecycle,
        Stage,
        Transition,
        Rule,
        Offering,
        FixedPrice,
        CommentSpec,
        *CONDITIONS,
        *ACTIONS,
    ):
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for name, info in model.model_fields.items():
            words.add(info.alias or name)
    return sorted(words)


def _key_path(data: Any, path: tuple[Any, ...]) -> str:
    """`lifecycle.transitions[discovery-done].when.task`: list items named by their id."""
    out = ""
    node = data
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            name = item.get("id") if isinstance(item, dict) else None
            out += f"[{name}]" if isinstance(name, str) else f"[{part}]"
            node = item
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the union tags pydantic puts in locations (`when.task.task` -> `when.task`)."""
    out: list[Any] = []
    for part in loc:
        if (
            out
            and isinstance(part, str)
            and out[-1] == part
            and (part in CONDITION_KEYS or part in ACTION_KEYS)
        ):
            continue
        if isinstance(part, str) and part.startswith("function-"):
            continue
        out.append(part)
    return tuple(out)


def _fix(error: dict[str, Any], words: list[str]) -> str:
    kind, loc = error["type"], error["loc"]
    last = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(last, words, n=1)
        return (
            f"did you mean `{close[0]}`? Otherwise remove `{last}`."
            if close
            else f"remove `{last}`: no such key here."
        )
    if kind in ("unknown_condition", "unknown_action"):
        keys = CONDITION_KEYS if kind == "unknown_condition" else ACTION_KEYS
        given = error.get("input")
        if isinstance(given, dict) and len(given) == 1:
            close = difflib.get_close_matches(str(next(iter(given))), keys, n=1)
            if close:
                return f"did you mean `{close[0]}`?"
        return f"write it as a one-key mapping, e.g. `{{{keys[0]}: ...}}`."
    if kind == "missing":
        return f"add `{last}:`."
    if kind == "literal_error":
        return "use one of the values listed."
    if kind == "string_pattern_mismatch" and last == "country":
        return f"write the country's ISO 3166-1 code{_country_code(error.get('input'))}."
    if kind == "string_pattern_mismatch" and last == "currency":
        return "write the currency's ISO 4217 code, e.g. JPY, EUR or KRW."
    return ""


def _country_code(name: Any) -> str:
    """`: JP for Japan` when a country's English name was written for its code; else examples."""
    from babel import Locale  # the policy's locale is Babel's: loaded by any policy

    wanted = str(name).strip().casefold()
    for code, text in Locale("en").territories.items():
        if len(code) == 2 and code.isalpha() and text.casefold() == wanted:
            return f": {code} for {text}"
    return ", e.g. JP, DE or KR"


def _message(error: dict[str, Any]) -> str:
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return f"unknown key `{error['loc'][-1]}`"
    if error["type"] == "missing":
        return f"`{error['loc'][-1]}` is required"
    return message.removeprefix("Value error, ")


def load_policy(directory: Path, kept: KeptHolidays | None = None) -> Policy:
    """Read, merge, validate and check every policy file of `directory`; `kept`: the public
    holidays an earlier run read (`calendars.KeptHolidays`)."""
    files = sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")])
    if not directory.is_dir():
        raise PolicyInvalid(
            [
                PolicyProblem(
                    str(directory),
                    None,
                    "",
                    "no such policy folder",
                    "pass --policies DIR, or run `triage init` to create one",
                )
            ]
        )
    if not files:
        raise PolicyInvalid(
            [
                PolicyProblem(
                    str(directory),
                    None,
                    "",
                    "no *.yml policy files here",
                    "add a policy file, or run `triage init`",
                )
            ]
        )
    return policy_from_texts([(str(f), f.read_text(encoding="utf-8")) for f in files], kept)


def policy_from_texts(texts: list[tuple[str, str]], kept: KeptHolidays | None = None) -> Policy:
    """The pure part of loading: (file name, text) pairs to a checked Policy."""
    problems: list[PolicyProblem] = []
    merged: dict[str, Any] = {}
    origins = _Origins()
    size = sum(len(text.encode("utf-8", "surrogatepass")) for _, text in texts)
    if size > MAX_POLICY_BYTES:
        raise PolicyInvalid(
            [
                PolicyProblem(
                    ", ".join(n for n, _ in texts),
                    None,
                    "",
                    f"{size:,} bytes of policy; at most {MAX_POLICY_BYTES:,} bytes are read",
                    _SHORTER,
                )
            ]
        )
    values = 0  # in the files read so far
    for name, text in texts:
        try:
            fix = f"{_SHORTER} (all files together)" if values else _SHORTER
            bounds = Bounds(
                MAX_POLICY_BYTES, MAX_POLICY_DEPTH, MAX_POLICY_VALUES, fix, values, anchors=True
            )
            values = check_bounds(text, bounds)
            located = parse(text)
        except YamlSyntaxError as error:
            problems.append(
                PolicyProblem(
                    name,
                    error.position,
                    "",
                    str(error) if isinstance(error, YamlRefused) else f"not valid YAML: {error}",
                    error.fix,
                )
            )
            continue
        if located.data is None:
            continue
        if not isinstance(located.data, dict):
            problems.append(
                PolicyProblem(
                    name,
                    located.position(()),
                    "",
                    "a policy file is a mapping of keys (scope, calendar, lifecycle, rules)",
                    "start the file with `lifecycle:` or `rules:`",
                )
            )
            continue
        source = _Source(name, located)
        for key, value in located.data.items():
            key = str(key)
            if key in JOINED_LISTS and isinstance(value, list):
                merged.setdefault(key, [])
                origins.joined[key].extend((source, i) for i in range(len(value)))
                merged[key].extend(value)
                origins.top.setdefault(key, source)
            elif key in merged:
                first = origins.top[key].file
                problems.append(
                    PolicyProblem(
                        name,
                        located.position((key,)),
                        key,
                        f"`{key}` is already defined in {first}",
                        f"keep `{key}` in one file",
                    )
                )
            else:
                merged[key] = value
                origins.top[key] = source
    if problems:
        raise PolicyInvalid(problems)
    if "lifecycle" not in merged:
        raise PolicyInvalid(
            [
                PolicyProblem(
                    ", ".join(n for n, _ in texts),
                    None,
                    "lifecycle",
                    "no `lifecycle:` in any policy file",
                    "add a `lifecycle:` with its stages",
                )
            ]
        )
    try:
        policy = Policy.model_validate(merged)
    except ValidationError as error:
        words = _known_words()
        for item in error.errors():
            loc = _clean_loc(tuple(item["loc"]))
            detail: dict[str, Any] = {**item, "loc": loc}
            file, position, _ = origins.locate(loc)
            problems.append(
                PolicyProblem(
                    file, position, _key_path(merged, loc), _message(detail), _fix(detail, words)
                )
            )
        raise PolicyInvalid(problems) from None
    graph: list[GraphProblem] = check_lifecycle(policy) + check_approvers(policy)
    graph += read_places(policy, kept)
    graph += check_catalog(policy)
    graph += check_emoji_names(policy)
    graph += check_changes_since(policy)
    for found in graph:
        file, position, _ = origins.locate(found.path)
        problems.append(
            PolicyProblem(file, position, _key_path(merged, found.path), found.message, found.fix)
        )
    if problems:
        raise PolicyInvalid(problems)

    def where(path: tuple[Any, ...]) -> str:
        file, position, _ = origins.locate(path)
        at = f"{file}:{position.line}:{position.column}" if position else file
        return f"{at}: {_key_path(merged, path)}"

    policy.located(where)
    return policy
