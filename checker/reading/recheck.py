"""Stage 3, a doubtful registration number read again from its own lines (issue 18).

A scanned page is OCR'd at the scan's own resolution (reading/render.py, NATIVE_MIN_DPI), which
reads words as well as 300 dpi did at three quarters of the time. One wrong letter in a
registration number's state code changes a verdict, though, and OCR is confidently wrong there
now and then: the junk-text-layer case's 200-dpi declaration reads "ЕАЭС М ВУ" (RU lost, word
confidences 88-93) at 200 dpi, and the same lines read on their own, at the same 200 dpi, give
"ЕАЭС М RU"; a page's other content sways tesseract's binarisation and layout analysis. So, on a
product paper's OCR'd page, every registration number that does not pass its structural check
(analysis/numbers: a state code, a body code or a year that cannot be) has its lines read again
on their own: first at the page's own resolution, then, on a page read below ocr.FACT_DPI
(300 dpi), brought up to it. The first read in which more of the page's numbers are well formed
replaces those lines; otherwise the page's read stands. A page whose numbers are well formed costs
nothing more; one with a doubtful number costs one or two runs on a strip of a few lines.

Only with ReadingNeeds (the number rules; product papers): KYC papers are not judged on a
registration number. Pure: the page image, its OCR and the needs in, words out.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from ..analysis.numbers import find_numbers
from .engines.base import Word, text_from_words, word_spans
from .enough import ReadingNeeds
from .ocr import FACT_DPI, read_lines_again

__all__ = ["recheck_numbers"]


def _well_formed(text: str, needs: ReadingNeeds) -> int:
    return sum(1 for n in find_numbers(text, needs.numbers) if n.well_formed)


def _lines_of(words: Sequence[Word], text: str, start: int, end: int) -> set[tuple[int, int, int]]:
    """The (block, par, line) keys of the words of ``text`` (joined from ``words`` in order) that
    overlap [start, end)."""
    return {(w.block, w.par, w.line) for at, until, w in word_spans(text, words) if at < end and until > start}


def recheck_numbers(image: Image.Image, words: Sequence[Word], langs: str, dpi: int | None, needs: ReadingNeeds,
                    *, timeout_s: float | None, tmpdir: str | None) -> tuple[Word, ...] | None:
    """The page's words with the lines of its malformed registration numbers read again (module
    doc), or None when there is no such number or no read again made more of them well formed.
    ``image``: the page as it was read (turned upright); ``dpi``: its resolution, None when not
    known (an image file: then only the read at its own size is tried). Raises OcrTimeout /
    OcrFailed as the engine does."""
    text = text_from_words(words)
    numbers = find_numbers(text, needs.numbers)
    doubtful = [n for n in numbers if not n.well_formed]
    if not doubtful:
        return None
    lines: set[tuple[int, int, int]] = set()
    for n in doubtful:
        lines |= _lines_of(words, text, n.position, n.position + len(n.raw))
    before = sum(1 for n in numbers if n.well_formed)
    scales = [1.0] + ([FACT_DPI / dpi] if dpi and dpi < FACT_DPI else [])
    for scale in scales:
        again = read_lines_again(image, words, lines, langs, scale, dpi=dpi, timeout_s=timeout_s, tmpdir=tmpdir)
        if again is not None and _well_formed(text_from_words(again), needs) > before:
            return again
    return None
