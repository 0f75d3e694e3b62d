"""Does the paper fit the product? Rules in rules/fit.yaml; pure functions of texts.

* ``product_description(text)`` - the product field of a Decision 293 certificate or declaration
  form ("ПРОДУКЦИЯ …" / "заявляет, что …" up to the next field), or None when it cannot be found.
* ``fits_product(description, brand, name)`` - True when the description mentions the brand, or
  shares the product's type (a word of the name) and model (every token of the name mixing letters
  and digits);
  None when there is nothing to compare (no brand and no name). Fuzzy parts use rapidfuzz (OCR
  misreads a letter or two), with the thresholds of rules/fit.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..rulefile import LineDict, fail, number, require, strings

_TOKEN = re.compile(r"[^\W_]+(?:[-./·][^\W_]+)*")
_SEPARATORS = re.compile(r"[-./·]")


@dataclass(frozen=True)
class FitRules:
    """fit.yaml: where a form's product description is, and the rapidfuzz scores (0-100) a brand, type word and model must reach."""
    starts: tuple[str, ...]
    ends: tuple[str, ...]
    max_chars: int
    brand_min_score: float
    word_min_score: float
    model_min_score: float
    min_type_word: int
    brand_columns: tuple[str, ...]
    name_columns: tuple[str, ...]

    @classmethod
    def from_data(cls, data: LineDict) -> "FitRules":
        """Checks and reads fit.yaml; a RuleError names file and line."""
        desc = require(data, "product_description", LineDict)

        def texts(mapping: LineDict, key: str) -> tuple[str, ...]:
            return strings(mapping, key, nonempty=True, message=f"{key!r} must be a non-empty list of texts")

        def score(key: str) -> float:
            return number(data, key, float, 50, 100, message=f"{key!r} must be a rapidfuzz score from 50 to 100, got {{value!r}}")

        max_chars = require(desc, "max_chars", int)
        min_word = require(data, "min_type_word", int)
        if not 50 <= max_chars <= 10000 or not 2 <= min_word <= 20:
            raise fail("'max_chars' must be 50..10000 and 'min_type_word' 2..20", desc, "max_chars")
        return cls(texts(desc, "starts"), texts(desc, "ends"), max_chars, score("brand_min_score"),
                   score("word_min_score"), score("model_min_score"), min_word,
                   tuple(c.casefold() for c in texts(data, "brand_columns")),
                   tuple(c.casefold() for c in texts(data, "name_columns")))

    def product_of(self, row: dict[str, str]) -> tuple[str, str]:
        """(brand, name) from a SKU list row, by the column aliases; "" when absent."""
        folded = {k.strip().casefold(): v.strip() for k, v in row.items()}
        brand = next((folded[c] for c in self.brand_columns if folded.get(c)), "")
        name = next((folded[c] for c in self.name_columns if folded.get(c)), "")
        return brand, name


def _fold(text: str) -> str:
    return text.replace("ё", "е").replace("Ё", "Е").casefold()


def product_description(text: str, rules: FitRules) -> str | None:
    """The product field's text, whitespace collapsed, at most max_chars; None when not found."""
    folded = _fold(text)
    starts = [(i, len(s)) for s in rules.starts if (i := folded.find(_fold(s))) >= 0]
    if not starts:
        return None
    at, length = min(starts)          # the earliest label; the field starts after it
    begin = at + length
    window = folded[begin:begin + rules.max_chars]
    cut = min([i for e in rules.ends if (i := window.find(_fold(e))) > 0] or [len(window)])
    description = " ".join(text[begin:begin + cut].split()).strip(" :—-")
    return description or None


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_fold(text))


def _has_digit(token: str) -> bool:
    return any(c.isdigit() for c in token)


def _is_model(token: str) -> bool:
    """Letters and digits together ("PB-1001", "S2"): a model. Bare numbers are sizes and capacities
    ("10000" mAh, "30" cm) that another brand's product shares as easily."""
    return _has_digit(token) and any(c.isalpha() for c in token)


def brand_mentioned(description: str, brand: str, rules: FitRules) -> bool:
    """The brand's words against every run of as many consecutive description words (fuzz.ratio)."""
    wanted = _tokens(brand)
    words = _tokens(description)
    if not wanted or not words:
        return False
    target = " ".join(wanted)
    n = len(wanted)
    return any(_ratio(" ".join(words[i:i + n]), target) >= rules.brand_min_score for i in range(len(words) - n + 1))


def _ratio(a: str, b: str) -> float:
    """rapidfuzz's ratio (0-100) of two strings; rapidfuzz is imported on the first comparison, so a
    scan without Ozon's data never imports it."""
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b)


def _word_matches(word: str, words: list[str], rules: FitRules) -> bool:
    # Russian inflects endings: compare over the shorter word's length ("аккумулятор" ~ "аккумуляторы")
    for other in words:
        n = min(len(word), len(other))
        if n >= rules.min_type_word and _ratio(word[:n], other[:n]) >= rules.word_min_score:
            return True
    return False


def type_and_model_shared(description: str, brand: str, name: str, rules: FitRules) -> bool:
    """A word of the product's type (the name's words without digits, brand left out) and every
    model token (the name's tokens mixing letters and digits) are in the description."""
    brand_words = set(_tokens(brand))
    name_tokens = [t for t in _tokens(name) if t not in brand_words]
    models = [_SEPARATORS.sub("", t) for t in name_tokens if _is_model(t)]
    type_words = [t for t in name_tokens if not _has_digit(t) and len(t) >= rules.min_type_word]
    if not models or not type_words:
        return False
    words = _tokens(description)
    plain = [_SEPARATORS.sub("", w) for w in words]
    type_ok = any(_word_matches(w, words, rules) for w in type_words)
    models_ok = all(any(_ratio(m, p) >= rules.model_min_score for p in plain) for m in models)
    return type_ok and models_ok


_NAME_BRAND = re.compile(r"(?<![\w-])[A-Z][A-Z&'-]{3,}(?![\w-])")


def brands_in_name(name: str) -> list[str]:
    """Words of a product name written in Latin capitals, at least 4 letters and no digit
    ("Внешний аккумулятор TESTBRAND 10000 мАч" -> ["TESTBRAND"]): Ozon names put the brand there, so
    when the SKU list has no brand column these stand in for it. Short ones (USB, LED) are left out."""
    return _NAME_BRAND.findall(name)


def fits_product(description: str, brand: str, name: str, rules: FitRules) -> bool | None:
    """True/False as the module says; None when there is nothing distinctive to compare: no brand,
    and a name with neither a brand written in it (``brands_in_name``) nor a model token ("Внешний
    аккумулятор 10000 мАч" says what any power bank's paper says). Without a brand, a brand written in
    the name mentioned in the description fits too."""
    if not brand and not (brands_in_name(name) or any(_is_model(t) for t in _tokens(name))):
        return None
    if brand and brand_mentioned(description, brand, rules):
        return True
    if not brand and any(brand_mentioned(description, word, rules) for word in brands_in_name(name)):
        return True
    return bool(name) and type_and_model_shared(description, brand, name, rules)
