"""Stage 4: which language a text is in. langdetect (seeded, so repeatable) for longer text,
Unicode script shares for short or mixed text where langdetect guesses."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0


@dataclass(frozen=True)
class LanguageGuess:
    language: str          # ISO 639-1 ("ru", "en", "zh"...) or "" when there is no text
    russian_share: float   # share of letters that are Cyrillic
    scripts: dict[str, float]
    probabilities: dict[str, float]


def script_of(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    code = ord(ch)
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return "han"
    if code < 0x250 or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    name = unicodedata.name(ch, "")
    return name.split(" ")[0].lower() or None


def script_shares(text: str) -> tuple[dict[str, float], int]:
    counts: dict[str, int] = {}
    for ch in text:
        script = script_of(ch)
        if script:
            counts[script] = counts.get(script, 0) + 1
    total = sum(counts.values())
    return ({k: v / total for k, v in sorted(counts.items())} if total else {}), total


_BY_SCRIPT = {"cyrillic": "ru", "han": "zh", "latin": "en"}


def detect_language(text: str, min_letters: int = 40) -> LanguageGuess:
    shares, letters = script_shares(text)
    russian = round(shares.get("cyrillic", 0.0), 2)
    if letters == 0:
        return LanguageGuess("", 0.0, {}, {})
    main_script = max(shares, key=shares.get)
    probabilities: dict[str, float] = {}
    if letters >= min_letters:
        try:
            probabilities = {g.lang: round(g.prob, 3) for g in detect_langs(text)}
        except LangDetectException:
            probabilities = {}
    language = _BY_SCRIPT.get(main_script, main_script)
    if probabilities:
        best = max(probabilities, key=probabilities.get)
        best = "zh" if best.startswith("zh") else best
        # Trust langdetect unless it contradicts the dominant script (it misreads OCR noise).
        if _BY_SCRIPT.get(main_script) is None or _script_allows(best, main_script):
            language = best
    return LanguageGuess(language, russian, {k: round(v, 3) for k, v in shares.items()}, probabilities)


def _script_allows(lang: str, script: str) -> bool:
    cyrillic = {"ru", "uk", "bg", "mk", "sr", "be", "kk", "ky", "mn"}
    if script == "cyrillic":
        return lang in cyrillic
    if script == "han":
        return lang in {"zh", "ja"}
    return lang not in cyrillic and lang not in {"zh", "ja", "ko"}


def is_russian(guess: LanguageGuess, min_share: float) -> bool:
    """Russian when the Cyrillic share is high enough and langdetect (if it had enough text) agrees."""
    if guess.russian_share < min_share:
        return False
    if not guess.probabilities:
        return True
    return guess.language == "ru" or guess.probabilities.get("ru", 0.0) >= 0.2
