"""KYC evidence markers: which papers a text shows, from multilingual phrases in rules/markers.yaml.

Rules are Vale-style, of three kinds:
  existence    matched when any phrase or pattern occurs
  occurrence   matched when at least `min` distinct phrases/patterns occur (the labels of a form)
  conditional  matched when something from `first` AND something from `second` occur

Phrases are matched tolerant of what OCR does to text: Unicode compatibility forms folded (NFKC),
case-insensitive, ё = е, Latin/Cyrillic look-alike letters folded together (ОСR reads "НОТАРИУС"
as "HOTAPИYC"), whitespace and hyphens between any two characters optional (broken spacing,
"营 业 执 照", words split at line ends). A Latin/Cyrillic phrase must start at a word start and
end at a word end; `*` stands for any letters (write stems: "нотариус*"). CJK phrases match anywhere.
Patterns are regular expressions searched in the plain-normalised text (NFKC, case-folded,
ё = е, whitespace runs folded to one space; no look-alike folding).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..rulefile import LineDict, LineList, RuleError, load_yaml

LANGUAGES = ("ru", "en", "zh", "fr")
LANGUAGE_NAMES = {"ru": "Russian", "en": "English", "zh": "Chinese", "fr": "French"}
KINDS = ("existence", "occurrence", "conditional")

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
# Cyrillic letters OCR confuses with Latin ones (in either case), folded to the Latin letter.
_LOOKALIKES = str.maketrans({"а": "a", "в": "b", "с": "c", "е": "e", "н": "h", "к": "k", "м": "m", "о": "o",
                             "р": "p", "т": "t", "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s"})
_GAP = r"[\s\-]{0,3}"
_STAR = r"[^\W\d_]{0,24}"
_WORD_END = r"(?![^\W\d_])"


def plain(text: str) -> str:
    """NFKC, invisible characters dropped, case-folded, ё = е, dashes unified, whitespace folded."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()
    text = text.replace("ё", "е").translate(_DASHES)
    return re.sub(r"\s+", " ", text).strip()


def fold(text: str) -> str:
    """plain() with Latin/Cyrillic look-alikes folded together: what phrases are matched on."""
    return plain(text).translate(_LOOKALIKES)


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FA1F


@dataclass(frozen=True)
class Prepared:
    """A text normalised once for all markers."""
    plain: str
    folded: str

    @classmethod
    def of(cls, text: str) -> "Prepared":
        p = plain(text)
        return cls(p, p.translate(_LOOKALIKES))


def phrase_regex(phrase: str) -> re.Pattern[str]:
    """Compile one phrase to its OCR-tolerant regular expression (see the module docstring)."""
    folded = fold(phrase)
    parts: list[str] = []
    for ch in folded:
        if ch.isspace() or ch == "-":
            continue   # separators are optional gaps, added between every two items below
        parts.append(_STAR if ch == "*" else re.escape(ch))
    body = _GAP.join(parts)
    significant = [ch for ch in folded if ch.isalnum()]
    if significant and is_cjk(significant[0]):
        return re.compile(body)
    end = "" if folded.rstrip().endswith("*") else _WORD_END
    # The word-start check goes after the first character, so the pattern starts with a literal
    # and the regex engine can skip ahead to it instead of trying every position.
    first, rest = parts[0], _GAP.join(parts[1:])
    start_check = rf"(?<![^\W\d_]{first})"
    return re.compile(first + start_check + (_GAP + rest if rest else "") + end)


@dataclass(frozen=True)
class Term:
    language: str
    source: str            # the phrase or pattern as written in the rule file
    regex: re.Pattern[str]
    is_pattern: bool

    def found(self, text: Prepared) -> bool:
        return self.regex.search(text.plain if self.is_pattern else text.folded) is not None


@dataclass(frozen=True)
class TermSet:
    terms: tuple[Term, ...]

    def matched(self, text: Prepared) -> list[Term]:
        return [t for t in self.terms if t.found(text)]


@dataclass(frozen=True)
class Marker:
    key: str
    kind: str
    title: str             # how notes name the paper: "business licence"
    sets: tuple[TermSet, ...]   # one set; conditional: (first, second)
    min: int = 1
    unless: TermSet | None = None   # words of another paper: when any occurs, the marker does not match
    source: str = ""                # where the wording comes from (documentation only)

    def match(self, text: Prepared) -> frozenset[str] | None:
        """The languages the marker matched in, or None when it did not match."""
        if self.unless is not None and self.unless.matched(text):
            return None
        if self.kind == "conditional":
            first, second = (s.matched(text) for s in self.sets)
            if not first or not second:
                return None
            return frozenset(t.language for t in first + second)
        hits = self.sets[0].matched(text)
        if len({t.source for t in hits}) < self.min:
            return None
        return frozenset(t.language for t in hits)


class MarkerRules:
    """The validated markers of rules/markers.yaml."""

    def __init__(self, markers: Mapping[str, Marker], path: Path | None = None):
        self.markers: dict[str, Marker] = dict(markers)
        self.path = path

    @classmethod
    def load(cls, path: Path | str) -> "MarkerRules":
        path = Path(path)
        return cls.from_data(load_yaml(path), path)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], path: Path | None = None) -> "MarkerRules":
        path = path or getattr(data, "path", None)
        if not isinstance(data, Mapping):
            raise RuleError("expected a mapping at the top of the file", path=path, line=1)
        unknown = set(data) - {"markers"}
        if unknown:
            bad = sorted(map(str, unknown))[0]
            raise RuleError(f"unknown top-level key {bad!r} (expected 'markers')", data, line=_line_of(data, bad))
        block = data.get("markers")
        if not isinstance(block, Mapping) or not block:
            raise RuleError("'markers' must be a non-empty mapping of marker rules", data, line=_line_of(data, "markers"))
        markers = {}
        for key, spec in block.items():
            markers[key] = _parse_marker(key, spec, block)
        return cls(markers, path)

    def keys(self) -> tuple[str, ...]:
        return tuple(self.markers)

    def __contains__(self, key: object) -> bool:
        return key in self.markers

    def title(self, key: str) -> str:
        marker = self.markers.get(key)
        return marker.title if marker else key.replace("_", " ")

    def match(self, text: str | Prepared) -> dict[str, frozenset[str]]:
        """Marker key -> the languages it matched in, for every marker found in text."""
        prepared = text if isinstance(text, Prepared) else Prepared.of(text or "")
        found = {}
        if not prepared.plain:
            return found
        for key, marker in self.markers.items():
            languages = marker.match(prepared)
            if languages is not None:
                found[key] = languages
        return dict(sorted(found.items()))


def match_markers(text: str, rules: MarkerRules) -> dict[str, frozenset[str]]:
    """Marker key -> languages matched (sorted by key)."""
    return rules.match(text)


def find_markers(text: str, rules: MarkerRules) -> list[str]:
    """The sorted keys of the markers found in text."""
    return sorted(rules.match(text))


# --- validation ------------------------------------------------------------------------------

_COMMON_FIELDS = {"kind", "title", "unless", "source"}
_MARKER_FIELDS = {"existence": _COMMON_FIELDS | {"phrases", "patterns"},
                  "occurrence": _COMMON_FIELDS | {"phrases", "patterns", "min"},
                  "conditional": _COMMON_FIELDS | {"first", "second"}}


def _line_of(mapping: Any, key: Any) -> int | None:
    if isinstance(mapping, LineDict):
        return mapping.line_of(key)
    return getattr(mapping, "line", None)


def _fail(message: str, node: Any, key: Any = None) -> RuleError:
    return RuleError(message, node, line=_line_of(node, key) if key is not None else getattr(node, "line", None))


def _parse_marker(key: Any, spec: Any, block: Mapping) -> Marker:
    if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise _fail(f"marker key {key!r} must be lower_snake_case", block, key)
    if not isinstance(spec, Mapping):
        raise _fail(f"marker {key!r} must be a mapping", block, key)
    kind = spec.get("kind")
    if kind not in KINDS:
        raise _fail(f"marker {key!r}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})", spec,
                    "kind" if "kind" in spec else None)
    unknown = set(spec) - _MARKER_FIELDS[kind]
    if unknown:
        bad = sorted(map(str, unknown))[0]
        raise _fail(f"marker {key!r}: unknown field {bad!r} for kind {kind!r}", spec, bad)
    title = spec.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _fail(f"marker {key!r}: 'title' must be a non-empty text", spec, "title" if "title" in spec else None)
    source = spec.get("source", "")
    if not isinstance(source, str) or ("source" in spec and not source.strip()):
        raise _fail(f"marker {key!r}: 'source' must be a non-empty text naming where the wording comes from", spec, "source")
    unless = None
    if "unless" in spec:
        sub = spec["unless"]
        if not isinstance(sub, Mapping):
            raise _fail(f"marker {key!r}: 'unless' needs phrases and/or patterns", spec, "unless")
        extra = set(sub) - {"phrases", "patterns"}
        if extra:
            raise _fail(f"marker {key!r}: unknown field {sorted(map(str, extra))[0]!r} in 'unless'", sub, sorted(map(str, extra))[0])
        unless = _parse_terms(key, sub, "unless.")
    common = {"unless": unless, "source": source.strip()}
    if kind == "conditional":
        sets = []
        for part in ("first", "second"):
            if not isinstance(spec.get(part), Mapping):
                raise _fail(f"marker {key!r}: conditional needs '{part}' with phrases and/or patterns", spec,
                            part if part in spec else None)
            sub = spec[part]
            extra = set(sub) - {"phrases", "patterns"}
            if extra:
                bad = sorted(map(str, extra))[0]
                raise _fail(f"marker {key!r}: unknown field {bad!r} in {part!r}", sub, bad)
            sets.append(_parse_terms(key, sub, f"{part}."))
        shared = {t.source.casefold() for t in sets[0].terms} & {t.source.casefold() for t in sets[1].terms}
        if shared:
            raise _fail(f"marker {key!r}: {sorted(shared)[0]!r} is in both 'first' and 'second', so one phrase would satisfy both",
                        spec, "second")
        return Marker(key, kind, title.strip(), tuple(sets), **common)
    terms = _parse_terms(key, spec, "")
    minimum = 1
    if kind == "occurrence":
        minimum = spec.get("min")
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
            raise _fail(f"marker {key!r}: occurrence needs 'min', a whole number of at least 1", spec,
                        "min" if "min" in spec else None)
        distinct = len({t.source for t in terms.terms})
        if minimum > distinct:
            raise _fail(f"marker {key!r}: min {minimum} is more than its {distinct} phrases and patterns", spec, "min")
    return Marker(key, kind, title.strip(), (terms,), minimum, **common)


def _parse_terms(key: str, spec: Mapping, where: str) -> TermSet:
    terms: list[Term] = []
    if "phrases" not in spec and "patterns" not in spec:
        raise _fail(f"marker {key!r}: {where}phrases or {where}patterns is required", spec)
    for field_name in ("phrases", "patterns"):
        if field_name not in spec:
            continue
        by_lang = spec[field_name]
        if not isinstance(by_lang, Mapping) or not by_lang:
            raise _fail(f"marker {key!r}: {where}{field_name} must map languages ({', '.join(LANGUAGES)}) to lists",
                        spec, field_name)
        for lang, items in by_lang.items():
            if lang not in LANGUAGES:
                raise _fail(f"marker {key!r}: unknown language {lang!r} in {where}{field_name} "
                            f"(expected {', '.join(LANGUAGES)})", by_lang, lang)
            if not isinstance(items, list) or not items:
                raise _fail(f"marker {key!r}: {where}{field_name}.{lang} must be a non-empty list", by_lang, lang)
            # errors point at the list (its line) when the file gave one, else at the language key
            node, node_key = (items, None) if isinstance(items, LineList) else (by_lang, lang)
            seen: set[str] = set()
            for item in items:
                if not isinstance(item, str) or not item.strip():
                    raise _fail(f"marker {key!r}: {where}{field_name}.{lang} has an empty or non-text entry {item!r}",
                                node, node_key)
                item = item.strip()
                try:
                    regex = _check_phrase(item) if field_name == "phrases" else _check_pattern(item)
                except ValueError as exc:
                    raise _fail(f"marker {key!r}: {where}{field_name}.{lang}: {exc}", node, node_key) from None
                ident = fold(item) if field_name == "phrases" else item
                if ident in seen:
                    raise _fail(f"marker {key!r}: {item!r} is listed twice in {where}{field_name}.{lang}", node, node_key)
                seen.add(ident)
                terms.append(Term(lang, item, regex, field_name == "patterns"))
    return TermSet(tuple(terms))


def _check_phrase(phrase: str) -> re.Pattern[str]:
    significant = [ch for ch in phrase if ch.isalnum()]
    cjk = any(is_cjk(ch) for ch in significant)
    if len(significant) < (2 if cjk else 3):
        raise ValueError(f"phrase {phrase!r} is too short to mean anything")
    if phrase.startswith("*"):
        raise ValueError(f"phrase {phrase!r} may not start with '*' (phrases match from a word start)")
    return phrase_regex(phrase)


def _check_pattern(pattern: str) -> re.Pattern[str]:
    try:
        regex = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    if regex.search("") is not None:
        raise ValueError(f"pattern {pattern!r} matches empty text")
    return regex
