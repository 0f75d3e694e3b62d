"""Rule files: YAML loaded keeping line numbers, and the one validation API every loader uses
(fail, check_keys, text, strings, number, one_of, Field/read_fields, source), so every error is a
RuleError naming file and line. See docs/rules.md."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from collections.abc import Mapping
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
        """The line of `key`, else the mapping's own line."""
        return self.lines.get(key, self.line)


class LineList(list):
    """A list from a rule file; .line is where it starts."""

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


# --- the validation API every loader uses ------------------------------------------------------
#
# Loaders read their file with load_yaml() and check it with the functions below; each error is
# a RuleError naming the file and the line of the offending key (or of the enclosing mapping or
# list when the key is absent). `Field` and `read_fields` declare a mapping's keys at once:
# required keys, types, enums, ranges, unknown keys rejected.

def line_at(node: Any, key: Any = None) -> int | None:
    """The line of `key` in a LineDict (else of the node itself); None for plain data."""
    if key is not None and isinstance(node, LineDict):
        return node.line_of(key)
    return getattr(node, "line", None)


def fail(message: str, node: Any, key: Any = None) -> RuleError:
    """The one error helper: a RuleError for `node` (a LineDict/LineList), at the line of `key`
    when given (else the node's own line). Raise what it returns."""
    return RuleError(message, path=getattr(node, "path", None), line=line_at(node, key))


def check_keys(mapping: Any, allowed: Any, message: str = "unknown field {key!r}") -> None:
    """Rejects keys of `mapping` outside `allowed` (the first in sorted order), at its line.
    `message` is formatted with key= the unknown key."""
    unknown = sorted(map(str, set(mapping) - set(allowed)))
    if unknown:
        raise fail(message.format(key=unknown[0]), mapping, unknown[0])


def top_level_block(data: Any, key: str, path: Path | None = None, what: str = "") -> LineDict:
    """The one top-level block of a rule file made of a single key (markers.yaml's `markers`,
    kyc.yaml's `profiles`): `data` must be a mapping holding only `key`, and `key` a non-empty
    mapping; RuleError at the file's first line, at the unknown key, or at `key` ("'<key>' must
    be a non-empty mapping<what>")."""
    path = path or getattr(data, "path", None)
    if not isinstance(data, Mapping):
        raise RuleError("expected a mapping at the top of the file", path=path, line=1)
    check_keys(data, {key}, f"unknown top-level key {{key!r}} (expected {key!r})")
    block = data.get(key)
    if not isinstance(block, Mapping) or not block:
        raise fail(f"{key!r} must be a non-empty mapping{what}", data, key)
    return block


def text(mapping: LineDict, key: str, what: str = "", *, optional: bool = False, default: str = "") -> str:
    """mapping[key] as a non-empty text, stripped ('' or missing: RuleError unless optional)."""
    if key not in mapping and optional:
        return default
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{what}{': ' if what else ''}{key!r} must be a non-empty text", mapping, key if key in mapping else None)
    return value.strip()


def strings(mapping: LineDict, key: str, *, optional: bool = False, nonempty: bool = False,
            message: str | None = None) -> tuple[str, ...]:
    """mapping[key] as a list of non-empty texts. `nonempty`: the list itself must not be empty.
    Missing and optional: ()."""
    values = require(mapping, key, list, optional=optional, default=[])
    bad = [v for v in values if not isinstance(v, str) or not v.strip()]
    if bad or (nonempty and not values):
        default = (f"{key!r} must be a non-empty list of strings" if nonempty
                   else f"{key!r} must list non-empty strings, got {bad[0]!r}")
        raise RuleError(message or default, path=mapping.path, line=getattr(values, "line", None) or mapping.line_of(key))
    return tuple(values)


def number(mapping: LineDict, key: str, kind: type, low: float, high: float, *, message: str | None = None):
    """mapping[key] as an int (kind=int) or float within [low, high]; booleans refused."""
    value = require(mapping, key, (int, float) if kind is float else int)
    if isinstance(value, bool) or not low <= value <= high:
        raise fail(message.format(value=value) if message else f"{key!r} must be a number from {low} to {high}, got {value!r}",
                   mapping, key)
    return kind(value)


def one_of(mapping: LineDict, key: str, choices: Any, what: str = "", *, optional: bool = False, default: Any = None) -> Any:
    """mapping[key], which must be one of `choices` (an enum of the rule file's schema)."""
    if key not in mapping and optional:
        return default
    value = require(mapping, key, str)
    if value not in choices:
        raise fail(f"{what}{': ' if what else ''}{key!r}: {value!r} is not one of {', '.join(map(str, choices))}", mapping, key)
    return value


@dataclass(frozen=True)
class Field:
    """One key of a mapping in a rule file: its type(s), whether it is required (else `default`),
    and optional constraints: `choices` (an enum), `low`/`high` (a number's range), `items` (the
    type of a list's items), `nonempty` (a text or list must not be empty)."""
    kind: type | tuple[type, ...] = str
    required: bool = True
    default: Any = None
    choices: Any = None
    low: float | None = None
    high: float | None = None
    items: type | tuple[type, ...] | None = None
    nonempty: bool = False


def read_fields(mapping: Any, spec: dict[str, Field], what: str = "") -> dict[str, Any]:
    """Checks a mapping against its declared fields and returns key -> value (defaults filled in).

    Errors (RuleError, file and line): not a mapping; an unknown key ("<what>: unknown field 'x'");
    a required key missing; a wrong type; a value outside `choices` or `low`..`high`; an empty
    text or list where `nonempty`; a list item of the wrong type."""
    prefix = f"{what}: " if what else ""
    if not isinstance(mapping, LineDict):
        raise fail(f"{what or 'this'} must be a mapping", mapping)
    check_keys(mapping, spec, prefix + "unknown field {key!r}")
    values: dict[str, Any] = {}
    for key, field in spec.items():
        if key not in mapping:
            if field.required:
                raise fail(f"{prefix}missing key {key!r}", mapping)
            values[key] = field.default
            continue
        value = mapping[key]
        kinds = field.kind if isinstance(field.kind, tuple) else (field.kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise fail(f"{prefix}{key!r} must be {names}, got {type(value).__name__}", mapping, key)
        if field.nonempty and (not value or (isinstance(value, str) and not value.strip())):
            raise fail(f"{prefix}{key!r} must not be empty", mapping, key)
        if field.choices is not None and value not in field.choices:
            raise fail(f"{prefix}{key!r}: {value!r} is not one of {', '.join(map(str, field.choices))}", mapping, key)
        if (field.low is not None and value < field.low) or (field.high is not None and value > field.high):
            raise fail(f"{prefix}{key!r} must be from {field.low} to {field.high}, got {value!r}", mapping, key)
        if field.items is not None:
            for item in value:
                if not isinstance(item, field.items) or (isinstance(item, str) and not item.strip()):
                    raise fail(f"{prefix}{key!r}: {item!r} is not a valid entry", value if isinstance(value, LineList) else mapping,
                               None if isinstance(value, LineList) else key)
        values[key] = value
    return values


@dataclass(frozen=True)
class Source:
    """Where a domain rule comes from: a citation `text`, optionally a `url`, and the date it was
    `read` (YYYY-MM-DD). Every domain rule in rules/ carries one."""
    text: str
    url: str = ""
    read: str = ""

    def items(self) -> tuple[tuple[str, str], ...]:
        """(field, value) pairs of the fields given, in the order text, url, read."""
        return tuple((k, v) for k, v in (("text", self.text), ("url", self.url), ("read", self.read)) if v)


def source(mapping: LineDict, what: str, key: str = "source", *, structured: bool = True) -> Source:
    """The required `source` of a domain rule. structured: `{text, url (optional), read: YYYY-MM-DD}`;
    else a non-empty text naming where the rule was found."""
    if not structured:
        return Source(text(mapping, key, what))
    block = require(mapping, key, LineDict)
    extra = sorted(map(str, set(block) - {"text", "url", "read"}))
    if extra:
        raise fail(f"{what}: source: unknown field {extra[0]!r}", block, extra[0])
    cited = require(block, "text", str)
    read = str(require(block, "read", (str, date)))
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", read):
        raise fail(f"{what}: source: read {read!r} is not a date (YYYY-MM-DD)", block, "read")
    return Source(cited, require(block, "url", str, optional=True, default=""), read)
