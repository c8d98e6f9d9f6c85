"""YAML that remembers where each value came from, so errors can name line and column.

Parsing text is not I/O: callers read the file, this turns text into data plus positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, position: Position | None, fix: str = "") -> None:
        super().__init__(message)
        self.position = position
        self.fix = fix or "check the indentation and quoting around that line"


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


class _Builder:
    def __init__(self) -> None:
        self.constructor = SafeConstructor()
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
        except ValueError as error:  # e.g. a timestamp-looking scalar that is no date: 2026-13-01
            raise YamlSyntaxError(
                f"'{node.value}' is not a valid value ({error})",
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
    return yaml.compose(text, Loader=yaml.SafeLoader)


_FAST = getattr(yaml, "CSafeLoader", None)


class _Doubt(Exception):
    """Something `parse` would report (or might): let it say what."""


class _PlainLoader(_FAST or yaml.SafeLoader):  # type: ignore[misc]
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


def load_plain(text: str) -> Any:
    """The data of a YAML document without positions, faster than `parse` (~50 against ~70 us
    for a data block: the values are built by YAML's loader, not node by node with positions),
    or None for anything `parse` would report: call `parse` then, for its message and position."""
    try:
        return yaml.load(text, Loader=_PlainLoader)  # a SafeLoader: no arbitrary objects
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, _Doubt):
        return None


def parse(text: str, *, line_offset: int = 0) -> Located:
    """Parse one YAML document. `line_offset` shifts positions (for YAML embedded in a text)."""
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
            raise YamlSyntaxError(
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
