"""Does a PDF page's text layer read as text? A pure function of the layer's text.

Office scanners and phone apps put an invisible OCR layer under a page image, and fonts without a
Unicode map make pypdf return glyph codes as letters: such a layer has plenty of letters and says
nothing. ``score_layer`` measures a page's layer; ``readable`` compares the measures with the
limits of rules/limits.yaml (``text_layer``), where the figures behind them are written down.

The measures, all shares in 0..1 (measured on the tokens of the layer; a "token" is a run of
non-space characters with the punctuation around it stripped):

* ``word_share``: of the tokens holding letters and no digit (digits make codes and numbers, which
  legitimately mix scripts and signs), the share that look like words: letters of one script only,
  joined at most by a hyphen, apostrophe or dot (``Д-р``, ``d'un``, ``т.е``). A CJK run counts as
  words. Junk mixes scripts and signs inside a token (``≈h€!а``, ``ни:о†о``).
* ``ngram_share``: of the character trigrams of those words (lower-cased, space-padded like
  langdetect's), the share found in langdetect's language profiles (55 languages; the library is
  already there to tell languages apart). A layer made of glyph codes read as Latin-1 letters
  (``Ñåðòèôèêàò``) is all one-script words, and fails here.
* ``odd_share``: of the non-space characters, the share that are private-use, unassigned,
  surrogate, control or replacement characters, or symbols (other than mathematical ones) outside
  the handful documents use (``№ ° § $ € ©``... see _COMMON_SYMBOLS): the signature of mojibake.
* ``script``: the layer's main script (cyrillic, latin, han, other), compared by the caller with
  the script of the document's other readable pages (``agrees_with``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from ..analysis import scripts


# Signs a real paper uses; any other symbol (So/Sc/Sk) counts towards odd_share.
_COMMON_SYMBOLS = set("№°±×÷§%+=<>~^`$€£¥₽©®™•·|")
_STRIP = ".,;:!?()[]{}\"'«»„“”‘’…-–—*•·/\\"
_CJK_WORD = scripts.runs(scripts.KANA, scripts.HAN, scripts.HANGUL)
_LATIN = scripts.char_class(scripts.LATIN)
_CYRILLIC = scripts.char_class(scripts.CYRILLIC_LETTERS)
_GREEK = scripts.char_class(scripts.GREEK)
# A word: letters of one script, joined at most by a hyphen, apostrophe or dot.
_WORD = re.compile("|".join(f"(?P<{script}>[{letters}]+(?:[-'’.][{letters}]+)*\\.?)"
                            for script, letters in (("latin", _LATIN), ("cyrillic", _CYRILLIC), ("greek", _GREEK))))
_TOKEN = re.compile(r"\S+")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_SPACE = re.compile(r"\s")
# A layer is junk or text all through, so a sample settles it and the cost stays flat whatever the page:
SAMPLE_CHARS = 1000   # characters measured, from the page's start (about a third of a certificate page)
NGRAM_TOKENS = 40     # words whose trigrams are looked up (about 250 trigrams)


@functools.lru_cache(maxsize=1)
def _odd_class() -> re.Pattern[str]:
    """One character class of the odd characters, built on first use (20 ms): a regex counts them
    at C speed. The Basic Multilingual Plane by category, plus the supplementary private-use planes."""
    ranges, start = [(0xF0000, 0x10FFFF)], None
    for code in range(0x10000):
        ch = chr(code)
        cat = unicodedata.category(ch)
        odd = (cat in ("Co", "Cn", "Cs") or ch == "\ufffd" or (cat == "Cc" and ch not in "\t\r\n\f\v\x1c\x1d\x1e\x1f\x85")
               or (cat in ("So", "Sc", "Sk") and ch not in _COMMON_SYMBOLS))   # not Sm: formulas (∆ ∈ ≤) are text
        if odd and start is None:
            start = code
        elif not odd and start is not None:
            ranges.append((start, code - 1))
            start = None
    if start is not None:
        ranges.append((start, 0xFFFF))
    return re.compile("[" + "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")



@functools.lru_cache(maxsize=1)
def _profile_ngrams() -> frozenset[str]:
    from langdetect import detector_factory
    from langdetect.detector_factory import init_factory

    init_factory()
    return frozenset(g for g in detector_factory._factory.word_lang_prob_map if len(g) == 3)


@dataclass(frozen=True)
class LayerScore:
    """How a page's text layer reads. Shares in 0..1; counts are what the shares were taken over."""
    letters: int           # characters of the letter tokens in the sample measured
    tokens: int            # tokens holding letters and no digit
    word_share: float
    trigrams: int
    ngram_share: float
    odd_share: float
    script: str            # main script of the words: "cyrillic", "latin", "greek", "han", "other" (not words) or ""

    def as_text(self) -> str:
        """The score on one line, for people (tools/measure_text_layers.py): "words 0.93 of 120, n-grams ..."."""
        return (f"words {self.word_share:.2f} of {self.tokens}, n-grams {self.ngram_share:.2f} of {self.trigrams}, "
                f"odd characters {self.odd_share:.3f}, script {self.script or '-'}")


def score_layer(text: str) -> LayerScore:
    """Measure a page's text layer: its first SAMPLE_CHARS characters, regexes doing the
    per-character work and only NGRAM_TOKENS words looked up (about 1 ms a page, whatever its length)."""
    text = text[:SAMPLE_CHARS]
    chars = len(text) - len(_SPACE.findall(text))
    odd = len(_odd_class().findall(text))
    tokens = words = 0
    looked_up: list[str] = []
    letters = {"latin": 0, "cyrillic": 0, "greek": 0, "han": 0, "other": 0}
    for raw in _TOKEN.findall(text):
        token = raw.strip(_STRIP)
        if not token or _DIGIT.search(token) or not _LETTER.search(token):
            continue
        tokens += 1
        word = _WORD.fullmatch(token)
        if word:
            words += 1
            letters[word.lastgroup] += len(token)
            if len(looked_up) < NGRAM_TOKENS:
                looked_up.append(token)
        elif _CJK_WORD.fullmatch(token) or (_CJK_WORD.search(token) and not _LETTER.search(_CJK_WORD.sub("", token))):
            words += 1
            letters["han"] += len(token)
        else:
            letters["other"] += len(token)
    known = _profile_ngrams()
    grams = [g for word in looked_up for padded in (f" {word.lower()} ",) for i in range(len(padded) - 2)
             if (g := padded[i:i + 3])[1] not in ".-'’"]
    found = sum(map(known.__contains__, grams))
    script = max(letters, key=letters.get) if any(letters.values()) else ""
    return LayerScore(sum(letters.values()), tokens, round(words / tokens, 3) if tokens else 1.0, len(grams),
                      round(found / len(grams), 3) if grams else 1.0, round(odd / chars, 4) if chars else 0.0, script)


@dataclass(frozen=True)
class LayerLimits:
    """rules/limits.yaml `text_layer`: below these a page's layer is not read as text."""
    min_word_share: float = 0.6
    min_ngram_share: float = 0.5
    max_odd_share: float = 0.1
    clean_word_share: float = 0.8    # a page in another script than the rest of the document needs this
    min_tokens: int = 5              # fewer tokens, or ...
    min_trigrams: int = 30           # ... fewer trigrams: that share says nothing and is not tested


def readable(score: LayerScore, limits: LayerLimits, document_script: str = "") -> bool:
    """True when the layer reads as text: enough word-like tokens, plausible n-grams, little mojibake,
    and, when it is in another script than the document's other readable pages, clean words."""
    if score.odd_share > limits.max_odd_share:
        return False
    if score.tokens >= limits.min_tokens and score.word_share < limits.min_word_share:
        return False
    if score.trigrams >= limits.min_trigrams and score.ngram_share < limits.min_ngram_share:
        return False
    if document_script and score.script and score.script != document_script:
        return score.word_share >= limits.clean_word_share
    return True


def document_script(scores: list[LayerScore], limits: LayerLimits) -> str:
    """The main script over the letters of the pages whose layers read as text on their own ("" if none)."""
    letters: dict[str, int] = {}
    for score in scores:
        if score.script and readable(score, limits):
            letters[score.script] = letters.get(score.script, 0) + score.letters
    return max(letters, key=letters.get) if letters else ""
