"""Stage 3, a doubtful registration number read again from its own lines (issue 18).

A scanned page is OCR'd at the scan's own resolution (reading/render.py, NATIVE_MIN_DPI), which
reads words as well as 300 dpi did at three quarters of the time. One wrong letter in a
registration number's state code changes a verdict, though, and OCR is confidently wrong there
now and then: the junk-text-layer case's 200-dpi declaration reads "ЕАЭС М ВУ" (RU lost, word
confidences 88-93) at 200 dpi, and the same lines read on their own, at the same 200 dpi, give
"ЕАЭС М RU"; a page's other content sways tesseract's binarisation and layout analysis. So, on a
product paper's OCR'd page, every registration number that does not pass its structural check
(analysis/numbers: a state code, a body code or a year that cannot be) has its lines read again
on their own: as they are, then larger (SCALES, with the measurement; and brought up to
FACT_DPI, 300 dpi, on a page read below it). The first read in which more of the page's
numbers are well formed, every word of those lines read at the confidence a number's evidence
asks (numbers.yaml evidence.min_confidence), replaces those lines; otherwise the page's read
stands. A page whose numbers are well formed costs nothing more; one with a doubtful number costs
one engine run on an image of its lines at every scale (at most five), stacked.

Only with ReadingNeeds (the number rules; product papers): KYC papers are not judged on a
registration number. Pure: the page image, its OCR and the needs in, words out.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from ..analysis.numbers import find_numbers
from .engines.base import Word, text_from_words, word_spans
from .enough import ReadingNeeds
from .ocr import read_lines_again

__all__ = ["recheck_numbers"]


def _well_formed(text: str, needs: ReadingNeeds) -> int:
    return sum(1 for n in find_numbers(text, needs.numbers) if n.well_formed)


def _sure(words: Sequence[Word], lines: set[tuple[int, int, int]], needs: ReadingNeeds) -> bool:
    """Is OCR as sure of every word of the lines read again as a number's evidence asks
    (numbers.yaml evidence.min_confidence)? A read that makes a number well formed from words it
    is unsure of (a seal over the number: a different serial, confidence 0) is not taken."""
    confs = [w.conf for w in words if (w.block, w.par, w.line) in lines and w.conf >= 0]
    return bool(confs) and min(confs) >= needs.numbers.min_confidence


def _lines_of(words: Sequence[Word], text: str, start: int, end: int) -> set[tuple[int, int, int]]:
    """The (block, par, line) keys of the words of ``text`` (joined from ``words`` in order) that
    overlap [start, end)."""
    return {(w.block, w.par, w.line) for at, until, w in word_spans(text, words) if at < end and until > start}


# The sizes a doubtful number's lines are read at: as they are, then larger. Measured on
# "ЕАЭС N RU" (DejaVu Sans, a 200-dpi page): the strip at 1.0 read "ВУ", 1.25 "RU", 1.5 "КУ", 2.0
# "RU"; on the junk-text-layer case's declaration 1.0 already read "RU". All of them are read in one
# engine run (the strips of every scale stacked), and only for a number that failed its structural check;
# the reads are then taken smallest scale first (recheck_numbers).
SCALES = (1.0, 1.25, 1.5, 2.0)
FACT_DPI = 300             # the resolution a whole page gave the junk case's number right at
MAX_STRIP_WIDTH = 7000     # px: a phone photo's lines are not blown up past this


def _scales(width: int, dpi: int | None) -> list[float]:
    """The scales to try on a page ``width`` px wide read at ``dpi`` (None: an image file)."""
    scales = [s for s in SCALES if width * s <= MAX_STRIP_WIDTH]
    if dpi and dpi < FACT_DPI and FACT_DPI / dpi not in scales:
        scales.append(FACT_DPI / dpi)   # and the resolution numbers were measured right at
    return scales or [1.0]


def recheck_numbers(image: Image.Image, words: Sequence[Word], langs: str, dpi: int | None, needs: ReadingNeeds,
                    *, timeout_s: float | None, tmpdir: str | None) -> tuple[Word, ...] | None:
    """The page's words with the lines of its malformed registration numbers read again (module
    doc), or None when there is no such number or no read again made more of them well formed.
    ``image``: the page as it was read (turned upright); ``dpi``: its resolution, None when not
    known (an image file). Raises OcrTimeout / OcrFailed as the engine does."""
    text = text_from_words(words)
    numbers = find_numbers(text, needs.numbers)
    doubtful = [n for n in numbers if not n.well_formed]
    if not doubtful:
        return None
    lines: set[tuple[int, int, int]] = set()
    for n in doubtful:
        lines |= _lines_of(words, text, n.position, n.position + len(n.raw))
    before = sum(1 for n in numbers if n.well_formed)
    reads = read_lines_again(image, words, lines, langs, _scales(image.width, dpi), dpi=dpi, timeout_s=timeout_s,
                             tmpdir=tmpdir)
    for again in reads:   # smallest scale first: the first that makes more numbers well formed, surely
        if again is not None and _well_formed(text_from_words(again), needs) > before and _sure(again, lines, needs):
            return again
    return None
