"""Stage 4: which language a text is in. langdetect (seeded, so repeatable) for longer text,
Unicode script shares for short or mixed text where langdetect guesses."""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import scripts


@dataclass(frozen=True)
class LanguageGuess:
    """What detect_language found. language: ISO 639-1 ("ru", "en", "zh"...), "" when there is no text;
    russian_share: share of letters that are Cyrillic, 0..1; scripts: share of letters per script
    ("cyrillic", "han", "latin", "other"), 0..1; probabilities: langdetect's language -> probability
    ({} when the text was too short for it)."""
    language: str          # ISO 639-1 ("ru", "en", "zh"...) or "" when there is no text
    russian_share: float   # share of letters that are Cyrillic
    scripts: dict[str, float]
    probabilities: dict[str, float]


_SCRIPTS = {   # runs, not single characters: counting matched lengths builds 10x fewer strings
    "cyrillic": scripts.runs(scripts.CYRILLIC),
    "han": scripts.runs(scripts.HAN),
    "latin": scripts.runs(scripts.LATIN),
}
_LETTER = re.compile(r"[^\W\d_]+")


def _count(pattern: re.Pattern[str], text: str) -> int:
    return sum(map(len, pattern.findall(text)))


def script_shares(text: str) -> tuple[dict[str, float], int]:
    """Share of letters per script; regex counting, as a per-character loop cost seconds on 1,000 files."""
    total = _count(_LETTER, text)
    if not total:
        return {}, 0
    counts = {name: _count(pattern, text) for name, pattern in _SCRIPTS.items()}
    counts["other"] = max(0, total - sum(counts.values()))
    return {k: v / total for k, v in sorted(counts.items()) if v}, total


_BY_SCRIPT = {"cyrillic": "ru", "han": "zh", "latin": "en"}


LANGDETECT_MAX_CHARS = 20_000   # a few pages settle the language; langdetect's cost grows with the text
LANGDETECT_MIN_LETTERS = 20     # below this langdetect only guesses


def preload() -> None:
    """Load langdetect's 55 language profiles now (0.3 s): worker processes forked after this share
    them instead of each loading its own copy on its first text."""
    from langdetect.detector_factory import init_factory

    init_factory()


def language_probabilities(text: str) -> dict[str, float]:
    """langdetect's view of the text (seeded, so repeatable). The costly part: computed once, cached."""
    sample = text[:LANGDETECT_MAX_CHARS]
    if sum(ch.isalpha() for ch in sample) < LANGDETECT_MIN_LETTERS:
        return {}
    # Imported here: only reading a file needs it, a scan served from the cache does not.
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return {g.lang: round(g.prob, 3) for g in detect_langs(sample)}
    except LangDetectException:
        return {}


def detect_language(text: str, min_letters: int = 40, probabilities: dict[str, float] | None = None) -> LanguageGuess:
    """The language of `text`: the language of the script most of its letters are in (Cyrillic ru, Han
    zh, Latin en), or langdetect's best guess when the text has at least `min_letters` letters and the
    guess fits that script (langdetect misreads OCR noise). `probabilities`: langdetect's answer if
    already known (FileFacts.language_probs); None asks langdetect. A script of no language of its own
    takes langdetect's guess, else its name ("other"); text without letters gives language ""."""
    shares, letters = script_shares(text)
    russian = round(shares.get("cyrillic", 0.0), 2)
    if letters == 0:
        return LanguageGuess("", 0.0, {}, {})
    main_script = max(shares, key=shares.get)
    if letters < min_letters:
        probabilities = {}
    elif probabilities is None:
        probabilities = language_probabilities(text)
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
