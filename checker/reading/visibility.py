"""Which text on a PDF page a person can see. A moderator sees the page, not the text layer.

pypdf's extract_text returns every string a page's content draws, seen or not. This module sorts a
page's text objects (pdfium's object model, the same library that renders pages for OCR):

* hidden: render mode 3 (neither filled nor stroked) or 7 (clip only) with no page image under it,
  text filled in the page's background colour (white, or the colour of a filled shape right under
  it) or fully transparent, text outside the page;
* image layer: invisible text over an image, or text covered by an image drawn after it: the OCR
  layer a scanner or phone app lays over (or under) a scanned page. Normal, and only as good as that OCR: the caller checks the
  registration numbers and dates it gives against its own OCR of the image (``key_facts``);
* visible: everything else.

Only pages whose content stream could hide text are looked at this way (``may_hide_text``: an
invisible render mode, white text, text drawn before an image, a form that shows text); the rest
keep pypdf's text, at the cost of a few regexes over the page's content bytes.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field

_INVISIBLE_MODES = (3, 7)        # PDF 32000-1 9.3.6, Table 106: 3 = neither fill nor stroke, 7 = add to clip path only
# Plain patterns, no look-behind or \b on the first character: they run over every byte of the page.
_INVISIBLE_MODE = re.compile(rb"[37]\s+Tr\b")
_FILL = re.compile(rb"\s(g|rg|k|scn?)(?=\s)")   # lower case: the fill colour operators (operands read back)
_OPERANDS = {b"g": 1, b"rg": 3, b"k": 4}
_SHOW = re.compile(rb"T[jJ]|\)\s*['\"]")                                       # Tj, TJ, ' and "
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")
_NEAR_WHITE = 245                # all channels at or above this (0..255) read as white paper
_COVER_TOLERANCE = 2.0           # points: an image covering a text box up to this margin covers it

# What a text layer over a scan must agree on with OCR of the image: dates and registration-number
# tails (the serial digits "/year" of EAEU numbers, the "Н12345"/"В.01234" serial of GOST R ones).
_DATE = re.compile(r"\b(\d{2})[./](\d{2})[./](\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")
_SERIAL = re.compile(r"(\d{4,6})\s*/\s*(\d{2})\b|[.\s][ВBНH]\.?(\d{5})\b")


def _white(content: bytes, at: int, operator: bytes) -> bool:
    """Is the fill colour set by `operator` at byte `at` white? (its operands are the words before it)"""
    count = _OPERANDS.get(operator)
    if count is None:
        return False   # sc/scn: a colour space of its own; pdfium will tell when something else points here
    try:
        operands = content[max(0, at - 40):at].split()[-count:]
        if not operands or operands[0][:1] not in b"1.0":
            return False
        numbers = [float(v) for v in operands]
    except ValueError:
        return False
    if operator in (b"g", b"rg"):
        return len(numbers) == (1 if operator == b"g" else 3) and all(v >= 0.96 for v in numbers)
    return len(numbers) == 4 and all(v <= 0.04 for v in numbers)


def _invisible_mode(content: bytes) -> bool:
    """A `3 Tr` or `7 Tr` operator (not the end of `13 Tr` or `0.3 Tr`)."""
    return any(m.start() == 0 or content[m.start() - 1] not in b"0123456789.-+" for m in _INVISIBLE_MODE.finditer(content))


def may_hide_text(content: bytes, form_content: Callable[[str], bytes | None] = lambda name: None) -> frozenset[str]:
    """Could this page content hide text? One pass of regexes over the content bytes (the common
    page answers no and costs nothing more): an invisible render mode; text shown in white before
    the fill colour changes again; text shown before an XObject is drawn (it may lie under an
    image); a form XObject (`form_content(name)` gives its stream, None for an image) that shows
    text itself. Returns the hints found (empty: nothing can hide), which tell page_visibility
    what to look at: "render_mode", "white", "under_image", "form"."""
    hints = set()
    if _invisible_mode(content):
        hints.add("render_mode")
    fills = list(_FILL.finditer(content))
    for i, fill in enumerate(fills):
        if _white(content, fill.start(), fill.group(1)):
            end = fills[i + 1].start() if i + 1 < len(fills) else len(content)
            if _SHOW.search(content, fill.end(), end):
                hints.add("white")
                break
    draws = list(_DO.finditer(content))
    first_show = _SHOW.search(content)
    if draws and first_show and first_show.start() < draws[-1].start():
        hints.add("under_image")
    for draw in draws:
        inner = form_content(draw.group(1).decode("latin-1"))
        if inner and (_SHOW.search(inner) or _invisible_mode(inner)):
            hints.add("form")
            break
    return frozenset(hints)


@dataclass
class PageVisibility:
    """A page's text sorted by who can see it. Texts are joined line by line, top to bottom."""
    visible: str = ""
    image_layer: str = ""          # invisible text over a page image (a scanner's OCR layer)
    hidden_chars: int = 0          # characters nobody sees and that are no image layer
    # The image layer's lines that give a date or a number (PDF points, origin bottom left), and the
    # page's size and rotation: OCR of just these regions checks the layer (None: check the whole page).
    fact_boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    size: tuple[float, float] = (0.0, 0.0)
    rotation: int = 0
    reasons: set[str] = field(default_factory=set)   # "render_mode", "background", "off_page"


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


def _bounds(raw, pdfium_c) -> tuple[float, float, float, float] | None:
    box = [ctypes.c_float() for _ in range(4)]
    if not pdfium_c.FPDFPageObj_GetBounds(raw, *(ctypes.byref(v) for v in box)):
        return None   # pdfium cannot place it: treat as nowhere
    return box[0].value, box[1].value, box[2].value, box[3].value


def _objects(page_raw, pdfium_c, depth: int = 8):
    """(raw handle, type) of a page's objects in drawing order, those inside forms included."""
    def walk(count, get, level):
        for k in range(count):
            obj = get(k)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < depth:
                yield from walk(pdfium_c.FPDFFormObj_CountObjects(obj), lambda n, o=obj: pdfium_c.FPDFFormObj_GetObject(o, n), level + 1)
            else:
                yield obj, kind

    yield from walk(pdfium_c.FPDFPage_CountObjects(page_raw), lambda n: pdfium_c.FPDFPage_GetObject(page_raw, n), 0)


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


Box = tuple[float, float, float, float]


def _lines(pieces: list[tuple[Box, str]]) -> list[tuple[Box, str]]:
    """Text objects in reading order: top to bottom, objects whose baselines are close make a line;
    each line with the box around its objects."""
    lines: list[tuple[float, list[tuple[Box, str]]]] = []
    for box, text in sorted(pieces, key=lambda p: (-p[0][3], p[0][0])):
        height = max(box[3] - box[1], 1.0)
        if lines and abs(lines[-1][0] - box[1]) <= height * 0.5:
            lines[-1][1].append((box, text))
        else:
            lines.append((box[1], [(box, text)]))
    out = []
    for _, parts in lines:
        parts.sort(key=lambda p: p[0][0])
        box = (min(b[0] for b, _ in parts), min(b[1] for b, _ in parts), max(b[2] for b, _ in parts), max(b[3] for b, _ in parts))
        out.append((box, " ".join(t for _, t in parts)))
    return out


def _join_lines(pieces: list[tuple[Box, str]]) -> str:
    return "\n".join(text for _, text in _lines(pieces))


def _background(i: int, box, shapes) -> tuple[int, int, int]:
    """The colour under text object `i`: the last filled shape drawn before it that covers it, else paper white."""
    for j, b, colour in reversed(shapes):
        if j < i and colour and colour[3] > 0 and _covers(b, box):
            return colour[:3]
    return (255, 255, 255)


def _hidden_how(i: int, raw, box, page_size, images, shapes, look_at_colour: bool, pdfium_c) -> str:
    """"" (visible), "layer" (invisible text over a page image), or why nobody sees it."""
    under_image = any(_overlaps(b, box) for _, b in images)
    covered = any(j > i and _covers(b, box) for j, b in images)
    mode = pdfium_c.FPDFTextObj_GetTextRenderMode(raw)
    if (mode in _INVISIBLE_MODES or covered) and under_image:
        return "layer"
    if mode in _INVISIBLE_MODES:
        return "render_mode"
    width, height = page_size
    if box[2] < 0 or box[3] < 0 or box[0] > width or box[1] > height:
        return "off_page"
    if not look_at_colour or mode not in (0, 4) or under_image:
        return ""
    fill = _fill(raw, pdfium_c)
    if fill is None:
        return ""
    if fill[3] == 0:
        return "background"   # fully transparent
    background = _background(i, box, shapes)
    if all(c >= _NEAR_WHITE for c in fill[:3]) and all(c >= _NEAR_WHITE for c in background) \
            or all(abs(a - b) <= 8 for a, b in zip(fill[:3], background)):
        return "background"
    return ""


def page_visibility(pdf, index: int, hints: frozenset[str] = frozenset({"white"})) -> PageVisibility:
    """Sort page `index` (0-based) of an open pypdfium2 PdfDocument into visible text, an image
    layer and hidden text; `hints` from may_hide_text (text colours are only compared with what is
    under them on a "white" or "form" hint: the costly part on pages of a thousand glyphs). When nothing is hidden the result is empty (hidden_chars 0, no layer)
    and no text is taken out: the caller keeps its own. Raises whatever pdfium raises on a broken
    page (the caller notes it)."""
    import pypdfium2.raw as pdfium_c

    page = pdf[index]
    textpage = None
    try:
        size = page.get_size()
        objects = list(_objects(page.raw, pdfium_c))
        colour = bool(hints & {"white", "form"})
        images = [(i, b) for i, (o, kind) in enumerate(objects) if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE and (b := _bounds(o, pdfium_c))]
        shapes = [(i, b, _fill(o, pdfium_c)) for i, (o, kind) in enumerate(objects)
                  if colour and kind == pdfium_c.FPDF_PAGEOBJ_PATH and _filled(o, pdfium_c) and (b := _bounds(o, pdfium_c))]
        texts = [(obj, box, _hidden_how(i, obj, box, size, images, shapes, colour, pdfium_c)) for i, (obj, kind) in enumerate(objects)
                 if kind == pdfium_c.FPDF_PAGEOBJ_TEXT and (box := _bounds(obj, pdfium_c))]
        result = PageVisibility()
        if not any(how for _, _, how in texts):
            return result
        textpage = page.get_textpage()
        visible, layer = [], []
        for obj, box, how in texts:
            text = _text_of(obj, textpage, pdfium_c).strip()
            if not text:
                continue
            if how == "layer":
                layer.append((box, text))
            elif how:
                result.hidden_chars += len(text)
                result.reasons.add(how)
            else:
                visible.append((box, text))
        result.visible = _join_lines(visible)
        lines = _lines(layer)
        result.image_layer = "\n".join(text for _, text in lines)
        result.fact_boxes = [box for box, text in lines if key_facts(text)]
        result.size, result.rotation = size, page.get_rotation()
        return result
    finally:
        if textpage is not None:
            textpage.close()
        page.close()


STRIP_MARGIN_PT = (24.0, 6.0)   # around each line cropped for OCR: horizontal, vertical (points)


def fact_strip(image, boxes: list[Box], size: tuple[float, float]):
    """The lines at `boxes` (PDF points, origin bottom left) cut out of the rendered page `image`
    (a PIL image of the whole, unrotated page) and stacked into one white strip, for one short OCR."""
    from PIL import Image

    scale = image.width / size[0] if size[0] else 1.0
    crops = []
    for left, bottom, right, top in boxes:
        dx, dy = STRIP_MARGIN_PT
        box = (max(0, int((left - dx) * scale)), max(0, int((size[1] - top - dy) * scale)),
               min(image.width, int((right + dx) * scale)), min(image.height, int((size[1] - bottom + dy) * scale)))
        if box[2] > box[0] and box[3] > box[1]:
            crops.append(image.crop(box))
    gap = int(12 * scale)
    strip = Image.new(image.mode, (max((c.width for c in crops), default=1) + 2 * gap,
                                   sum(c.height + gap for c in crops) + gap), "white" if image.mode != "L" else 255)
    y = gap
    for crop in crops:
        strip.paste(crop, (gap, y))
        y += crop.height + gap
    strip.info.update(image.info)
    return strip
