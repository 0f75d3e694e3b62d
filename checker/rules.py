"""All rule files in one validated object. Rules are data in rules/; this module only checks them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import codes
from .conformity import NumberRules
from .kyc import KycRules
from .markers import MarkerRules
from .sheets import SheetRules
from .textlayer import LayerLimits
from .rulefile import LineDict, RuleError, load_yaml, require

RULE_FILES = ("categories.yaml", "debris.yaml", "file_types.yaml", "limits.yaml", "reasons.yaml",
              "numbers.yaml", "markers.yaml", "kyc.yaml", "sheets.yaml")


def default_rules_dir() -> Path:
    """Installed wheels carry rules/ as checker/_rules; a source checkout has it beside checker/."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "_rules", package_dir.parent / "rules"):
        if (candidate / "categories.yaml").is_file():
            return candidate
    raise RuleError("rules folder not found (reinstall doccheck or pass --rules DIR)")


@dataclass(frozen=True)
class Category:
    key: str
    restricted: bool
    high_risk: bool = False
    regulations: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    names: tuple[tuple[str, str], ...] = ()   # (language, display name), optional

    def name(self, lang: str = "en") -> str:
        """The category's name in `lang` (categories.yaml `names`), else its English name, else its key."""
        names = dict(self.names)
        return names.get(lang) or names.get("en") or self.key


@dataclass(frozen=True)
class ReasonText:
    title: str
    why: str
    fix: str
    detail: str


@dataclass(frozen=True)
class Limits:
    expiring_within_days: int
    pages_first: int
    pages_sample: int
    ocr_dpi: int
    ocr_page_timeout: float
    max_image_frames: int
    language_min_letters: int
    russian_min_share: float
    text_layer: LayerLimits


@dataclass
class Rules:
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
    markers: MarkerRules
    kyc: KycRules
    regulation_titles: dict[str, dict[str, str]] = field(default_factory=dict)   # "ТР ТС 004/2011" -> language -> title
    messages: Any = None                      # i18n.Messages of messages.yaml (UI strings)
    sheets: SheetRules | None = None          # sheets.yaml: what a paper says about its own length
    digest: str = ""                          # sha256 of the rule files as read: part of the analysis cache key
    _alias_index: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for cat in self.categories.values():
            for name in (cat.key, *cat.aliases):
                self._alias_index[_fold(name)] = cat.key

    def category_for(self, name: str) -> Category | None:
        """A rule key or an English/Russian/Chinese Ozon category name, case-insensitively."""
        key = self._alias_index.get(_fold(name))
        return self.categories.get(key) if key else None

    def reason_text(self, code: codes.ReasonCode | str, lang: str = "en") -> ReasonText:
        texts = self.reasons[str(code)]
        return texts.get(lang) or texts["en"]

    def type_name(self, mime: str) -> str:
        return self.type_names.get(mime, mime)


def _fold(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.replace("ё", "е").replace("Ё", "Е")).strip().casefold()


def _strings(mapping: LineDict, key: str, *, optional: bool = False) -> tuple[str, ...]:
    values = require(mapping, key, list, optional=optional, default=[])
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise RuleError(f"{key!r} must list non-empty strings, got {value!r}", path=mapping.path, line=values.line or mapping.line_of(key))
    return tuple(values)


def _load_categories(data: LineDict) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for section, restricted in (("restricted", True), ("unrestricted", False)):
        block = require(data, section, LineDict)
        for key, spec in block.items():
            if not isinstance(spec, LineDict):
                raise RuleError(f"category {key!r} must be a mapping", path=block.path, line=block.line_of(key))
            if not re.fullmatch(r"[a-z][a-z0-9_]*", str(key)):
                raise RuleError(f"category key {key!r} must be lower_snake_case", path=block.path, line=block.line_of(key))
            unknown = set(spec) - {"high_risk", "regulations", "aliases", "names"}
            if unknown:
                bad = sorted(unknown)[0]
                raise RuleError(f"unknown field {bad!r} in category {key!r}", path=spec.path, line=spec.line_of(bad))
            high_risk = require(spec, "high_risk", bool, optional=True, default=False)
            if high_risk and not restricted:
                raise RuleError(f"category {key!r}: high_risk only applies to restricted categories", path=spec.path, line=spec.line_of("high_risk"))
            if key in categories:
                raise RuleError(f"category {key!r} is listed twice", path=block.path, line=block.line_of(key))
            categories[key] = Category(key, restricted, high_risk, _strings(spec, "regulations", optional=True),
                                       _strings(spec, "aliases", optional=True), _category_names(spec, key))
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
        raise RuleError(f"category {key!r}: names: unknown language {extra[0]!r}", path=names.path, line=names.line_of(extra[0]))
    return tuple(check_translations(names, f"category {key!r} names").items())


def _load_regulation_titles(data: LineDict) -> dict[str, dict[str, str]]:
    """Optional `regulation_titles: {"ТР ТС 004/2011": {en, ru, zh}}` in categories.yaml."""
    from .i18n import check_translations

    block = require(data, "regulation_titles", LineDict, optional=True, default=None)
    if block is None:
        return {}
    titles: dict[str, dict[str, str]] = {}
    for reg, texts in block.items():
        if not isinstance(texts, LineDict):
            raise RuleError(f"regulation {reg!r} must map en/ru/zh to its title", path=block.path, line=block.line_of(reg))
        titles[str(reg)] = check_translations(texts, f"regulation {reg!r}")
    return titles


def _load_reasons(data: LineDict) -> dict[str, dict[str, ReasonText]]:
    declared = set(codes.BY_NAME)
    present = set(data)
    for extra in sorted(present - declared):
        raise RuleError(f"unknown reason code {extra!r} (declared codes: {', '.join(sorted(declared))})", path=data.path, line=data.line_of(extra))
    if declared - present:
        raise RuleError(f"reason codes without texts: {', '.join(sorted(declared - present))}", path=data.path, line=1)
    reasons: dict[str, dict[str, ReasonText]] = {}
    for code, spec in data.items():
        if not isinstance(spec, LineDict):
            raise RuleError(f"reason {code!r} must be a mapping", path=data.path, line=data.line_of(code))
        blocking = require(spec, "blocking", bool)
        if blocking != codes.BY_NAME[code].blocking:
            raise RuleError(f"reason {code!r}: blocking is {blocking} here but {codes.BY_NAME[code].blocking} in checker/codes.py",
                            path=spec.path, line=spec.line_of("blocking"))
        if "en" not in spec:
            raise RuleError(f"reason {code!r} has no English ('en') texts", path=spec.path, line=spec.line)
        _check_reason_languages(code, spec)
        reasons[code] = {}
        for lang, texts in spec.items():
            if lang == "blocking":
                continue
            if not isinstance(texts, LineDict):
                raise RuleError(f"reason {code!r}: {lang!r} must be a mapping of texts", path=spec.path, line=spec.line_of(lang))
            reasons[code][lang] = ReasonText(**{k: require(texts, k, str) for k in ("title", "why", "fix", "detail")})
    return reasons


def _check_reason_languages(code: str, spec: LineDict) -> None:
    """Every reason has title, why, fix and detail in en, ru and zh, details with the same placeholders."""
    from .i18n import LANGS, check_translations

    for lang in LANGS:
        if lang not in spec:
            raise RuleError(f"reason {code!r} has no {lang!r} texts (every reason needs {', '.join(LANGS)})", path=spec.path, line=spec.line)
        if not isinstance(spec[lang], LineDict):
            raise RuleError(f"reason {code!r}: {lang!r} must be a mapping of texts", path=spec.path, line=spec.line_of(lang))
    for key in ("title", "why", "fix", "detail"):
        texts = LineDict({lang: require(spec[lang], key, str) for lang in LANGS})
        texts.path, texts.line = spec.path, spec.line
        texts.lines = {lang: spec[lang].line_of(key) for lang in LANGS}
        check_translations(texts, f"reason {code!r} {key}")


def _number(mapping: LineDict, key: str, kind: type, low: float, high: float):
    value = require(mapping, key, (int, float) if kind is float else int)
    if isinstance(value, bool) or not low <= value <= high:
        raise RuleError(f"{key!r} must be a number from {low} to {high}, got {value!r}", path=mapping.path, line=mapping.line_of(key))
    return kind(value)


def _load_limits(data: LineDict) -> Limits:
    pages, ocr, language, layer = (require(data, k, LineDict) for k in ("pages", "ocr", "language", "text_layer"))
    return Limits(
        expiring_within_days=_number(data, "expiring_within_days", int, 0, 3650),
        pages_first=_number(pages, "first", int, 1, 1000),
        pages_sample=_number(pages, "sample", int, 0, 1000),
        ocr_dpi=_number(ocr, "dpi", int, 72, 600),
        ocr_page_timeout=_number(ocr, "page_timeout_seconds", float, 1, 3600),
        max_image_frames=_number(ocr, "max_image_frames", int, 1, 1000),
        language_min_letters=_number(language, "min_letters", int, 1, 10000),
        russian_min_share=_number(language, "russian_min_share", float, 0, 1),
        text_layer=LayerLimits(**{key: _number(layer, key, float, 0, 1) for key in
                                  ("min_word_share", "min_ngram_share", "max_odd_share", "clean_word_share")}),
    )


def load_rules(directory: Path | None = None) -> Rules:
    directory = Path(directory) if directory else default_rules_dir()
    if not directory.is_dir():
        raise RuleError("rules folder not found or not a folder", path=directory)
    files = {name: load_yaml(directory / name) for name in RULE_FILES}
    digest = hashlib.sha256()
    for name in RULE_FILES:
        digest.update(f"{name}\0{len(files[name].source)}\0".encode() + files[name].source)
    debris = files["debris.yaml"]
    types = files["file_types.yaml"]
    accepted = require(types, "accepted", LineDict)
    hints = require(types, "use_hints", LineDict)
    names = require(types, "names", LineDict)
    for use in ("conformity", "manual"):
        _strings(accepted, use)
        _strings(hints, use)
    markers = MarkerRules.from_data(files["markers.yaml"])
    categories = _load_categories(files["categories.yaml"])
    from .i18n import messages_for

    return Rules(
        directory=directory,
        categories=categories,
        debris_files=_strings(debris, "files"),
        debris_dirs=_strings(debris, "dirs"),
        accepted_types={use: tuple(v) for use, v in accepted.items()},
        use_hints={use: tuple(h.casefold() for h in v) for use, v in hints.items()},
        type_names={str(k): str(v) for k, v in names.items()},
        limits=_load_limits(files["limits.yaml"]),
        reasons=_load_reasons(files["reasons.yaml"]),
        numbers=NumberRules.from_data(files["numbers.yaml"]),
        markers=markers,
        kyc=KycRules.from_data(files["kyc.yaml"], markers),
        regulation_titles=_load_regulation_titles(files["categories.yaml"]),
        messages=messages_for(directory),
        digest=digest.hexdigest(),
        sheets=SheetRules.from_data(files["sheets.yaml"]),
    )
