"""Copies of a file made by sync tools and by people (rules/copies.yaml): "RU_certificate.sync-conflict-
20260305-142233-D4LGQYW.pdf", "Copy of RU_manual.pdf", "RU_manual - копия.pdf".

A copy whose original lies in the same folder does not count for its SKU; a copy alone counts, and
its name without the copy marker is what a rename suggestion starts from. Pure functions of the
names: nothing here reads a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..names import fold_name, nfc
from ..rulefile import Field, LineDict, RuleError, check_keys, fail, read_fields, require

# copies.yaml: the fields of one copy rule
_ENTRY = {"tool": Field(str, nonempty=True), "pattern": Field(str), "case_sensitive": Field(bool, required=False, default=False),
          "source": Field(str, nonempty=True), "examples": Field(LineDict)}
MAX_UNWRAP = 5      # "Copy of Copy of x - Copy.pdf": markers taken off at most this many times


@dataclass(frozen=True)
class CopyRule:
    """One rule of copies.yaml: who makes such names, the pattern (captures `stem`, maybe `ext`), its source."""
    tool: str
    pattern: re.Pattern[str]
    source: str


@dataclass(frozen=True)
class CopyName:
    """A name that carries a copy marker. `original` is the name without it (all markers off);
    `tool` who makes such names (the outermost marker's)."""
    tool: str
    original: str
    candidates: tuple[str, ...]     # the names it may be a copy of, nearest first (one marker off, two off, …)


@dataclass(frozen=True)
class CopyRules:
    """The rules of copies.yaml, tried in order."""
    rules: tuple[CopyRule, ...] = ()

    def parse(self, name: str) -> CopyName | None:
        """The copy marker of a file name, or None for an ordinary name. Compared after NFC."""
        name = nfc(name)
        tool, candidates = "", []
        for _ in range(MAX_UNWRAP):
            rule, original = self._strip(name)
            if rule is None:
                break
            tool = tool or rule.tool
            candidates.append(original)
            name = original
        return CopyName(tool, candidates[-1], tuple(candidates)) if candidates else None

    def _strip(self, name: str) -> tuple[CopyRule | None, str]:
        for rule in self.rules:
            match = rule.pattern.fullmatch(name)
            if match and match.group("stem").strip():
                return rule, match.group("stem").strip() + (match.groupdict().get("ext") or "")
        return None, name

    @classmethod
    def from_data(cls, data: LineDict) -> "CopyRules":
        """copies.yaml, validated: every pattern compiles, captures `stem`, and turns each of its
        examples into the original given. Errors name the file and line."""
        entries = require(data, "copies", list)
        rules: list[CopyRule] = []
        for entry in entries:
            line = getattr(entry, "line", None) or entries.line
            if not isinstance(entry, LineDict):
                raise RuleError("each copy rule must be a mapping (tool, pattern, source, examples)", path=data.path, line=line)
            check_keys(entry, _ENTRY, "unknown field {key!r} in a copy rule")
            spec = read_fields(entry, _ENTRY)
            tool, text, source = spec["tool"], spec["pattern"], spec["source"]
            flags = 0 if spec["case_sensitive"] else re.IGNORECASE
            try:
                pattern = re.compile(text, flags)
            except re.error as exc:
                raise fail(f"copy rule {tool!r}: pattern is not a regular expression ({exc})", entry, "pattern") from None
            if "stem" not in pattern.groupindex:
                raise fail(f"copy rule {tool!r}: pattern must capture the original's name as (?P<stem>…)", entry, "pattern")
            rule = CopyRule(tool, pattern, source)
            examples = spec["examples"]
            if not examples:
                raise fail(f"copy rule {tool!r}: give at least one example", entry, "examples")
            for copy, original in examples.items():
                got = CopyRules((rule,))._strip(nfc(str(copy)))[1]
                if got != str(original):
                    raise fail(f"copy rule {tool!r}: example {copy!r} gives {got!r}, not {original!r}", examples, copy)
            rules.append(rule)
        return cls(tuple(rules))


@dataclass(frozen=True)
class CopyOf:
    """A file found to be a copy: of `original` (the original's index in the files given to
    find_copies) when it lies beside it, else alone (original None)."""
    tool: str
    original_name: str
    original: int | None


def find_copies(paths: Iterable[tuple[str, ...]], rules: CopyRules) -> dict[int, CopyOf]:
    """For path component tuples (relative to the scanned folder), index -> CopyOf for each file whose
    name carries a copy marker. Names are matched to originals in the same folder as text (NFC,
    case-folded), so a copy is of the nearest original present: "Copy of RU_manual - Copy.pdf" is of
    "RU_manual - Copy.pdf" when that exists, else of "RU_manual.pdf". A file never counts as a copy
    of another copy that is itself set aside: originals are files without a marker or whose own
    original is missing."""
    paths = list(paths)
    where: dict[tuple[tuple[str, ...], str], int] = {}
    parsed: dict[int, CopyName] = {}
    for i, parts in enumerate(paths):
        folder = tuple(fold_name(p) for p in parts[:-1])
        where.setdefault((folder, fold_name(parts[-1])), i)
        name = rules.parse(parts[-1])
        if name is not None:
            parsed[i] = name
    found: dict[int, CopyOf] = {}
    for i, name in parsed.items():
        folder = tuple(fold_name(p) for p in paths[i][:-1])
        original = next((where[(folder, c.casefold())] for c in name.candidates if (folder, c.casefold()) in where), None)
        found[i] = CopyOf(name.tool, name.original, original)
    # A chain (x.pdf, x - Copy.pdf, x - Copy - Copy.pdf) all points at x.pdf in the end.
    for i, copy in found.items():
        seen = {i}
        target = copy.original
        while target is not None and target in found and found[target].original is not None and target not in seen:
            seen.add(target)
            target = found[target].original
        if target != copy.original:
            found[i] = CopyOf(copy.tool, copy.original_name, target)
    return found
