"""Writing systems and look-alike letters: every Unicode range and every Latin/Cyrillic
confusable table of doccheck, stated once.

Script tests
  Ranges are (first, last) code points, inclusive, from the Unicode 15 block charts:
  - HAN: CJK Unified Ideographs (U+4E00-9FFF), Extension A (U+3400-4DBF), Compatibility
    Ideographs (U+F900-FAFF) and the supplementary ideograph planes (U+20000-2FA1F).
  - CJK_PUNCTUATION (U+3000-303F: 、。「」) and FULLWIDTH forms (U+FF00-FFEF: ，：（）): written
    inside Chinese text without spaces, so tesseract's word joining treats them like ideographs.
  - KANA (Hiragana and Katakana, U+3040-30FF) and HANGUL syllables (U+AC00-D7AF): other CJK
    scripts whose words are not space-separated (a text layer's word count).
  - CYRILLIC (U+0400-052F: Cyrillic and Cyrillic Supplement); CYRILLIC_LETTERS leaves out the
    combining marks and the thousands sign (U+0482-0489) that sit inside that block.
  - LATIN (ASCII letters, Latin-1 letters without × and ÷, Latin Extended-A/B, Latin Extended
    Additional); GREEK (U+0386-03FF).
  `char_class(*ranges)` turns ranges into the inside of a regular-expression class.

Look-alike letters
  The pairs of Latin and Cyrillic letters that print the same, as listed in Unicode's
  confusables.txt (UTS #39, "Unicode Security Mechanisms", e.g. U+0410 CYRILLIC CAPITAL A ->
  U+0041 LATIN CAPITAL A) and as tesseract mixes them up when a page holds both scripts ("ОСR"
  reads "НОТАРИУС" as "HOTAPИYC"). Capitals: А В С Е Н К М О Р Т Х У І Ѕ Ј. Small letters that
  look alike as small letters: а с е о р х у і ѕ ј. After case-folding, the small forms of the
  capital pairs (в, н, к, м, т) stand for their capitals' twins too: `CYRILLIC_TO_LATIN_FOLDED`.
  rules/numbers.yaml keeps its own, wider tables for registration numbers (letters and digits):
  those are rules, edited as data.
"""

from __future__ import annotations

import re
from functools import lru_cache

Range = tuple[int, int]

HAN: tuple[Range, ...] = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))
CJK_PUNCTUATION: tuple[Range, ...] = ((0x3000, 0x303F),)
FULLWIDTH: tuple[Range, ...] = ((0xFF00, 0xFFEF),)
KANA: tuple[Range, ...] = ((0x3040, 0x30FF),)
HANGUL: tuple[Range, ...] = ((0xAC00, 0xD7AF),)
CYRILLIC: tuple[Range, ...] = ((0x0400, 0x052F),)
CYRILLIC_LETTERS: tuple[Range, ...] = ((0x0400, 0x0481), (0x048A, 0x052F))
LATIN: tuple[Range, ...] = ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F), (0x1E00, 0x1EFF))
GREEK: tuple[Range, ...] = ((0x0386, 0x03FF),)

# Latin/Cyrillic confusables (Unicode confusables.txt; see the module docstring).
CYRILLIC_CAPITALS = "АВСЕНКМОРТХУІЅЈ"
LATIN_CAPITALS = "ABCEHKMOPTXYISJ"
CYRILLIC_SMALL = "асеорхуіѕј"
LATIN_SMALL = "aceopxyisj"

#: Cyrillic capitals to the Latin capitals they print as (MRZ lines, register numbers compared).
CYRILLIC_TO_LATIN_CAPITALS = str.maketrans(CYRILLIC_CAPITALS, LATIN_CAPITALS)
#: Both cases, each letter to its look-alike in the same case (typed numbers compared).
CYRILLIC_TO_LATIN = str.maketrans(CYRILLIC_CAPITALS + CYRILLIC_SMALL, LATIN_CAPITALS + LATIN_SMALL)
#: For case-folded text: every small Cyrillic letter whose capital has a Latin twin, to that
#: twin's small letter (в -> b, н -> h: phrases matched after casefold()).
CYRILLIC_TO_LATIN_FOLDED = str.maketrans(CYRILLIC_CAPITALS.lower(), LATIN_CAPITALS.lower())


def char_class(*ranges: tuple[Range, ...]) -> str:
    """The inside of a regex character class covering `ranges` ("\\u3400-\\u4dbf...")."""
    return "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for group in ranges for a, b in group)


def _escape(code: int) -> str:
    if code < 0x80 and chr(code).isalnum():
        return chr(code)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _in(ranges: tuple[Range, ...], ch: str) -> bool:
    code = ord(ch)
    return any(a <= code <= b for a, b in ranges)


@lru_cache(maxsize=4096)
def is_han(ch: str) -> bool:
    """A Chinese ideograph (HAN ranges). One character; '' is not."""
    return bool(ch) and _in(HAN, ch)


@lru_cache(maxsize=4096)
def is_cjk_text(ch: str) -> bool:
    """An ideograph, CJK punctuation or a full-width form: a character Chinese text runs together
    without spaces (tesseract's word joining, OCR word-shape tests). '' is not."""
    return bool(ch) and (_in(HAN, ch) or _in(CJK_PUNCTUATION, ch) or _in(FULLWIDTH, ch))


def is_cyrillic(ch: str) -> bool:
    """A character of the Cyrillic blocks (CYRILLIC)."""
    return bool(ch) and _in(CYRILLIC, ch)


def runs(*ranges: tuple[Range, ...]) -> re.Pattern[str]:
    """A regex matching runs of characters of `ranges` (count a script by its runs' lengths)."""
    return re.compile(f"[{char_class(*ranges)}]+")
