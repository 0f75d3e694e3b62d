"""OCR engines: the interface reading uses (``base.OcrEngine``) and the engines behind it.

``ENGINES`` names every engine by its ``id``; ``engine()`` makes one. Only the engine modules
here (and the program wrappers in ``checker/external/`` they adapt) know which OCR program runs;
``reading.ocr``, ``reading.extract``, ``reading.preflight``, ``process.*`` and ``pipeline`` ask
an engine. A new engine is one module here plus one line in ``ENGINES`` (docs/ocr.md).
"""

from __future__ import annotations

from importlib import import_module

from .base import (
    EngineStatus,
    EngineUnavailable,
    OcrEngine,
    OcrError,
    OcrFailed,
    OcrTimeout,
    OcrWorkspace,
    Orientation,
    Recognition,
    Word,
    private_tempdir,
    text_from_words,
)

__all__ = [
    "DEFAULT_ENGINE", "ENGINES", "EngineStatus", "EngineUnavailable", "OcrEngine", "OcrError", "OcrFailed",
    "OcrTimeout", "OcrWorkspace", "Orientation", "Recognition", "Word", "engine", "engine_id", "private_tempdir",
    "text_from_words",
]

#: engine id -> "module:class" (imported only when that engine is used)
ENGINES: dict[str, str] = {
    "tesseract": "checker.reading.engines.tesseract:TesseractEngine",
}
DEFAULT_ENGINE = "tesseract"


def engine(name: str = DEFAULT_ENGINE) -> OcrEngine:
    """A new engine object for ``name`` (an ``ENGINES`` key). Raises KeyError for an unknown name."""
    module, _, cls = ENGINES[name].partition(":")
    return getattr(import_module(module), cls)()


def engine_id(ocr: bool, name: str = DEFAULT_ENGINE) -> str:
    """The engine's part of the facts' cache key: ``""`` when OCR is off, else the probed
    ``"<id> <version> [<languages>]"`` (``"tesseract 5.3.0 [chi_sim,eng,osd,rus]"``)."""
    return engine(name).status().engine_id if ocr else ""
