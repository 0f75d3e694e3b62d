"""Turn uploaded bytes (PDF, JPEG/PNG/TIFF/...) into page images ready for OCR.

PDF pages are rendered with pypdfium2 (no poppler); images are decoded with Pillow, restricted to
raster formats Pillow decodes itself (no EPS: that would run Ghostscript on untrusted input).
Every failure on bad input becomes ``RenderError`` with a short message; no Pillow or pdfium
exception type leaves this module.

Image sizes (measured with tesseract 5.3 ``rus+eng`` on an A4 page of 10 pt serif text):
scanned at 75 dpi (620x877) 94.4 % of words were read, at 100 dpi 98.1 %, at 120 dpi (992 px)
97.2 %; scaled up to a ~1400 px short side they reach 98-100 %, and from 150 dpi (1240 px) on
scaling up gains nothing but costs time (+40 % at 2x). Hence UPSCALE_BELOW / UPSCALE_TARGET.
A scanned PDF page is rendered at the resolution of the page image the scan stores (an office
scanner's 200 dpi page read at 200 dpi costs 0.76 s against 1.05 s upsampled to 300), down to
NATIVE_MIN_DPI = 150, where words stop gaining from more pixels (above); a scan below that is
upsampled to it. A registration number OCR reads as malformed has its own lines read again, at
their size and larger (reading/recheck.py, with the measurement). The files report shows the dpi each page was read at.
Tesseract time grows with pixel count (A4 at 450 dpi: 2.1 s against 1.6 s at 300 dpi for the
same words), so phone photos are brought down to MAX_LONG_SIDE.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from PIL import Image, ImageOps

log = logging.getLogger(__name__)

__all__ = [
    "MAX_PAGE_PIXELS",
    "RenderError",
    "PdfPageInfo",
    "load_image_frames",
    "pdf_page_count",
    "pdf_page_has_images",
    "ocr_dpi",
    "page_image_dpi",
    "pdf_page_info",
    "render_pdf_pages",
]

MAX_PAGE_PIXELS = 40_000_000  # a rendered PDF page above this (A4 at 300 dpi is 8.7 Mpx) gets a lower dpi
NATIVE_MIN_DPI = 150  # a scan's own resolution is used down to this; below it the page is upsampled to it (module doc)
NATIVE_MIN_COVER = 0.5  # an image covering at least this share of the page is the page's scan
MIN_RENDER_DPI = 36  # never go below this, whatever the page size; tiny text is lost anyway
UPSCALE_BELOW = 1000  # shorter side under this: A4 under ~120 dpi, text x-height under ~10 px
UPSCALE_TARGET = 1400  # ... is scaled so its shorter side reaches this (A4 at ~170 dpi)
MAX_UPSCALE = 3.0  # a thumbnail stays a thumbnail; more than 3x only invents pixels
MAX_LONG_SIDE = 4000  # phone photos (4032x3024 and up) come down to this
MAX_DECODE_PIXELS = 80_000_000  # refuse to decode more (a 600 dpi A3 scan is 70 Mpx)

# Raster formats Pillow decodes in-process. Not EPS/PS (Ghostscript), not PDF (render_pdf_pages).
# (MPO phone photos open through the JPEG plugin.)
IMAGE_FORMATS = ("JPEG", "PNG", "TIFF", "BMP", "GIF", "WEBP", "JPEG2000", "AVIF", "PPM", "PCX", "TGA")


def _open_formats() -> tuple[str, ...]:
    Image.init()
    return tuple(f for f in IMAGE_FORMATS if f in Image.OPEN)


class RenderError(Exception):
    """The input cannot be turned into page images. str() is a short, user-facing reason."""


# --------------------------------------------------------------------------- PDF


def _pdfium():
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - a hard dependency
        raise RenderError("pypdfium2 is not installed") from exc
    return pdfium


def _open_pdf(data: bytes):
    pdfium = _pdfium()
    if not data:
        raise RenderError("empty file")
    try:
        return pdfium.PdfDocument(bytes(data))
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise RenderError("PDF is encrypted (password required)") from None
        if "format" in msg or "data" in msg:
            raise RenderError("not a readable PDF (corrupt or not a PDF)") from None
        raise RenderError(f"cannot open PDF: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - nothing from pdfium may escape
        raise RenderError(f"cannot open PDF: {type(exc).__name__}") from None


def pdf_page_count(data: bytes) -> int:
    """The PDF's page count (pdfium); RenderError when it cannot be opened (empty, encrypted, corrupt)."""
    pdf = _open_pdf(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


@dataclass(frozen=True)
class PdfPageInfo:
    """One PDF page as pdf_page_info measured it: index (0-based), width_pt and height_pt (PDF points,
    1/72 inch), image_count, text_chars."""
    index: int
    width_pt: float
    height_pt: float
    image_count: int  # image objects on the page, inside form XObjects too
    text_chars: int  # characters in the page's text layer (0 for a pure scan)


def _image_objects(page) -> int:
    pdfium = _pdfium()
    return sum(1 for _ in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=8))


def pdf_page_info(data: bytes, page_indexes: Sequence[int] | None = None) -> list[PdfPageInfo]:
    """Size, image count and text-layer size per page: tells scans (images, no text) from born-digital pages."""
    pdf = _open_pdf(data)
    try:
        n = len(pdf)
        indexes = range(n) if page_indexes is None else _check_indexes(page_indexes, n)
        out = []
        for i in indexes:
            page = pdf[i]
            try:
                w, h = page.get_size()
                textpage = page.get_textpage()
                try:
                    chars = textpage.count_chars()
                finally:
                    textpage.close()
                out.append(PdfPageInfo(i, float(w), float(h), _image_objects(page), int(chars)))
            finally:
                page.close()
        return out
    except RenderError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise RenderError(f"cannot read PDF page: {type(exc).__name__}") from None
    finally:
        pdf.close()


def pdf_page_has_images(data: bytes, page_index: int) -> bool:
    """Whether page `page_index` (0-based) holds an image object; RenderError for a PDF that cannot be
    read or an index out of range."""
    return pdf_page_info(data, [page_index])[0].image_count > 0


def _check_indexes(page_indexes: Sequence[int], n: int) -> list[int]:
    indexes = [int(i) for i in page_indexes]
    bad = [i for i in indexes if not 0 <= i < n]
    if bad:
        raise RenderError(f"page index {bad[0]} out of range (document has {n} page{'s' if n != 1 else ''})")
    return indexes


def render_dpi(width_pt: float, height_pt: float, dpi: int, max_pixels: int = MAX_PAGE_PIXELS) -> float:
    """The dpi to render a page at: ``dpi``, lowered so the bitmap stays within ``max_pixels``."""
    w_in, h_in = max(width_pt, 1.0) / 72.0, max(height_pt, 1.0) / 72.0

    def pixels(d: float) -> int:
        return math.ceil(w_in * d) * math.ceil(h_in * d)

    if pixels(dpi) <= max_pixels:
        return float(dpi)
    use = math.sqrt(max_pixels / (w_in * h_in))
    while use > MIN_RENDER_DPI and pixels(use) > max_pixels:  # pdfium rounds sizes up
        use *= 0.999
    return max(float(MIN_RENDER_DPI), use)


def page_image_dpi(page) -> float | None:
    """The resolution, in dots per inch, of the image that covers most of a pdfium ``page`` (a scanned
    page's image), or None when no image covers NATIVE_MIN_COVER of the page. Measured as pixels over
    the area the image is drawn on, so a rotated or stretched image gives its mean resolution."""
    pdfium = _pdfium()
    page_w, page_h = page.get_size()
    page_area = max(page_w, 1.0) * max(page_h, 1.0)
    best: tuple[float, float] | None = None   # (covered area in pt², dpi)
    for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=8):
        left, bottom, right, top = obj.get_bounds()
        drawn = max(0.0, min(right, page_w) - max(left, 0.0)) * max(0.0, min(top, page_h) - max(bottom, 0.0))
        px_w, px_h = obj.get_px_size()
        area_in = (right - left) * (top - bottom) / (72.0 * 72.0)
        if drawn <= 0 or area_in <= 0 or px_w <= 0 or px_h <= 0:
            continue
        if best is None or drawn > best[0]:
            best = (drawn, math.sqrt(px_w * px_h / area_in))
    if best is None or best[0] < NATIVE_MIN_COVER * page_area:
        return None
    return best[1]


def ocr_dpi(native: float | None, dpi: int) -> float:
    """The dpi to OCR a page at: the scan's own ``native`` resolution within [NATIVE_MIN_DPI, ``dpi``];
    ``dpi`` for a page without a page image (vector text with no layer, a drawing)."""
    if native is None:
        return float(dpi)
    return float(min(dpi, max(NATIVE_MIN_DPI, round(native))))


def render_pdf_pages(
    data: bytes, page_indexes: Sequence[int], dpi: int = 300, native: bool = True
) -> Iterator[tuple[int, Image.Image]]:
    """Yield ``(page_index, image)`` for the requested pages (0-based), in the order given.

    Images are grayscale ("L"), on white, with annotations and form fields drawn. With ``native``, a
    page that is a scan is rendered at its image's own resolution (``ocr_dpi``: never above ``dpi``,
    never below NATIVE_MIN_DPI), else at ``dpi``; a page that would exceed MAX_PAGE_PIXELS is rendered
    at a lower dpi. ``image.info["dpi"]`` holds the dpi actually used. The whole index list is checked
    before the first page is rendered.
    """
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    pdf = _open_pdf(data)
    try:
        indexes = _check_indexes(page_indexes, len(pdf))
        try:
            pdf.init_forms()
        except Exception:  # noqa: BLE001 - forms are a nicety
            pass
        for i in indexes:
            try:
                page = pdf[i]
                try:
                    w, h = page.get_size()
                    wanted = ocr_dpi(page_image_dpi(page), dpi) if native else float(dpi)
                    use_dpi = render_dpi(w, h, wanted)
                    if use_dpi < wanted:
                        log.info("page %d is %.0fx%.0f pt: rendering at %.0f dpi, not %.0f", i, w, h, use_dpi, wanted)
                    bitmap = page.render(scale=use_dpi / 72.0, grayscale=True, draw_annots=True)
                    try:
                        image = bitmap.to_pil().convert("L")  # a copy: detach from pdfium's buffer
                    finally:
                        bitmap.close()
                finally:
                    page.close()
            except RenderError:
                raise
            except MemoryError:
                raise RenderError(f"page {i + 1} is too large to render") from None
            except Exception as exc:  # noqa: BLE001 - nothing from pdfium may escape
                raise RenderError(f"cannot render page {i + 1}: {type(exc).__name__}: {exc}"[:200]) from None
            image.info["dpi"] = (round(use_dpi), round(use_dpi))
            yield i, image
    finally:
        pdf.close()


# --------------------------------------------------------------------------- images


def _to_mode(frame: Image.Image, mode: str) -> Image.Image:
    """L or RGB; transparency on white; 16-bit and float stretched to 8 bits (convert() would clip)."""
    if frame.mode in ("I", "F") or frame.mode.startswith("I;16"):
        src = frame.convert("F") if frame.mode == "F" else frame.convert("I")
        lo, hi = src.getextrema()
        scale = 255.0 / (hi - lo) if hi > lo else 1.0
        frame = src.point(lambda v: (v - lo) * scale).convert("L")
    if frame.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        frame = flat
    if frame.mode == "CMYK" and mode == "L":
        frame = frame.convert("RGB")
    return frame if frame.mode == mode else frame.convert(mode)


def working_size(width: int, height: int) -> tuple[int, int]:
    """Size an image is scaled to before OCR (see UPSCALE_* and MAX_LONG_SIDE)."""
    short, long_ = min(width, height), max(width, height)
    factor = 1.0
    if long_ > MAX_LONG_SIDE:
        factor = MAX_LONG_SIDE / long_
    elif short < UPSCALE_BELOW:
        factor = min(UPSCALE_TARGET / short, MAX_UPSCALE, MAX_LONG_SIDE / long_)
        factor = max(factor, 1.0)
    if factor == 1.0:
        return width, height
    return max(1, round(width * factor)), max(1, round(height * factor))


def _decode_one(img: Image.Image, mode: str) -> Image.Image:
    w, h = img.size
    if img.format in ("JPEG", "MPO") and max(w, h) > 2 * MAX_LONG_SIDE:
        # JPEG can decode at 1/2, 1/4, 1/8 directly: no full-size bitmap for huge photos
        f = MAX_LONG_SIDE / max(w, h)
        img.draft(mode if mode in ("L", "RGB") else None, (math.ceil(w * f), math.ceil(h * f)))
        w, h = img.size
    if w * h > MAX_DECODE_PIXELS:
        raise RenderError(f"image too large ({w}x{h} pixels)")
    img.load()
    try:
        frame = ImageOps.exif_transpose(img)
    except Exception as exc:  # noqa: BLE001 - a broken EXIF block must not lose the page
        log.debug("ignoring unreadable EXIF orientation: %s", exc)
        frame = img.copy()
    frame = _to_mode(frame, mode)
    size = working_size(*frame.size)
    if size != frame.size:
        frame = frame.resize(size, Image.Resampling.LANCZOS)
    elif frame is img:
        frame = frame.copy()
    frame.info = {}  # dpi/EXIF no longer describe the scaled, upright pixels
    return frame


def load_image_frames(data: bytes, max_frames: int = 5, *, mode: str = "L") -> list[Image.Image]:
    """Decode an uploaded image into upright page images at a working size for OCR.

    EXIF orientation is applied; multi-page TIFFs give up to ``max_frames`` pages (other formats
    one: the extra frames of MPO/GIF/WebP are not pages); ``mode`` is "L" (default) or "RGB".
    Raises RenderError for anything unreadable, unsupported or absurdly large.
    """
    if mode not in ("L", "RGB"):
        raise ValueError("mode must be 'L' or 'RGB'")
    if not data:
        raise RenderError("empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")  # "Corrupt EXIF data" etc.
            img = Image.open(io.BytesIO(bytes(data)), formats=_open_formats())
            n = getattr(img, "n_frames", 1) if img.format == "TIFF" else 1
            frames = []
            for i in range(min(max(n, 1), max(max_frames, 1))):
                if i:
                    img.seek(i)
                frames.append(_decode_one(img, mode))
            return frames
    except RenderError:
        raise
    except Image.UnidentifiedImageError:
        raise RenderError("not a readable image (unknown or unsupported format)") from None
    except Image.DecompressionBombError:
        raise RenderError("image too large (decompression bomb guard)") from None
    except MemoryError:
        raise RenderError("image too large to decode") from None
    except EOFError:
        raise RenderError("image is truncated") from None
    except Exception as exc:  # noqa: BLE001 - OSError, SyntaxError, ValueError, struct.error ... from decoders
        reason = str(exc).strip() or type(exc).__name__
        raise RenderError(f"corrupt image: {reason}"[:160]) from None
