"""rules/ozon_types.yaml: Ozon's product type names -> doccheck category keys, and Ozon's
certificate status codes -> approved / declined. Validated on load; errors name file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..rulefile import LineDict, LineList, RuleError, load_yaml, require

OZON_TYPES_FILE = "ozon_types.yaml"
VERDICTS = ("approved", "declined")


@dataclass(frozen=True)
class OzonTypes:
    """types: Ozon type name (as written in the file) -> category key; statuses: status code -> verdict."""
    types: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)      # type name -> line in the file
    path: Path | None = None

    def verdict(self, status_code: str) -> str:
        """"approved", "declined" or "pending" for one of Ozon's certificate status codes."""
        return self.statuses.get((status_code or "").strip().casefold(), "pending")


def load_ozon_types(directory: Path, categories: dict, fold) -> OzonTypes:
    """Read DIRECTORY/ozon_types.yaml (absent: no Ozon aliases). `categories` are the loaded
    categories by key, `fold` the alias folding of rules.py, so a type name that names one category
    here and another in categories.yaml is refused with the file and line."""
    path = directory / OZON_TYPES_FILE
    if not path.is_file():
        return OzonTypes()
    data = load_yaml(path)
    unknown = sorted(set(data) - {"types", "statuses"})
    if unknown:
        raise RuleError(f"unknown section {unknown[0]!r} (expected types, statuses)", path=path, line=data.line_of(unknown[0]))
    block = require(data, "types", LineDict)
    owner: dict[str, str] = {}
    for cat in categories.values():
        for alias in (cat.key, *cat.aliases):
            owner[fold(alias)] = cat.key
    types: dict[str, str] = {}
    lines: dict[str, int] = {}
    seen: dict[str, tuple[str, int]] = {}
    for key, names in block.items():
        line = block.line_of(key)
        if key not in categories:
            raise RuleError(f"{key!r} is not a category of categories.yaml", path=path, line=line)
        if not isinstance(names, LineList):
            raise RuleError(f"{key!r} must list Ozon type names", path=path, line=line)
        for offset, name in enumerate(names):
            where = (names.line or line) + offset
            if not isinstance(name, str) or not name.strip():
                raise RuleError(f"{key!r}: type names must be non-empty texts, got {name!r}", path=path, line=where)
            folded = fold(name)
            if folded in seen and seen[folded][0] != key:
                raise RuleError(f"type {name!r} is listed under {seen[folded][0]!r} (line {seen[folded][1]}) and {key!r}",
                                path=path, line=where)
            if owner.get(folded, key) != key:
                raise RuleError(f"type {name!r} names {owner[folded]!r} in categories.yaml, not {key!r}", path=path, line=where)
            seen[folded] = (key, where)
            types[name.strip()] = key
            lines[name.strip()] = where
    statuses: dict[str, str] = {}
    block = require(data, "statuses", LineDict, optional=True, default=LineDict())
    for verdict, codes in block.items():
        if verdict not in VERDICTS:
            raise RuleError(f"statuses: {verdict!r} must be one of {', '.join(VERDICTS)}", path=path, line=block.line_of(verdict))
        if not isinstance(codes, LineList) or not all(isinstance(c, str) and c.strip() for c in codes):
            raise RuleError(f"statuses: {verdict!r} must list status codes", path=path, line=block.line_of(verdict))
        for code in codes:
            statuses[code.strip().casefold()] = verdict
    return OzonTypes(types, statuses, lines, path)
