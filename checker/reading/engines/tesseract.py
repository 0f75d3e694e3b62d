"""tesseract behind the OCR engine interface.

:class:`TesseractEngine` adapts ``checker.external.tesseract`` (the one module that runs the
tesseract program) to :class:`checker.reading.engines.base.OcrEngine`. It holds no state of its
own: the probe results ``checker.external.tesseract`` memoises (is it installed, which language
data) are facts about the machine, not about a scan.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from PIL import Image

from ...external import tesseract as _tesseract
from .base import Orientation, Recognition


class TesseractEngine:
    """tesseract >= 4.0 (LSTM), run as a subprocess per read.

    ``id``: ``"tesseract"``. ``required_langs``: the language data a full scan needs
    (``rus``, ``eng``, ``chi_sim`` and ``osd`` for orientation); a probe reports the missing ones
    with the Debian package to install. Errors: ``checker.external.tesseract.TesseractUnavailable``
    (an ``EngineUnavailable``), ``OcrTimeout``, ``OcrFailed``.
    """

    id = "tesseract"
    required_langs: tuple[str, ...] = _tesseract.REQUIRED_LANGS

    def status(self, required_langs: Sequence[str] | None = None) -> _tesseract.ToolStatus:
        """Probe tesseract now: version, languages, what is missing (two short subprocess calls)."""
        return _tesseract.tesseract_status(self.required_langs if required_langs is None else required_langs)

    def require(self) -> None:
        """Raise TesseractUnavailable (naming the package) unless tesseract >= 4.0 runs."""
        _tesseract.require_tesseract()

    def languages(self) -> frozenset[str]:
        """Installed language data (``rus``, ``eng``, ``chi_sim``, ``osd``...)."""
        return _tesseract.installed_languages()

    def install_hint(self, langs: Sequence[str]) -> str:
        """``"apt-get install tesseract-ocr-rus tesseract-ocr-chi-sim"`` for ``("rus", "chi_sim")``."""
        return "apt-get install " + " ".join(_tesseract.lang_package(lang) for lang in langs)

    def recognise(self, image: Image.Image, langs: str | Sequence[str], psm: int = 3,
                  timeout_s: float | None = _tesseract.DEFAULT_TIMEOUT_S, *, dpi: int | None = None,
                  workdir: str | os.PathLike | None = None) -> Recognition:
        """One tesseract run with TSV output: text, words with confidences 0-100 and boxes."""
        return _tesseract.recognise(image, langs, psm, timeout_s, dpi=dpi, workdir=workdir)

    def orientation(self, image: Image.Image, timeout_s: float | None = _tesseract.DEFAULT_TIMEOUT_S, *,
                    dpi: int | None = None, workdir: str | os.PathLike | None = None) -> Orientation | None:
        """One OSD run (``--psm 0``, ``min_characters_to_try=25``); None when OSD cannot decide."""
        return _tesseract.orientation(image, timeout_s, dpi=dpi, workdir=workdir)
