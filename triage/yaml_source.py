"""YAML that remembers where each value came from, so errors can name line and column.

Parsing text is not I/O: callers read the file, this turns text into data plus positions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    NodeEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import TriageError

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


class YamlSyntaxError(TriageError, ValueError):
    def __init__(self, message: str, position: Position | None, fix: str = "") -> None:
        super().__init__(message)
        self.position = position
        self.fix = fix or "check the indentation and quoting around that line"


class YamlRefused(YamlSyntaxError):
    """Valid YAML, but more than it may be: too big, too deep, aliases where none may be, or a
    number the bot cannot count with (`NumberRefused`)."""


@dataclass(frozen=True)
class Bounds:
    """How much YAML is read, whatever the text asks for: its size, its nesting, and how many
    values it holds once its aliases (`*name`) are expanded. Without `anchors`, anchors and
    aliases are refused: the text then holds no more values than it shows."""

    max_bytes: int
    max_depth: int
    max_values: int | None = None
    fix: str = ""  # what to do about a text that is too big
    values_before: int = 0  # counted against max_values: read before (in other files)
    anchors: bool = False  # anchors and aliases allowed (each value counted as often as used)


@dataclass(frozen=True)
class Located:
    """Parsed YAML data and the position of every value (and key) by its path."""

    data: Any
    positions: dict[Path, Position]

    def position(self, path: Path) -> Position | None:
        """The position of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return None


def _pos(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


# The longest number read, in characters as written (signs, `0x`, `_` and the exponent
# included): enough for any price, day count or id (a float holds 17 significant digits), and
# every number this long converts to a float (10**100 and 0x + 98 hex digits are far below
# 1.8e308), in work that does not grow with the text.
MAX_NUMBER_CHARS = 100


class NumberRefused(ValueError):
    """A scalar YAML reads as a number that is no number the bot can use (see `_with_numbers`)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


def _with_numbers(loader: Any) -> Any:  # a yaml.SafeLoader or CSafeLoader class
    """`loader` (a safe one), reading only numbers the bot can count with.

    Its implicit types are YAML 1.1's as PyYAML reads them (`_INT`, `_FLOAT` are PyYAML's), but
    without base 60: `1:30` is text, as YAML 1.2 reads it. A base-60 number is a sum of powers
    of 60 (`1:0:0:...:0.5`, a few hundred bytes, overflows a float; 100 KB of `1:0:0...` takes
    seconds of big-number arithmetic), and nobody writes one on purpose. A number (tagged
    `!!int`/`!!float` too) is at most MAX_NUMBER_CHARS characters, in base 10, 2, 8 or 16, and
    finite (`.inf`, `.nan`, `1.0e+999` are refused): anything else raises NumberRefused before
    any arithmetic, so a number costs work bounded by MAX_NUMBER_CHARS."""
    implicit = {
        first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith((":int", ":float"))]
        for first, resolvers in loader.yaml_implicit_resolvers.items()
    }
    numbers: Any = type(f"Numbers{loader.__name__}", (loader,), {"yaml_implicit_resolvers": implicit})
    numbers.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
    numbers.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
    numbers.add_constructor("tag:yaml.org,2002:int", _construct_int)
    numbers.add_constructor("tag:yaml.org,2002:float", _construct_float)
    return numbers


def _construct_int(constructor: SafeConstructor, node: ScalarNode) -> int:
    _a_number(node)
    return int(constructor.construct_yaml_int(node))


def _construct_float(constructor: SafeConstructor, node: ScalarNode) -> float:
    _a_number(node)
    value = float(constructor.construct_yaml_float(node))
    if not math.isfinite(value):
        raise NumberRefused(
            f"`{_shown(str(node.value))}` is no finite number (YAML reads it as {value})",
            "write a number, e.g. 5 or 2.5, or quote it if it is text",
        )
    return value


def _a_number(node: ScalarNode) -> None:
    text = str(node.value)
    if len(text) > MAX_NUMBER_CHARS:
        raise NumberRefused(
            f"a number of {len(text):,} characters; at most {MAX_NUMBER_CHARS} are read",
            "write a shorter number, or quote it if it is text",
        )
    if ":" in text:
        raise NumberRefused(
            f"`{_shown(text)}` is a base-60 number (YAML 1.1), which is not read",
            "write the number in base 10, or quote it if it is text",
        )


def _shown(value: str, most: int = 40) -> str:
    """A scalar as written, cut short: a message never repeats a 200 KB value."""
    return value if len(value) <= most else value[: most - 1] + "…"


class _Builder:
    def __init__(self) -> None:
        self.constructor = _SLOW("")
        self.positions: dict[Path, Position] = {}

    def build(self, node: Node, path: Path) -> Any:
        self.positions.setdefault(path, _pos(node))
        if isinstance(node, MappingNode):
            self.constructor.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raw = getattr(key_node, "value", "?")
                    raise YamlSyntaxError(
                        f"the key `{raw}` is read by YAML as {key!r}, not as text",
                        _pos(key_node),
                        f'quote it: "{raw}":',
                    )
                if key in result:
                    raise YamlSyntaxError(
                        f"duplicate key '{key}' (YAML would silently keep only the last)",
                        _pos(key_node),
                        f"keep one `{key}:`",
                    )
                child: Path = (*path, str(key))
                self.positions[child] = _pos(key_node)
                result[key] = self.build(value_node, child)
                self.positions[child] = _pos(key_node)
            return result
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        try:
            return self.constructor.construct_object(node, deep=True)
        except NumberRefused as error:
            raise YamlRefused(str(error), _pos(node), error.fix) from None
        except ValueError as error:  # e.g. a timestamp-looking scalar that is no date: 2026-13-01
            raise YamlSyntaxError(
                f"'{_shown(node.value)}' is not a valid value ({error})",
                _pos(node),
                "write a real date as YYYY-MM-DD, or quote the value if it is text",
            ) from None


def _compose(text: str) -> Node | None:
    """libyaml's parser when PyYAML has it (about ten times faster: every run parses every
    issue's data block); a document it refuses is parsed again by the pure-Python one, whose
    messages are the ones the error corpus pins."""
    if _FAST is not None:
        try:
            return yaml.compose(text, Loader=_FAST)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=_SLOW)


_SLOW = _with_numbers(yaml.SafeLoader)
# libyaml's parser, when PyYAML has it
_FAST = _with_numbers(yaml.CSafeLoader) if hasattr(yaml, "CSafeLoader") else None


class _Doubt(Exception):
    """Something `parse` would report (or might): let it say what."""


class _PlainLoader(_FAST or _SLOW):  # type: ignore[misc]
    """YAML's own loader, refusing what `parse` refuses (keys that are not text, a key twice)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str) or key in mapping:
                raise _Doubt(key)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def load_plain(text: str, bounds: Bounds) -> Any:
    """The data of a YAML document without positions, faster than `parse` (~50 against ~70 us
    for a data block: the values are built by YAML's loader, not node by node with positions),
    or None for anything `parse` would report: call `parse` then, for its message and position.
    `bounds` must refuse aliases (no `anchors`): the data is then no bigger than the text. Its
    values are counted first (on YAML's events, stopping past `max_values`) unless the text is
    too short to hold that many: the densest YAML, `[?,?,?,?]`, is 13 values in 9 characters."""
    assert not bounds.anchors, "load_plain reads only YAML without aliases"
    if len(text.encode("utf-8", "surrogatepass")) > bounds.max_bytes:
        return None
    try:
        many = bounds.max_values is not None and 2 * len(text) > bounds.max_values
        if many or "&" in text or "*" in text:
            _measure(text, bounds)
        data = yaml.load(text, Loader=_PlainLoader)  # a SafeLoader: no arbitrary objects
        return data if _depth(data) <= bounds.max_depth else None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, _Doubt):  # NumberRefused too
        return None


def _depth(data: Any) -> int:
    """Levels of lists and mappings (a tree: `load_plain` reads no aliases)."""
    if isinstance(data, dict):
        return 1 + max(map(_depth, data.values()), default=0)
    if isinstance(data, list):
        return 1 + max(map(_depth, data), default=0)
    return 0


def check_bounds(text: str, bounds: Bounds, *, line_offset: int = 0) -> int:
    """The values `text` holds (plus `values_before`), each counted as often as aliases repeat
    it; YamlRefused, with the line where it happens, for a text past `bounds`. Work linear in
    the text, whatever its aliases would expand to. A text that is no valid YAML passes
    (counted 0): parsing it reports where."""
    try:
        return _measure(text, bounds)
    except YamlRefused as refused:
        if refused.position and line_offset:
            position = Position(refused.position.line + line_offset, refused.position.column)
            raise YamlRefused(str(refused), position, refused.fix) from None
        raise


def _measure(text: str, bounds: Bounds) -> int:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > bounds.max_bytes:
        raise YamlRefused(
            f"{size:,} bytes; at most {bounds.max_bytes:,} bytes are read",
            None,
            bounds.fix or "make it shorter",
        )
    try:
        return _scan(yaml.parse(text, Loader=_FAST or yaml.SafeLoader), bounds)
    except yaml.YAMLError:  # libyaml refused it: read it as `_compose` then would
        try:
            return _scan(yaml.parse(text, Loader=yaml.SafeLoader), bounds)
        except (yaml.YAMLError, RecursionError):
            return 0  # no valid YAML: parsing reports where


def _scan(events: Iterator[Event], bounds: Bounds) -> int:
    """Follow the events, counting each alias as the values it stands for (as `_Builder` and
    YAML's constructor would expand it), with the depth it adds, without building anything."""
    open_: list[list[Any]] = []  # per open list or mapping: [values, levels below, anchor]
    anchors: dict[str, tuple[int, int]] = {}  # closed anchors: (values, levels)
    total = bounds.values_before
    for event in events:
        if not isinstance(event, (NodeEvent, CollectionEndEvent)):
            continue
        mark = event.start_mark
        where = Position(mark.line + 1, mark.column + 1) if mark else None
        if isinstance(event, CollectionEndEvent):
            values, below, anchor = open_.pop()
            _close(open_, anchors, anchor, values, below + 1)
            continue
        name = event.anchor
        if name is not None and not bounds.anchors:
            sign = "*" if isinstance(event, AliasEvent) else "&"
            raise YamlRefused(
                f"uses a YAML anchor or alias ({sign}{name}); they are not allowed here",
                where,
                "write each value out in full",
            )
        if isinstance(event, AliasEvent):
            assert name is not None
            if any(frame[2] == name for frame in open_):
                raise YamlRefused(
                    f"the alias *{name} is inside its own anchor (&{name}): it never ends",
                    where,
                    "refer to an anchor after its value is complete",
                )
            if name not in anchors:  # undefined: parsing reports it
                continue
            values, levels = anchors[name]
            name = None  # an alias names no new anchor
        else:
            values, levels = 1, 0
        total += values
        if bounds.max_values is not None and total > bounds.max_values:
            if isinstance(event, AliasEvent):
                raise YamlRefused(
                    f"more than {bounds.max_values:,} values once aliases are expanded (here "
                    f"*{event.anchor})",
                    where,
                    "use anchors and aliases for a few repeated values, not to multiply them",
                )
            raise YamlRefused(
                f"more than {bounds.max_values:,} values", where, bounds.fix or "make it shorter"
            )
        if len(open_) + levels + isinstance(event, CollectionStartEvent) > bounds.max_depth:
            raise YamlRefused(
                f"nested too deeply to read (more than {bounds.max_depth} levels of lists and "
                "mappings)",
                where,
                "nest lists and mappings a few levels deep at most",
            )
        if isinstance(event, CollectionStartEvent):
            open_.append([1, 0, name])
        else:
            _close(open_, anchors, name, values, levels)
    return total


def _close(
    open_: list[list[Any]],
    anchors: dict[str, tuple[int, int]],
    anchor: str | None,
    values: int,
    levels: int,
) -> None:
    """A value is complete: its anchor (if any) is known, and it is part of the one around it."""
    if anchor is not None:
        anchors[anchor] = (values, levels)
    if open_:
        around = open_[-1]
        around[0] += values
        around[1] = max(around[1], levels)


def parse(text: str, *, line_offset: int = 0, bounds: Bounds | None = None) -> Located:
    """Parse one YAML document. `line_offset` shifts positions (for YAML embedded in a text).
    Within `bounds` (checked first, see `check_bounds`) when given."""
    if bounds is not None:
        check_bounds(text, bounds, line_offset=line_offset)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Position(mark.line + 1 + line_offset, mark.column + 1) if mark else None
        raise YamlSyntaxError(
            f"{error.problem or error.context or 'invalid YAML'}", where
        ) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), None) from None
    except RecursionError:
        raise _too_deep() from None
    if node is None:
        return Located(None, {})
    builder = _Builder()
    try:
        data = builder.build(node, ())
    except YamlSyntaxError as error:
        if error.position and line_offset:
            raise type(error)(
                str(error),
                Position(error.position.line + line_offset, error.position.column),
                error.fix,
            ) from None
        raise
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), None) from None
    except RecursionError:
        raise _too_deep() from None
    positions = {p: Position(v.line + line_offset, v.column) for p, v in builder.positions.items()}
    return Located(data, positions)


def _too_deep() -> YamlSyntaxError:
    """Lists or mappings nested thousands deep (`[[[[...`): more than the parser can follow."""
    return YamlSyntaxError(
        "nested too deeply to read", None, "nest lists and mappings a few levels deep at most"
    )
