"""Conformity-document registration numbers, validity dates and cited regulations, read from the
dirty text of PDF text layers and tesseract OCR. The patterns live in rules/numbers.yaml.

Candidates are found by a prefix (ЕАЭС/ТС/РОСС), a bare "RU С-"/"RU Д-", or a form title followed by
"№"; each is matched loosely, then normalised field by field and checked strictly, so a malformed
number comes back with a problem text instead of being missed.

Where each layout came from. Decision 293 of the EEC Collegium (25.12.2012, ed. 154 of 15.11.2016)
fixes the forms and leaves the number to each member state; its text was not in the searchable
sources, so every layout below was checked against register numbers quoted in public GitHub code:
- RU/TC/bare `ЕАЭС N RU Д-TR.РА01.А.44855/19`, `ЕАЭС RU С-CN.НВ26.В.04260/24`: pub.fsa.gov.ru lookup scripts, WB upload tests.
- early TC `ТС N RU Д-RU.АЕ67.В01835` (no dot, no year): declaration forms' placeholders in public sites' code.
- GOST R `РОСС RU.АИ86.Д00320`, `РОСС JP.МЕ20.Д00600` (Д = declaration): pharmacy invoice parser tests.
- GOST R since 2019 `РОСС RU С-RU.НВ34.В.00690/26`, `РОСС RU Д-RU.РА01.В.11940/26`: FSA API request examples.
- BY `ЕАЭС BY/112 02.01. ТР018 010.02 00276` (02 cert, 11 decl): Bostich2/cert-parser EEC register fixture.
- KZ `ЕАЭС KZ 7500533.01.01.06080`: cert-parser EEC register fixture; an eokno form script builds the same parts.
- KG `ЕАЭС KG417/039.RU.02.06810`, `ЕАЭС KG417/013.Д.0002575`: swis.trade.kg parser tests (cert-parser and others).
- AM `ЕАЭС AM-008/S.A-0175-2018`: one EEC register record in cert-parser; AM in the RU layout is accepted unverified.
- Date wordings are those printed on the Decision 293 forms (as given in the brief, not re-checked).

A number whose layout is not recognised at all (after a title) has scheme "eaeu" and registered_in "".
"""

from __future__ import annotations

import dataclasses
import functools
import re
import string
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .scripts import CYRILLIC_TO_LATIN_CAPITALS
from ..rulefile import LineDict, LineList, RuleError, fail, load_yaml, require

SCHEMES = ("eaeu", "customs_union", "ru_technical_regulation", "gost_r", "national", "voluntary",
           "state_registration", "medical_registration")
DOC_TYPES = ("certificate", "declaration")
READS = ("latin", "cyrillic", "digits", "body", "text")
_WINDOW = 200          # no number with its stray gaps is longer; bounds every match attempt
_PLACEHOLDER = re.compile(r"\{([A-Z_]+)\}")
_SECTION = re.compile(r"\[([^\[\]]*)\]")
_TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


@dataclass(frozen=True)
class ConformityNumber:
    official: str        # canonical official form, e.g. "ЕАЭС N RU Д-CN.РА01.В.12345/24" (country codes Latin)
    raw: str             # as found in the text
    scheme: str          # "eaeu" | "customs_union" | "ru_technical_regulation" | "gost_r"
    doc_type: str        # "certificate" | "declaration"
    registered_in: str   # "RU", "BY", "KZ", "KG", "AM"
    well_formed: bool
    problem: str | None  # short English text when not well formed
    position: int        # offset in the text (for pairing with dates)
    repairs: tuple[str, ...] = ()   # short English texts: what was changed on the way to the official form
    absent: tuple[str, ...] = ()    # optional fields of its layout that are not there ("year")
    core: int = -1                  # offset where the number proper starts (after prefix and N mark)


@dataclass(frozen=True)
class Validity:
    valid_from: date | None
    valid_until: date | None
    registered: date | None


@dataclass(frozen=True)
class _Field:
    name: str
    read: str
    required: bool
    match: re.Pattern | None
    one_of: frozenset[str] | None
    problem: str
    missing: str


@dataclass(frozen=True)
class _Layout:
    name: str
    pattern: re.Pattern
    fields: tuple[_Field, ...]
    official: str
    doc_type: str | None                 # fixed type, or None
    doc_type_field: str | None
    doc_type_map: dict[str, str]
    doc_type_default: str | None
    registered_in: str | None
    scheme: str | None = None                 # the layout fixes the scheme (voluntary system, СГР)
    scheme_field: str | None = None           # ...or a field's value picks it (GOST R series Н/С)
    scheme_map: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Prefix:
    name: str
    scheme: str
    spellings: tuple[str, ...]
    display: str
    mark: str
    quick: re.Pattern                     # any of the layouts, no groups: rejects most anchors in one call
    options: tuple[tuple[_Layout, str, str, str], ...]
    era: tuple[str, str] | None = None    # (scheme with a /year, scheme without): the EAC mark


@dataclass(frozen=True)
class _Wording:
    pattern: re.Pattern
    from_registration: bool


class NumberRules:
    """Compiled rules/numbers.yaml. Build with load() or from_data()."""

    anchor: re.Pattern             # every place a number can start: prefix, bare "RU С-", title, label
    prefixes: dict[str, _Prefix]
    wordings: tuple[_Wording, ...]

    def __init__(self, **parts: Any):
        self.__dict__.update(parts)    # filled only by _Compiler.build()

    @classmethod
    def load(cls, path: Path) -> "NumberRules":
        return cls.from_data(load_yaml(Path(path)))

    @classmethod
    def from_data(cls, data: LineDict) -> "NumberRules":
        return _Compiler(data).build()

    # -- field normalisation -------------------------------------------------------------------

    def read(self, raw: str, how: str) -> str:
        s = re.sub(r"\s+", "", raw)
        if how == "latin":
            fixed = self.country_fixes.get(s)
            return fixed if fixed else s.translate(self.to_latin).upper()
        if how == "cyrillic":
            return s.translate(self.to_cyrillic).upper()
        if how == "digits":
            return s.translate(self.to_digits)
        if how == "body":      # two letters then digits: "PA0l" -> "РА01"
            return s[:2].translate(self.to_cyrillic).upper() + s[2:].translate(self.to_digits)
        return s

    def fold(self, text: str) -> str:
        """Latin look-alikes to Cyrillic, same length, for wordings, titles and regulations.

        The three finders fold the same text in turn; the last results are kept in a functools
        cache (translate is the costliest step of a warm re-scan), not in the rules object."""
        return _fold(text, self)


@functools.lru_cache(maxsize=2)
def _fold(text: str, rules: NumberRules) -> str:
    """`text` with the rules' Latin look-alikes made Cyrillic (pure; NumberRules hash by identity)."""
    return text.translate(rules.fold_table)


class _Compiler:
    """Checks numbers.yaml and compiles it; every error names file and line."""

    def __init__(self, data: LineDict):
        if not isinstance(data, LineDict):
            raise RuleError("numbers rules must be a mapping", data)
        self.data = data
        self.expansions: dict[str, str] = {}

    # -- small checked readers --

    def _str(self, mapping: LineDict, key: str) -> str:
        return require(mapping, key, str)

    def _strings(self, mapping: LineDict, key: str) -> list[str]:
        items = require(mapping, key, list)
        if not items or not all(isinstance(i, str) and i for i in items):
            raise self._error(mapping, key, f"{key!r} must be a non-empty list of strings")
        return list(items)

    def _str_map(self, mapping: LineDict, key: str) -> dict[str, str]:
        table = require(mapping, key, LineDict)
        for k, v in table.items():
            if not isinstance(k, str) or not isinstance(v, (str, int)) or isinstance(v, bool):
                # unquoted yes/no/on/off become booleans in YAML: say so rather than misread them
                raise RuleError(f"{key!r}: entry {k!r}: {v!r} must map text to text (quote it)",
                                path=table.path, line=table.line_of(k))
        return {k: str(v) for k, v in table.items()}

    @staticmethod
    def _error(mapping: LineDict, key: str, message: str) -> RuleError:
        return fail(message, mapping, key)

    def _regex(self, mapping: LineDict, key: str, template: str | None = None, flags: int = 0) -> re.Pattern:
        source = template if template is not None else require(mapping, key, str)
        expanded = self._expand(mapping, key, source)
        try:
            return re.compile(expanded, re.VERBOSE | flags)
        except re.error as exc:
            raise self._error(mapping, key, f"{key!r}: pattern does not compile: {exc}") from None

    def _expand(self, mapping: LineDict, key: str, source: str) -> str:
        def replace(m: re.Match) -> str:
            name = m.group(1)
            if name not in self.expansions:
                raise self._error(mapping, key, f"{key!r}: unknown placeholder {{{name}}}")
            return self.expansions[name]
        return _PLACEHOLDER.sub(replace, source)

    # -- the whole file --

    def build(self) -> NumberRules:
        d = self.data
        alphabets = require(d, "alphabets", LineDict)
        cyrillic = self._str(alphabets, "cyrillic")
        latin = self._str(alphabets, "latin")
        digits = self._str(alphabets, "digits")
        looks = require(d, "lookalikes", LineDict)
        lat2cyr = self._str_map(looks, "latin_to_cyrillic")
        cyr2lat = self._str_map(looks, "cyrillic_to_latin")
        dig = self._str_map(looks, "digits")
        fixes = self._str_map(looks, "country_codes")
        for name, table in (("latin_to_cyrillic", lat2cyr), ("cyrillic_to_latin", cyr2lat), ("digits", dig)):
            for k, v in table.items():
                if len(k) != 1 or len(v) != 1:
                    raise RuleError(f"{name!r}: {k!r} -> {v!r} must map one character to one",
                                    path=looks.path, line=looks.line_of(name))
        for k in fixes:
            if k.isascii():     # a Latin key would rewrite a real code (CM is Cameroon)
                raise RuleError(f"'country_codes': {k!r} must contain a Cyrillic letter",
                                path=looks.path, line=looks.line_of("country_codes"))

        def cls(chars: str) -> str:
            return "[" + "".join(re.escape(c) for c in dict.fromkeys(chars)) + "]"

        cyr_chars = cyrillic + "".join(k for k, v in lat2cyr.items() if v in cyrillic)
        lat_chars = latin + "".join(k for k, v in cyr2lat.items() if v in latin)
        dig_chars = digits + "".join(dig)
        dashes = self._str(d, "dashes")
        gap = self._str(d, "gap")
        try:
            re.compile(gap)
        except re.error as exc:
            raise self._error(d, "gap", f"'gap': pattern does not compile: {exc}") from None
        self.expansions.update({
            "CYR": cls(cyr_chars), "LAT": cls(lat_chars), "DIG": cls(dig_chars),
            "ALNUM": cls(cyr_chars + dig_chars), "DASH": cls(dashes),
            "_": f"(?>{gap})",
        })

        countries = frozenset(self._str(d, "countries").split())
        bad = sorted(c for c in countries if not re.fullmatch(r"[A-Z]{2}", c))
        if bad:
            raise self._error(d, "countries", f"'countries': {bad[0]!r} is not a two-letter code")
        lists = {"countries": countries}

        numero = self._regex(d, "numero")
        numero_misread = self._regex(d, "numero_misread")
        layouts = self._layouts(require(d, "layouts", LineDict), lists)
        prefixes = self._prefixes(require(d, "prefixes", LineDict), layouts, numero)
        bare_node = require(d, "bare", LineList)
        universe = set(cyr_chars + lat_chars + dig_chars + cyrillic.lower() + string.printable)
        first_chars: set[str] = set()
        bares = []
        for bare in bare_node:
            if not isinstance(bare, LineDict):
                raise fail("'bare': each entry must be a mapping", bare_node)
            bare_scheme = self._scheme(bare, "scheme")
            bare_states = frozenset(self._strings(bare, "states"))
            bare_layouts = tuple(self._layout_ref(bare, "layouts", name, layouts) for name in self._strings(bare, "layouts"))
            bare_anchor = self._expand(bare, "anchor", require(bare, "anchor", str))
            bare_start = self._regex(bare, "starts_with")
            starts = {c for c in universe if bare_start.fullmatch(c)}
            if not starts:
                raise self._error(bare, "starts_with", "'starts_with' must be a character class of letters")
            first_chars |= starts
            bares.append((bare_anchor, bare_states, tuple((lay, bare_scheme, "", "") for lay in bare_layouts)))

        titles_node = require(d, "titles", LineDict)
        titles = {kind: self._strings(titles_node, kind) for kind in DOC_TYPES}
        after = require(d, "after_title", LineDict)
        labels_node = require(after, "labels", LineDict)
        labels = {kind: self._strings(labels_node, kind) for kind in DOC_TYPES}
        after_layouts_node = require(after, "layouts", LineDict)
        after_layouts = []
        for name in after_layouts_node:
            scheme = self._scheme(after_layouts_node, name)
            after_layouts.append((self._layout_ref(after, "layouts", name, layouts), scheme))
        token = self._regex(after, "token")
        min_digits = require(after, "min_digits", int)
        unrecognised = require(after, "problem", str)
        ignore = [self._regex(d, "ignore", t) for t in self._strings(d, "ignore")]
        ignore_any = re.compile("|".join(f"(?:{p.pattern})" for p in ignore), re.VERBOSE)

        def fuzzy(phrase: str, ignore_case: bool) -> str:
            """A literal phrase that tolerates Latin look-alikes and any run of whitespace."""
            out = []
            for ch in phrase:
                if ch.isspace():
                    out.append(r"\s+")
                    continue
                chars = {ch, ch.lower(), ch.upper()} if ignore_case else {ch}
                chars |= {k for k, v in lat2cyr.items() if v in chars}
                out.append(cls("".join(sorted(chars))))
            return "".join(out)

        letters = "А-ЯЁа-яё"
        anchor_parts = []
        for phrase in [s for p in prefixes.values() for s in p.spellings] + \
                [t for k in DOC_TYPES for t in titles[k] + labels[k]]:
            head = phrase[0]
            heads = {head, head.lower(), head.upper()}
            first_chars |= heads | {k for k, v in lat2cyr.items() if v in heads}
        for prefix in prefixes.values():
            alts = "|".join(fuzzy(s, False) for s in sorted(prefix.spellings, key=len, reverse=True))
            anchor_parts.append(f"(?P<p_{prefix.name}>(?<![^\\W_])(?:{alts})(?![{letters}]))")
        for i, (bare_anchor, _, _) in enumerate(bares):
            anchor_parts.append(f"(?P<bare_{i}>{bare_anchor})")
        for kind in DOC_TYPES:
            anchor_parts.append(f"(?P<t_{kind}>{'|'.join(fuzzy(t, False) for t in titles[kind])})")
            anchor_parts.append(f"(?P<l_{kind}>(?<![^\\W_])(?:{'|'.join(fuzzy(t, True) for t in labels[kind])}))")
        try:
            # the lookahead lets the scan skip characters no anchor starts with (most of any text)
            anchor = re.compile(f"(?={cls(''.join(sorted(first_chars)))})(?:" + "|".join(anchor_parts) + ")", re.VERBOSE)
        except re.error as exc:
            raise fail(f"'bare' anchors and prefixes do not compile together: {exc}", bare_node) from None
        gap_re = self.expansions["_"]
        after_title_re = re.compile(f"{gap_re}(?:{numero.pattern}){gap_re}", re.VERBOSE)
        after_label_re = re.compile(f"{gap_re}:?{gap_re}(?:(?:{numero.pattern}){gap_re})?", re.VERBOSE)
        numero_re = re.compile(f"{gap_re}(?:{numero.pattern}){gap_re}", re.VERBOSE)
        # the misread mark only where a state code and С/Д follow: "ЕАЭС М RU Д-…"
        misread_re = re.compile(f"{gap_re}(?P<mark>{numero_misread.pattern})[ \t\u00a0]{{1,8}}(?={self.expansions['LAT']}{{2}}{gap_re}[СCДD]{gap_re}{self.expansions['DASH']})", re.VERBOSE)

        dates = require(d, "dates", LineDict)
        months = self._str_map(dates, "months")
        month_numbers: dict[str, int] = {}
        for word, number in months.items():
            if not number.isdigit() or not 1 <= int(number) <= 12:
                raise fail(f"'months': {word!r} must map to 1..12", dates, "months")
            month_numbers[word.casefold()] = int(number)
        self.expansions["MONTH"] = "(?:" + "|".join(re.escape(w) for w in sorted(month_numbers, key=len, reverse=True)) + ")"
        formats = [self._regex(dates, "formats", f, re.IGNORECASE) for f in self._strings(dates, "formats")]
        for f in formats:
            names = set(f.groupindex)
            if not ({"d", "y"} <= names and ({"m", "mon"} & names)):
                raise self._error(dates, "formats", "'formats': each needs groups d, y and m or mon")
        suffix = self._regex(dates, "suffix")
        self.expansions["DATE"] = ("(?:" + "|".join(_NAMED_GROUP.sub("(?:", f.pattern) for f in formats) + ")"
                                   + suffix.pattern)
        wordings = []
        node = require(d, "validity", LineList)
        for item in node:
            if not isinstance(item, LineDict):
                raise fail("'validity': each entry must be a mapping", node)
            pattern = self._regex(item, "pattern", flags=re.IGNORECASE)
            if not {"from", "until", "registered"} & set(pattern.groupindex):
                raise self._error(item, "pattern", "'pattern': needs a from, until or registered group")
            wordings.append(_Wording(pattern, bool(require(item, "from_registration", bool, optional=True, default=False))))

        evidence = require(d, "evidence", LineDict)
        min_confidence = require(evidence, "min_confidence", int)
        year_expected = frozenset(self._strings(evidence, "year_expected"))
        for scheme in year_expected:
            if scheme not in SCHEMES:
                raise self._error(evidence, "year_expected", f"'year_expected': unknown scheme {scheme!r}")
        if not 0 <= min_confidence <= 100:
            raise self._error(evidence, "min_confidence", "'min_confidence' must be 0-100")
        regs = require(d, "regulations", LineDict)
        reg_pattern = self._regex(regs, "pattern", flags=re.IGNORECASE)
        if not {"union", "number", "year"} <= set(reg_pattern.groupindex):
            raise self._error(regs, "pattern", "'pattern': needs groups union, number and year")
        unions = {k.upper(): v for k, v in self._str_map(regs, "unions").items()}
        reg_official = require(regs, "official", str)
        self._check_template(regs, "official", reg_official, {"union", "number", "year"})

        after_options = tuple((lay, scheme, "", "") for lay, scheme in after_layouts)   # no prefix printed, none supplied
        title_source = "|".join(f"(?P<{k}>{'|'.join(_phrase(t) for t in titles[k])})" for k in DOC_TYPES)
        return NumberRules(
            to_latin=str.maketrans(cyr2lat), to_cyrillic=str.maketrans(lat2cyr), to_digits=str.maketrans(dig),
            country_fixes=fixes, fold_table=str.maketrans(lat2cyr),
            anchor=anchor, numero=numero_re, numero_misread=misread_re, ignore=ignore_any, prefixes=prefixes,
            bares=tuple((states, options) for _, states, options in bares),
            displays={p.scheme: (p.display, p.mark) for p in prefixes.values() if p.display and p.name == p.scheme},
            after_title=after_title_re, after_label=after_label_re, after_options=after_options,
            token=token, min_digits=min_digits, unrecognised=unrecognised,
            title_exact=re.compile(title_source), title_any=re.compile(title_source, re.IGNORECASE),
            date_formats=tuple(formats), months=month_numbers, wordings=tuple(wordings),
            reg_pattern=reg_pattern, reg_unions=unions, reg_official=reg_official,
            min_confidence=min_confidence, year_expected=year_expected,
        )

    def _scheme(self, mapping: LineDict, key: str) -> str:
        scheme = require(mapping, key, str)
        if scheme not in SCHEMES:
            raise self._error(mapping, key, f"{key!r}: unknown scheme {scheme!r} (expected one of {', '.join(SCHEMES)})")
        return scheme

    def _layout_ref(self, mapping: LineDict, key: str, name: str, layouts: dict[str, _Layout]) -> _Layout:
        if name not in layouts:
            raise self._error(mapping, key, f"{key!r}: no layout named {name!r}")
        return layouts[name]

    def _check_template(self, mapping: LineDict, key: str, template: str, known: set[str]) -> None:
        for name in _TEMPLATE_FIELD.findall(template):
            if name not in known:
                raise self._error(mapping, key, f"{key!r}: template field {{{name}}} is not defined")

    def _layouts(self, node: LineDict, lists: dict[str, frozenset[str]]) -> dict[str, _Layout]:
        layouts = {}
        for name, spec in node.items():
            if not isinstance(spec, LineDict):
                raise self._error(node, name, f"layout {name!r} must be a mapping")
            pattern = self._regex(spec, "pattern")
            fields = []
            fields_node = require(spec, "fields", LineDict)
            for fname, fspec in fields_node.items():
                if not isinstance(fspec, LineDict):
                    raise self._error(fields_node, fname, f"field {fname!r} must be a mapping")
                if fname not in pattern.groupindex:
                    raise self._error(fields_node, fname, f"field {fname!r} has no (?P<{fname}>...) group in the pattern")
                read = require(fspec, "read", str)
                if read not in READS:
                    raise self._error(fspec, "read", f"'read': {read!r} is not one of {', '.join(READS)}")
                match = self._regex(fspec, "match") if "match" in fspec else None
                one_of = None
                if "one_of" in fspec:
                    value = fspec["one_of"]
                    if isinstance(value, str) and value in lists:
                        one_of = lists[value]
                    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                        one_of = frozenset(value)
                    else:
                        raise self._error(fspec, "one_of", f"'one_of' must be a list of strings or one of: {', '.join(lists)}")
                checked = match is not None or one_of is not None
                problem = require(fspec, "problem", str, optional=not checked, default=f"{fname} '{{value}}' is wrong")
                required = require(fspec, "required", bool, optional=True, default=True)
                missing = require(fspec, "missing", str, optional=True, default=f"{fname} is missing")
                fields.append(_Field(fname, read, required, match, one_of, problem, missing))
            official = require(spec, "official", str)
            self._check_template(spec, "official", official, {f.name for f in fields} | {"mark"})
            doc_type = doc_field = doc_default = None
            doc_map: dict[str, str] = {}
            if "doc_type" in spec:
                value = spec["doc_type"]
                if isinstance(value, str):
                    if value not in DOC_TYPES:
                        raise self._error(spec, "doc_type", f"'doc_type': {value!r} is not certificate or declaration")
                    doc_type = value
                elif isinstance(value, LineDict):
                    doc_field = require(value, "field", str)
                    if doc_field not in {f.name for f in fields}:
                        raise self._error(value, "field", f"'field': {doc_field!r} is not a field of layout {name!r}")
                    doc_map = self._str_map(value, "map")
                    doc_default = require(value, "default", str, optional=True)
                    for v in list(doc_map.values()) + ([doc_default] if doc_default else []):
                        if v not in DOC_TYPES:
                            raise self._error(value, "map", f"'map': {v!r} is not certificate or declaration")
                else:
                    raise self._error(spec, "doc_type", "'doc_type' must be certificate, declaration or a mapping")
            registered_in = require(spec, "registered_in", str, optional=True)
            if registered_in is None and "state" not in {f.name for f in fields}:
                raise self._error(spec, "fields", f"layout {name!r} needs a state field or registered_in")
            scheme = self._scheme(spec, "scheme") if "scheme" in spec else None
            scheme_field, scheme_map = None, ()
            if "scheme_by" in spec:
                by = require(spec, "scheme_by", LineDict)
                scheme_field = require(by, "field", str)
                if scheme_field not in {f.name for f in fields}:
                    raise self._error(by, "field", f"'field': {scheme_field!r} is not a field of layout {name!r}")
                scheme_map = tuple(self._str_map(by, "map").items())
                for _, value in scheme_map:
                    if value not in SCHEMES:
                        raise self._error(by, "map", f"'map': unknown scheme {value!r}")
            layouts[name] = _Layout(name, pattern, tuple(fields), official, doc_type, doc_field, doc_map,
                                    doc_default, registered_in, scheme, scheme_field, scheme_map)
        return layouts

    def _prefixes(self, node: LineDict, layouts: dict[str, _Layout], numero: re.Pattern) -> dict[str, _Prefix]:
        prefixes = {}
        for name, spec in node.items():
            if not isinstance(spec, LineDict):
                raise self._error(node, name, f"prefix {name!r} must be a mapping")
            if not re.fullmatch(r"[a-z_]+", str(name)):
                raise self._error(node, name, f"prefix name {name!r} must be lower_snake_case")
            scheme = self._scheme(spec, "scheme") if "scheme" in spec else name
            era = None
            if "era" in spec:
                era_node = require(spec, "era", LineDict)
                era = (self._scheme(era_node, "with_year"), self._scheme(era_node, "without_year"))
                scheme = era[0]
            elif scheme not in SCHEMES:
                raise self._error(node, name, f"unknown scheme {scheme!r} (expected one of {', '.join(SCHEMES)}); give 'scheme'")
            spellings = tuple(self._strings(spec, "spellings"))
            refs = tuple(self._layout_ref(spec, "layouts", n, layouts) for n in self._strings(spec, "layouts"))
            display = require(spec, "display", str, optional=era is not None, default="")
            mark = require(spec, "mark", str, optional=True, default="")
            either = "|".join(f"(?:{_NAMED_GROUP.sub('(?:', lay.pattern.pattern)})" for lay in refs)
            gap = self.expansions["_"]
            try:
                quick = re.compile(f"(?:{gap}(?:{numero.pattern}))?(?:{either})", re.VERBOSE)
            except re.error as exc:   # a layout with a (?P=name) backreference cannot be merged
                raise self._error(spec, "layouts", f"'layouts': cannot combine patterns: {exc}") from None
            prefixes[name] = _Prefix(name, scheme, spellings, display, mark, quick,
                                     tuple((lay, scheme, display, mark) for lay in refs), era)
        for prefix in prefixes.values():
            for era_scheme in prefix.era or ():
                if not any(p.scheme == era_scheme and p.name == era_scheme and p.display for p in prefixes.values()):
                    raise self._error(node, prefix.name, f"'era': no prefix named {era_scheme!r} to take its display from")
        return prefixes


def _phrase(title: str) -> str:
    return r"\s+".join(re.escape(w) for w in title.split())


def _render(template: str, values: dict[str, str]) -> str:
    def section(m: re.Match) -> str:
        inner = m.group(1)
        names = _TEMPLATE_FIELD.findall(inner)
        return inner if all(values.get(n) for n in names) else ""
    out = _SECTION.sub(section, template)
    return _TEMPLATE_FIELD.sub(lambda m: values.get(m.group(1), ""), out)


# -- numbers ---------------------------------------------------------------------------------------

def find_numbers(text: str, rules: NumberRules) -> list[ConformityNumber]:
    """Registration numbers in order of appearance, one per official form; malformed ones included."""
    found: list[ConformityNumber] = []
    consumed = 0
    title_cache: list[str | None] = []

    def title() -> str | None:
        if not title_cache:
            title_cache.append(document_title(text, rules))
        return title_cache[0]

    for m in rules.anchor.finditer(text):
        if m.start() < consumed:
            continue
        kind = m.lastgroup or ""
        if kind.startswith("p_"):
            number = _after_prefix(text, m, rules.prefixes[kind[2:]], rules, title)
        elif kind.startswith("bare_"):
            states, options = rules.bares[int(kind[5:])]
            number = _best(text, m.start(), [m.start()], options, rules, title, states=states)
        else:
            number = _after_title(text, m, kind[2:], kind.startswith("l_"), rules, title)
        if number is not None:
            found.append(number)
            consumed = number.position + len(number.raw)
    return _dedupe(found)


def _after_prefix(text: str, m: re.Match, prefix: _Prefix, rules: NumberRules, title) -> ConformityNumber | None:
    end = m.end() + _WINDOW
    misread = rules.numero_misread.match(text, m.end()) if prefix.mark else None
    if not (prefix.quick.match(text, m.end(), end) or misread) or rules.ignore.match(text, m.end(), end):
        return None
    starts = [m.end()]                # the layout takes its own leading gap or dot
    numero = rules.numero.match(text, m.end())
    if numero and text[m.end():numero.end()].strip():
        starts.append(numero.end())   # "ЕАЭС N RU Д-…"; tried second, so "РОСС NL.…" keeps its N
    repairs: dict[int, str] = {}
    if misread:                       # "ЕАЭС М RU Д-…": the N mark as OCR read it, not a country
        starts.append(misread.end())
        repairs[misread.end()] = f"N mark read as '{misread.group('mark')}'"
    if not prefix.era:
        return _best(text, m.start(), starts, prefix.options, rules, title, mark_repairs=repairs)
    # The EAC mark is no register prefix: the number's own structure names its era.
    number = None
    for scheme in prefix.era:
        display, mark = rules.displays[scheme]
        options = tuple((lay, scheme, display, mark) for lay, _, _, _ in prefix.options)
        number = _best(text, m.start(), starts, options, rules, title, mark_repairs=repairs)
        if number is None or _has_year(number) == (scheme == prefix.era[0]):
            break
    if number is not None:
        number = dataclasses.replace(number, repairs=number.repairs + (f"{number.official.split()[0]} from the number's structure (EAC mark)",))
    return number


def _has_year(number: ConformityNumber) -> bool:
    """A /YY year suffix (EAEU forms since the unified register) or a four-digit year field."""
    return bool(re.search(r"/[0-9]{2}$|-[0-9]{4}$|ТР[0-9]{3}", number.official))


def _after_title(text: str, m: re.Match, doc_type: str, is_label: bool, rules: NumberRules, title) -> ConformityNumber | None:
    lead = (rules.after_label if is_label else rules.after_title).match(text, m.end())
    if lead is None:
        return None                   # a title with no "№" after it is just the title
    start = lead.end()
    other = rules.anchor.match(text, start)
    if other and (other.lastgroup or "").startswith(("p_", "bare")):
        return None                   # a prefixed number: the prefix anchor reads it next
    if rules.ignore.match(text, start, start + _WINDOW):
        return None
    number = _best(text, start, [start], rules.after_options, rules, lambda: doc_type)
    if number is not None:
        return number
    token = rules.token.match(text, start, start + _WINDOW)
    if token is None:
        return None
    raw = token.group(0).rstrip(".")
    if sum(c.isdigit() for c in raw) < rules.min_digits or not any(c.isalpha() for c in raw):
        return None
    return ConformityNumber(official=" ".join(raw.split()), raw=raw, scheme="eaeu", doc_type=doc_type,
                            registered_in="", well_formed=False, problem=rules.unrecognised, position=start)


def _best(text: str, anchor: int, starts: list[int], options, rules: NumberRules, title,
          states: frozenset[str] | None = None, mark_repairs: dict[int, str] | None = None) -> ConformityNumber | None:
    """The first well-formed reading, else the first loose one. `mark_repairs`: start offsets past an
    N mark that OCR read as a letter, with the repair's text. The repair is structural, not a guess:
    in the register's form the place between ЕАЭС and the two-letter state holds the N mark and
    nothing else (the same kind of repair as СМ read for CN)."""
    first = None
    for start in starts:
        end = min(len(text), start + _WINDOW)
        repair = (mark_repairs or {}).get(start)
        for layout, scheme, display, mark in options:
            lm = layout.pattern.match(text, start, end)
            if lm is None:
                continue
            number = _build(text, anchor, lm, layout, scheme, display, mark, rules, title)
            if repair:
                number = dataclasses.replace(number, repairs=(repair,) + number.repairs)
            if states is not None and number.registered_in not in states:
                continue              # "XY С-…" in running text is not a number
            if number.well_formed:
                return number
            first = first or number
    return first


def _build(text: str, anchor: int, lm: re.Match, layout: _Layout, scheme: str, display: str, mark: str,
           rules: NumberRules, title) -> ConformityNumber:
    values: dict[str, str] = {}
    problems: list[str] = []
    repairs: list[str] = []
    absent: list[str] = []
    for f in layout.fields:
        raw = lm.group(f.name)
        if raw is None or not raw.strip():
            values[f.name] = ""
            if f.required:
                problems.append(f.missing)
            else:
                absent.append(f.name)
            continue
        value = rules.read(raw, f.read)
        values[f.name] = value
        if (f.match and not f.match.fullmatch(value)) or (f.one_of is not None and value not in f.one_of):
            problems.append(f.problem.format(value=value))
        elif f.read != "text":
            compact = re.sub(r"\s+", "", raw)
            if compact != raw.strip():
                repairs.append(f"{f.name} '{' '.join(raw.split())}' joined")
            if compact != value and f.read in ("latin", "digits", "body", "cyrillic") and not _same_letters(compact, value):
                repairs.append(f"{f.name} '{compact}' read as '{value}'")
    if "\n" in text[anchor:lm.end()].strip():
        repairs.append("joined across a line break")
    if "dot" in values:
        # Only early Customs Union numbers (no /year) run series into serial ("В01835"); elsewhere a
        # missing dot is OCR losing it.
        keep_dotless = not values["dot"] and values.get("series") and not values.get("year")
        values["dot"] = "" if keep_dotless else "."
    if layout.scheme:
        scheme = layout.scheme
    elif layout.scheme_field:
        scheme = dict(layout.scheme_map).get(values.get(layout.scheme_field, ""), scheme)
    doc_type = layout.doc_type
    if doc_type is None and layout.doc_type_field:
        doc_type = layout.doc_type_map.get(values.get(layout.doc_type_field, ""), layout.doc_type_default)
    if doc_type is None:
        doc_type = title() or "certificate"
    values["mark"] = f"{mark} " if mark and doc_type == "declaration" and "{mark}" in layout.official else ""
    core = _render(layout.official, values)
    official = f"{display} {core}" if display else core
    return ConformityNumber(
        official=official, raw=text[anchor:lm.end()], scheme=scheme, doc_type=doc_type,
        registered_in=layout.registered_in or values.get("state", ""), well_formed=not problems,
        problem="; ".join(problems) if problems else None, position=anchor, repairs=tuple(repairs), absent=tuple(absent),
        core=lm.start())


def _same_letters(raw: str, value: str) -> bool:
    """Only case or a Latin/Cyrillic twin changed (typed "PA01" for "РА01"): not worth reporting."""
    return raw.upper() == value or raw.upper().translate(_TWINS) == value.translate(_TWINS)


_TWINS = CYRILLIC_TO_LATIN_CAPITALS


def _dedupe(found: list[ConformityNumber]) -> list[ConformityNumber]:
    seen: dict[str, ConformityNumber] = {}
    for n in found:
        seen.setdefault(n.official, n)
    numbers = list(seen.values())
    # "RU С-…" quoted bare beside "ЕАЭС RU С-…" is the same document, not a second one
    prefixed = [n.official for n in numbers if n.scheme != "ru_technical_regulation"]
    return [n for n in numbers
            if not (n.scheme == "ru_technical_regulation" and any(p.endswith(" " + n.official) for p in prefixed))]


# -- titles, dates, regulations --------------------------------------------------------------------

def document_title(text: str, rules: NumberRules) -> str | None:
    """"certificate" or "declaration" from the form title: the earliest capitalised one, else any case."""
    folded = rules.fold(text)
    m = rules.title_exact.search(folded) or rules.title_any.search(folded)
    return m.lastgroup if m else None


def _parse_date(raw: str, rules: NumberRules) -> date | None:
    for fmt in rules.date_formats:
        m = fmt.match(raw.strip())
        if m is None:
            continue
        parts = m.groupdict()
        try:
            day = int(rules.read(parts["d"], "digits"))
            year = int(rules.read(parts["y"], "digits"))
            if parts.get("mon"):
                month = rules.months[parts["mon"].casefold()]
            else:
                month = int(rules.read(parts["m"], "digits"))
            return date(year, month, day)
        except (ValueError, KeyError):
            return None
    return None


def find_validity(text: str, rules: NumberRules) -> Validity:
    """Validity and registration dates; each part from its earliest wording with a real date."""
    folded = rules.fold(text)
    best: dict[str, tuple[int, date]] = {}
    from_registration = False
    for wording in rules.wordings:
        for m in wording.pattern.finditer(folded):
            got = False
            for part in ("from", "until", "registered"):
                raw = m.groupdict().get(part)
                if not raw:
                    continue
                value = _parse_date(raw, rules)
                if value is None:
                    continue
                got = True
                if part not in best or m.start(part) < best[part][0]:
                    best[part] = (m.start(part), value)
            if got:
                from_registration = from_registration or wording.from_registration
                break
    registered = best.get("registered", (0, None))[1]
    valid_from = best.get("from", (0, None))[1]
    if valid_from is None and from_registration:
        valid_from = registered
    return Validity(valid_from=valid_from, valid_until=best.get("until", (0, None))[1], registered=registered)


def find_regulations(text: str, rules: NumberRules) -> list[str]:
    """Technical regulations cited, official Cyrillic form, in order of first mention."""
    found: dict[str, None] = {}
    for m in rules.reg_pattern.finditer(rules.fold(text)):
        union = rules.reg_unions.get(m.group("union").upper())
        if union is None:
            continue
        official = _render(rules.reg_official, {
            "union": union, "number": rules.read(m.group("number"), "digits"),
            "year": rules.read(m.group("year"), "digits")})
        found.setdefault(official, None)
    return list(found)
