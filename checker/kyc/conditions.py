"""The evidence conditions of rules/kyc.yaml, each tested against one file's evidence.

Every condition either holds on what was read or fails with a note saying why. Nothing holds
because something could not be read: an unreadable expiry date, payment period, holder identity
or credit code is "not met: could not read X" (see docs/kyc.md, "Could not read").

Each kind of condition is one Cond subclass registered with @condition under its YAML key
(CONDITIONS: `marker`, `mrz`, `all`, ...); its `parse` reads and checks the YAML form, so a new
kind is one class here and a line in docs/rules.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from ..analysis.markers import LANGUAGES
from ..rulefile import LineDict, fail
from .evidence import KycEvidence
from .notes import Note, Words, clauses, languages, paths

MAX_NOTE_FILES = 3
CHECK_NAMES = ("number", "birth date", "expiry date", "personal number", "composite")


def _month_index(y: int, m: int) -> int:
    return y * 12 + m - 1


def doc_name(doc: str) -> Note:
    """A document's name as a note: kyc.doc.<doc> ("passport", "visa")."""
    return Note.of(f"kyc.doc.{doc}")


@dataclass
class _File:
    path: str
    name: str
    ev: KycEvidence


@dataclass
class _Ctx:
    today: date
    title: Callable[[str], Note]                 # marker key -> its title
    accepted: dict[str, list[_File]]             # requirement key -> files that met it so far


Parse = Callable[[Any, str], "Cond"]     # parses a nested condition (for all/any)


def language_list(value: Any, node: Any, key: str, what: str) -> tuple[str, ...]:
    """A YAML list of marker languages (analysis.markers.LANGUAGES), duplicates dropped."""
    if not isinstance(value, list) or not value or any(v not in LANGUAGES for v in value):
        raise fail(f"{what}: {key!r} must list languages from {', '.join(LANGUAGES)}, got {value!r}", node, key)
    return tuple(dict.fromkeys(value))


CONDITIONS: dict[str, type["Cond"]] = {}
DOCS = ("passport", "visa")


def condition(cls: type["Cond"]) -> type["Cond"]:
    """Class decorator: registers a condition kind under its YAML key (`cls.kind`)."""
    CONDITIONS[cls.kind] = cls
    return cls


class Cond:
    """One evidence condition, tested against one file.

    kind: the YAML key that names it ({marker: passport}); modifiers: the other keys it takes
    beside it ({marker: passport, languages: [ru]})."""
    line: int | None = None
    kind: ClassVar[str] = ""
    modifiers: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def parse(cls, value: Any, node: Mapping, what: str, parse: Parse) -> "Cond":
        """The condition from its YAML mapping `node` (`value` = node[kind]); RuleError (file:line)
        when it does not fit. `what` names the requirement for error messages."""
        raise NotImplementedError

    def test(self, f: _File, ctx: _Ctx) -> bool:
        """Whether the condition holds for file `f` (`ctx`: today, marker titles, files accepted so far)."""
        raise NotImplementedError

    def relevant(self, f: _File) -> bool:
        """The file shows the paper this condition is about, even if the condition fails."""
        return False

    def explain(self, f: _File, ctx: _Ctx) -> Note | Words:
        """Why the condition fails for this file, as a note."""
        return self.missing(ctx)

    def missing(self, ctx: _Ctx) -> Note | Words:
        """The note when no file shows what the condition asks for; explain()'s fallback."""
        raise NotImplementedError

    def marker_refs(self) -> list["MarkerCond"]:
        """The marker conditions inside this one (kyc.yaml is checked to name only markers of
        markers.yaml); none by default."""
        return []


@condition
@dataclass
class AllCond(Cond):
    """`all: [...]`: every nested condition holds."""
    kind: ClassVar[str] = "all"

    @classmethod
    def parse(cls, value, node, what, parse):
        """Reads a non-empty list of nested conditions."""
        return cls(_children(cls.kind, value, node, what, parse))

    children: tuple[Cond, ...]

    def test(self, f, ctx):
        """Every child holds."""
        return all(c.test(f, ctx) for c in self.children)

    def relevant(self, f):
        """The first child decides: it names the paper."""
        return self.children[0].relevant(f)     # the first condition names the paper

    def explain(self, f, ctx):
        """The notes of the children that fail, as one."""
        return clauses([c.explain(f, ctx) for c in self.children if not c.test(f, ctx)])

    def missing(self, ctx):
        """Every child's missing note, as one."""
        return clauses([c.missing(ctx) for c in self.children])

    def marker_refs(self):
        """The children's marker conditions."""
        return [m for c in self.children for m in c.marker_refs()]


@condition
@dataclass
class AnyCond(Cond):
    """`any: [...]`: at least one nested condition holds."""
    kind: ClassVar[str] = "any"

    @classmethod
    def parse(cls, value, node, what, parse):
        """Reads a non-empty list of nested conditions."""
        return cls(_children(cls.kind, value, node, what, parse))

    children: tuple[Cond, ...]

    def test(self, f, ctx):
        """At least one child holds."""
        return any(c.test(f, ctx) for c in self.children)

    def relevant(self, f):
        """Any child finds the file relevant."""
        return any(c.relevant(f) for c in self.children)

    def explain(self, f, ctx):
        """The first relevant child's note, else the first child's."""
        for c in self.children:
            if c.relevant(f):
                return c.explain(f, ctx)
        return self.children[0].explain(f, ctx)

    def missing(self, ctx):
        """The first child's missing note."""
        return self.children[0].missing(ctx)

    def marker_refs(self):
        """The children's marker conditions."""
        return [m for c in self.children for m in c.marker_refs()]


@condition
@dataclass
class MarkerCond(Cond):
    """`marker: KEY` (with `languages: [...]`): the file shows the marker of markers.yaml, in those languages."""
    kind: ClassVar[str] = "marker"
    modifiers: ClassVar[frozenset[str]] = frozenset({"languages"})

    @classmethod
    def parse(cls, value, node, what, parse):
        """Reads the marker key and an optional `languages` list; RuleError when the key is not a non-empty text."""
        if not isinstance(value, str) or not value:
            raise fail(f"{what}: 'marker' must name a marker of markers.yaml", node, cls.kind)
        langs = language_list(node["languages"], node, "languages", what) if "languages" in node else ()
        return cls(value, langs)

    key: str
    languages: tuple[str, ...] = ()

    def test(self, f, ctx):
        """The marker was found, in every language asked for (and maybe others)."""
        return self.key in f.ev.markers and set(self.languages) <= f.ev.markers[self.key]

    def relevant(self, f):
        """The marker was found, in any language."""
        return self.key in f.ev.markers

    def explain(self, f, ctx):
        """Found in other languages: those found and those needed; not found: missing()."""
        if self.key in f.ev.markers:
            return Note.of("kyc.note.marker_languages", marker=ctx.title(self.key),
                           found=languages(f.ev.markers[self.key]), needed=languages(self.languages))
        return self.missing(ctx)

    def missing(self, ctx):
        """The marker (in the languages asked for) was not found."""
        if self.languages:
            return Note.of("kyc.note.no_marker_in", marker=ctx.title(self.key), languages=languages(self.languages))
        return Note.of("kyc.note.no_marker", marker=ctx.title(self.key))

    def marker_refs(self):
        """Itself."""
        return [self]


@condition
@dataclass
class MrzCond(Cond):
    """A zone of that document whose number, birth-date and expiry check digits hold (ICAO 9303
    Part 3 §4.9), issued by `issuer` when given."""
    kind: ClassVar[str] = "mrz"
    modifiers: ClassVar[frozenset[str]] = frozenset({"issuer"})

    @classmethod
    def parse(cls, value, node, what, parse):
        """Reads the document (passport or visa) and an optional `issuer`, an ICAO code of 1-3 capitals."""
        _check_doc(cls.kind, value, node, what)
        issuer = node.get("issuer")
        if issuer is not None and not (isinstance(issuer, str) and re.fullmatch(r"[A-Z]{1,3}", issuer)):
            raise fail(f"{what}: 'issuer' must be an ICAO state code like RUS, got {issuer!r}", node, "issuer")
        return cls(value, issuer)

    doc: str
    issuer: str | None = None

    def _zones(self, f):
        return [z for z in f.ev.mrz if z.doc_type == self.doc]

    def test(self, f, ctx):
        """A zone of the document whose number, birth-date and expiry check digits hold, of `issuer` when given."""
        return any(z.core_valid and (self.issuer is None or z.issuer == self.issuer) for z in self._zones(f))

    def relevant(self, f):
        """The file has a zone of the document, valid or not."""
        return bool(self._zones(f))

    def explain(self, f, ctx):
        """A good zone of another (or an unread) issuer, else the first zone's failed check digits, else missing()."""
        zones = self._zones(f)
        good = [z for z in zones if z.core_valid]
        if good and self.issuer:
            if not good[0].issuer:
                return Note.of("kyc.note.mrz_issuer_unread", doc=doc_name(self.doc), wanted=self.issuer)
            return Note.of("kyc.note.mrz_issuer", doc=doc_name(self.doc), issuer=good[0].issuer, wanted=self.issuer)
        if zones:
            z = zones[0]
            checks = Words(tuple(Note.of("kyc.check." + c.replace(" ", "_")) for c in z.failed), "list")
            return Note.of("kyc.note.mrz_check_digits", doc=doc_name(self.doc), number=z.number_masked, checks=checks)
        return self.missing(ctx)

    def missing(self, ctx):
        """No zone of the document (of that issuer)."""
        if self.issuer:
            return Note.of("kyc.note.no_mrz_issuer", doc=doc_name(self.doc), issuer=self.issuer)
        return Note.of("kyc.note.no_mrz", doc=doc_name(self.doc))


@condition
@dataclass
class UnexpiredCond(Cond):
    """Not expired on `today`: by the zone's expiry date (its check digit holding); without one,
    by the printed expiry date (passport pages: Date of expiry / 有效期至). Neither read: not met."""
    kind: ClassVar[str] = "unexpired"

    @classmethod
    def parse(cls, value, node, what, parse):
        """Reads the document: passport or visa."""
        _check_doc(cls.kind, value, node, what)
        return cls(value)

    doc: str

    def _judge(self, f: _File, ctx: _Ctx) -> Note | None:
        zones = [z for z in f.ev.mrz if z.doc_type == self.doc and z.expiry_trusted]
        expired = [z for z in zones if z.expired(ctx.today)]
        if expired:
            z = expired[0]
            return Note.of("kyc.note.expired", doc=doc_name(self.doc), number=z.number_masked, date=z.expiry.isoformat())
        if zones:
            return None
        printed = f.ev.printed.expiry if self.doc == "passport" else ()
        past = [d for d in printed if d < ctx.today]
        if past:
            return Note.of("kyc.note.printed_expired", doc=doc_name(self.doc), date=past[0].isoformat())
        if printed:
            return None
        return Note.of("kyc.note.expiry_unread", doc=doc_name(self.doc))

    def test(self, f, ctx):
        """Not expired on ctx.today, by a trusted zone expiry or, for a passport, a printed date."""
        return self._judge(f, ctx) is None

    def explain(self, f, ctx):
        """The expired zone or printed date, or that no expiry date could be read."""
        return self._judge(f, ctx) or self.missing(ctx)

    def missing(self, ctx):
        """No unexpired document."""
        return Note.of("kyc.note.no_unexpired", doc=doc_name(self.doc))


@dataclass(frozen=True)
class Identity:
    """A holder's readable identity data, all keyed hashes (mrz.identity_key): birth dates,
    passport numbers, and Latin names as mrz.name_keys (two names agree, one OCR slip allowed,
    when their key sets meet)."""
    births: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str]

    @classmethod
    def of_visa(cls, ev: KycEvidence) -> "Identity":
        """A visa page: its zone's birth date, name and the passport number its optional data
        names; the printed name, birth date and passport number (ПАСПОРТ / PASSPORT)."""
        zones = [z for z in ev.mrz if z.doc_type == "visa"]
        return cls(frozenset({z.birth_key for z in zones if z.birth_key} | ev.printed.birth_keys),
                   frozenset({z.passport_key for z in zones if z.passport_key} | ev.printed.number_keys),
                   frozenset().union(*(z.name_keys for z in zones), ev.printed.name_keys))

    @classmethod
    def of_passport(cls, ev: KycEvidence) -> "Identity":
        """A passport page: its zones' birth dates, numbers and names, with the printed birth date, passport
        number and name."""
        zones = [z for z in ev.mrz if z.doc_type == "passport"]
        return cls(frozenset({z.birth_key for z in zones if z.birth_key} | ev.printed.birth_keys),
                   frozenset({z.number_key for z in zones if z.number_key} | ev.printed.number_keys),
                   frozenset().union(*(z.name_keys for z in zones), ev.printed.name_keys))

    def compare(self, other: "Identity") -> tuple[list[str], list[str]]:
        """(data both sides show and agree on, data both show and disagree on), as datum names."""
        agree, differ = [], []
        for datum, mine, theirs in (("name", self.names, other.names), ("birth_date", self.births, other.births),
                                    ("passport_number", self.numbers, other.numbers)):
            if mine and theirs:
                (agree if mine & theirs else differ).append(datum)
        return agree, differ


@condition
@dataclass
class SameHolderCond(Cond):
    """The visa's holder is the passport's: every identity datum both papers show (name, birth
    date, passport number; from zones and printed fields) agrees, and at least one can be compared."""
    kind: ClassVar[str] = "same_holder_as"

    @classmethod
    def parse(cls, value, node, what, parse):
        """Reads the key of the requirement whose accepted passports the visa is matched against."""
        if not isinstance(value, str) or not value:
            raise fail(f"{what}: 'same_holder_as' must name an earlier requirement", node, cls.kind)
        return cls(value)

    requirement: str

    def _judge(self, f: _File, ctx: _Ctx) -> Note | None:
        passports = ctx.accepted.get(self.requirement, [])
        if not passports:
            return Note.of("kyc.note.no_passport_to_match")
        mine = Identity.of_visa(f.ev)
        files = paths(g.path for g in passports[:MAX_NOTE_FILES])
        compared = [mine.compare(Identity.of_passport(g.ev)) for g in passports]
        if any(agree and not differ for agree, differ in compared):
            return None
        differ = next((d for _, d in compared if d), None)
        if differ:
            data = Words(tuple(Note.of(f"kyc.datum.{d}") for d in differ), "and")
            return Note.of("kyc.note.other_holder", files=files, data=data)
        return Note.of("kyc.note.holder_unread", files=files)

    def test(self, f, ctx):
        """A passport accepted for that requirement agrees with the visa on every datum both show, at least one."""
        return self._judge(f, ctx) is None

    def explain(self, f, ctx):
        """No passport accepted yet, the data that differ, or that none could be compared."""
        return self._judge(f, ctx) or self.missing(ctx)

    def missing(self, ctx):
        """No visa of the passport's holder."""
        return Note.of("kyc.note.no_holder_visa")


@condition
@dataclass
class TextLanguageCond(Cond):
    """`text_language: LANG`: the file has text in that language."""
    kind: ClassVar[str] = "text_language"

    @classmethod
    def parse(cls, value, node, what, parse):
        """Reads the language, one of analysis.markers.LANGUAGES."""
        if value not in LANGUAGES:
            raise fail(f"{what}: 'text_language' must be one of {', '.join(LANGUAGES)}, got {value!r}", node, cls.kind)
        return cls(value)

    language: str

    def test(self, f, ctx):
        """The file's text is in that language (KycEvidence.text_languages)."""
        return self.language in f.ev.text_languages

    def explain(self, f, ctx):
        """The file's text is not in that language."""
        return Note.of("kyc.note.text_language", language=languages([self.language]))

    def missing(self, ctx):
        """No text in that language."""
        return Note.of("kyc.note.no_text_in", language=languages([self.language]))


@condition
@dataclass
class BankCond(Cond):
    """`bank_account: valid`: the file shows a bank account whose control key holds (checker.kyc.bank)."""
    kind: ClassVar[str] = "bank_account"

    @classmethod
    def parse(cls, value, node, what, parse):
        """Takes only the value `valid`."""
        _check_valid(cls.kind, value, node, what)
        return cls()

    def test(self, f, ctx):
        """Some account's control key holds against its BIK."""
        return any(b.ok for b in f.ev.bank)

    def relevant(self, f):
        """Some account was read."""
        return bool(f.ev.bank)

    def explain(self, f, ctx):
        """The first account that failed and why, or that no account could be read."""
        bad = next((b for b in f.ev.bank if not b.ok), None)
        if bad:
            return Note.of("kyc.note.bank_problem", account=bad.account_masked, problem=bad.problem or "")
        return Note.of("kyc.note.no_account_read")

    def missing(self, ctx):
        """No bank account paper."""
        return Note.of("kyc.note.no_bank")


@condition
@dataclass
class RecentCond(Cond):
    """The latest month the payments are for (checker.kyc.facts.payment_periods) is at most
    `months` months before today's month. No period readable: not met."""
    kind: ClassVar[str] = "recent_months"

    @classmethod
    def parse(cls, value, node, what, parse):
        """Reads `months`, a whole number from 1 to 36."""
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 36:
            raise fail(f"{what}: 'recent_months' must be a whole number from 1 to 36, got {value!r}", node, cls.kind)
        return cls(value)

    months: int

    def test(self, f, ctx):
        """The latest payment month read is at most `months` months before today's month."""
        latest = f.ev.latest_month
        return latest is not None and _month_index(*latest) >= _month_index(ctx.today.year, ctx.today.month) - self.months

    def explain(self, f, ctx):
        """The latest month read, too old, or that no payment period could be read."""
        if f.ev.latest_month is None:
            return Note.of("kyc.note.periods_unread")
        y, m = f.ev.latest_month
        return Note.of("kyc.note.stale", month=f"{y:04d}-{m:02d}", months=self.months)

    def missing(self, ctx):
        """No payment paper of the last `months` months."""
        return Note.of("kyc.note.no_recent", months=self.months)


@condition
@dataclass
class UsccCond(Cond):
    """A unified social credit code whose check character holds (GB 32100-2015)."""
    kind: ClassVar[str] = "uscc"

    @classmethod
    def parse(cls, value, node, what, parse):
        """Takes only the value `valid`."""
        _check_valid(cls.kind, value, node, what)
        return cls()


    def test(self, f, ctx):
        """Some code's check character holds."""
        return any(u.ok for u in f.ev.uscc)

    def relevant(self, f):
        """Some code was read after its label."""
        return bool(f.ev.uscc)

    def explain(self, f, ctx):
        """A code with a character outside the code's set, or with a wrong check character (the expected one),
        or that none could be read."""
        bad = next((u for u in f.ev.uscc if not u.ok), None)
        if bad is None:
            return Note.of("kyc.note.uscc_unread")
        if not bad.expected:
            return Note.of("kyc.note.uscc_invalid", code=bad.code)
        return Note.of("kyc.note.uscc_wrong", code=bad.code, expected=bad.expected, found=bad.code[17])

    def missing(self, ctx):
        """No unified social credit code."""
        return Note.of("kyc.note.no_uscc")


def _children(kind: str, value: Any, node: Mapping, what: str, parse: Parse) -> tuple[Cond, ...]:
    if not isinstance(value, list) or not value:
        raise fail(f"{what}: {kind!r} must be a non-empty list of conditions", node, kind)
    return tuple(parse(child, what) for child in value)


def _check_valid(kind: str, value: Any, node: Mapping, what: str) -> None:
    if value != "valid":
        raise fail(f"{what}: {kind!r} takes only the value 'valid', got {value!r}", node, kind)


def _check_doc(kind: str, value: Any, node: Mapping, what: str) -> None:
    if value not in DOCS:
        raise fail(f"{what}: {kind!r} must be one of {', '.join(DOCS)}, got {value!r}", node, kind)


def parse_condition(node: Any, what: str) -> Cond:
    """One condition of kyc.yaml ({marker: passport}, {all: [...]}, ...) by the CONDITIONS
    registry; RuleError naming file and line when the mapping fits no kind."""
    if not isinstance(node, Mapping):
        raise fail(f"{what}: a condition must be a mapping like {{marker: passport}}, got {node!r}", node)
    ops = [k for k in node if k in CONDITIONS]
    if len(ops) != 1:
        unknown = [k for k in node if k not in CONDITIONS and not any(k in c.modifiers for c in CONDITIONS.values())]
        if unknown:
            raise fail(f"{what}: unknown condition {unknown[0]!r} (known: {', '.join(CONDITIONS)})", node, unknown[0])
        raise fail(f"{what}: a condition needs exactly one of {', '.join(CONDITIONS)}, got {', '.join(map(str, node)) or 'none'}", node)
    cls = CONDITIONS[ops[0]]
    extra = set(node) - {cls.kind} - cls.modifiers
    if extra:
        bad = sorted(map(str, extra))[0]
        raise fail(f"{what}: {bad!r} does not go with {cls.kind!r}", node, bad)
    cond = cls.parse(node[cls.kind], node, what, parse_condition)
    cond.line = node.line_of(cls.kind) if isinstance(node, LineDict) else None
    return cond


def walk(cond: Cond) -> Iterator[Cond]:
    """The condition and every condition nested in it."""
    yield cond
    for child in getattr(cond, "children", ()):
        yield from walk(child)
