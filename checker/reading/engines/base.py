"""The OCR engine interface: what reading asks of an engine, and the shapes it gets back.

An engine is a class with the members of :class:`OcrEngine`; ``checker.reading.ocr`` (the page
policy: which rotation, which languages, when to stop) talks to nothing else. Engines live in
``checker/reading/engines/<name>.py`` and are named in :data:`checker.reading.engines.ENGINES`;
the program they run, if any, is called from one module in ``checker/external/``.

Language names are tesseract's traineddata names (``rus``, ``eng``, ``chi_sim``, ``osd`` for
orientation data), joined with ``+`` (``"rus+eng"``); an engine with other names maps them.

This module holds no state: where an engine writes its temporary files (:class:`OcrWorkspace`)
and how many pages may be read at once are handed to it with each call.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:   # Pillow is imported where pages are rendered: a warm scan reads none
    from PIL import Image

log = logging.getLogger(__name__)

__all__ = [
    "EngineStatus",
    "EngineUnavailable",
    "OcrEngine",
    "OcrError",
    "OcrFailed",
    "OcrTimeout",
    "OcrWorkspace",
    "OCR_TEMP_PREFIX",
    "private_tempdir",
    "Orientation",
    "Recognition",
    "Word",
    "text_from_words",
    "mean_confidence",
    "word_spans",
]


# --------------------------------------------------------------------------- errors


class OcrError(Exception):
    """Base class of everything an engine raises."""


class OcrFailed(OcrError):
    """The engine ran but failed on this input (bad image, missing language data, crash)."""


class OcrTimeout(OcrError):
    """The engine did not finish within the time limit and was stopped."""


class EngineUnavailable(OcrError):
    """The engine is not installed, not runnable or too old: an environment problem, not the page's.
    str() says what to install."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Word:
    """One recognised word: its text (NFC), confidence 0-100 (-1: none given) and box in pixels
    of the image as given; block/par/line number the word's place in the page's layout."""
    text: str
    conf: float  # 0-100
    left: int
    top: int
    width: int
    height: int
    block: int
    par: int
    line: int


def text_from_words(words: Sequence[Word]) -> str:
    """A page's text from its words in reading order: one line per (block, par, line), a blank
    line between paragraphs and blocks; no space between two CJK characters (engines split Chinese
    runs into one word per character)."""
    out: list[str] = []
    current: list[str] = []
    key = None
    for w in words:
        k = (w.block, w.par, w.line)
        if key is not None and k != key:
            out.append(_join_words(current))
            if k[:2] != key[:2]:
                out.append("")
            current = []
        current.append(w.text)
        key = k
    if current:
        out.append(_join_words(current))
    return "\n".join(out).strip("\n")


def mean_confidence(words: Sequence[Word]) -> float:
    """The mean of the words' confidences (0-100), leaving out words without one (-1); 0.0 when none."""
    confs = [w.conf for w in words if w.conf >= 0]
    return sum(confs) / len(confs) if confs else 0.0


def word_spans(text: str, words: Sequence[Word]) -> list[tuple[int, int, Word]]:
    """Where each of ``words`` is in ``text`` (joined from them in order, as text_from_words does):
    (start, end, word) with [start, end) character offsets; a word not found is left out."""
    spans: list[tuple[int, int, Word]] = []
    pos = 0
    for w in words:
        start = text.find(w.text, pos)
        if start < 0:
            continue
        pos = start + len(w.text)
        spans.append((start, pos, w))
    return spans


def _join_words(words: Sequence[str]) -> str:
    from ...analysis.scripts import is_cjk_text

    out = ""
    for w in words:
        if out and not (is_cjk_text(out[-1]) and is_cjk_text(w[0])):
            out += " "
        out += w
    return out


@dataclass(frozen=True)
class Recognition:
    """One read of one image: the text (lines joined with newlines, a blank line between
    paragraphs), the mean of word confidences >= 0 (0.0 with no words), the words, the languages
    used (``"rus+eng"``), the page segmentation mode and the wall-clock seconds it took."""
    text: str
    mean_confidence: float  # mean of word confidences >= 0; 0.0 when no words
    words: tuple[Word, ...] = field(repr=False)
    langs: str
    psm: int
    elapsed_s: float


@dataclass(frozen=True)
class Orientation:
    """Orientation and script detection of one image."""
    rotate: int  # degrees to turn the image clockwise to make it upright: 0, 90, 180, 270
    orientation_confidence: float
    script: str  # script name: "Cyrillic", "Han", "Latin", "Japanese", ...
    script_confidence: float
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class EngineStatus:
    """What an engine's probe found. ``engine_id`` (name, version, language data) is the part of
    the facts' cache key that names the engine: other data, other facts."""
    available: bool  # the engine runs and is recent enough
    version: str | None
    languages: tuple[str, ...] = ()
    missing_langs: tuple[str, ...] = ()
    message: str = ""
    name: str = ""

    @property
    def engine_id(self) -> str:
        """``"<name> <version> [<languages, sorted, comma-separated>]"``, e.g.
        ``"tesseract 5.3.0 [chi_sim,eng,osd,rus]"``."""
        return f"{self.name} {self.version} [{','.join(sorted(self.languages))}]"

    @property
    def ok(self) -> bool:
        """Usable with every required language."""
        return self.available and not self.missing_langs


# --------------------------------------------------------------------------- the interface


@runtime_checkable
class OcrEngine(Protocol):
    """An OCR engine as reading uses it. Implementations hold no mutable state that a call
    depends on; everything a call needs (the image, languages, time limit, the folder for
    temporary files) is passed to it.

    Errors: :class:`OcrTimeout` at the time limit, :class:`OcrFailed` when the engine ran and
    failed, :class:`EngineUnavailable` when the engine itself cannot run (never about the page).
    """

    #: Short stable name, first word of the cache id: ``"tesseract"``.
    id: str

    def status(self, required_langs: Sequence[str] | None = None) -> EngineStatus:
        """Probe the engine now (not cached): version, installed languages, which of
        ``required_langs`` (default: the engine's own required set) are missing and a one-line
        message that names what to install."""
        ...

    def require(self) -> None:
        """Raise EngineUnavailable (saying what to install) unless the engine runs."""
        ...

    def languages(self) -> frozenset[str]:
        """Language data the engine can load; raises EngineUnavailable."""
        ...

    def install_hint(self, langs: Sequence[str]) -> str:
        """What to install to get ``langs``: ``"apt-get install tesseract-ocr-chi-sim"``."""
        ...

    def recognise(self, image: Image.Image, langs: str | Sequence[str], psm: int = 3,
                  timeout_s: float | None = 60.0, *, dpi: int | None = None,
                  workdir: str | os.PathLike | None = None) -> Recognition:
        """Read one image with ``langs`` (``"rus+eng"``). ``dpi`` only when known (rendered
        pages); ``workdir`` is the folder for the run's temporary files (a fresh private one
        when None). Raises OcrTimeout, OcrFailed, EngineUnavailable."""
        ...

    def orientation(self, image: Image.Image, timeout_s: float | None = 60.0, *, dpi: int | None = None,
                    workdir: str | os.PathLike | None = None) -> Orientation | None:
        """How to turn the image upright and which script it is in; None when the engine cannot
        decide or fails on this image. Raises OcrTimeout and EngineUnavailable."""
        ...


# --------------------------------------------------------------------------- where and how many

SLOT_POLL_S = 0.02


@dataclass(frozen=True)
class OcrWorkspace:
    """Where a reader's OCR runs keep their temporary files and how many pages it may OCR at once.

    ``tmpdir``: the folder under which each run makes its private 0700 folder (None: the system's
    temporary folder); the executor gives its workers one it removes after the last worker, so a
    worker killed at its deadline leaves no page image behind. ``slots_dir`` and ``slots``: how
    many pages may be OCR'd at once across every worker process of one scan (``--jobs``). A slot
    is a ``flock()``ed file in ``slots_dir``: a worker killed at its deadline frees its slot by
    dying (a semaphore it held would stay taken). Without ``slots_dir`` (or with one slot) pages
    are read one at a time and nothing is locked.

    Handed to workers inside their task (``ExtractSettings.workspace``), never through module
    state; not part of any cache key (where and how fast, never what is read).
    """
    tmpdir: str | None = None
    slots_dir: str | None = None
    slots: int = 1

    @property
    def pages_at_once(self) -> int:
        """How many pages of one file to OCR at once: the slot count (1 without shared slots)."""
        return self.slots if self.slots_dir and self.slots > 1 else 1

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for a page's OCR runs; wait (polling every 20 ms) while all are taken."""
        if self.pages_at_once <= 1:
            yield
            return
        import fcntl

        assert self.slots_dir is not None
        while True:
            for index in range(self.slots):
                fd = os.open(os.path.join(self.slots_dir, f"slot-{index}"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    continue
                try:
                    yield
                finally:
                    os.close(fd)   # closing the descriptor releases the lock
                return
            time.sleep(SLOT_POLL_S)


OCR_TEMP_PREFIX = "doccheck-ocr-"


@contextmanager
def private_tempdir(parent: str | os.PathLike | None = None) -> Iterator[Path]:
    """A fresh 0700 folder ``doccheck-ocr-<pid>-*`` inside ``parent`` (None: the system's
    temporary folder), removed with whatever is left in it on exit, an exception included.

    Page images of KYC scans hold passports: OCR writes them only into such a folder. Nothing
    process-wide changes (``tempfile.tempdir`` is left alone); the pid in the name lets a later
    run remove the folder of a run killed at once (``executor.remove_stale_tempdirs``).
    """
    path = tempfile.mkdtemp(prefix=f"{OCR_TEMP_PREFIX}{os.getpid()}-", dir=None if parent is None else os.fspath(parent))
    os.chmod(path, 0o700)   # mkdtemp makes it 0700 already; said again for a umask-proof guarantee
    try:
        yield Path(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if os.path.exists(path):
            log.warning("could not remove temporary folder %s", path)
