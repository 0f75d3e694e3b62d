"""Which text on a PDF page a person can see. A moderator sees the page, not the text layer.

pypdf's extract_text returns every string a page's content draws, seen or not. This module sorts a
page's text objects (pdfium's object model, the same library that renders pages for OCR):

* hidden: render mode 3 (neither filled nor stroked) or 7 (clip only) with no page image under it,
  text filled in the page's background colour (white, or the colour of a filled shape right under
  it), text covered by an image drawn after it, text outside the page;
* image layer: invisible text over (or covered by) an image: the OCR layer a scanner or phone app
  lays over a scanned page. Normal, and only as good as that OCR: the caller checks the
  registration numbers and dates it gives against its own OCR of the image (``key_facts``);
* visible: everything else.

Only pages whose content stream could hide text are looked at this way (``may_hide_text``: a ``Tr``
operator, a drawn XObject, a white fill); the rest keep pypdf's text, at the cost of one regex over
the page's content bytes.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field

_INVISIBLE_MODES = (3, 7)        # PDF 32000-1 9.3.6, Table 106: 3 = neither fill nor stroke, 7 = add to clip path only
_HINTS = re.compile(rb"(?:^|[\s\]])[37]\s+Tr\b|\bDo\b|(?:^|\s)1(?:\.0*)?\s+g\b|(?:^|\s)1(?:\.0*)?\s+1(?:\.0*)?\s+1(?:\.0*)?\s+rg\b"
                    rb"|(?:^|\s)0(?:\.0*)?\s+0(?:\.0*)?\s+0(?:\.0*)?\s+0(?:\.0*)?\s+k\b")
_NEAR_WHITE = 245                # all channels at or above this (0..255) read as white paper
_COVER_TOLERANCE = 2.0           # points: an image covering a text box up to this margin covers it

# What a text layer over a scan must agree on with OCR of the image: dates and registration-number
# tails (the serial digits "/year" of EAEU numbers, the "Н12345"/"В.01234" serial of GOST R ones).
_DATE = re.compile(r"\b(\d{2})[./](\d{2})[./](\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")
_SERIAL = re.compile(r"(\d{4,6})\s*/\s*(\d{2})\b|[.\s][ВBНH]\.?(\d{5})\b")


def may_hide_text(content: bytes) -> bool:
    """Could this page content hide text? (invisible render mode, an XObject, a white fill)."""
    return bool(_HINTS.search(content))


@dataclass
class PageVisibility:
    """A page's text sorted by who can see it. Texts are joined line by line, top to bottom."""
    visible: str = ""
    image_layer: str = ""          # invisible text over a page image (a scanner's OCR layer)
    hidden_chars: int = 0          # characters nobody sees and that are no image layer
    reasons: set[str] = field(default_factory=set)   # "render_mode", "background", "under_image", "off_page"


def key_facts(text: str) -> set[str]:
    """The dates (as YYYYMMDD) and registration-number serials a text gives, as digit strings."""
    facts = set()
    for m in _DATE.finditer(text):
        d, mo, y, y2, mo2, d2 = m.groups()
        facts.add(f"{y}{mo}{d}" if y else f"{y2}{mo2}{d2}")
    for m in _SERIAL.finditer(text):
        facts.add(m.group(1) + m.group(2) if m.group(1) else m.group(3))
    return facts


_OCR_DIGITS = str.maketrans({"О": "0", "O": "0", "о": "0", "o": "0", "З": "3"})


def agrees(layer_facts: set[str], ocr_text: str) -> bool:
    """Every date and serial of the layer is also in the OCR'd image (digits compared, whatever OCR
    made of separators, spaces and line breaks: O/О read for 0 and З for 3 are forgiven)."""
    if not layer_facts:
        return True
    ocr_facts = key_facts(ocr_text)
    digits = re.sub(r"\D", "", ocr_text.translate(_OCR_DIGITS))
    return all(f in ocr_facts or (len(f) >= 5 and f in digits) for f in layer_facts)


def _bounds(obj) -> tuple[float, float, float, float] | None:
    try:
        return tuple(obj.get_bounds())
    except Exception:  # pdfium cannot place it: treat as nowhere
        return None


def _covers(outer, inner) -> bool:
    t = _COVER_TOLERANCE
    return outer[0] - t <= inner[0] and outer[1] - t <= inner[1] and outer[2] + t >= inner[2] and outer[3] + t >= inner[3]


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _fill(raw, pdfium_c) -> tuple[int, int, int, int] | None:
    channels = [ctypes.c_uint() for _ in range(4)]
    if not pdfium_c.FPDFPageObj_GetFillColor(raw, *(ctypes.byref(c) for c in channels)):
        return None
    return tuple(c.value for c in channels)


def _filled(raw, pdfium_c) -> bool:
    """Does this path paint its inside? (a stroked frame around the page is no background)"""
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    return bool(pdfium_c.FPDFPath_GetDrawMode(raw, ctypes.byref(fill_mode), ctypes.byref(stroke))) and fill_mode.value != 0


def _text_of(raw, textpage, pdfium_c) -> str:
    size = pdfium_c.FPDFTextObj_GetText(raw, textpage.raw, None, 0)
    if size <= 2:
        return ""
    buffer = (ctypes.c_ushort * (size // 2))()
    pdfium_c.FPDFTextObj_GetText(raw, textpage.raw, buffer, size)
    return bytes(buffer).decode("utf-16-le", errors="replace").rstrip("\x00")


def _join_lines(pieces: list[tuple[tuple[float, float, float, float], str]]) -> str:
    """Text objects in reading order: top to bottom, objects whose baselines are close make a line."""
    lines: list[tuple[float, list[tuple[float, str]]]] = []
    for box, text in sorted(pieces, key=lambda p: (-p[0][3], p[0][0])):
        height = max(box[3] - box[1], 1.0)
        if lines and abs(lines[-1][0] - box[1]) <= height * 0.5:
            lines[-1][1].append((box[0], text))
        else:
            lines.append((box[1], [(box[0], text)]))
    return "\n".join(" ".join(t for _, t in sorted(parts)) for _, parts in lines)


def page_visibility(pdf, index: int) -> PageVisibility:
    """Sort page `index` (0-based) of an open pypdfium2 PdfDocument into visible text, an image
    layer and hidden text. Raises whatever pdfium raises on a broken page (the caller notes it)."""
    import pypdfium2.raw as pdfium_c

    page = pdf[index]
    textpage = page.get_textpage()
    try:
        width, height = page.get_size()
        objects = list(page.get_objects(max_depth=8))
        images = [(i, b) for i, o in enumerate(objects) if o.type == pdfium_c.FPDF_PAGEOBJ_IMAGE and (b := _bounds(o))]
        shapes = [(i, b, _fill(o.raw, pdfium_c)) for i, o in enumerate(objects)
                  if o.type == pdfium_c.FPDF_PAGEOBJ_PATH and _filled(o.raw, pdfium_c) and (b := _bounds(o))]
        result = PageVisibility()
        visible, layer = [], []
        for i, obj in enumerate(objects):
            if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
                continue
            box = _bounds(obj)
            text = _text_of(obj.raw, textpage, pdfium_c).strip()
            if not text or box is None:
                continue
            under_image = any(_overlaps(b, box) for _, b in images)
            covered = any(j > i and _covers(b, box) for j, b in images)
            mode = pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
            fill = _fill(obj.raw, pdfium_c)
            background = (255, 255, 255)
            for j, b, colour in shapes:   # the last filled shape drawn under the text is its background
                if j < i and colour and colour[3] > 0 and _covers(b, box):
                    background = colour[:3]
            same_as_background = fill is not None and mode in (0, 4) and (
                all(c >= _NEAR_WHITE for c in fill[:3]) and all(c >= _NEAR_WHITE for c in background)
                or all(abs(a - b) <= 8 for a, b in zip(fill[:3], background)) or fill[3] == 0)
            if (mode in _INVISIBLE_MODES or covered) and under_image:
                layer.append((box, text))
                continue
            reason = ("render_mode" if mode in _INVISIBLE_MODES else "under_image" if covered
                      else "off_page" if box[2] < 0 or box[3] < 0 or box[0] > width or box[1] > height
                      else "background" if same_as_background and not under_image else "")
            if reason:
                result.hidden_chars += len(text)
                result.reasons.add(reason)
            else:
                visible.append((box, text))
        result.visible = _join_lines(visible)
        result.image_layer = _join_lines(layer)
        return result
    finally:
        textpage.close()
        page.close()
