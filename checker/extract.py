"""Stage 3: the per-file task. Bytes in, FileFacts out: type, structure, text layer, OCR.

A pure function of the file's bytes and ExtractSettings, so it can run in a worker process and
be cached by content hash (the settings' key is part of the cache key).
"""

from __future__ import annotations

import hashlib

from pypdf.errors import LimitReachedError

from .language import language_probabilities
from .models import ExtractSettings, FileFacts, FileKind, PageText
from .sniff import STREAM_LIMIT_BYTES, kind_for_mime, looks_truncated, open_pdf, sniff_mime

TEXT_LAYER_MIN_LETTERS = 40   # fewer letters than this (a scanner's watermark, a page number): treat the page as scanned


def pages_to_read(count: int, first: int, sample: int) -> list[int]:
    """The first pages (numbers, dates) plus a few spread over the rest (language); 0-based."""
    chosen = list(range(min(count, first)))
    rest = count - len(chosen)
    if rest > 0 and sample > 0:
        take = min(sample, rest)
        step = rest / (take + 1)
        chosen += sorted({len(chosen) + int(step * (i + 1)) for i in range(take)})
    return chosen


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def extract_facts(data: bytes, settings: ExtractSettings) -> FileFacts:
    mime = sniff_mime(data)
    facts = FileFacts(sha256=hashlib.sha256(data).hexdigest(), size=len(data), mime=mime,
                      kind=kind_for_mime(mime), extractor=settings.key())
    if facts.kind is FileKind.EMPTY:
        facts.problem = "the file is empty (0 bytes)"
    elif looks_truncated(data, mime):
        facts.kind = FileKind.UNREADABLE
        facts.problem = "the file is truncated (incomplete download or sync?)"
    elif mime == "application/pdf":
        _read_pdf(data, settings, facts)
    elif facts.kind is FileKind.IMAGE:
        _read_image(data, settings, facts)
    facts.language_probs = language_probabilities(facts.text)
    return facts


def _ocr_page(number: int, image, settings: ExtractSettings) -> PageText:
    from .ocr import ocr_image

    result = ocr_image(image, profile=settings.profile, timeout_s=settings.page_timeout)
    note = ""
    if result.timed_out:
        note = f"OCR timed out after {settings.page_timeout:g} s"
    elif result.error:
        note = f"OCR failed: {result.error}"
    return PageText(number, "ocr", result.text, round(result.mean_confidence, 1), result.rotation, result.langs, note)


def _read_pdf(data: bytes, settings: ExtractSettings, facts: FileFacts) -> None:
    structure = open_pdf(data)
    facts.notes.extend(structure.notes)
    if structure.problem:
        facts.kind = FileKind.ENCRYPTED_PDF if structure.encrypted else FileKind.UNREADABLE
        facts.problem = structure.problem
        return
    facts.page_count = structure.page_count
    indexes = pages_to_read(structure.page_count, settings.pages_first, settings.pages_sample)
    needs_ocr: list[int] = []
    for index in indexes:
        try:
            page = structure.reader.pages[index]
            page.get_contents()   # decodes the content streams; extract_text would swallow a bomb silently
            text = page.extract_text() or ""
        except LimitReachedError:
            facts.kind = FileKind.UNREADABLE
            facts.problem = f"decompression bomb: page {index + 1} expands beyond {STREAM_LIMIT_BYTES // 10**6} MB"
            facts.pages.clear()
            return
        except Exception as exc:  # one broken page is a note, the others still count
            facts.notes.append(f"page {index + 1}: text layer unreadable ({type(exc).__name__})")
            text = ""
        if _letters(text) >= TEXT_LAYER_MIN_LETTERS:
            facts.pages.append(PageText(index + 1, "text", text))
        else:
            needs_ocr.append(index)
            facts.pages.append(PageText(index + 1, "none", text))
    text_pages = len(indexes) - len(needs_ocr)
    facts.kind = FileKind.TEXT_PDF if not needs_ocr else FileKind.SCANNED_PDF if text_pages == 0 else FileKind.MIXED_PDF
    if needs_ocr:
        _ocr_pdf_pages(data, needs_ocr, settings, facts)
    if len(indexes) < structure.page_count:
        facts.notes.append(f"read {len(indexes)} of {structure.page_count} pages")


def _ocr_pdf_pages(data: bytes, indexes: list[int], settings: ExtractSettings, facts: FileFacts) -> None:
    by_number = {p.number: p for p in facts.pages}
    if not settings.ocr:
        for index in indexes:
            by_number[index + 1].note = "scanned page not read (OCR off)"
        return
    from .render import RenderError, render_pdf_pages

    try:
        for index, image in render_pdf_pages(data, indexes, dpi=settings.dpi):
            page = _ocr_page(index + 1, image, settings)
            facts.pages[facts.pages.index(by_number[index + 1])] = page
    except RenderError as exc:
        facts.notes.append(f"pages could not be rendered for OCR: {exc}")


def _read_image(data: bytes, settings: ExtractSettings, facts: FileFacts) -> None:
    from .render import RenderError, load_image_frames

    try:
        frames = load_image_frames(data, max_frames=settings.max_frames)
    except RenderError as exc:
        facts.kind = FileKind.UNREADABLE
        facts.problem = f"image cannot be decoded ({exc})"
        return
    facts.page_count = len(frames)
    for number, image in enumerate(frames, start=1):
        if settings.ocr:
            facts.pages.append(_ocr_page(number, image, settings))
        else:
            facts.pages.append(PageText(number, "none", note="image not read (OCR off)"))
