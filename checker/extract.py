"""Stage 3: the per-file task. Bytes in, FileFacts out: type, structure, text layer, OCR.

A pure function of the file's bytes and ExtractSettings, so it can run in a worker process and
be cached by content hash (the settings' key is part of the cache key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

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
    from .external.tesseract import tesseract_slot
    from .ocr import ocr_image

    with tesseract_slot():   # the page's time limit starts once it has a slot
        result = ocr_image(image, profile=settings.profile, timeout_s=settings.page_timeout)
    note = ""
    if result.timed_out:
        note = f"OCR timed out after {settings.page_timeout:g} s"
    elif result.error:
        note = f"OCR failed: {result.error}"
    dpi = image.info.get("dpi")
    return PageText(number, "ocr", result.text, round(result.mean_confidence, 1), result.rotation, result.langs, note,
                    dpi=int(dpi[0]) if dpi else None, word_boxes=word_boxes(result.text, result.words))


def word_boxes(text: str, words) -> list[int]:
    """Each OCR word's [start, end) in the page text and its confidence, flat (PageText.word_boxes):
    kept so that a number read by OCR can say how sure tesseract was of it. Words are found in
    order, as tesseract's TSV gave them and the page text was joined from them."""
    boxes: list[int] = []
    pos = 0
    for w in words:
        start = text.find(w.text, pos)
        if start < 0:
            continue
        pos = start + len(w.text)
        boxes += [start, pos, max(0, round(w.conf))]
    return boxes


def _ocr_pages(images: Iterable[tuple[int, Any]], settings: ExtractSettings, store: Callable[[int, PageText], None]) -> None:
    """OCR numbered page images, as many at once as the pool's tesseract slots allow (--jobs), so a
    40-page scan does not keep one core busy while the others idle. Images come from this thread
    (pdfium is not thread-safe) and at most one per slot waits in memory. Each page's result is the
    same whatever the count: pages are read independently."""
    from .external.tesseract import page_threads

    threads = page_threads()
    if threads <= 1:
        for number, image in images:
            store(number, _ocr_page(number, image, settings))
        return
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    running: dict[Future, int] = {}

    def collect(futures) -> None:
        for future in futures:
            store(running.pop(future), future.result())

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ocr") as pool:
        try:
            for number, image in images:
                if len(running) >= threads:
                    collect(wait(running, return_when=FIRST_COMPLETED).done)
                running[pool.submit(_ocr_page, number, image, settings)] = number
        finally:
            collect(list(running))   # pages already under way are kept, also when rendering failed


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

    def store(number: int, page: PageText) -> None:
        facts.pages[facts.pages.index(by_number[number])] = page

    try:
        _ocr_pages(((index + 1, image) for index, image in render_pdf_pages(data, indexes, dpi=settings.dpi)),
                   settings, store)
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
    if not settings.ocr:
        facts.pages.extend(PageText(number, "none", note="image not read (OCR off)") for number in range(1, len(frames) + 1))
        return
    read: dict[int, PageText] = {}
    _ocr_pages(enumerate(frames, start=1), settings, read.__setitem__)
    facts.pages.extend(read[number] for number in sorted(read))
