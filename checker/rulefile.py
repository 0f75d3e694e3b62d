"""Load YAML rule files keeping line numbers, so validation errors can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class RuleError(Exception):
    """A rule file is missing, malformed or inconsistent. str() names file and line."""

    def __init__(self, message: str, node: Any = None, *, path: Path | str | None = None, line: int | None = None):
        self.message = message
        self.path = Path(path) if path is not None else getattr(node, "path", None)
        self.line = line if line is not None else getattr(node, "line", None)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.path) if self.path else "rules"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.message}"


class LineDict(dict):
    """A mapping from a rule file; .line is where it starts, .lines[key] where each key is."""

    path: Path | None = None
    line: int | None = None
    source: bytes = b""             # the whole file as read, on the top-level mapping only

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int | None:
        return self.lines.get(key, self.line)


class LineList(list):
    path: Path | None = None
    line: int | None = None


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):   # libyaml's parser when present: 10x faster
    source_path: Path | None = None


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.path, result.line = loader.source_path, node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise RuleError(f"duplicate key {key!r}", path=loader.source_path, line=key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.path, result.line = loader.source_path, node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path) -> LineDict:
    """Parse one rule file into LineDict/LineList trees; any failure is a RuleError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"cannot read rule file ({exc.strerror or exc})", path=path) from None
    except UnicodeDecodeError:
        raise RuleError("rule file is not UTF-8", path=path) from None
    loader = _Loader(text)
    loader.source_path = path
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RuleError(f"YAML syntax error: {exc.problem or exc}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise RuleError(f"YAML error: {exc}", path=path) from None
    finally:
        loader.dispose()
    if not isinstance(data, LineDict):
        raise RuleError("expected a mapping at the top of the file", path=path, line=1)
    data.source = text.encode("utf-8")
    return data


def require(mapping: LineDict, key: str, kind: type | tuple[type, ...], *, optional: bool = False, default: Any = None) -> Any:
    """Fetch mapping[key] checking its type; errors name the file and line."""
    if key not in mapping:
        if optional:
            return default
        raise RuleError(f"missing key {key!r}", mapping)
    value = mapping[key]
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise RuleError(f"{key!r} must be {names}, got {type(value).__name__}", path=mapping.path, line=mapping.line_of(key))
    return value
