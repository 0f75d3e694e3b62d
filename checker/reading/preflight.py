"""Before a scan: is the OCR engine there when the batch needs it? Said once, at the start."""

from __future__ import annotations

from pathlib import Path

from .discover import discover
from ..rules import Rules
from ..models import FileKind


def _needs_ocr(root: Path, rules: Rules) -> str | None:
    """The first file that would need OCR, or None. Only run when the OCR engine is missing."""
    # Reading modules imported here: this runs only when the engine is missing, never on a normal start.
    from .extract import TEXT_LAYER_MIN_LETTERS
    from .sniff import SNIFF_BYTES, kind_for_mime, open_pdf, sniff_mime
    from .textlayer import readable, score_layer

    found, _ = discover(root, rules.debris_files, rules.debris_dirs)
    for f in found:
        try:
            with open(f.abspath, "rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError:
            continue
        mime = sniff_mime(head)
        if kind_for_mime(mime) is FileKind.IMAGE:
            return f.relpath
        if mime == "application/pdf" and f.size < 64 * 2**20:
            try:
                data = Path(f.abspath).read_bytes()
            except OSError:
                continue
            structure = open_pdf(data)
            if structure.reader is None or structure.problem:
                continue
            try:
                text = structure.reader.pages[0].extract_text() or ""
            except Exception:
                continue
            if sum(ch.isalpha() for ch in text) < TEXT_LAYER_MIN_LETTERS or not readable(score_layer(text), rules.limits.text_layer):
                return f.relpath   # no layer, or one that is junk: the page is OCR'd
    return None


def check_ocr_available(root: Path, rules: Rules) -> tuple[str | None, str]:
    """(None, or one message naming what to install when a file needs OCR that cannot run;
    the engine id for the cache key, so the scan need not probe the engine again)."""
    from .engines import engine

    status = engine().status()
    needing = None if status.available and not status.missing_langs else _needs_ocr(root, rules)
    problem = f"{status.message} ({needing} needs OCR). Install it, or run with --no-ocr to skip scans." if needing else None
    return problem, status.engine_id
