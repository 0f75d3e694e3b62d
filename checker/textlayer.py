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
  surrogate, control or replacement characters, or symbols outside the handful documents use
  (``№ ° ± × § % + = < > ~``... see _COMMON_SYMBOLS): the signature of mojibake.
* ``script``: the layer's main script (cyrillic, latin, han, other), compared by the caller with
  the script of the document's other readable pages (``agrees_with``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from .language import script_shares

# Signs a real paper uses; any other symbol (So/Sm/Sc/Sk) counts towards odd_share.
_COMMON_SYMBOLS = set("№°±×÷§%+=<>~^`$€£¥₽©®™•·|")
_STRIP = ".,;:!?()[]{}\"'«»„“”‘’…-–—*•·/\\"
_WORD = re.compile(r"[^\W\d_]+(?:[-'’.][^\W\d_]+)*\.?", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uAC00-\uD7AF]")
_TOKEN = re.compile(r"\S+")


def _script(ch: str) -> str:
    if "\u0400" <= ch <= "\u052F":
        return "cyrillic"
    if ch.isascii() or "\u00C0" <= ch <= "\u024F" or "\u1E00" <= ch <= "\u1EFF":
        return "latin"
    if _CJK.match(ch):
        return "cjk"
    if "\u0370" <= ch <= "\u03FF":
        return "greek"
    return unicodedata.name(ch, "?").split(" ")[0]


def _is_odd(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat in ("Co", "Cn", "Cs") or ch == "\ufffd":
        return True
    if cat == "Cc":
        return ch not in "\t\r\n\f"
    if cat[0] == "S":
        return ch not in _COMMON_SYMBOLS
    return False


@functools.lru_cache(maxsize=1)
def _profile_ngrams() -> frozenset[str]:
    from langdetect.detector_factory import init_factory
    from langdetect import detector_factory

    init_factory()
    return frozenset(g for g in detector_factory._factory.word_lang_prob_map if len(g) == 3)


@dataclass(frozen=True)
class LayerScore:
    """How a page's text layer reads. Shares in 0..1; counts are what the shares were taken over."""
    letters: int
    tokens: int            # tokens holding letters and no digit
    word_share: float
    trigrams: int
    ngram_share: float
    odd_share: float
    script: str            # main script of the letters: "cyrillic", "latin", "han", "other" or ""

    def as_text(self) -> str:
        return (f"words {self.word_share:.2f} of {self.tokens}, n-grams {self.ngram_share:.2f} of {self.trigrams}, "
                f"odd characters {self.odd_share:.3f}, script {self.script or '-'}")


def score_layer(text: str) -> LayerScore:
    """Measure a page's text layer (any length; the cost is linear, about 1 ms per 3,000 characters)."""
    shares, letters = script_shares(text)
    script = max(shares, key=shares.get) if shares else ""
    chars = [ch for ch in text if not ch.isspace()]
    odd = sum(1 for ch in chars if _is_odd(ch))
    known = _profile_ngrams()
    tokens = words = trigrams = found = 0
    for raw in _TOKEN.findall(text):
        token = raw.strip(_STRIP)
        if not token or any(ch.isdigit() for ch in token) or not any(ch.isalpha() for ch in token):
            continue
        tokens += 1
        if _CJK.search(token) and all(_CJK.match(ch) or not ch.isalpha() for ch in token):
            words += 1
            continue
        if not _WORD.fullmatch(token) or len({_script(ch) for ch in token if ch.isalpha()}) != 1:
            continue
        words += 1
        padded = f" {token.lower()} "
        for i in range(len(padded) - 2):
            gram = padded[i:i + 3]
            if gram[1] in ".-'’":
                continue
            trigrams += 1
            found += gram in known
    return LayerScore(letters, tokens, round(words / tokens, 3) if tokens else 1.0, trigrams,
                      round(found / trigrams, 3) if trigrams else 1.0, round(odd / len(chars), 4) if chars else 0.0,
                      script)


@dataclass(frozen=True)
class LayerLimits:
    """rules/limits.yaml `text_layer`: below these a page's layer is not read as text."""
    min_word_share: float = 0.6
    min_ngram_share: float = 0.5
    max_odd_share: float = 0.02
    clean_word_share: float = 0.85   # a page in another script than the rest of the document needs this
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
