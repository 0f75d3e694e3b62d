"""Stage 3: the per-file task. Bytes in, FileFacts out: type, structure, text layer, OCR.

A pure function of the file's bytes and ExtractSettings, so it can run in a worker process and
be cached by content hash (the settings' key is part of the cache key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from pypdf.errors import LimitReachedError

from ..analysis.language import language_probabilities
from ..i18n import joined, said
from ..models import LAYER_UNREADABLE_NO_OCR, OCR_OFF_IMAGE, OCR_OFF_PAGE, ExtractSettings, FileFacts, FileKind, PageText
from .engines.base import mean_confidence, text_from_words, word_spans
from .sniff import STREAM_LIMIT_BYTES, kind_for_mime, looks_truncated, open_pdf, sniff_mime
from .enough import ReadingPlan
from .textlayer import document_script, readable, score_layer
from .visibility import PageVisibility, agrees, fact_strip, key_facts, may_hide_text, page_visibility

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
    """One file's bytes read into FileFacts under `settings`: its type by content, a PDF's text layer
    and OCR of the pages that need it, an image's frames by OCR, then langdetect's probabilities for
    the text. What is wrong with the file goes into the facts' kind, problem and notes, never an
    exception; EngineUnavailable propagates when OCR is needed and the engine cannot run. Runs in a
    worker (process.executor.run_task)."""
    mime = sniff_mime(data)
    facts = FileFacts(sha256=hashlib.sha256(data).hexdigest(), size=len(data), mime=mime,
                      kind=kind_for_mime(mime), extractor=settings.key())
    if facts.kind is FileKind.EMPTY:
        facts.problem = said("read.empty")
    elif looks_truncated(data, mime):
        facts.kind = FileKind.UNREADABLE
        facts.problem = said("read.truncated")
    elif mime == "application/pdf":
        _read_pdf(data, settings, facts)
    elif facts.kind is FileKind.IMAGE:
        _read_image(data, settings, facts)
    facts.language_probs = language_probabilities(facts.text)
    return facts


def _ocr_page(number: int, image, settings: ExtractSettings) -> PageText:
    from .ocr import ocr_image

    dpi = image.info.get("dpi")
    dpi = int(dpi[0]) if dpi else None
    with settings.workspace.slot():   # the page's time limit starts once it has a slot
        result = ocr_image(image, profile=settings.profile, timeout_s=settings.page_timeout, tmpdir=settings.workspace.tmpdir)
        text, words, confidence = result.text, result.words, result.mean_confidence
        again = _numbers_read_again(image, result, dpi, settings)
        if again is not None:
            words, text, confidence = again, text_from_words(again), mean_confidence(again)
    note = ""
    if result.timed_out:
        note = said("read.ocr_timeout", seconds=f"{settings.page_timeout:g}")
    elif result.error:
        note = said("read.ocr_failed", detail=result.error)
    return PageText(number, "ocr", text, round(confidence, 1), result.rotation, result.langs, note,
                    dpi=dpi, word_boxes=word_boxes(text, words), timed_out=bool(result.timed_out))


def _numbers_read_again(image, result, dpi: int | None, settings: ExtractSettings):
    """A product paper's page whose registration number OCR read as malformed: its words with that
    number's lines read again (reading/recheck.py), or None."""
    if settings.needs is None or settings.profile != "product" or not result.words or result.timed_out or result.error:
        return None
    from .engines import OcrFailed, OcrTimeout
    from .ocr import turned
    from .recheck import recheck_numbers

    left = settings.page_timeout - result.elapsed_s
    if left <= 0:
        return None
    try:
        return recheck_numbers(turned(image, result.rotation), result.words, result.langs, dpi, settings.needs,
                               timeout_s=left, tmpdir=settings.workspace.tmpdir)
    except (OcrTimeout, OcrFailed):
        return None   # the page's own read stands


def word_boxes(text: str, words) -> list[int]:
    """Each OCR word's [start, end) in the page text and its confidence, flat (PageText.word_boxes):
    kept so that a number read by OCR can say how sure tesseract was of it. Words are found in
    order, as tesseract's TSV gave them and the page text was joined from them."""
    boxes: list[int] = []
    for start, end, w in word_spans(text, words):
        boxes += [start, end, max(0, round(w.conf))]
    return boxes


def _ocr_pages(images: Iterable[tuple[int, Any]], settings: ExtractSettings, store: Callable[[int, PageText], None],
               read: Callable[[int, Any, ExtractSettings], PageText] | None = None) -> None:
    """OCR numbered page images, as many at once as the pool's tesseract slots allow (--jobs), so a
    40-page scan does not keep one core busy while the others idle. Images come from this thread
    (pdfium is not thread-safe) and at most one per slot waits in memory. Each page's result is the
    same whatever the count: pages are read independently. `read` reads one page (default: OCR it);
    how many at once comes with the settings (ExtractSettings.workspace, set by the executor)."""
    read = read or _ocr_page
    threads = settings.workspace.pages_at_once
    if threads <= 1:
        for number, image in images:
            store(number, read(number, image, settings))
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
                running[pool.submit(read, number, image, settings)] = number
        finally:
            collect(list(running))   # pages already under way are kept, also when rendering failed


# Why a page was OCR'd although it has a text layer, or what of its layer was left out: the
# rules/messages.yaml ids its note says (i18n.said(id), HIDDEN_TEXT with chars=).
LAYER_UNREADABLE = "read.layer_unreadable"
LAYER_DISAGREES = "read.layer_disagrees"
LAYER_UNCHECKED = "read.layer_unchecked"
HIDDEN_TEXT = "read.hidden_text"


# A read page's text layer: (visible text, image layer, note, the visibility it came from or None)
Layer = tuple[str, str, str, "PageVisibility | None"]


def _form_content(page, name: str) -> bytes | None:
    """The content stream of the page's form XObject `name`; None for an image or anything unreadable."""
    try:
        xobject = page["/Resources"]["/XObject"]["/" + name].get_object()
        return xobject.get_data() if xobject.get("/Subtype") == "/Form" else None
    except Exception:  # a broken resource: nothing to look into
        return None


class _PdfPages:
    """What each read page's text layer gives: pypdf's text, or, when the content could hide text,
    only the text a person can see (pdfium, opened once, only for such pages)."""

    def __init__(self, data: bytes, facts: FileFacts):
        self.data, self.facts, self._pdf = data, facts, None

    def visibility(self, index: int, content: bytes, page) -> PageVisibility | None:
        hints = may_hide_text(content, lambda name: _form_content(page, name))
        if not hints:
            return None
        try:
            if self._pdf is None:
                import pypdfium2 as pdfium

                self._pdf = pdfium.PdfDocument(self.data)
            return page_visibility(self._pdf, index, hints)
        except Exception as exc:  # pdfium cannot sort it: pypdf's text stands, the note says why
            self.facts.notes.append(said("read.text_layer", page=index + 1, detail=type(exc).__name__))
            return None

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()


def _read_pdf(data: bytes, settings: ExtractSettings, facts: FileFacts) -> None:
    structure = open_pdf(data)
    facts.notes.extend(structure.notes)
    if structure.problem:
        facts.kind = FileKind.ENCRYPTED_PDF if structure.encrypted else FileKind.UNREADABLE
        facts.problem = structure.problem
        return
    facts.page_count = structure.page_count
    indexes = pages_to_read(structure.page_count, settings.pages_first, settings.pages_sample)
    layers: dict[int, Layer] = {}   # by page index
    reader = _PdfPages(data, facts)
    try:
        for index in indexes:
            try:
                page = structure.reader.pages[index]
                content = page.get_contents()   # decodes the content streams; extract_text would swallow a bomb silently
                text = page.extract_text() or ""
                raw = content.get_data() if content is not None else b""
            except LimitReachedError:
                facts.kind = FileKind.UNREADABLE
                facts.problem = said("read.bomb", page=index + 1, limit=STREAM_LIMIT_BYTES // 10**6)
                facts.pages.clear()
                return
            except Exception as exc:  # one broken page is a note, the others still count
                facts.notes.append(said("read.text_layer", page=index + 1, detail=type(exc).__name__))
                text, raw = "", b""
            seen = reader.visibility(index, raw, page) if raw else None
            if seen is None or (not seen.hidden_chars and not seen.image_layer):
                layers[index] = (text, "", "", None)
            else:
                note = said(HIDDEN_TEXT, chars=seen.hidden_chars) if seen.hidden_chars else ""
                layers[index] = (seen.visible, seen.image_layer, note, seen)
    finally:
        reader.close()
    plan = _plan(indexes, settings)
    ocr_why = _layer_verdicts(indexes, layers, settings)
    while (round_ := _next_round(plan)):
        _read_pdf_pages(data, round_, layers, ocr_why, settings, facts)
        read = {p.number: p.text for p in facts.pages}
        for index in round_:
            plan.read(index, read[index + 1])
    facts.pages.sort(key=lambda p: p.number)
    text_pages = sum(1 for p in facts.pages if p.source == "text")
    facts.kind = (FileKind.TEXT_PDF if text_pages == len(facts.pages) else FileKind.SCANNED_PDF if text_pages == 0
                  else FileKind.MIXED_PDF)
    _note_pages_read(plan, structure.page_count, facts)


def _plan(indexes: list[int], settings: ExtractSettings) -> ReadingPlan:
    """How far this file is read (reading/enough.py): page by page for a product paper with the
    scan's ReadingNeeds, all candidate pages at once otherwise (KYC papers, no needs given)."""
    return ReadingPlan(indexes, settings.pages_first, settings.needs if settings.profile == "product" else None)


def _next_round(plan: ReadingPlan) -> list[int]:
    """The pages to read next: one at a time when the plan may stop, else all that are left (then
    they are OCR'd --jobs at once)."""
    if plan.needs is None:
        return [i for i in plan.candidates if i not in plan.done]
    index = plan.next_page()
    return [] if index is None else [index]


def _note_pages_read(plan: ReadingPlan, total: int, facts: FileFacts) -> None:
    """The files report's note on which pages were read and why (when not all of them)."""
    if plan.stopped:
        facts.notes.append(said(plan.stopped, pages=", ".join(str(i + 1) for i in sorted(plan.done)), total=total))
    elif len(plan.done) < total:
        facts.notes.append(said("read.pages_read", read=len(plan.done), total=total))


def _layer_verdicts(indexes: list[int], layers: dict[int, Layer], settings: ExtractSettings) -> dict[int, str]:
    """Which pages are read from their text layer and which must be OCR'd, by page index: "none"
    (no layer), "junk" (a layer that does not read as text: checker/textlayer.py) or "verify" (a
    scanner's layer whose dates and numbers must be checked against the image:
    checker/visibility.py). Judged over every page that may be read, so a page's verdict does not
    depend on how far the read goes."""
    limits = settings.text_layer
    candidates = {i: _layer_text(layers[i]) for i in indexes}
    scores = {i: score_layer(text) for i, text in candidates.items() if _letters(text) >= TEXT_LAYER_MIN_LETTERS}
    script = document_script(list(scores.values()), limits)
    ocr_why: dict[int, str] = {}
    for index in indexes:
        if index not in scores:
            ocr_why[index] = "none"
        elif not readable(scores[index], limits, script):
            ocr_why[index] = "junk"
        elif key_facts(layers[index][1]):
            ocr_why[index] = "verify"
    return ocr_why


def _layer_text(layer: Layer) -> str:
    return "\n".join(t for t in layer[:2] if t)


def _read_pdf_pages(data: bytes, indexes: list[int], layers: dict[int, Layer], ocr_why: dict[int, str],
                    settings: ExtractSettings, facts: FileFacts) -> None:
    """Read pages ``indexes`` (appended to facts.pages in that order): from the text layer, or by
    OCR when ``ocr_why`` says so (those pages --jobs at once)."""
    for index in indexes:
        facts.pages.append(PageText(index + 1, "none" if index in ocr_why else "text", _layer_text(layers[index]),
                                    note=layers[index][2]))
    need = {i: ocr_why[i] for i in indexes if i in ocr_why}
    if need:
        _ocr_pdf_pages(data, need, {i: _layer_text(layers[i]) for i in need}, layers, settings, facts)


def _ocr_pdf_pages(data: bytes, ocr_why: dict[int, str], candidates: dict[int, str],
                   layers: dict[int, Layer], settings: ExtractSettings, facts: FileFacts) -> None:
    by_number = {p.number: p for p in facts.pages}
    if not settings.ocr:
        for index, why in ocr_why.items():
            page = by_number[index + 1]
            if why == "verify":   # nothing to check it against: read, and said so
                page.source, page.note = "text", joined(page.note, said(LAYER_UNCHECKED))
            else:
                if why == "junk":     # a junk layer is never believed; a short one (a few words) is kept, as read
                    page.text = ""
                page.note = joined(page.note, said(LAYER_UNREADABLE_NO_OCR if why == "junk" else OCR_OFF_PAGE))
        return
    from .render import RenderError, render_pdf_pages

    def read(number: int, image, settings: ExtractSettings) -> PageText:
        """A layer to verify is checked on the regions holding its dates and numbers first (a few
        lines of OCR); only when they do not agree is the whole page OCR'd."""
        index = number - 1
        seen = layers[index][3]
        if ocr_why[index] == "verify" and seen is not None and seen.fact_boxes and seen.rotation == 0:
            region = _ocr_page(number, fact_strip(image, seen.fact_boxes, seen.size), settings)
            if agrees(key_facts(layers[index][1]), region.text):
                return PageText(number, "text", candidates[index], note=by_number[number].note)
        return _ocr_page(number, image, settings)

    def store(number: int, page: PageText) -> None:
        index, before = number - 1, by_number[number]
        why = ocr_why[index]
        if why == "verify" and (page.source == "text" or agrees(key_facts(layers[index][1]), page.text)):
            page = PageText(number, "text", candidates[index], note=before.note)
        elif why != "none":
            page.note = joined(before.note, said(LAYER_UNREADABLE if why == "junk" else LAYER_DISAGREES), page.note)
        elif before.note:
            page.note = joined(before.note, page.note)
        facts.pages[facts.pages.index(before)] = page

    for page in facts.pages:   # until OCR says otherwise, an unread page holds no text
        if page.number - 1 in ocr_why:
            page.text = ""
    try:
        _ocr_pages(((index + 1, image) for index, image in render_pdf_pages(data, sorted(ocr_why), dpi=settings.dpi)),
                   settings, store, read)
    except RenderError as exc:
        facts.notes.append(said("read.render_failed", detail=str(exc)))


def _read_image(data: bytes, settings: ExtractSettings, facts: FileFacts) -> None:
    from .render import RenderError, load_image_frames

    try:
        frames = load_image_frames(data, max_frames=settings.max_frames)
    except RenderError as exc:
        facts.kind = FileKind.UNREADABLE
        facts.problem = said("read.image_decode", detail=str(exc))
        return
    facts.page_count = len(frames)
    if not settings.ocr:
        facts.pages.extend(PageText(number, "none", note=said(OCR_OFF_IMAGE)) for number in range(1, len(frames) + 1))
        return
    plan = _plan(list(range(len(frames))), settings)
    read: dict[int, PageText] = {}
    while (round_ := _next_round(plan)):
        _ocr_pages(((index + 1, frames[index]) for index in round_), settings, read.__setitem__)
        for index in round_:
            plan.read(index, read[index + 1].text)
    facts.pages.extend(read[number] for number in sorted(read))
    _note_pages_read(plan, len(frames), facts)
