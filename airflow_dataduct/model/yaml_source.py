"""Read a YAML definition safely and remember where every value came from.

PyYAML's composer already knows each node's line and column; we keep them in a
:class:`SourceMap` keyed by the value's path (``("steps", 2, "tolerance")``) so that a
validation error found later can point at the file, line and column of the key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from airflow_dataduct.errors import DefinitionError, Location

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""The libyaml-backed safe loader when available: about 10x faster than pure Python."""

MAX_NODES = 100_000
"""Bound on nodes visited, anchors expanded: stops a 'billion laughs' document."""

MAX_BYTES = 5 * 1024 * 1024

MAX_DEPTH = 100
"""Bound on nesting, so a deep document is an error with a line, not a RecursionError."""

PathKey = tuple[Any, ...]

OBJECT_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("binary", "set", "omap", "pairs"))
"""Safe tags that still build non-JSON objects (bytes, sets, ordered pairs): refused."""


@dataclass
class SourceMap:
    """Positions of the keys and values of one YAML document."""

    path: str
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, key_path: PathKey, prefer_value: bool = False) -> Location:
        """The location of ``key_path``, or of its closest known ancestor."""
        for end in range(len(key_path), -1, -1):
            prefix = tuple(key_path[:end])
            table = (self.values, self.keys) if prefer_value else (self.keys, self.values)
            for positions in table:
                if prefix in positions:
                    line, col = positions[prefix]
                    return Location(self.path, line, col)
        return Location(self.path, 1, 1)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Walker:
    """Records the position of every key and value below a composed node."""

    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.visited = 0

    def walk(self, node: yaml.Node, key_path: PathKey) -> None:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise DefinitionError(
                f"document too large: more than {MAX_NODES} values after expanding anchors",
                Location(self.source.path, *_mark(node)),
            )
        if len(key_path) > MAX_DEPTH:
            raise DefinitionError(
                f"document nested too deeply: more than {MAX_DEPTH} levels",
                Location(self.source.path, *_mark(node)),
            )
        if node.tag in OBJECT_TAGS:
            raise DefinitionError(
                f"YAML tag '{node.tag}' is not allowed: values are text, numbers, lists and maps",
                Location(self.source.path, *_mark(node)),
            )
        self.source.values.setdefault(key_path, _mark(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in self._pairs(node):
                child = (*key_path, key_node.value)
                self.source.keys.setdefault(child, _mark(key_node))
                self.walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.source.keys.setdefault((*key_path, index), _mark(item))
                self.walk(item, (*key_path, index))

    def _pairs(self, node: yaml.MappingNode) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        """Key/value pairs, merge keys (``<<: *anchor``) expanded, duplicates refused."""
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in merged:
                    if isinstance(source, yaml.MappingNode):
                        yield from self._pairs(source)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise DefinitionError(
                    "a mapping key must be a plain value",
                    Location(self.source.path, *_mark(key_node)),
                )
            if key_node.value in seen:
                line, _ = _mark(seen[key_node.value])
                raise DefinitionError(
                    f"duplicate key '{key_node.value}' (first defined on line {line})",
                    Location(self.source.path, *_mark(key_node)),
                    key=key_node.value,
                )
            seen[key_node.value] = key_node
            yield key_node, value_node


def _reader_error(exc: yaml.reader.ReaderError, text: str, path: str) -> DefinitionError:
    """A character YAML refuses (NUL, control characters), at its line and column."""
    position = min(max(exc.position, 0), len(text))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
    message = f"invalid YAML: character {character} is not allowed ({exc.reason})"
    return DefinitionError(message, Location(path, line, column))


def _yaml_error(exc: yaml.YAMLError, path: str, text: str = "") -> DefinitionError:
    if isinstance(exc, yaml.reader.ReaderError):
        return _reader_error(exc, text, path)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return DefinitionError(message, Location(path))
    return DefinitionError(message, Location(path, mark.line + 1, mark.column + 1))


def load_yaml_text(text: str, path: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document with the safe loader; returns the data and its positions."""
    if len(text) > MAX_BYTES:
        raise DefinitionError(f"file too large: over {MAX_BYTES} bytes", Location(path, 1, 1))
    source = SourceMap(path)
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, source
        _Walker(source).walk(node, ())
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, text) from None
    except RecursionError:
        raise DefinitionError("document nested too deeply", Location(path, 1, 1)) from None
    finally:
        loader.dispose()
    return data, source


def read_definition(path: str | Path) -> str:
    """The text of a definition file. Missing, unreadable, too large or non-UTF-8 content is a
    DefinitionError (at the line and column of the first bad byte)."""
    where = str(path)
    try:
        if Path(path).stat().st_size > MAX_BYTES:
            raise DefinitionError(f"file too large: over {MAX_BYTES} bytes", Location(where, 1, 1))
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise DefinitionError("file not found", Location(where)) from None
    except OSError as exc:
        raise DefinitionError(f"cannot read file: {exc.strerror or exc}", Location(where)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded"
        raise DefinitionError(message, Location(where, line, column)) from None


def load_yaml_file(path: str | Path) -> tuple[Any, SourceMap]:
    """Read and parse a YAML file; a missing or unreadable file is a DefinitionError."""
    return load_yaml_text(read_definition(path), str(path))
