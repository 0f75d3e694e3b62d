"""The finders: registration numbers, validity dates, form titles and cited regulations in the
dirty text of PDF text layers and tesseract OCR, by compiled NumberRules. Pure functions of
(text, rules).

Candidates are found by a prefix (ЕАЭС/ТС/РОСС), a bare "RU С-"/"RU Д-", or a form title followed by
"№"; each is matched loosely, then normalised field by field and checked strictly, so a malformed
number comes back with a problem text instead of being missed.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date

from ...i18n import joined
from ..scripts import CYRILLIC_TO_LATIN_CAPITALS
from .layouts import READERS, Layout, Prefix, render
from .model import ConformityNumber, Validity
from .problems import problem
from .rules import NumberRules

_WINDOW = 200          # no number with its stray gaps is longer; bounds every match attempt


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


def _after_prefix(text: str, m: re.Match, prefix: Prefix, rules: NumberRules, title) -> ConformityNumber | None:
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
                            registered_in="", well_formed=False, problem=problem(rules.unrecognised), position=start)


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


def _build(text: str, anchor: int, lm: re.Match, layout: Layout, scheme: str, display: str, mark: str,
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
                problems.append(problem(f.missing))
            else:
                absent.append(f.name)
            continue
        value = rules.read(raw, f.read)
        values[f.name] = value
        if (f.match and not f.match.fullmatch(value)) or (f.one_of is not None and value not in f.one_of):
            problems.append(problem(f.problem, value))
        elif READERS[f.read].reported:
            compact = re.sub(r"\s+", "", raw)
            if compact != raw.strip():
                repairs.append(f"{f.name} '{' '.join(raw.split())}' joined")
            if compact != value and not _same_letters(compact, value):
                repairs.append(f"{f.name} '{compact}' read as '{value}'")
    if "\n" in text[anchor:lm.end()].strip():
        repairs.append("joined across a line break")
    if "dot" in values:
        # Only early Customs Union numbers (no /year) run series into serial ("В01835"); elsewhere a
        # missing dot is OCR losing it.
        keep_dotless = not values["dot"] and values.get("series") and not values.get("year")
        values["dot"] = "" if keep_dotless else "."
    scheme = layout.scheme_for(values, scheme)
    doc_type = layout.doc_type_for(values, title)
    values["mark"] = f"{mark} " if mark and doc_type == "declaration" and "{mark}" in layout.official else ""
    core = render(layout.official, values)
    official = f"{display} {core}" if display else core
    return ConformityNumber(
        official=official, raw=text[anchor:lm.end()], scheme=scheme, doc_type=doc_type,
        registered_in=layout.registered_in or values.get("state", ""), well_formed=not problems,
        problem=joined(*problems) if problems else None, position=anchor, repairs=tuple(repairs), absent=tuple(absent),
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
        official = render(rules.reg_official, {
            "union": union, "number": rules.read(m.group("number"), "digits"),
            "year": rules.read(m.group("year"), "digits")})
        found.setdefault(official, None)
    return list(found)
