"""All rule files in one validated object. Rules are data in rules/; this module only checks them."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import codes
from .analysis.numbers import NumberRules
from .judging.fit import FitRules
from .analysis.doctypes import OZON_TYPES, DocumentTypeRules
from .ozon.codes import OzonCodes
from .kyc import KycRules
from .analysis.markers import MarkerRules
from .register.statuses import RegisterRules
from .judging.copies import CopyRules
from .names import fold_name
from .analysis.sheets import SheetRules
from .reading.textlayer import LayerLimits
from .rulefile import LineDict, RuleError, check_keys, fail, load_yaml, number, require, source, strings
from .rules_location import default_rules_dir  # noqa: F401  (re-exported: checker.rules.default_rules_dir)

RULE_FILES = ("categories.yaml", "debris.yaml", "file_types.yaml", "limits.yaml", "reasons.yaml",
              "numbers.yaml", "markers.yaml", "kyc.yaml", "register.yaml", "fit.yaml", "ozon.yaml", "copies.yaml",
              "sheets.yaml")


# The top-level keys each rule file may have; any other is refused at its line (kyc.yaml,
# markers.yaml and ozon_types.yaml check their own; reasons.yaml's keys are the reason codes).
TOP_LEVEL_KEYS = {
    "categories.yaml": ("restricted", "unrestricted", "matching", "regulation_titles"),
    "debris.yaml": ("files", "dirs"),
    "file_types.yaml": ("accepted", "use_hints", "names", "document_types"),
    "limits.yaml": ("expiring_within_days", "pages", "ocr", "language", "text_layer"),
    "numbers.yaml": ("alphabets", "lookalikes", "dashes", "gap", "numero", "numero_misread", "countries", "layouts",
                     "prefixes", "bare", "after_title", "ignore", "titles", "dates", "validity", "regulations", "evidence"),
    "register.yaml": ("status_codes", "schemes"),
    "fit.yaml": ("product_description", "brand_min_score", "word_min_score", "model_min_score", "min_type_word",
                 "brand_columns", "name_columns"),
    "ozon.yaml": ("source", "fields", "allowed", "certificate_type", "accordance_type", "product_type", "default_country",
                  "infinite_unless_dated", "names"),
    "copies.yaml": ("copies",),
    "sheets.yaml": ("statements", "number_words", "max_total"),
}


@dataclass(frozen=True)
class Category:
    """One category of categories.yaml: whether it is restricted, which Ozon document types satisfy it, its regulations, aliases, names and source."""
    key: str
    restricted: bool
    high_risk: bool = False
    regulations: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    names: tuple[tuple[str, str], ...] = ()   # (language, display name), optional
    accepts: tuple[str, ...] = ()             # Ozon document types that satisfy it (restricted only)
    source: tuple[tuple[str, str], ...] = ()  # (text|url|read, value): where the rule comes from

    def name(self, lang: str = "en") -> str:
        """The category's name in `lang` (categories.yaml `names`), else its English name, else its key."""
        names = dict(self.names)
        return names.get(lang) or names.get("en") or self.key


@dataclass(frozen=True)
class CategoryMatching:
    """categories.yaml `matching`: how close (rapidfuzz ratio, 0-100, of the folded names) a
    category as written must come to a known one to be read as it, and to be suggested."""
    accept: float = 88.0
    suggest: float = 60.0
    suggestions: int = 3


@dataclass(frozen=True)
class CategoryMatch:
    """How a category as the seller wrote it was read.

    how: "name"     - a rule key or alias, after folding case, separators and plural endings;
         "path"     - a segment of an Ozon category path ("Электроника/Внешние аккумуляторы");
         "close"    - the nearest name by spelling, at or above `matching.accept` ("Powr banks");
         "inferred" - from the start of the product's name ("Внешний аккумулятор TESTBRAND …");
         ""         - not read (category is None); `suggestions` then names the nearest keys.
    score: the rapidfuzz ratio for "close" (100 otherwise)."""
    category: Category | None
    how: str = ""
    score: float = 100.0
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReasonText:
    """A reason code's texts in one language (reasons.yaml): title, why, fix, detail (detail has {placeholders})."""
    title: str
    why: str
    fix: str
    detail: str


@dataclass(frozen=True)
class Limits:
    """limits.yaml: how much of a file is read (pages, OCR dpi and time-out in seconds, image frames) and the verdicts' thresholds."""
    expiring_within_days: int
    pages_first: int
    pages_sample: int
    pages_settle_letters: int      # a manual's read stops on pages of this many letters or more...
    pages_settle_share: float      # ...each with this share of Cyrillic letters (reading/enough.py)
    ocr_dpi: int
    ocr_page_timeout: float
    max_image_frames: int
    language_min_letters: int
    russian_min_share: float
    text_layer: LayerLimits


@dataclass(frozen=True, eq=False)
class Rules:
    """Every rule file of a rules folder, validated; immutable after load_rules() (compared and
    hashed by identity, so its pure look-ups can be memoised with functools)."""

    directory: Path
    categories: dict[str, Category]
    debris_files: tuple[str, ...]
    debris_dirs: tuple[str, ...]
    accepted_types: dict[str, tuple[str, ...]]
    use_hints: dict[str, tuple[str, ...]]
    type_names: dict[str, str]
    limits: Limits
    reasons: dict[str, dict[str, ReasonText]]   # code -> language -> texts
    numbers: NumberRules
    document_types: DocumentTypeRules
    ozon: OzonCodes
    markers: MarkerRules
    kyc: KycRules
    regulation_titles: dict[str, dict[str, str]] = field(default_factory=dict)   # "ТР ТС 004/2011" -> language -> title
    copies: CopyRules = field(default_factory=CopyRules)
    category_matching: CategoryMatching = field(default_factory=CategoryMatching)
    messages: Any = None                      # i18n.Messages of messages.yaml (UI strings)
    ozon_types: Any = None                    # ozon.types.OzonTypes of ozon_types.yaml: Ozon type names -> categories
    sheets: SheetRules | None = None          # sheets.yaml: what a paper says about its own length
    digest: str = ""                          # sha256 of the rule files as read: part of the analysis cache key
    register: Any = None                      # register.statuses.RegisterRules of register.yaml
    fit: Any = None                           # fit.FitRules of fit.yaml
    reading_needs: Any = None                 # reading.enough.ReadingNeeds: when a product paper's read may stop
    _alias_index: dict[str, str] = field(default_factory=dict, repr=False)
    _stem_index: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        ambiguous: set[str] = set()
        for cat in self.categories.values():
            for name in (cat.key, *cat.aliases):
                self._alias_index[_fold(name)] = cat.key
                stem = _stem_key(name)
                if self._stem_index.setdefault(stem, cat.key) != cat.key:
                    ambiguous.add(stem)
        for stem in ambiguous:          # two categories' names that differ only in an ending: neither wins
            del self._stem_index[stem]
        for name, key in (self.ozon_types.types.items() if self.ozon_types else ()):
            self._alias_index.setdefault(_fold(name), key)   # an Ozon type name is one more alias

    def category_for(self, name: str) -> Category | None:
        """A rule key or an English/Russian/Chinese Ozon category name as sellers write it (see match_category)."""
        return self.match_category(name).category

    def _by_name(self, text: str) -> Category | None:
        key = self._alias_index.get(_fold(text)) or self._stem_index.get(_stem_key(text))
        return self.categories[key] if key else None

    def match_category(self, text: str) -> CategoryMatch:
        """A category as a seller writes it -> the rule's category, and how it was read.

        In order: the whole text as a key or alias after folding case, separators (space _ - / >)
        and plural endings ("home_appliance", "Power bank"); each segment of an Ozon category
        path, the last first ("Электроника/Внешние аккумуляторы"); the nearest name by spelling
        (rapidfuzz ratio) at or above categories.yaml `matching.accept` ("Powr banks"). Below
        it the category is unknown and `suggestions` names the nearest ones (`matching.suggest`)."""
        return self._match(text)

    @functools.lru_cache(maxsize=4096)    # pure: the rules never change after loading
    def _match(self, text: str) -> CategoryMatch:
        if not text.strip():
            return CategoryMatch(None)
        category = self._by_name(text)
        if category is not None:
            return CategoryMatch(category, "name")
        segments = [s for s in _PATH_SEPARATORS.split(text) if s.strip()]
        if len(segments) > 1:
            for segment in reversed(segments):
                category = self._by_name(segment)
                if category is not None:
                    return CategoryMatch(category, "path")
        nearest = self._nearest(segments[-1] if segments else text)
        settings = self.category_matching
        if nearest and nearest[0][1] >= settings.accept:
            return CategoryMatch(self.categories[nearest[0][0]], "close", round(nearest[0][1], 1))
        suggested = tuple(key for key, score in nearest if score >= settings.suggest)[:settings.suggestions]
        return CategoryMatch(None, "", 0.0, suggested)

    def _nearest(self, text: str) -> list[tuple[str, float]]:
        """(category key, best ratio over its names), best first."""
        from rapidfuzz import fuzz, process

        best: dict[str, float] = {}
        query = _stem_key(text)
        for stem, score, _ in process.extract(query, list(self._stem_index), scorer=fuzz.ratio, limit=None):
            key = self._stem_index[stem]
            best[key] = max(best.get(key, 0.0), score)
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))

    def infer_category(self, product_name: str) -> CategoryMatch:
        """The category an Ozon product name starts with ("Внешний аккумулятор TESTBRAND 10000 мАч"
        -> power_bank): its first four, three, two or one words as a category name, how="inferred"."""
        words = _fold(product_name).split()
        for n in range(min(4, len(words)), 0, -1):
            category = self._by_name(" ".join(words[:n]))
            if category is not None:
                return CategoryMatch(category, "inferred")
        return CategoryMatch(None)

    def reason_text(self, code: codes.ReasonCode | str, lang: str = "en") -> ReasonText:
        """The texts of a reason code in `lang`, English when that language has none."""
        texts = self.reasons[str(code)]
        return texts.get(lang) or texts["en"]

    def type_name(self, mime: str) -> str:
        """How reports name a MIME type (file_types.yaml `names`), else the MIME type itself."""
        return self.type_names.get(mime, mime)


_PATH_SEPARATORS = re.compile(r"\s*(?:/|>|\\|\||→|»)\s*")
_RU_ENDINGS = ("ями", "ами", "ого", "ему", "ыми", "ими", "ые", "ие", "ый", "ий", "ой", "ая", "яя", "ое", "ее",
               "ых", "их", "ов", "ев", "ей", "ам", "ям", "ах", "ях", "ы", "и", "а", "я", "о", "е", "ь", "й", "у", "ю")


def _fold(name: str) -> str:
    """NFC, ё as е, case folded, separators (space _ - / > etc.) as one space."""
    name = fold_name(name).replace("ё", "е")
    return re.sub(r"[\s_\-/>\\|→»]+", " ", name).strip()


def _stem(word: str) -> str:
    """A word without its plural or case ending, so "Power bank" meets "Power banks" and "Внешний
    аккумулятор" meets "Внешние аккумуляторы". Crude on purpose: both sides go through it."""
    if word.isascii() and word.isalpha():
        if len(word) > 4 and word.endswith("ies"):
            return word[:-3] + "y"
        if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
            return word[:-2]
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            return word[:-1]
        return word
    if len(word) > 4 and re.fullmatch(r"[а-я]+", word):
        for ending in _RU_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                return word[:-len(ending)]
    return word


def _stem_key(name: str) -> str:
    return " ".join(_stem(w) for w in _fold(name).split())


def _load_categories(data: LineDict) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for section, restricted in (("restricted", True), ("unrestricted", False)):
        block = require(data, section, LineDict)
        for key, spec in block.items():
            if not isinstance(spec, LineDict):
                raise fail(f"category {key!r} must be a mapping", block, key)
            if not re.fullmatch(r"[a-z][a-z0-9_]*", str(key)):
                raise fail(f"category key {key!r} must be lower_snake_case", block, key)
            check_keys(spec, {"high_risk", "regulations", "aliases", "names", "accepts", "source"},
                       "unknown field {key!r} in category " + repr(key))
            high_risk = require(spec, "high_risk", bool, optional=True, default=False)
            if high_risk and not restricted:
                raise fail(f"category {key!r}: high_risk only applies to restricted categories", spec, "high_risk")
            if key in categories:
                raise fail(f"category {key!r} is listed twice", block, key)
            accepts = strings(spec, "accepts", optional=not restricted)
            for kind in accepts:
                if kind not in OZON_TYPES:
                    raise RuleError(f"category {key!r}: accepts {kind!r}, not one of Ozon's types ({', '.join(OZON_TYPES)})",
                                    path=spec.path, line=spec.line_of("accepts"))
            if restricted and "refused_letter" in accepts:
                raise RuleError(f"category {key!r}: a refusal letter fits only a category that needs no mandatory confirmation",
                                path=spec.path, line=spec.line_of("accepts"))
            categories[key] = Category(key, restricted, high_risk, strings(spec, "regulations", optional=True),
                                       strings(spec, "aliases", optional=True), _category_names(spec, key),
                                       accepts, source(spec, f"category {key!r}").items())
    seen: dict[str, str] = {}
    for cat in categories.values():
        for alias in (cat.key, *cat.aliases):
            other = seen.setdefault(_fold(alias), cat.key)
            if other != cat.key:
                raise RuleError(f"alias {alias!r} names both {other!r} and {cat.key!r}", path=data.path)
    return categories


def _category_names(spec: LineDict, key: str) -> tuple[tuple[str, str], ...]:
    """Optional `names: {en, ru, zh}`: what `doccheck rules CATEGORY` calls the category."""
    from .i18n import check_translations

    if "names" not in spec:
        return ()
    names = require(spec, "names", LineDict)
    extra = sorted(set(names) - {"en", "ru", "zh"})
    if extra:
        raise fail(f"category {key!r}: names: unknown language {extra[0]!r}", names, extra[0])
    return tuple(check_translations(names, f"category {key!r} names").items())


def _load_category_matching(data: LineDict) -> CategoryMatching:
    """Optional `matching: {accept, suggest, suggestions}` in categories.yaml."""
    block = require(data, "matching", LineDict, optional=True, default=None)
    if block is None:
        return CategoryMatching()
    check_keys(block, {"accept", "suggest", "suggestions"}, "matching: unknown field {key!r}")
    accept, suggest = number(block, "accept", float, 50, 100), number(block, "suggest", float, 0, 100)
    if suggest > accept:
        raise fail(f"matching: suggest ({suggest:g}) must not be above accept ({accept:g})", block, "suggest")
    return CategoryMatching(accept, suggest, number(block, "suggestions", int, 0, 20))


def _load_regulation_titles(data: LineDict) -> dict[str, dict[str, str]]:
    """Optional `regulation_titles: {"ТР ТС 004/2011": {en, ru, zh}}` in categories.yaml."""
    from .i18n import check_translations

    block = require(data, "regulation_titles", LineDict, optional=True, default=None)
    if block is None:
        return {}
    titles: dict[str, dict[str, str]] = {}
    for reg, texts in block.items():
        if not isinstance(texts, LineDict):
            raise fail(f"regulation {reg!r} must map en/ru/zh to its title", block, reg)
        titles[str(reg)] = check_translations(texts, f"regulation {reg!r}")
    return titles


def _load_reasons(data: LineDict) -> dict[str, dict[str, ReasonText]]:
    declared = set(codes.BY_NAME)
    present = set(data)
    for extra in sorted(present - declared):
        raise fail(f"unknown reason code {extra!r} (declared codes: {', '.join(sorted(declared))})", data, extra)
    if declared - present:
        raise RuleError(f"reason codes without texts: {', '.join(sorted(declared - present))}", path=data.path, line=1)
    reasons: dict[str, dict[str, ReasonText]] = {}
    for code, spec in data.items():
        if not isinstance(spec, LineDict):
            raise fail(f"reason {code!r} must be a mapping", data, code)
        blocking = require(spec, "blocking", bool)
        if blocking != codes.BY_NAME[code].blocking:
            raise RuleError(f"reason {code!r}: blocking is {blocking} here but {codes.BY_NAME[code].blocking} in checker/codes.py",
                            path=spec.path, line=spec.line_of("blocking"))
        if "en" not in spec:
            raise fail(f"reason {code!r} has no English ('en') texts", spec)
        _check_reason_languages(code, spec)
        reasons[code] = {}
        for lang, texts in spec.items():
            if lang == "blocking":
                continue
            if not isinstance(texts, LineDict):
                raise fail(f"reason {code!r}: {lang!r} must be a mapping of texts", spec, lang)
            reasons[code][lang] = ReasonText(**{k: require(texts, k, str) for k in ("title", "why", "fix", "detail")})
    return reasons


def _check_reason_languages(code: str, spec: LineDict) -> None:
    """Every reason has title, why, fix and detail in en, ru and zh, details with the same placeholders."""
    from .i18n import LANGS, check_translations

    for lang in LANGS:
        if lang not in spec:
            raise fail(f"reason {code!r} has no {lang!r} texts (every reason needs {', '.join(LANGS)})", spec)
        if not isinstance(spec[lang], LineDict):
            raise fail(f"reason {code!r}: {lang!r} must be a mapping of texts", spec, lang)
    for key in ("title", "why", "fix", "detail"):
        texts = LineDict({lang: require(spec[lang], key, str) for lang in LANGS})
        texts.path, texts.line = spec.path, spec.line
        texts.lines = {lang: spec[lang].line_of(key) for lang in LANGS}
        check_translations(texts, f"reason {code!r} {key}")


def _load_limits(data: LineDict) -> Limits:
    pages, ocr, language, layer = (require(data, k, LineDict) for k in ("pages", "ocr", "language", "text_layer"))
    return Limits(
        expiring_within_days=number(data, "expiring_within_days", int, 0, 3650),
        pages_first=number(pages, "first", int, 1, 1000),
        pages_sample=number(pages, "sample", int, 0, 1000),
        pages_settle_letters=number(pages, "settle_min_letters", int, 1, 10000),
        pages_settle_share=number(pages, "settle_cyrillic_share", float, 0, 1),
        ocr_dpi=number(ocr, "dpi", int, 72, 600),
        ocr_page_timeout=number(ocr, "page_timeout_seconds", float, 1, 3600),
        max_image_frames=number(ocr, "max_image_frames", int, 1, 1000),
        language_min_letters=number(language, "min_letters", int, 1, 10000),
        russian_min_share=number(language, "russian_min_share", float, 0, 1),
        text_layer=LayerLimits(**{key: number(layer, key, float, 0, 1) for key in
                                  ("min_word_share", "min_ngram_share", "max_odd_share", "clean_word_share")}),
    )


def load_rules(directory: Path | None = None, defer_numbers: bool = False) -> Rules:
    """Every rule file of `directory` (default: the installed rules/) read and validated into one
    immutable Rules. Any problem is a RuleError naming the file and line.

    ``defer_numbers``: numbers.yaml's patterns are compiled on first use (NumberRules.deferred), for
    a caller that knows these rule files loaded before (app.setup: the cache says so) and may need
    no pattern at all (a warm scan); ``rules.numbers.check()`` compiles them at once."""
    directory = Path(directory) if directory else default_rules_dir()
    if not directory.is_dir():
        raise RuleError("rules folder not found or not a folder", path=directory)
    files = {name: load_yaml(directory / name) for name in RULE_FILES}
    for name, keys in TOP_LEVEL_KEYS.items():
        check_keys(files[name], keys, "unknown top-level key {key!r} (expected " + ", ".join(keys) + ")")
    digest = hashlib.sha256()
    for name in RULE_FILES:
        digest.update(f"{name}\0{len(files[name].source)}\0".encode() + files[name].source)
    debris = files["debris.yaml"]
    types = files["file_types.yaml"]
    accepted = require(types, "accepted", LineDict)
    hints = require(types, "use_hints", LineDict)
    names = require(types, "names", LineDict)
    for use in ("conformity", "manual"):
        strings(accepted, use)
        strings(hints, use)
    markers = MarkerRules.from_data(files["markers.yaml"])
    numbers = (NumberRules.deferred if defer_numbers else NumberRules.from_data)(files["numbers.yaml"])
    categories = _load_categories(files["categories.yaml"])
    from .i18n import messages_for
    from .ozon.types import load_ozon_types
    from .reading.enough import ReadingNeeds

    limits = _load_limits(files["limits.yaml"])
    document_types = DocumentTypeRules.from_data(types, numbers.fold_table)
    needs = ReadingNeeds.build({name: files[name].source for name in ("numbers.yaml", "file_types.yaml")},
                               limits.pages_settle_letters, limits.pages_settle_share, numbers, document_types)
    return Rules(
        directory=directory,
        categories=categories,
        debris_files=strings(debris, "files"),
        debris_dirs=strings(debris, "dirs"),
        accepted_types={use: tuple(v) for use, v in accepted.items()},
        use_hints={use: tuple(h.casefold() for h in v) for use, v in hints.items()},
        type_names={str(k): str(v) for k, v in names.items()},
        limits=limits,
        reasons=_load_reasons(files["reasons.yaml"]),
        numbers=numbers,
        document_types=document_types,
        ozon=OzonCodes.from_data(files["ozon.yaml"]),
        markers=markers,
        kyc=KycRules.from_data(files["kyc.yaml"], markers),
        regulation_titles=_load_regulation_titles(files["categories.yaml"]),
        copies=CopyRules.from_data(files["copies.yaml"]),
        category_matching=_load_category_matching(files["categories.yaml"]),
        messages=messages_for(directory),
        ozon_types=load_ozon_types(directory, categories, _fold),
        digest=digest.hexdigest(),
        register=RegisterRules.from_data(files["register.yaml"]),
        fit=FitRules.from_data(files["fit.yaml"]),
        sheets=SheetRules.from_data(files["sheets.yaml"]),
        reading_needs=needs,
    )
