"""Checks rules/numbers.yaml and compiles it into NumberRules; every error is a RuleError naming
the file and line (rulefile.fail).

The compiler works in steps, one per part of the file: alphabets and look-alikes (the {CYR},
{LAT}, {DIG}, {ALNUM}, {DASH} and {_} placeholders patterns use), layouts, prefixes, bare numbers,
titles and labels, the anchor (one regular expression for every place a number can start), dates
and validity wordings, number evidence, regulations.
"""

from __future__ import annotations

import re
import string
from typing import Any

from ...rulefile import LineDict, LineList, RuleError, fail, require
from .layouts import READERS, TEMPLATE_FIELD, Field, Layout, Prefix, Wording
from .model import DOC_TYPES, SCHEMES

_PLACEHOLDER = re.compile(r"\{([A-Z_]+)\}")
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_LETTERS = "А-ЯЁа-яё"


def compile_numbers(data: LineDict) -> dict[str, Any]:
    """numbers.yaml (as load_yaml parsed it) checked and compiled into NumberRules' attributes
    (NumberRules.from_data builds the object); RuleError naming file and line."""
    return _Compiler(data).build()


def compile_alphabets(data: LineDict) -> dict[str, Any]:
    """Only the first step of compile_numbers: the look-alike translation tables (``fold_table``,
    ``to_latin``...), which other rules need while they load; RuleError naming file and line."""
    compiler = _Compiler(data)
    compiler._alphabets(data)
    return dict(compiler.parts)


def _char_class(chars: str) -> str:
    return "[" + "".join(re.escape(c) for c in dict.fromkeys(chars)) + "]"


def _phrase(title: str) -> str:
    return r"\s+".join(re.escape(w) for w in title.split())


class _Compiler:
    """One compilation of one numbers.yaml: the steps of build() fill in `parts` (NumberRules'
    attributes) and the placeholders later patterns use."""

    def __init__(self, data: LineDict):
        if not isinstance(data, LineDict):
            raise RuleError("numbers rules must be a mapping", data)
        self.data = data
        self.expansions: dict[str, str] = {}
        self.parts: dict[str, object] = {}

    # -- small checked readers --

    def _str(self, mapping: LineDict, key: str) -> str:
        return require(mapping, key, str)

    def _strings(self, mapping: LineDict, key: str) -> list[str]:
        items = require(mapping, key, list)
        if not items or not all(isinstance(i, str) and i for i in items):
            raise fail(f"{key!r} must be a non-empty list of strings", mapping, key)
        return list(items)

    def _str_map(self, mapping: LineDict, key: str) -> dict[str, str]:
        table = require(mapping, key, LineDict)
        for k, v in table.items():
            if not isinstance(k, str) or not isinstance(v, (str, int)) or isinstance(v, bool):
                # unquoted yes/no/on/off become booleans in YAML: say so rather than misread them
                raise fail(f"{key!r}: entry {k!r}: {v!r} must map text to text (quote it)", table, k)
        return {k: str(v) for k, v in table.items()}

    def _regex(self, mapping: LineDict, key: str, template: str | None = None, flags: int = 0) -> re.Pattern:
        source = template if template is not None else require(mapping, key, str)
        expanded = self._expand(mapping, key, source)
        try:
            return re.compile(expanded, re.VERBOSE | flags)
        except re.error as exc:
            raise fail(f"{key!r}: pattern does not compile: {exc}", mapping, key) from None

    def _expand(self, mapping: LineDict, key: str, source: str) -> str:
        def replace(m: re.Match) -> str:
            name = m.group(1)
            if name not in self.expansions:
                raise fail(f"{key!r}: unknown placeholder {{{name}}}", mapping, key)
            return self.expansions[name]
        return _PLACEHOLDER.sub(replace, source)

    def _scheme(self, mapping: LineDict, key: str) -> str:
        scheme = require(mapping, key, str)
        if scheme not in SCHEMES:
            raise fail(f"{key!r}: unknown scheme {scheme!r} (expected one of {', '.join(SCHEMES)})", mapping, key)
        return scheme

    def _layout_ref(self, mapping: LineDict, key: str, name: str, layouts: dict[str, Layout]) -> Layout:
        if name not in layouts:
            raise fail(f"{key!r}: no layout named {name!r}", mapping, key)
        return layouts[name]

    def _check_template(self, mapping: LineDict, key: str, template: str, known: set[str]) -> None:
        for name in TEMPLATE_FIELD.findall(template):
            if name not in known:
                raise fail(f"{key!r}: template field {{{name}}} is not defined", mapping, key)

    # -- the whole file, step by step --

    def build(self) -> dict[str, Any]:
        """Every step in file order; NumberRules' attributes."""
        d = self.data
        self._alphabets(d)
        countries = frozenset(self._str(d, "countries").split())
        bad = sorted(c for c in countries if not re.fullmatch(r"[A-Z]{2}", c))
        if bad:
            raise fail(f"'countries': {bad[0]!r} is not a two-letter code", d, "countries")
        self.numero = self._regex(d, "numero")
        self.numero_misread = self._regex(d, "numero_misread")
        self.layouts = self._layouts(require(d, "layouts", LineDict), {"countries": countries})
        self.prefixes = self._prefixes(require(d, "prefixes", LineDict), self.layouts, self.numero)
        self._bares(require(d, "bare", LineList))
        self._titles_and_labels(d)
        self._anchor()
        self._dates(require(d, "dates", LineDict))
        self._validity(require(d, "validity", LineList))
        self._evidence(require(d, "evidence", LineDict))
        self._regulations(require(d, "regulations", LineDict))
        prefixes = self.prefixes
        return dict(
            **self.parts, prefixes=prefixes,
            bares=tuple((states, options) for _, states, options in self.bares),
            displays={p.scheme: (p.display, p.mark) for p in prefixes.values() if p.display and p.name == p.scheme},
        )

    def _alphabets(self, d: LineDict) -> None:
        """alphabets, lookalikes, dashes, gap: the translation tables and the character-class
        placeholders."""
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
                    raise fail(f"{name!r}: {k!r} -> {v!r} must map one character to one", looks, name)
        for k in fixes:
            if k.isascii():     # a Latin key would rewrite a real code (CM is Cameroon)
                raise fail(f"'country_codes': {k!r} must contain a Cyrillic letter", looks, "country_codes")
        self.lat2cyr = lat2cyr
        self.cyrillic = cyrillic
        self.cyr_chars = cyrillic + "".join(k for k, v in lat2cyr.items() if v in cyrillic)
        self.lat_chars = latin + "".join(k for k, v in cyr2lat.items() if v in latin)
        self.dig_chars = digits + "".join(dig)
        dashes = self._str(d, "dashes")
        gap = self._str(d, "gap")
        try:
            re.compile(gap)
        except re.error as exc:
            raise fail(f"'gap': pattern does not compile: {exc}", d, "gap") from None
        self.expansions.update({
            "CYR": _char_class(self.cyr_chars), "LAT": _char_class(self.lat_chars), "DIG": _char_class(self.dig_chars),
            "ALNUM": _char_class(self.cyr_chars + self.dig_chars), "DASH": _char_class(dashes),
            "_": f"(?>{gap})",
        })
        self.parts.update(to_latin=str.maketrans(cyr2lat), to_cyrillic=str.maketrans(lat2cyr),
                          to_digits=str.maketrans(dig), country_fixes=fixes, fold_table=str.maketrans(lat2cyr))

    def _bares(self, bare_node: LineList) -> None:
        """bare: numbers without a register prefix ("RU С-…"), each with the states it may name."""
        universe = set(self.cyr_chars + self.lat_chars + self.dig_chars + self.cyrillic.lower() + string.printable)
        self.first_chars: set[str] = set()
        self.bare_node = bare_node
        self.bares = []
        for bare in bare_node:
            if not isinstance(bare, LineDict):
                raise fail("'bare': each entry must be a mapping", bare_node)
            bare_scheme = self._scheme(bare, "scheme")
            bare_states = frozenset(self._strings(bare, "states"))
            bare_layouts = tuple(self._layout_ref(bare, "layouts", name, self.layouts) for name in self._strings(bare, "layouts"))
            bare_anchor = self._expand(bare, "anchor", require(bare, "anchor", str))
            bare_start = self._regex(bare, "starts_with")
            starts = {c for c in universe if bare_start.fullmatch(c)}
            if not starts:
                raise fail("'starts_with' must be a character class of letters", bare, "starts_with")
            self.first_chars |= starts
            self.bares.append((bare_anchor, bare_states, tuple((lay, bare_scheme, "", "") for lay in bare_layouts)))

    def _titles_and_labels(self, d: LineDict) -> None:
        """titles, after_title, ignore: form titles and labels followed by "№", the layouts tried
        after them, the token read when none fits, and the texts that are no number."""
        titles_node = require(d, "titles", LineDict)
        self.titles = {kind: self._strings(titles_node, kind) for kind in DOC_TYPES}
        after = require(d, "after_title", LineDict)
        labels_node = require(after, "labels", LineDict)
        self.labels = {kind: self._strings(labels_node, kind) for kind in DOC_TYPES}
        after_layouts_node = require(after, "layouts", LineDict)
        after_layouts = []
        for name in after_layouts_node:
            scheme = self._scheme(after_layouts_node, name)
            after_layouts.append((self._layout_ref(after, "layouts", name, self.layouts), scheme))
        token, min_digits = self._regex(after, "token"), require(after, "min_digits", int)
        unrecognised = require(after, "problem", str)
        ignore = [self._regex(d, "ignore", t) for t in self._strings(d, "ignore")]
        title_source = "|".join(f"(?P<{k}>{'|'.join(_phrase(t) for t in self.titles[k])})" for k in DOC_TYPES)
        self.parts.update(
            token=token, min_digits=min_digits, unrecognised=unrecognised,
            ignore=re.compile("|".join(f"(?:{p.pattern})" for p in ignore), re.VERBOSE),
            after_options=tuple((lay, scheme, "", "") for lay, scheme in after_layouts),   # no prefix printed, none supplied
            title_exact=re.compile(title_source), title_any=re.compile(title_source, re.IGNORECASE))

    def _fuzzy(self, phrase: str, ignore_case: bool) -> str:
        """A literal phrase that tolerates Latin look-alikes and any run of whitespace."""
        out = []
        for ch in phrase:
            if ch.isspace():
                out.append(r"\s+")
                continue
            chars = {ch, ch.lower(), ch.upper()} if ignore_case else {ch}
            chars |= {k for k, v in self.lat2cyr.items() if v in chars}
            out.append(_char_class("".join(sorted(chars))))
        return "".join(out)

    def _anchor(self) -> None:
        """One regular expression for every place a number can start (prefix, bare number, title,
        label), led by a lookahead on the characters they start with; and the N-mark patterns."""
        first_chars = self.first_chars
        for phrase in [s for p in self.prefixes.values() for s in p.spellings] + \
                [t for k in DOC_TYPES for t in self.titles[k] + self.labels[k]]:
            head = phrase[0]
            heads = {head, head.lower(), head.upper()}
            first_chars |= heads | {k for k, v in self.lat2cyr.items() if v in heads}
        anchor_parts = []
        for prefix in self.prefixes.values():
            alts = "|".join(self._fuzzy(s, False) for s in sorted(prefix.spellings, key=len, reverse=True))
            anchor_parts.append(f"(?P<p_{prefix.name}>(?<![^\\W_])(?:{alts})(?![{_LETTERS}]))")
        for i, (bare_anchor, _, _) in enumerate(self.bares):
            anchor_parts.append(f"(?P<bare_{i}>{bare_anchor})")
        for kind in DOC_TYPES:
            anchor_parts.append(f"(?P<t_{kind}>{'|'.join(self._fuzzy(t, False) for t in self.titles[kind])})")
            anchor_parts.append(f"(?P<l_{kind}>(?<![^\\W_])(?:{'|'.join(self._fuzzy(t, True) for t in self.labels[kind])}))")
        try:
            # the lookahead lets the scan skip characters no anchor starts with (most of any text)
            anchor = re.compile(f"(?={_char_class(''.join(sorted(first_chars)))})(?:" + "|".join(anchor_parts) + ")", re.VERBOSE)
        except re.error as exc:
            raise RuleError(f"'bare' anchors and prefixes do not compile together: {exc}", path=self.bare_node.path,
                            line=self.bare_node.line) from None
        gap_re, numero = self.expansions["_"], self.numero.pattern
        self.parts.update(
            anchor=anchor,
            after_title=re.compile(f"{gap_re}(?:{numero}){gap_re}", re.VERBOSE),
            after_label=re.compile(f"{gap_re}:?{gap_re}(?:(?:{numero}){gap_re})?", re.VERBOSE),
            numero=re.compile(f"{gap_re}(?:{numero}){gap_re}", re.VERBOSE),
            # the misread mark only where a state code and С/Д follow: "ЕАЭС М RU Д-…"
            numero_misread=re.compile(f"{gap_re}(?P<mark>{self.numero_misread.pattern})[ \t\u00a0]{{1,8}}"
                                      f"(?={self.expansions['LAT']}{{2}}{gap_re}[СCДD]{gap_re}{self.expansions['DASH']})",
                                      re.VERBOSE))

    def _dates(self, dates: LineDict) -> None:
        """dates: month words, date formats (groups d, y and m or mon), the suffix; the {MONTH}
        and {DATE} placeholders."""
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
                raise fail("'formats': each needs groups d, y and m or mon", dates, "formats")
        suffix = self._regex(dates, "suffix")
        self.expansions["DATE"] = ("(?:" + "|".join(_NAMED_GROUP.sub("(?:", f.pattern) for f in formats) + ")"
                                   + suffix.pattern)
        self.parts.update(date_formats=tuple(formats), months=month_numbers)

    def _validity(self, node: LineList) -> None:
        """validity: the wordings that carry from / until / registered dates."""
        wordings = []
        for item in node:
            if not isinstance(item, LineDict):
                raise fail("'validity': each entry must be a mapping", node)
            pattern = self._regex(item, "pattern", flags=re.IGNORECASE)
            if not {"from", "until", "registered"} & set(pattern.groupindex):
                raise fail("'pattern': needs a from, until or registered group", item, "pattern")
            wordings.append(Wording(pattern, bool(require(item, "from_registration", bool, optional=True, default=False))))
        self.parts["wordings"] = tuple(wordings)

    def _evidence(self, evidence: LineDict) -> None:
        """evidence: the OCR confidence a number's characters need, the schemes whose numbers
        carry a year."""
        min_confidence = require(evidence, "min_confidence", int)
        year_expected = frozenset(self._strings(evidence, "year_expected"))
        for scheme in year_expected:
            if scheme not in SCHEMES:
                raise fail(f"'year_expected': unknown scheme {scheme!r}", evidence, "year_expected")
        if not 0 <= min_confidence <= 100:
            raise fail("'min_confidence' must be 0-100", evidence, "min_confidence")
        self.parts.update(min_confidence=min_confidence, year_expected=year_expected)

    def _regulations(self, regs: LineDict) -> None:
        """regulations: how a cited technical regulation is found and written officially."""
        reg_pattern = self._regex(regs, "pattern", flags=re.IGNORECASE)
        if not {"union", "number", "year"} <= set(reg_pattern.groupindex):
            raise fail("'pattern': needs groups union, number and year", regs, "pattern")
        unions = {k.upper(): v for k, v in self._str_map(regs, "unions").items()}
        reg_official = require(regs, "official", str)
        self._check_template(regs, "official", reg_official, {"union", "number", "year"})
        self.parts.update(reg_pattern=reg_pattern, reg_unions=unions, reg_official=reg_official)

    def _layouts(self, node: LineDict, lists: dict[str, frozenset[str]]) -> dict[str, Layout]:
        layouts = {}
        for name, spec in node.items():
            if not isinstance(spec, LineDict):
                raise fail(f"layout {name!r} must be a mapping", node, name)
            pattern = self._regex(spec, "pattern")
            fields = []
            fields_node = require(spec, "fields", LineDict)
            for fname, fspec in fields_node.items():
                if not isinstance(fspec, LineDict):
                    raise fail(f"field {fname!r} must be a mapping", fields_node, fname)
                if fname not in pattern.groupindex:
                    raise fail(f"field {fname!r} has no (?P<{fname}>...) group in the pattern", fields_node, fname)
                read = require(fspec, "read", str)
                if read not in READERS:
                    raise fail(f"'read': {read!r} is not one of {', '.join(READERS)}", fspec, "read")
                match = self._regex(fspec, "match") if "match" in fspec else None
                one_of = None
                if "one_of" in fspec:
                    value = fspec["one_of"]
                    if isinstance(value, str) and value in lists:
                        one_of = lists[value]
                    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                        one_of = frozenset(value)
                    else:
                        raise fail(f"'one_of' must be a list of strings or one of: {', '.join(lists)}", fspec, "one_of")
                checked = match is not None or one_of is not None
                problem = require(fspec, "problem", str, optional=not checked, default=f"{fname} '{{value}}' is wrong")
                required = require(fspec, "required", bool, optional=True, default=True)
                missing = require(fspec, "missing", str, optional=True, default=f"{fname} is missing")
                fields.append(Field(fname, read, required, match, one_of, problem, missing))
            official = require(spec, "official", str)
            self._check_template(spec, "official", official, {f.name for f in fields} | {"mark"})
            doc_type = doc_field = doc_default = None
            doc_map: dict[str, str] = {}
            if "doc_type" in spec:
                value = spec["doc_type"]
                if isinstance(value, str):
                    if value not in DOC_TYPES:
                        raise fail(f"'doc_type': {value!r} is not certificate or declaration", spec, "doc_type")
                    doc_type = value
                elif isinstance(value, LineDict):
                    doc_field = require(value, "field", str)
                    if doc_field not in {f.name for f in fields}:
                        raise fail(f"'field': {doc_field!r} is not a field of layout {name!r}", value, "field")
                    doc_map = self._str_map(value, "map")
                    doc_default = require(value, "default", str, optional=True)
                    for v in list(doc_map.values()) + ([doc_default] if doc_default else []):
                        if v not in DOC_TYPES:
                            raise fail(f"'map': {v!r} is not certificate or declaration", value, "map")
                else:
                    raise fail("'doc_type' must be certificate, declaration or a mapping", spec, "doc_type")
            registered_in = require(spec, "registered_in", str, optional=True)
            if registered_in is None and "state" not in {f.name for f in fields}:
                raise fail(f"layout {name!r} needs a state field or registered_in", spec, "fields")
            scheme = self._scheme(spec, "scheme") if "scheme" in spec else None
            scheme_field, scheme_map = None, ()
            if "scheme_by" in spec:
                by = require(spec, "scheme_by", LineDict)
                scheme_field = require(by, "field", str)
                if scheme_field not in {f.name for f in fields}:
                    raise fail(f"'field': {scheme_field!r} is not a field of layout {name!r}", by, "field")
                scheme_map = tuple(self._str_map(by, "map").items())
                for _, value in scheme_map:
                    if value not in SCHEMES:
                        raise fail(f"'map': unknown scheme {value!r}", by, "map")
            layouts[name] = Layout(name, pattern, tuple(fields), official, doc_type, doc_field, doc_map,
                                    doc_default, registered_in, scheme, scheme_field, scheme_map)
        return layouts

    def _prefixes(self, node: LineDict, layouts: dict[str, Layout], numero: re.Pattern) -> dict[str, Prefix]:
        prefixes = {}
        for name, spec in node.items():
            if not isinstance(spec, LineDict):
                raise fail(f"prefix {name!r} must be a mapping", node, name)
            if not re.fullmatch(r"[a-z_]+", str(name)):
                raise fail(f"prefix name {name!r} must be lower_snake_case", node, name)
            scheme = self._scheme(spec, "scheme") if "scheme" in spec else name
            era = None
            if "era" in spec:
                era_node = require(spec, "era", LineDict)
                era = (self._scheme(era_node, "with_year"), self._scheme(era_node, "without_year"))
                scheme = era[0]
            elif scheme not in SCHEMES:
                raise fail(f"unknown scheme {scheme!r} (expected one of {', '.join(SCHEMES)}); give 'scheme'", node, name)
            spellings = tuple(self._strings(spec, "spellings"))
            refs = tuple(self._layout_ref(spec, "layouts", n, layouts) for n in self._strings(spec, "layouts"))
            display = require(spec, "display", str, optional=era is not None, default="")
            mark = require(spec, "mark", str, optional=True, default="")
            either = "|".join(f"(?:{_NAMED_GROUP.sub('(?:', lay.pattern.pattern)})" for lay in refs)
            gap = self.expansions["_"]
            try:
                quick = re.compile(f"(?:{gap}(?:{numero.pattern}))?(?:{either})", re.VERBOSE)
            except re.error as exc:   # a layout with a (?P=name) backreference cannot be merged
                raise fail(f"'layouts': cannot combine patterns: {exc}", spec, "layouts") from None
            prefixes[name] = Prefix(name, scheme, spellings, display, mark, quick,
                                     tuple((lay, scheme, display, mark) for lay in refs), era)
        for prefix in prefixes.values():
            for era_scheme in prefix.era or ():
                if not any(p.scheme == era_scheme and p.name == era_scheme and p.display for p in prefixes.values()):
                    raise fail(f"'era': no prefix named {era_scheme!r} to take its display from", node, prefix.name)
        return prefixes

