"""The account's KYC checklist: per-file evidence from text, then the profile's requirements.

analyse_kyc_text() reads one file's text into KycEvidence: the markers of rules/markers.yaml
(and the languages they matched in), the passport/visa machine-readable zones (masked), the
Russian bank account check, the languages of the text and the latest month it mentions.
evaluate_kyc() holds every file's evidence against the profile in rules/kyc.yaml and returns
one KycRequirement per requirement, with the files that met it or a plain note when unmet.
Evidence is the content; a file's name only helps explain a miss. Notes never carry a full
personal number: numbers are masked where they are made and every note passes privacy.redact().
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import cycle
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .markers import LANGUAGE_NAMES, LANGUAGES, MarkerRules, Prepared
from .models import FileResult, KycRequirement
from .mrz import MrzZone, find_zones
from .privacy import mask, personal_ids, redact
from .rulefile import LineDict, RuleError, load_yaml

if TYPE_CHECKING:
    from .rules import Rules

RUSSIAN_MIN_SHARE = 0.35


# --- Russian bank account: control digit against the BIK ---------------------------------------

RKC_BIK_ENDINGS = ("000", "001", "002")   # Bank of Russia settlement centres, not credit institutions


def account_key_prefix(account: str, bik: str) -> str:
    """The three digits put before the account for the control-digit sum (Bank of Russia,
    "Порядок расчета контрольного ключа в номере лицевого счета", 08.09.1997 N 515): a credit
    institution's conditional number, the BIK's last three digits; for an account opened in an
    RKC (BIK ending 000/001/002) and for correspondent accounts (301...), '0' + BIK digits 5-6."""
    if bik[6:] in RKC_BIK_ENDINGS or account.startswith("301"):
        return "0" + bik[4:6]
    return bik[6:]


def account_key_ok(account: str, bik: str) -> bool:
    """Weights 7,1,3 repeated over the 23 digits prefix + account; the sum must end in 0."""
    if not (len(account) == 20 and account.isdigit() and len(bik) == 9 and bik.isdigit()):
        return False
    digits = account_key_prefix(account, bik) + account
    return sum(int(d) * w for d, w in zip(digits, cycle((7, 1, 3)))) % 10 == 0


@dataclass(frozen=True)
class BankCheck:
    account_masked: str    # "*****************312": all but the last 3 digits masked
    bik: str               # the bank's identifier (public), "" when none was found
    ok: bool
    problem: str = ""      # "control digit does not match BIK 044525974"

    def to_dict(self) -> dict:
        return {"account": self.account_masked, "bik": self.bik, "ok": self.ok, "problem": self.problem}


_ACCOUNT = re.compile(r"(?<!\d)(?:\d[ .\-]?){19}\d(?!\d)")
_BIK_LABELLED = re.compile(r"(?<![^\W\d_])(?:[бb6][иiu][кk]|b[i1l][ck]|рцбик)(?![^\W\d_])[^\d\n]{0,12}(\d{3} ?\d{3} ?\d{3})(?!\d)",
                           re.IGNORECASE)
_BIK_BARE = re.compile(r"(?<!\d)04\d{7}(?!\d)")


def _digits_text(text: str) -> str:
    """Letters OCR puts inside numbers read as digits: 4O817 -> 40817, 40l02 -> 40102."""
    text = unicodedata.normalize("NFKC", text)
    for _ in range(2):   # twice, so runs like 0OO0 are caught
        text = re.sub(r"(?<=\d)[OoОоQD](?=[\d ])|(?<=[\d ])[OoОоQD](?=\d)", "0", text)
        text = re.sub(r"(?<=\d)[lI|](?=\d)", "1", text)
    return text


def find_bank_checks(text: str) -> list[BankCheck]:
    """Each client account (20 digits, not a 301 correspondent account) checked against the BIK
    found in the same text. Accounts are masked; BIKs identify banks and stay whole."""
    text = _digits_text(text or "")
    labelled = [re.sub(r"\s", "", m.group(1)) for m in _BIK_LABELLED.finditer(text)]
    biks = list(dict.fromkeys(b for b in labelled if b.startswith("04")))
    if not labelled:
        biks = list(dict.fromkeys(_BIK_BARE.findall(text)))
    foreign = next((b for b in labelled if not b.startswith("04")), None)
    checks: list[BankCheck] = []
    seen: set[str] = set()
    for m in _ACCOUNT.finditer(text):
        account = re.sub(r"\D", "", m.group())
        if account in seen or account.startswith("301"):
            continue
        seen.add(account)
        shown = mask(account)
        good = next((b for b in biks if account_key_ok(account, b)), None)
        if good:
            checks.append(BankCheck(shown, good, True))
        elif biks:
            checks.append(BankCheck(shown, biks[0], False, f"control digit does not match BIK {biks[0]}"))
        elif foreign:
            checks.append(BankCheck(shown, foreign, False, f"BIK {foreign} is not a Russian BIK (those start with 04)"))
        else:
            checks.append(BankCheck(shown, "", False, "no BIK (9 digits starting 04) found with it"))
    return checks


# --- months a paper mentions (is the social-insurance proof recent?) ----------------------------

_MONTHS_RU = ("январ", "феврал", "март", "апрел", "ма[йя]", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр")
_MONTHS_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAME = re.compile(r"(?<![^\W\d_])(?:(" + "|".join(f"(?:{m})" for m in _MONTHS_RU) + r")|(" + "|".join(_MONTHS_EN)
                         + r"))[^\W\d_]*\.?,?\s*(\d{4})(?!\d)", re.IGNORECASE)
_MM_YYYY = re.compile(r"(?<!\d)(\d{1,2})\s?[./\-]\s?(\d{4})(?!\d)")
_YYYY_MM = re.compile(r"(?<!\d)(\d{4})\s?[./\-年]\s?(\d{1,2})(?!\d)")


def months_mentioned(text: str, today: date) -> set[tuple[int, int]]:
    """(year, month) pairs written in text, up to today's month (later ones are validity dates)."""
    text = unicodedata.normalize("NFKC", text or "").replace("ё", "е")
    found: set[tuple[int, int]] = set()
    for m in _MONTH_NAME.finditer(text):
        if m.group(1):
            month = next(i for i, stem in enumerate(_MONTHS_RU, 1) if re.match(stem, m.group(1), re.IGNORECASE))
        else:
            month = _MONTHS_EN.index(m.group(2).lower()[:3]) + 1
        found.add((int(m.group(3)), month))
    found.update((int(m.group(2)), int(m.group(1))) for m in _MM_YYYY.finditer(text))
    found.update((int(m.group(1)), int(m.group(2))) for m in _YYYY_MM.finditer(text))
    return {(y, mo) for y, mo in found if 2000 <= y and 1 <= mo <= 12 and (y, mo) <= (today.year, today.month)}


# --- per-file evidence --------------------------------------------------------------------------

@dataclass
class KycEvidence:
    """What one file's text shows for KYC. Safe to print: no full personal number in any field."""
    markers: dict[str, frozenset[str]] = field(default_factory=dict)   # marker key -> languages matched
    mrz: list[MrzZone] = field(default_factory=list)
    bank: list[BankCheck] = field(default_factory=list)
    text_languages: frozenset[str] = frozenset()
    latest_month: tuple[int, int] | None = None
    masked_ids: list[str] = field(default_factory=list)

    @property
    def marker_keys(self) -> list[str]:
        return sorted(self.markers)

    def languages_of(self, marker: str) -> frozenset[str]:
        return self.markers.get(marker, frozenset())

    def to_dict(self) -> dict:
        return {"markers": {k: sorted(v, key=_lang_order) for k, v in sorted(self.markers.items())},
                "mrz": [z.to_dict() for z in self.mrz], "bank": [b.to_dict() for b in self.bank],
                "text_languages": sorted(self.text_languages, key=_lang_order),
                "latest_month": "%04d-%02d" % self.latest_month if self.latest_month else None,
                "masked_ids": list(self.masked_ids)}


def analyse_kyc_text(text: str, russian_share: float, languages: Iterable[str] | str | None,
                     marker_rules: MarkerRules, *, today: date | None = None,
                     russian_min_share: float = RUSSIAN_MIN_SHARE) -> KycEvidence:
    """One file's KYC evidence. `languages`: the language(s) detected for the text (ISO 639-1);
    Russian also counts when `russian_share` (share of Cyrillic letters) reaches russian_min_share."""
    today = today or date.today()
    text = text or ""
    if isinstance(languages, str):
        languages = [languages] if languages else []
    text_languages = {lang for lang in (languages or ()) if lang}
    if russian_share >= russian_min_share and text.strip():
        text_languages.add("ru")
    months = months_mentioned(text, today)
    zones = find_zones(text)
    ids = [f"{z.doc_type} {z.number_masked}" for z in zones]
    ids += [i for i in personal_ids(text) if i not in ids]
    return KycEvidence(
        markers=marker_rules.match(Prepared.of(text)),
        mrz=zones,
        bank=find_bank_checks(text),
        text_languages=frozenset(text_languages),
        latest_month=max(months) if months else None,
        masked_ids=list(dict.fromkeys(ids)),
    )


# --- conditions -----------------------------------------------------------------------------------

def _lang_order(lang: str) -> int:
    return LANGUAGES.index(lang) if lang in LANGUAGES else len(LANGUAGES)


def language_list(langs: Iterable[str]) -> str:
    names = [LANGUAGE_NAMES.get(lang, lang) for lang in sorted(set(langs), key=_lang_order)]
    if len(names) <= 1:
        return "".join(names) or "no language"
    return ", ".join(names[:-1]) + " and " + names[-1]


def _month_index(y: int, m: int) -> int:
    return y * 12 + m - 1


@dataclass
class _File:
    path: str
    name: str
    ev: KycEvidence


@dataclass
class _Ctx:
    today: date
    title: Any                                   # marker key -> title
    accepted: dict[str, list[_File]]             # requirement key -> files that met it so far


class Cond:
    """One evidence condition, tested against one file."""
    line: int | None = None

    def test(self, f: _File, ctx: _Ctx) -> bool:
        raise NotImplementedError

    def relevant(self, f: _File) -> bool:
        """The file shows the paper this condition is about, even if the condition fails."""
        return False

    def explain(self, f: _File, ctx: _Ctx) -> str:
        """Why the condition fails for this file, in a few words."""
        return self.missing(ctx)

    def missing(self, ctx: _Ctx) -> str:
        raise NotImplementedError

    def marker_refs(self) -> list["MarkerCond"]:
        return []


@dataclass
class AllCond(Cond):
    children: tuple[Cond, ...]

    def test(self, f, ctx):
        return all(c.test(f, ctx) for c in self.children)

    def relevant(self, f):
        return self.children[0].relevant(f)     # the first condition names the paper

    def explain(self, f, ctx):
        return "; ".join(dict.fromkeys(c.explain(f, ctx) for c in self.children if not c.test(f, ctx)))

    def missing(self, ctx):
        return "; ".join(c.missing(ctx) for c in self.children)

    def marker_refs(self):
        return [m for c in self.children for m in c.marker_refs()]


@dataclass
class AnyCond(Cond):
    children: tuple[Cond, ...]

    def test(self, f, ctx):
        return any(c.test(f, ctx) for c in self.children)

    def relevant(self, f):
        return any(c.relevant(f) for c in self.children)

    def explain(self, f, ctx):
        for c in self.children:
            if c.relevant(f):
                return c.explain(f, ctx)
        return self.children[0].explain(f, ctx)

    def missing(self, ctx):
        return self.children[0].missing(ctx)

    def marker_refs(self):
        return [m for c in self.children for m in c.marker_refs()]


@dataclass
class MarkerCond(Cond):
    key: str
    languages: tuple[str, ...] = ()

    def test(self, f, ctx):
        return self.key in f.ev.markers and set(self.languages) <= f.ev.markers[self.key]

    def relevant(self, f):
        return self.key in f.ev.markers

    def explain(self, f, ctx):
        if self.key in f.ev.markers:
            return f"{ctx.title(self.key)} only in {language_list(f.ev.markers[self.key])}; needs {language_list(self.languages)}"
        return self.missing(ctx)

    def missing(self, ctx):
        return f"no {ctx.title(self.key)}" + (f" in {language_list(self.languages)}" if self.languages else "")

    def marker_refs(self):
        return [self]


@dataclass
class MrzCond(Cond):
    doc: str
    issuer: str | None = None

    def _zones(self, f):
        return [z for z in f.ev.mrz if z.doc_type == self.doc]

    def test(self, f, ctx):
        return any(z.core_valid and (self.issuer is None or z.issuer == self.issuer) for z in self._zones(f))

    def relevant(self, f):
        return bool(self._zones(f))

    def explain(self, f, ctx):
        zones = self._zones(f)
        good = [z for z in zones if z.core_valid]
        if good and self.issuer:
            return f"the {self.doc} was issued by {good[0].issuer or 'an unreadable state'}, not {self.issuer}"
        if zones:
            z = zones[0]
            return (f"the {self.doc}'s machine-readable zone (number {z.number_masked}) fails its check digits "
                    f"({', '.join(z.failed)}): rescan it sharp, flat and uncropped")
        return self.missing(ctx)

    def missing(self, ctx):
        return f"no readable {self.doc} machine-readable zone" + (f" issued by {self.issuer}" if self.issuer else "")


@dataclass
class UnexpiredCond(Cond):
    doc: str

    def _expired(self, f, ctx):
        return [z for z in f.ev.mrz if z.doc_type == self.doc and z.expiry_trusted and z.expired(ctx.today)]

    def test(self, f, ctx):
        return not self._expired(f, ctx)

    def explain(self, f, ctx):
        expired = self._expired(f, ctx)
        if expired:
            z = expired[0]
            return f"the {self.doc} (number {z.number_masked}) expired on {z.expiry.isoformat()}"
        return self.missing(ctx)

    def missing(self, ctx):
        return f"no unexpired {self.doc}"


@dataclass
class SameHolderCond(Cond):
    requirement: str

    def _keys(self, f, ctx):
        mine = {z.holder_key for z in f.ev.mrz if z.doc_type == "visa" and z.holder_key}
        theirs = {z.holder_key for g in ctx.accepted.get(self.requirement, [])
                  for z in g.ev.mrz if z.doc_type == "passport" and z.holder_key}
        return mine, theirs

    def test(self, f, ctx):
        mine, theirs = self._keys(f, ctx)
        return not mine or not theirs or bool(mine & theirs)

    def explain(self, f, ctx):
        paths = ", ".join(g.path for g in ctx.accepted.get(self.requirement, []))
        return f"the visa belongs to someone else than the passport in {paths} (birth date or nationality differ)"

    def missing(self, ctx):
        return "no visa of the passport's holder"


@dataclass
class TextLanguageCond(Cond):
    language: str

    def test(self, f, ctx):
        return self.language in f.ev.text_languages

    def explain(self, f, ctx):
        return f"the text is not in {language_list([self.language])}"

    def missing(self, ctx):
        return f"no text in {language_list([self.language])}"


@dataclass
class BankCond(Cond):
    def test(self, f, ctx):
        return any(b.ok for b in f.ev.bank)

    def relevant(self, f):
        return bool(f.ev.bank)

    def explain(self, f, ctx):
        bad = next((b for b in f.ev.bank if not b.ok), None)
        if bad:
            return f"bank account {bad.account_masked}: {bad.problem}"
        return "no 20-digit account number could be read"

    def missing(self, ctx):
        return "no Russian bank account (20-digit account number with the bank's BIK)"


@dataclass
class RecentCond(Cond):
    months: int

    def test(self, f, ctx):
        latest = f.ev.latest_month
        return latest is None or _month_index(*latest) >= _month_index(ctx.today.year, ctx.today.month) - self.months

    def explain(self, f, ctx):
        y, m = f.ev.latest_month or (0, 0)
        return f"the latest month it mentions is {y:04d}-{m:02d}; it must cover the last {self.months} months"

    def missing(self, ctx):
        return f"nothing from the last {self.months} months"


# --- rules: rules/kyc.yaml --------------------------------------------------------------------------

@dataclass(frozen=True)
class PooledLanguages:
    marker: str
    required: tuple[str, ...]


@dataclass(frozen=True)
class Context:
    requirement: str
    text: str              # "{files}" is replaced by the paths that met `requirement`


@dataclass(frozen=True)
class Requirement:
    key: str
    title: str
    title_ru: str
    evidence: Cond
    note: str
    languages: PooledLanguages | None = None
    context: Context | None = None
    hints: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    aliases: tuple[str, ...]
    requirements: tuple[Requirement, ...]


_OPERATORS = {"all": set(), "any": set(), "marker": {"languages"}, "mrz": {"issuer"}, "unexpired": set(),
              "same_holder_as": set(), "text_language": set(), "bank_account": set(), "recent_months": set()}
_DOCS = ("passport", "visa")
_REQ_FIELDS = {"key", "title", "title_ru", "evidence", "note", "languages", "context", "hints"}
_PROFILE_FIELDS = {"title", "aliases", "extends", "requirements"}


def _err(message: str, node: Any, key: Any = None) -> RuleError:
    line = node.line_of(key) if isinstance(node, LineDict) and key is not None else getattr(node, "line", None)
    return RuleError(message, node, line=line)


def _text(node: Mapping, key: str, what: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _err(f"{what}: {key!r} must be a non-empty text", node, key if key in node else None)
    return value.strip()


def _languages(value: Any, node: Mapping, key: str, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or any(v not in LANGUAGES for v in value):
        raise _err(f"{what}: {key!r} must list languages from {', '.join(LANGUAGES)}, got {value!r}", node, key)
    return tuple(dict.fromkeys(value))


def _parse_cond(node: Any, what: str) -> Cond:
    if not isinstance(node, Mapping):
        raise _err(f"{what}: a condition must be a mapping like {{marker: passport}}, got {node!r}", node)
    ops = [k for k in node if k in _OPERATORS]
    if len(ops) != 1:
        unknown = [k for k in node if k not in _OPERATORS and not any(k in mods for mods in _OPERATORS.values())]
        if unknown:
            raise _err(f"{what}: unknown condition {unknown[0]!r} (known: {', '.join(_OPERATORS)})", node, unknown[0])
        raise _err(f"{what}: a condition needs exactly one of {', '.join(_OPERATORS)}, got {', '.join(map(str, node)) or 'none'}", node)
    op = ops[0]
    extra = set(node) - {op} - _OPERATORS[op]
    if extra:
        bad = sorted(map(str, extra))[0]
        raise _err(f"{what}: {bad!r} does not go with {op!r}", node, bad)
    value = node[op]
    cond: Cond
    if op in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise _err(f"{what}: {op!r} must be a non-empty list of conditions", node, op)
        children = tuple(_parse_cond(child, what) for child in value)
        cond = AllCond(children) if op == "all" else AnyCond(children)
    elif op == "marker":
        if not isinstance(value, str) or not value:
            raise _err(f"{what}: 'marker' must name a marker of markers.yaml", node, op)
        langs = _languages(node["languages"], node, "languages", what) if "languages" in node else ()
        cond = MarkerCond(value, langs)
    elif op in ("mrz", "unexpired"):
        if value not in _DOCS:
            raise _err(f"{what}: {op!r} must be one of {', '.join(_DOCS)}, got {value!r}", node, op)
        if op == "mrz":
            issuer = node.get("issuer")
            if issuer is not None and not (isinstance(issuer, str) and re.fullmatch(r"[A-Z]{1,3}", issuer)):
                raise _err(f"{what}: 'issuer' must be an ICAO state code like RUS, got {issuer!r}", node, "issuer")
            cond = MrzCond(value, issuer)
        else:
            cond = UnexpiredCond(value)
    elif op == "same_holder_as":
        if not isinstance(value, str) or not value:
            raise _err(f"{what}: 'same_holder_as' must name an earlier requirement", node, op)
        cond = SameHolderCond(value)
    elif op == "text_language":
        if value not in LANGUAGES:
            raise _err(f"{what}: 'text_language' must be one of {', '.join(LANGUAGES)}, got {value!r}", node, op)
        cond = TextLanguageCond(value)
    elif op == "bank_account":
        if value != "valid":
            raise _err(f"{what}: 'bank_account' takes only the value 'valid', got {value!r}", node, op)
        cond = BankCond()
    else:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 36:
            raise _err(f"{what}: 'recent_months' must be a whole number from 1 to 36, got {value!r}", node, op)
        cond = RecentCond(value)
    cond.line = node.line_of(op) if isinstance(node, LineDict) else None
    return cond


def _walk(cond: Cond) -> Iterable[Cond]:
    yield cond
    for child in getattr(cond, "children", ()):
        yield from _walk(child)


def _parse_requirement(node: Any, profile: str) -> Requirement:
    if not isinstance(node, Mapping):
        raise _err(f"profile {profile!r}: each requirement must be a mapping", node)
    key = node.get("key")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise _err(f"profile {profile!r}: requirement 'key' must be lower_snake_case, got {key!r}", node, "key" if "key" in node else None)
    what = f"requirement {key!r}"
    unknown = set(node) - _REQ_FIELDS
    if unknown:
        bad = sorted(map(str, unknown))[0]
        raise _err(f"{what}: unknown field {bad!r}", node, bad)
    if "evidence" not in node:
        raise _err(f"{what}: 'evidence' (the condition) is required", node)
    evidence = _parse_cond(node["evidence"], what)
    pooled = None
    if "languages" in node:
        spec = node["languages"]
        if not isinstance(spec, Mapping) or set(spec) != {"marker", "required"} or not isinstance(spec.get("marker"), str):
            raise _err(f"{what}: 'languages' must be {{marker: KEY, required: [ru, en]}}", node, "languages")
        pooled = PooledLanguages(spec["marker"], _languages(spec["required"], spec, "required", what))
        if not any(m.key == pooled.marker for m in evidence.marker_refs()):
            raise _err(f"{what}: 'languages' pools marker {pooled.marker!r}, which its evidence does not ask for", node, "languages")
    context = None
    if "context" in node:
        spec = node["context"]
        if not isinstance(spec, Mapping) or set(spec) != {"requirement", "text"} or not all(isinstance(v, str) for v in spec.values()):
            raise _err(f"{what}: 'context' must be {{requirement: KEY, text: '... {{files}} ...'}}", node, "context")
        try:
            spec["text"].format(files="x")
        except (KeyError, IndexError, ValueError) as exc:
            raise _err(f"{what}: context text may only use the placeholder {{files}} ({exc})", spec, "text") from None
        context = Context(spec["requirement"], spec["text"])
    hints = node.get("hints", [])
    if not isinstance(hints, list) or any(not isinstance(h, str) or not h.strip() for h in hints):
        raise _err(f"{what}: 'hints' must list file-name fragments", node, "hints")
    return Requirement(key, _text(node, "title", what), _text(node, "title_ru", what), evidence, _text(node, "note", what),
                       pooled, context, tuple(h.strip().casefold() for h in hints),
                       node.line if isinstance(node, LineDict) else None)


class KycRules:
    """The validated profiles of rules/kyc.yaml (`individual` extends `company`)."""

    def __init__(self, profiles: Mapping[str, Profile], path: Path | None = None, marker_titles: Mapping[str, str] | None = None):
        self.profiles: dict[str, Profile] = dict(profiles)
        self.path = path
        self.marker_titles: dict[str, str] = dict(marker_titles or {})
        self._aliases = {a.casefold(): p.name for p in self.profiles.values() for a in (p.name, *p.aliases)}

    @classmethod
    def load(cls, path: Path | str, markers: MarkerRules | None = None) -> "KycRules":
        path = Path(path)
        return cls.from_data(load_yaml(path), markers, path=path)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], markers: MarkerRules | None = None, *, path: Path | None = None) -> "KycRules":
        path = path or getattr(data, "path", None)
        if not isinstance(data, Mapping):
            raise RuleError("expected a mapping at the top of the file", path=path, line=1)
        unknown = set(data) - {"profiles"}
        if unknown:
            raise _err(f"unknown top-level key {sorted(map(str, unknown))[0]!r} (expected 'profiles')", data, sorted(map(str, unknown))[0])
        block = data.get("profiles")
        if not isinstance(block, Mapping) or not block:
            raise _err("'profiles' must be a non-empty mapping", data, "profiles" if "profiles" in data else None)
        raw: dict[str, tuple[Mapping, str, tuple[str, ...], str | None, list[Requirement]]] = {}
        for name, spec in block.items():
            if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise _err(f"profile name {name!r} must be lower_snake_case", block, name)
            if not isinstance(spec, Mapping):
                raise _err(f"profile {name!r} must be a mapping", block, name)
            bad = set(spec) - _PROFILE_FIELDS
            if bad:
                raise _err(f"profile {name!r}: unknown field {sorted(map(str, bad))[0]!r}", spec, sorted(map(str, bad))[0])
            aliases = spec.get("aliases", [])
            if not isinstance(aliases, list) or any(not isinstance(a, str) or not a.strip() for a in aliases):
                raise _err(f"profile {name!r}: 'aliases' must list names", spec, "aliases")
            extends = spec.get("extends")
            if extends is not None and extends not in block:
                raise _err(f"profile {name!r} extends unknown profile {extends!r}", spec, "extends")
            reqs = spec.get("requirements", [])
            if not isinstance(reqs, list) or (not reqs and extends is None):
                raise _err(f"profile {name!r}: 'requirements' must be a non-empty list", spec,
                           "requirements" if "requirements" in spec else None)
            raw[name] = (spec, _text(spec, "title", f"profile {name!r}"), tuple(a.strip() for a in aliases), extends,
                         [_parse_requirement(r, name) for r in reqs])
        profiles = {}
        for name in raw:
            profiles[name] = cls._resolve(name, raw, [])
        seen: dict[str, str] = {}
        for p in profiles.values():
            for alias in (p.name, *p.aliases):
                other = seen.setdefault(alias.casefold(), p.name)
                if other != p.name:
                    raise _err(f"alias {alias!r} names both profiles {other!r} and {p.name!r}", raw[p.name][0], "aliases")
        rules = cls(profiles, path)
        if markers is not None:
            rules.check_markers(markers)
        return rules

    @classmethod
    def _resolve(cls, name: str, raw: Mapping, chain: list[str]) -> Profile:
        spec, title, aliases, extends, own = raw[name]
        if name in chain:
            raise _err(f"profile {name!r} extends itself ({' -> '.join(chain + [name])})", spec, "extends")
        requirements: list[Requirement] = []
        if extends:
            requirements = list(cls._resolve(extends, raw, chain + [name]).requirements)
        own_keys: set[str] = set()
        for req in own:
            if req.key in own_keys:
                raise RuleError(f"profile {name!r}: requirement {req.key!r} is listed twice", spec, line=req.line)
            own_keys.add(req.key)
            index = next((i for i, r in enumerate(requirements) if r.key == req.key), None)
            if index is None:
                requirements.append(req)
            else:
                requirements[index] = req     # a profile may replace an inherited requirement
        keys = [r.key for r in requirements]
        for i, req in enumerate(requirements):
            earlier = set(keys[:i])
            refs = [(c.requirement, c.line) for c in _walk(req.evidence) if isinstance(c, SameHolderCond)]
            if req.context:
                refs.append((req.context.requirement, req.line))
            for ref, line in refs:
                if ref not in earlier:
                    raise RuleError(f"requirement {req.key!r} (profile {name!r}) refers to {ref!r}, which is not an earlier "
                                    f"requirement of the profile", spec, line=line or req.line)
        return Profile(name, title, aliases, tuple(requirements))

    def check_markers(self, markers: MarkerRules) -> None:
        """Every marker a condition names must exist in markers.yaml; remembers the markers' titles."""
        for profile in self.profiles.values():
            for req in profile.requirements:
                for ref in req.evidence.marker_refs():
                    if ref.key not in markers:
                        raise RuleError(f"requirement {req.key!r}: unknown marker {ref.key!r} (markers.yaml has "
                                        f"{', '.join(markers.keys())})", path=self.path, line=ref.line or req.line)
        self.marker_titles = {key: markers.title(key) for key in markers.keys()}

    def profile(self, name: str) -> Profile:
        key = self._aliases.get((name or "").strip().casefold())
        if key is None:
            raise ValueError(f"unknown KYC profile {name!r} (known: {', '.join(self.profiles)})")
        return self.profiles[key]

    def titles_ru(self, profile: str) -> dict[str, str]:
        """Requirement key -> Russian title, for reports in Russian."""
        return {r.key: r.title_ru for r in self.profile(profile).requirements}


# --- evaluation --------------------------------------------------------------------------------

MAX_NOTE_FILES = 3


def evaluate_kyc(files: list[FileResult], evidence: Mapping[str, KycEvidence], profile: str, today: date,
                 kyc_rules: KycRules, marker_rules: MarkerRules | None = None) -> list[KycRequirement]:
    """Hold the KYC files' evidence (keyed by FileResult.path) against the profile's requirements.
    Files without evidence (nothing could be read) only show in notes, through their names."""
    if marker_rules is not None:
        kyc_rules.check_markers(marker_rules)
    titles = dict(kyc_rules.marker_titles)
    ctx = _Ctx(today, lambda key: titles.get(key, key.replace("_", " ")), {})
    views = [_File(f.path, f.name, evidence[f.path]) for f in files if f.path in evidence]
    unread = [f for f in files if f.path not in evidence]
    results = []
    for req in kyc_rules.profile(profile).requirements:
        met_files = [f for f in views if req.evidence.test(f, ctx)]
        note = ""
        met = bool(met_files)
        if req.languages and met_files:
            wanted = set(req.languages.required)
            pooled = set().union(*(f.ev.languages_of(req.languages.marker) for f in met_files))
            met = wanted <= pooled
            if met:
                met_files = [f for f in met_files if f.ev.languages_of(req.languages.marker) & wanted]
            else:
                paths = ", ".join(f.path for f in met_files[:MAX_NOTE_FILES])
                note = (f"{ctx.title(req.languages.marker)} found only in {language_list(pooled)} ({paths}); "
                        f"needs {language_list(wanted)}")
        ctx.accepted[req.key] = met_files if met else []
        if not met and not note:
            note = _unmet_note(req, views, ctx)
        if not met:
            note = _with_name_hints(note, req, views, unread, met_files)
        results.append(KycRequirement(req.key, req.title, met, [f.path for f in met_files] if met else [],
                                      redact(note) if note else ""))
    return results


def _unmet_note(req: Requirement, views: list[_File], ctx: _Ctx) -> str:
    near = [f for f in views if req.evidence.relevant(f)]
    if near:
        parts = [f"{f.path}: {req.evidence.explain(f, ctx)}" for f in near[:MAX_NOTE_FILES]]
        return "; ".join(parts)
    note = req.note
    if req.context and ctx.accepted.get(req.context.requirement):
        files = ", ".join(f.path for f in ctx.accepted[req.context.requirement][:MAX_NOTE_FILES])
        note += ": " + req.context.text.format(files=files)
    return note


def _with_name_hints(note: str, req: Requirement, views: list[_File], unread: list[FileResult], met_files: list[_File]) -> str:
    """A name is no proof, but a file named like the missing paper deserves a word."""
    if not req.hints:
        return note
    shown = {f.path for f in met_files} | {f.path for f in views if req.evidence.relevant(f)}
    candidates = [(f.path, f.name, "") for f in views]
    candidates += [(f.path, f.name, (f.facts.problem if f.facts else "") or "no text") for f in unread]
    named = [(path, problem) for path, name, problem in candidates
             if path not in shown and any(h in name.casefold() for h in req.hints)]
    if not named:
        return note
    unreadable = [p for p, problem in named if problem]
    readable = [p for p, problem in named if not problem]
    extra = []
    if readable:
        extra.append(f"{', '.join(readable[:MAX_NOTE_FILES])} is named like it, but its content does not show it "
                     f"(unreadable photo or a different paper?)")
    if unreadable:
        extra.append(f"{', '.join(unreadable[:MAX_NOTE_FILES])} is named like it but no text could be read from it")
    return "; ".join([note, *extra])


def evaluate_kyc_files(kyc_files: list[FileResult], seller_type: str, today: date, rules: "Rules") -> list[KycRequirement]:
    """The pipeline's entry: read every KYC file's evidence (also recording its markers and masked
    ids on the file's analysis, for the files report), then evaluate the seller's profile."""
    evidence: dict[str, KycEvidence] = {}
    for f in kyc_files:
        text = f.facts.text if f.facts else ""
        if not text.strip():
            continue
        ev = analyse_kyc_text(text, f.analysis.russian_share, f.analysis.language, rules.markers, today=today,
                              russian_min_share=rules.limits.russian_min_share)
        evidence[f.path] = ev
        f.analysis.markers = ev.marker_keys
        f.analysis.masked_ids = list(ev.masked_ids)
    return evaluate_kyc(kyc_files, evidence, seller_type, today, rules.kyc, rules.markers)
