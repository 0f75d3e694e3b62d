"""doccheck.toml: a batch's scan options kept beside its papers (read, never written).

`doccheck scan FOLDER` and `watch FOLDER` read FOLDER/doccheck.toml, or the file `--config FILE`
names; an option given on the command line wins over the file, the file over the built-in default.
`doccheck config FOLDER` prints the effective settings and where each came from.

The schema is the SETTINGS table below: one entry per key, naming the command-line option it
stands for. A value is checked by that option's own click type (the same ranges and choices as on
the command line), so the file and the command line can never disagree. A later option becomes a
key by adding one entry, e.g. `Setting("register", "register")` for `--register eaeu`, or a key in
a table, `Setting("ozon.client_id", "ozon_client_id")`, for

    [ozon]
    client_id = "123456"

Errors (TOML syntax, an unknown key, a wrong value) name the file and line and exit 2.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import click

from .codes import ExitCode

CONFIG_FILE = "doccheck.toml"


@dataclass(frozen=True)
class Setting:
    """One key of doccheck.toml: `key` (dotted inside a [table]) and the click parameter it fills."""
    key: str
    param: str
    path: bool = False          # a file or folder: relative to the config file's folder


SETTINGS: tuple[Setting, ...] = (
    Setting("skus", "skus_csv", path=True),
    Setting("seller_type", "seller_type"),
    Setting("lang", "lang"),
    Setting("today", "today"),
    Setting("no_ocr", "no_ocr"),
    Setting("jobs", "jobs"),
    Setting("file_timeout", "file_timeout"),
    Setting("max_memory", "memory_mb"),
    Setting("cache_dir", "cache_dir", path=True),
    Setting("no_cache", "no_cache"),
    Setting("rules", "rules_dir", path=True),
    Setting("fail_on", "fail_on"),
    Setting("csv_delimiter", "csv_delimiter"),
    Setting("color", "color"),
)
BY_KEY = {s.key: s for s in SETTINGS}


class ConfigError(click.ClickException):
    """A config file that cannot be used; the message names the file and line."""
    exit_code = ExitCode.BAD_INPUT


@dataclass
class Source:
    """Where an effective setting came from: "command line", "default" or "FILE:LINE"."""
    where: str


def flatten(data: dict, prefix: str = "") -> dict[str, object]:
    """Nested TOML tables as dotted keys: {"ozon": {"client_id": 1}} -> {"ozon.client_id": 1}."""
    out: dict[str, object] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


_TABLE = re.compile(r"^\s*\[\s*([^\]\s]+)\s*\]")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def key_lines(text: str) -> dict[str, int]:
    """Dotted key -> the line that sets it (1-based), for error messages."""
    lines: dict[str, int] = {}
    table = ""
    for n, line in enumerate(text.splitlines(), 1):
        match = _TABLE.match(line)
        if match:
            table = match.group(1).strip('"\'') + "."
            lines.setdefault(table[:-1], n)
            continue
        match = _KEY.match(line)
        if match:
            lines.setdefault(table + match.group(1).strip('"\''), n)
    return lines


def read_config(path: Path) -> dict[str, tuple[object, str]]:
    """The file's settings: dotted key -> (raw value, "FILE:LINE"). ConfigError on a syntax error,
    an unreadable file or an unknown key."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    lines = key_lines(text)
    out: dict[str, tuple[object, str]] = {}
    for key, value in flatten(data).items():
        where = f"{path}:{lines.get(key, lines.get(key.split('.')[0], 1))}"
        if key not in BY_KEY:
            known = ", ".join(s.key for s in SETTINGS)
            raise ConfigError(f"{where}: unknown key '{key}' (known: {known})")
        out[key] = (value, where)
    return out


def find_config(folder: Path, given: Path | None) -> Path | None:
    """--config FILE, else FOLDER/doccheck.toml when there is one, else None."""
    if given is not None:
        return given
    candidate = folder / CONFIG_FILE
    return candidate if candidate.is_file() else None


def _convert(setting: Setting, value: object, where: str, base: Path, command: click.Command, ctx: click.Context):
    param = next((p for p in command.params if p.name == setting.param), None)
    if param is None:       # a key this command does not take (e.g. a scan option in `rules`)
        return None
    if isinstance(value, datetime) or isinstance(value, (list, dict)):
        raise ConfigError(f"{where}: {setting.key} = {value!r} is not a single value")
    if isinstance(value, date):
        value = value.isoformat()
    if isinstance(param, click.Option) and param.is_flag and not isinstance(value, bool):
        raise ConfigError(f"{where}: {setting.key} must be true or false, not {value!r}")
    if setting.path:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: {setting.key} must be a path (text), not {value!r}")
        value = str(base / Path(value).expanduser())
    try:
        return param.type.convert(value, param, ctx)
    except click.BadParameter as exc:
        raise ConfigError(f"{where}: {setting.key}: {exc.format_message()}") from None


def apply_config(ctx: click.Context, folder: Path, params: dict, config: Path | None) -> dict[str, Source]:
    """Fill `params` (in place) from the config file where the command line did not set an option.
    Returns each setting's source, by parameter name."""
    from click.core import ParameterSource

    sources: dict[str, Source] = {}
    for p in ctx.command.params:
        origin = ctx.get_parameter_source(p.name) if p.name else None
        if origin in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT, ParameterSource.PROMPT):
            sources[p.name] = Source("command line")
        else:
            sources[p.name] = Source("default")
    path = find_config(folder, config)
    if path is None:
        return sources
    base = path.parent
    for key, (value, where) in read_config(path).items():
        setting = BY_KEY[key]
        if sources.get(setting.param, Source("default")).where == "command line":
            continue
        converted = _convert(setting, value, where, base, ctx.command, ctx)
        if converted is None and setting.param not in params:
            continue
        params[setting.param] = converted
        sources[setting.param] = Source(where)
    return sources
