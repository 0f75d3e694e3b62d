"""KYC evidence markers: which papers a text shows, from multilingual phrases in rules/markers.yaml.

Rules are Vale-style, of three kinds (MARKER_KINDS: one Marker subclass each, registered with
@marker_kind under its YAML `kind`; a new kind is one more class):
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

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..rulefile import LineList, check_keys, fail, load_yaml, top_level_block
from .scripts import CYRILLIC_TO_LATIN_FOLDED, is_han

LANGUAGES = ("ru", "en", "zh", "fr")
LANGUAGE_NAMES = {"ru": "Russian", "en": "English", "zh": "Chinese", "fr": "French"}

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
# Cyrillic letters OCR confuses with Latin ones (in either case), folded to the Latin letter.
_LOOKALIKES = CYRILLIC_TO_LATIN_FOLDED
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


@dataclass(frozen=True)
class Prepared:
    """A text normalised once for all markers."""
    plain: str
    folded: str

    @classmethod
    def of(cls, text: str) -> "Prepared":
        """`text` normalised once: plain() for patterns, and with look-alikes folded (fold()) for phrases."""
        p = plain(text)
        return cls(p, p.translate(_LOOKALIKES))


def phrase_expression(phrase: str) -> str:
    """The OCR-tolerant regular expression of one phrase, as text (see the module docstring). Made
    of escaped characters and fixed parts, so it always compiles: a phrase is compiled on its first
    use, not when the rules load (214 phrases, 0.1 s of every run's start)."""
    folded = fold(phrase)
    parts: list[str] = []
    for ch in folded:
        if ch.isspace() or ch == "-":
            continue   # separators are optional gaps, added between every two items below
        parts.append(_STAR if ch == "*" else re.escape(ch))
    body = _GAP.join(parts)
    significant = [ch for ch in folded if ch.isalnum()]
    if significant and is_han(significant[0]):
        return body
    end = "" if folded.rstrip().endswith("*") else _WORD_END
    # The word-start check goes after the first character, so the pattern starts with a literal
    # and the regex engine can skip ahead to it instead of trying every position.
    first, rest = parts[0], _GAP.join(parts[1:])
    start_check = rf"(?<![^\W\d_]{first})"
    return first + start_check + (_GAP + rest if rest else "") + end


@dataclass(frozen=True)
class Term:
    """One phrase or pattern of a marker, with its language; compiled on first use."""
    language: str
    source: str            # the phrase or pattern as written in the rule file
    expression: str        # its regular expression (phrase_expression, or the pattern itself)
    is_pattern: bool
    flags: int = 0

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        """The compiled expression (a pattern was compiled once already, when its file was checked)."""
        return re.compile(self.expression, self.flags)

    def found(self, text: Prepared) -> bool:
        """Whether the term occurs in `text`: a pattern is searched in the plain form, a phrase in the folded one."""
        return self.regex.search(text.plain if self.is_pattern else text.folded) is not None


@dataclass(frozen=True)
class TermSet:
    """The phrases and patterns of one marker part (its phrases, `first`, `second` or `unless`)."""
    terms: tuple[Term, ...]

    def matched(self, text: Prepared) -> list[Term]:
        """The terms that occur in `text`, in rule-file order."""
        return [t for t in self.terms if t.found(text)]


@dataclass(frozen=True)
class Marker:
    """One rule of markers.yaml. The kind is the subclass (see MARKER_KINDS); `sets` holds its
    phrase sets (one; conditional: first and second)."""
    key: str
    title: str             # how notes name the paper: "business licence"
    sets: tuple[TermSet, ...]
    min: int = 1
    unless: TermSet | None = None   # words of another paper: when any occurs, the marker does not match
    source: str = ""                # where the wording comes from (documentation only)

    kind: ClassVar[str] = ""
    fields: ClassVar[frozenset[str]] = frozenset()     # the YAML keys this kind takes besides kind/title/unless/source

    def match(self, text: Prepared) -> frozenset[str] | None:
        """The languages the marker matched in, or None when it did not match."""
        if self.unless is not None and self.unless.matched(text):
            return None
        return self.matched(text)

    def matched(self, text: Prepared) -> frozenset[str] | None:
        """The kind's own test (after `unless`)."""
        raise NotImplementedError

    @classmethod
    def parse(cls, key: str, spec: Mapping, common: dict[str, Any]) -> "Marker":
        """The marker from its checked YAML mapping; RuleError (file:line) when it does not fit."""
        raise NotImplementedError


MARKER_KINDS: dict[str, type[Marker]] = {}


def marker_kind(cls: type[Marker]) -> type[Marker]:
    """Class decorator: registers a Marker subclass under its `kind`, the YAML `kind:` value.
    A new kind of marker is one such class."""
    MARKER_KINDS[cls.kind] = cls
    return cls


@marker_kind
class ExistenceMarker(Marker):
    """Matched when any phrase or pattern occurs."""
    kind: ClassVar[str] = "existence"
    fields: ClassVar[frozenset[str]] = frozenset({"phrases", "patterns"})

    def matched(self, text):
        """The languages of the terms found when at least `min` distinct ones occur (one for existence), else None."""
        hits = self.sets[0].matched(text)
        if len({t.source for t in hits}) < self.min:
            return None
        return frozenset(t.language for t in hits)

    @classmethod
    def parse(cls, key, spec, common):
        """Reads `phrases` and/or `patterns`."""
        return cls(key, sets=(_parse_terms(key, spec, ""),), **common)


@marker_kind
class OccurrenceMarker(ExistenceMarker):
    """Matched when at least `min` distinct phrases/patterns occur (the labels of a form)."""
    kind: ClassVar[str] = "occurrence"
    fields: ClassVar[frozenset[str]] = frozenset({"phrases", "patterns", "min"})

    @classmethod
    def parse(cls, key, spec, common):
        """Also reads `min`: a whole number from 1 to the count of distinct phrases and patterns; RuleError
        otherwise."""
        terms = _parse_terms(key, spec, "")
        minimum = spec.get("min")
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
            raise fail(f"marker {key!r}: occurrence needs 'min', a whole number of at least 1", spec,
                       "min" if "min" in spec else None)
        distinct = len({t.source for t in terms.terms})
        if minimum > distinct:
            raise fail(f"marker {key!r}: min {minimum} is more than its {distinct} phrases and patterns", spec, "min")
        return cls(key, sets=(terms,), min=minimum, **common)


@marker_kind
class ConditionalMarker(Marker):
    """Matched when something from `first` AND something from `second` occur."""
    kind: ClassVar[str] = "conditional"
    fields: ClassVar[frozenset[str]] = frozenset({"first", "second"})

    def matched(self, text):
        """The languages of the terms found when both `first` and `second` have one, else None."""
        first, second = (s.matched(text) for s in self.sets)
        if not first or not second:
            return None
        return frozenset(t.language for t in first + second)

    @classmethod
    def parse(cls, key, spec, common):
        """Reads `first` and `second`, each with phrases and/or patterns; RuleError when one is missing or a
        phrase is in both."""
        sets = []
        for part in ("first", "second"):
            if not isinstance(spec.get(part), Mapping):
                raise fail(f"marker {key!r}: conditional needs '{part}' with phrases and/or patterns", spec,
                           part if part in spec else None)
            sub = spec[part]
            check_keys(sub, {"phrases", "patterns"}, f"marker {key!r}: unknown field {{key!r}} in {part!r}")
            sets.append(_parse_terms(key, sub, f"{part}."))
        shared = {t.source.casefold() for t in sets[0].terms} & {t.source.casefold() for t in sets[1].terms}
        if shared:
            raise fail(f"marker {key!r}: {sorted(shared)[0]!r} is in both 'first' and 'second', so one phrase would satisfy both",
                       spec, "second")
        return cls(key, sets=tuple(sets), **common)


KINDS = tuple(MARKER_KINDS)


class MarkerRules:
    """The validated markers of rules/markers.yaml."""

    def __init__(self, markers: Mapping[str, Marker], path: Path | None = None):
        self.markers: dict[str, Marker] = dict(markers)
        self.path = path

    @classmethod
    def load(cls, path: Path | str) -> "MarkerRules":
        """Reads and validates a markers.yaml; RuleError (file:line) when it is wrong."""
        path = Path(path)
        return cls.from_data(load_yaml(path), path)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], path: Path | None = None) -> "MarkerRules":
        """Validates a parsed markers.yaml (`markers:` rules of the MARKER_KINDS); RuleError naming file and line."""
        path = path or getattr(data, "path", None)
        block = top_level_block(data, "markers", path, " of marker rules")
        markers = {}
        for key, spec in block.items():
            markers[key] = _parse_marker(key, spec, block)
        return cls(markers, path)

    def keys(self) -> tuple[str, ...]:
        """The marker keys, in file order."""
        return tuple(self.markers)

    def __contains__(self, key: object) -> bool:
        return key in self.markers

    def title(self, key: str) -> str:
        """How notes name the marker's paper; its key with spaces when unknown."""
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

_COMMON_FIELDS = frozenset({"kind", "title", "unless", "source"})


def _parse_marker(key: Any, spec: Any, block: Mapping) -> Marker:
    if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise fail(f"marker key {key!r} must be lower_snake_case", block, key)
    if not isinstance(spec, Mapping):
        raise fail(f"marker {key!r} must be a mapping", block, key)
    kind = spec.get("kind")
    if kind not in MARKER_KINDS:
        raise fail(f"marker {key!r}: unknown kind {kind!r} (expected one of {', '.join(MARKER_KINDS)})", spec,
                   "kind" if "kind" in spec else None)
    cls = MARKER_KINDS[kind]
    check_keys(spec, _COMMON_FIELDS | cls.fields, f"marker {key!r}: unknown field {{key!r}} for kind {kind!r}")
    title = spec.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail(f"marker {key!r}: 'title' must be a non-empty text", spec, "title" if "title" in spec else None)
    source = spec.get("source", "")
    if not isinstance(source, str) or ("source" in spec and not source.strip()):
        raise fail(f"marker {key!r}: 'source' must be a non-empty text naming where the wording comes from", spec, "source")
    unless = None
    if "unless" in spec:
        sub = spec["unless"]
        if not isinstance(sub, Mapping):
            raise fail(f"marker {key!r}: 'unless' needs phrases and/or patterns", spec, "unless")
        check_keys(sub, {"phrases", "patterns"}, f"marker {key!r}: unknown field {{key!r}} in 'unless'")
        unless = _parse_terms(key, sub, "unless.")
    return cls.parse(key, spec, {"title": title.strip(), "unless": unless, "source": source.strip()})


def _parse_terms(key: str, spec: Mapping, where: str) -> TermSet:
    terms: list[Term] = []
    if "phrases" not in spec and "patterns" not in spec:
        raise fail(f"marker {key!r}: {where}phrases or {where}patterns is required", spec)
    for field_name in ("phrases", "patterns"):
        if field_name not in spec:
            continue
        by_lang = spec[field_name]
        if not isinstance(by_lang, Mapping) or not by_lang:
            raise fail(f"marker {key!r}: {where}{field_name} must map languages ({', '.join(LANGUAGES)}) to lists",
                        spec, field_name)
        for lang, items in by_lang.items():
            if lang not in LANGUAGES:
                raise fail(f"marker {key!r}: unknown language {lang!r} in {where}{field_name} "
                            f"(expected {', '.join(LANGUAGES)})", by_lang, lang)
            if not isinstance(items, list) or not items:
                raise fail(f"marker {key!r}: {where}{field_name}.{lang} must be a non-empty list", by_lang, lang)
            # errors point at the list (its line) when the file gave one, else at the language key
            node, node_key = (items, None) if isinstance(items, LineList) else (by_lang, lang)
            seen: set[str] = set()
            for item in items:
                if not isinstance(item, str) or not item.strip():
                    raise fail(f"marker {key!r}: {where}{field_name}.{lang} has an empty or non-text entry {item!r}",
                                node, node_key)
                item = item.strip()
                try:
                    expression, flags = (_check_phrase(item), 0) if field_name == "phrases" else _check_pattern(item)
                except ValueError as exc:
                    raise fail(f"marker {key!r}: {where}{field_name}.{lang}: {exc}", node, node_key) from None
                ident = fold(item) if field_name == "phrases" else item
                if ident in seen:
                    raise fail(f"marker {key!r}: {item!r} is listed twice in {where}{field_name}.{lang}", node, node_key)
                seen.add(ident)
                terms.append(Term(lang, item, expression, field_name == "patterns", flags))
    return TermSet(tuple(terms))


def _check_phrase(phrase: str) -> str:
    significant = [ch for ch in phrase if ch.isalnum()]
    cjk = any(is_han(ch) for ch in significant)
    if len(significant) < (2 if cjk else 3):
        raise ValueError(f"phrase {phrase!r} is too short to mean anything")
    if phrase.startswith("*"):
        raise ValueError(f"phrase {phrase!r} may not start with '*' (phrases match from a word start)")
    return phrase_expression(phrase)


def _check_pattern(pattern: str) -> tuple[str, int]:
    try:
        regex = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    if regex.search("") is not None:
        raise ValueError(f"pattern {pattern!r} matches empty text")
    return regex.pattern, regex.flags
