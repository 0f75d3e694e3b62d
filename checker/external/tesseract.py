"""The one place that talks to tesseract (through pytesseract).

* ``tesseract_status()`` - is tesseract usable, which version, which language data is missing
  and which Debian package provides it.
* ``recognise()`` - one OCR run; TSV output gives words, per-word confidences and layout in one call.
* ``orientation()`` - one OSD run (``--psm 0``): how to rotate the page and which script it is in.
* ``private_tempdir()`` - pytesseract writes the page image to ``tempfile.gettempdir()``; KYC scans
  hold passports, so every run happens inside a 0700 folder that is removed afterwards.

Errors are typed: ``OcrTimeout`` (tesseract was killed at the time limit), ``OcrFailed`` (tesseract
ran and failed), ``TesseractUnavailable`` (not installed / too old - an environment problem).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

# Tesseract's OpenMP threading costs more than it gains on small boxes: on 2 cores one page took
# ~1.1-1.5 s with one thread and 3.5-5 s with the default. Must be set before tesseract starts;
# pytesseract passes os.environ to the child process, so setting it at import is enough.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import pytesseract  # noqa: E402  (after OMP_THREAD_LIMIT on purpose)
from checker.analysis.scripts import is_cjk_text  # noqa: E402
from PIL import Image  # noqa: E402

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "MIN_VERSION",
    "OSD_MIN_CHARACTERS",
    "REQUIRED_LANGS",
    "OcrError",
    "OcrFailed",
    "OcrTimeout",
    "Orientation",
    "Recognition",
    "TesseractUnavailable",
    "ToolStatus",
    "Word",
    "installed_languages",
    "lang_package",
    "orientation",
    "private_tempdir",
    "OCR_TEMP_PREFIX",
    "share_slots",
    "page_threads",
    "tesseract_slot",
    "recognise",
    "require_tesseract",
    "tesseract_status",
]

REQUIRED_LANGS: tuple[str, ...] = ("rus", "eng", "chi_sim", "osd")
MIN_VERSION = (4, 0)  # LSTM engine, TSV output and word confidences all need tesseract 4
TESSERACT_PACKAGE = "tesseract-ocr"
DEFAULT_TIMEOUT_S = 60.0


# --------------------------------------------------------------------------- errors


class OcrError(Exception):
    """Base class of everything this module raises."""


class OcrFailed(OcrError):
    """Tesseract ran but failed on this input (bad image, missing language data, crash)."""


class OcrTimeout(OcrError):
    """Tesseract did not finish within the time limit and was killed."""


class TesseractUnavailable(OcrError):
    """Tesseract is not installed, not runnable or older than 4.0. str() says what to install."""


# --------------------------------------------------------------------------- status


def lang_package(lang: str) -> str:
    """Debian package holding a tesseract language: ``chi_sim`` -> ``tesseract-ocr-chi-sim``."""
    return f"{TESSERACT_PACKAGE}-{lang.strip().lower().replace('_', '-')}"


@dataclass(frozen=True)
class ToolStatus:
    available: bool  # binary found, runs, version >= 4
    version: str | None
    languages: tuple[str, ...] = ()
    missing_langs: tuple[str, ...] = ()
    message: str = ""

    @property
    def engine_id(self) -> str:
        """Version and language data: part of the facts' cache key (new data, new OCR)."""
        return f"tesseract {self.version} [{','.join(sorted(self.languages))}]"

    @property
    def ok(self) -> bool:
        """Usable with every required language."""
        return self.available and not self.missing_langs


def _version_tuple(version: object) -> tuple[int, ...]:
    nums = re.findall(r"\d+", str(version))
    return tuple(int(n) for n in nums[:3])


def version_refusal(version: str) -> str | None:
    """Why this tesseract version cannot be used, or None when it can."""
    if _version_tuple(version) >= MIN_VERSION:
        return None
    return (
        f"tesseract {version} is too old: doccheck needs {MIN_VERSION[0]}.{MIN_VERSION[1]} or newer "
        f"(LSTM engine, per-word confidences); install {TESSERACT_PACKAGE} from Debian 10 or later"
    )


def _install_hint(langs: Sequence[str]) -> str:
    return " ".join([TESSERACT_PACKAGE, *(lang_package(l) for l in langs)])


def tesseract_status(required_langs: Sequence[str] = REQUIRED_LANGS) -> ToolStatus:
    """Probe tesseract (two short subprocess calls; not cached, so it reflects installs made since)."""
    required = tuple(dict.fromkeys(l for l in required_langs if l))
    try:
        raw_version = pytesseract.get_tesseract_version()
    except pytesseract.TesseractNotFoundError:
        return ToolStatus(
            False, None, missing_langs=required,
            message=f"tesseract is not installed or not on PATH: apt-get install {_install_hint(required)}",
        )
    except SystemExit as exc:  # pytesseract exits on versions it cannot parse or older than 3.05
        return ToolStatus(
            False, None, missing_langs=required,
            message=f"unsupported tesseract ({str(exc).strip()}); doccheck needs tesseract "
            f"{MIN_VERSION[0]}.{MIN_VERSION[1]} or newer: apt-get install {_install_hint(required)}",
        )
    except OSError as exc:
        return ToolStatus(False, None, missing_langs=required, message=f"cannot run tesseract: {exc}")
    version = str(raw_version)
    refusal = version_refusal(version)
    if refusal:
        return ToolStatus(False, version, missing_langs=required, message=refusal)
    try:
        languages = tuple(sorted(pytesseract.get_languages()))
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        return ToolStatus(False, version, missing_langs=required, message=f"cannot list tesseract languages: {exc}")
    missing = tuple(l for l in required if l not in languages)
    if missing:
        message = (
            f"tesseract {version} lacks language data for {', '.join(missing)}: "
            f"apt-get install {' '.join(lang_package(l) for l in missing)}"
        )
    else:
        message = f"tesseract {version} with languages {', '.join(languages)}"
    return ToolStatus(True, version, languages, missing, message)


@lru_cache(maxsize=1)
def _usable_status() -> ToolStatus:
    return tesseract_status(())


def require_tesseract() -> None:
    """Raise TesseractUnavailable (saying what to install) unless tesseract >= 4 runs. Cached."""
    status = _usable_status()
    if not status.available:
        _usable_status.cache_clear()  # let a later call see a fresh install
        raise TesseractUnavailable(status.message)


_languages: frozenset[str] | None = None


def installed_languages() -> frozenset[str]:
    """Language data tesseract can load (cached for the process once tesseract answered)."""
    global _languages
    if _languages is None:
        require_tesseract()
        try:
            _languages = frozenset(pytesseract.get_languages())
        except (pytesseract.TesseractNotFoundError, OSError) as exc:
            raise TesseractUnavailable(f"cannot list tesseract languages: {exc}") from exc
    return _languages


# --------------------------------------------------------------------------- temp files

OCR_TEMP_PREFIX = "doccheck-ocr-"
_tmp_lock = threading.Lock()
_tmp_depth = 0
_tmp_path: str | None = None
_tmp_saved: str | None = None


@contextmanager
def private_tempdir() -> Iterator[Path]:
    """Point ``tempfile.tempdir`` at a fresh 0700 folder for the duration; remove it on exit.

    ``tempfile.tempdir`` is process-wide, so nested and concurrent (threaded) uses share one folder,
    reference-counted: it is created by the first entry and removed, with whatever is left in it,
    when the last one exits - also when that exit is an exception.
    """
    global _tmp_depth, _tmp_path, _tmp_saved
    with _tmp_lock:
        if _tmp_depth == 0:
            _tmp_saved = tempfile.tempdir
            # mkdtemp creates it 0700; the pid lets a later run remove it if this one is killed at once
            path = tempfile.mkdtemp(prefix=f"{OCR_TEMP_PREFIX}{os.getpid()}-")
            os.chmod(path, 0o700)
            _tmp_path = path
            tempfile.tempdir = path
        _tmp_depth += 1
        path = _tmp_path
    assert path is not None
    try:
        yield Path(path)
    finally:
        with _tmp_lock:
            _tmp_depth -= 1
            if _tmp_depth == 0:
                tempfile.tempdir = _tmp_saved
                _tmp_path = _tmp_saved = None
                shutil.rmtree(path, ignore_errors=True)
                if os.path.exists(path):
                    log.warning("could not remove temporary folder %s", path)


# --------------------------------------------------------------------------- slots

# How many pages tesseract may read at once across all worker processes (the scan's --jobs), so a
# worker holding a many-page scan borrows the cores other workers leave idle, and no more than
# --jobs tesseract processes ever run. A slot is a flock()ed file: a worker killed at its deadline
# frees its slot by dying (a semaphore it held would stay taken for the rest of the scan).
_slots: tuple[str, int] | None = None
SLOT_POLL_S = 0.02


def share_slots(directory: str | None, count: int) -> None:
    """Set before the workers fork (they inherit it); None or a count of 1: one page at a time."""
    global _slots
    _slots = (directory, count) if directory and count > 1 else None


def page_threads() -> int:
    """How many pages of one file to OCR at once: the slot count (1 outside a shared pool)."""
    return _slots[1] if _slots else 1


@contextmanager
def tesseract_slot() -> Iterator[None]:
    """Hold one slot for a page's tesseract runs; wait for one when all are taken."""
    if _slots is None:
        yield
        return
    import fcntl

    directory, count = _slots
    while True:
        for index in range(count):
            fd = os.open(os.path.join(directory, f"slot-{index}"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
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


# --------------------------------------------------------------------------- running tesseract


def _lang_arg(langs: str | Sequence[str]) -> str:
    parts = langs.split("+") if isinstance(langs, str) else list(langs)
    parts = [p.strip() for p in parts if p and p.strip()]
    if not parts:
        raise ValueError("no tesseract language given")
    return "+".join(dict.fromkeys(parts))


def _remaining(timeout_s: float | None) -> float:
    """pytesseract's timeout: 0 means none, so a spent budget must not reach it."""
    if timeout_s is None:
        return 0
    if timeout_s <= 0:
        raise OcrTimeout("no time left for tesseract")
    return float(timeout_s)


def _prepared(image: Image.Image) -> Image.Image:
    """A private copy in L or RGB, handed to tesseract as uncompressed TIFF.

    Per A4 page at 300 dpi: TIFF costs ~35 ms to write and nothing to read; PNG ~80 ms (clean render,
    more for noisy scans) to write; PGM is cheap to write but leptonica needs ~160 ms to read it.
    """
    if not isinstance(image, Image.Image):
        raise OcrFailed(f"not an image: {type(image).__name__}")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        img = flat
    elif image.mode in ("L", "RGB"):
        img = image.copy()
    elif image.mode in ("1", "I", "F") or image.mode.startswith("I;16"):
        img = image.convert("L")
    else:
        img = image.convert("RGB")
    img.format = "TIFF"  # pytesseract saves the temp image in image.format
    return img


def _run(func, *args, **kwargs):
    """Call a pytesseract function, translating its exceptions into ours."""
    require_tesseract()
    try:
        with private_tempdir():
            return func(*args, **kwargs)
    except pytesseract.TesseractNotFoundError as exc:
        _usable_status.cache_clear()
        raise TesseractUnavailable(f"tesseract is not installed or not on PATH: apt-get install {TESSERACT_PACKAGE}") from exc
    except pytesseract.TesseractError as exc:  # subclass of RuntimeError: test before the timeout case
        raise OcrFailed(f"tesseract failed: {exc.message or exc.status}") from exc
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise OcrTimeout("tesseract timed out and was killed") from exc
        raise OcrFailed(f"tesseract failed: {exc}") from exc
    except SystemExit as exc:  # pytesseract's version gate
        raise TesseractUnavailable(f"unsupported tesseract: {exc}") from exc
    except (OSError, TypeError, ValueError) as exc:
        raise OcrFailed(f"tesseract failed: {type(exc).__name__}: {exc}") from exc


@dataclass(frozen=True)
class Word:
    text: str
    conf: float  # 0-100
    left: int
    top: int
    width: int
    height: int
    block: int
    par: int
    line: int


@dataclass(frozen=True)
class Recognition:
    text: str
    mean_confidence: float  # mean of word confidences >= 0; 0.0 when no words
    words: tuple[Word, ...] = field(repr=False)
    langs: str
    psm: int
    elapsed_s: float


_is_cjk = is_cjk_text


def _join_words(words: Sequence[str]) -> str:
    """Words of one line; no space between two CJK characters (tesseract splits Chinese runs)."""
    out = ""
    for w in words:
        if out and not (_is_cjk(out[-1]) and _is_cjk(w[0])):
            out += " "
        out += w
    return out


def _parse_tsv(tsv: str) -> list[Word]:
    words: list[Word] = []
    lines = tsv.splitlines()
    if not lines:
        return words
    header = lines[0].split("\t")
    try:
        idx = {name: header.index(name) for name in
               ("level", "block_num", "par_num", "line_num", "left", "top", "width", "height", "conf", "text")}
    except ValueError:
        raise OcrFailed("unexpected tesseract TSV header") from None
    for row in lines[1:]:
        cols = row.split("\t")
        if len(cols) < len(header) - 1 or cols[idx["level"]] != "5":
            continue
        text = cols[idx["text"]] if len(cols) > idx["text"] else ""
        text = unicodedata.normalize("NFC", text.strip())
        if not text:
            continue
        try:
            words.append(Word(
                text=text,
                conf=float(cols[idx["conf"]]),
                left=int(cols[idx["left"]]), top=int(cols[idx["top"]]),
                width=int(cols[idx["width"]]), height=int(cols[idx["height"]]),
                block=int(cols[idx["block_num"]]), par=int(cols[idx["par_num"]]), line=int(cols[idx["line_num"]]),
            ))
        except ValueError:
            continue
    return words


def _text_from_words(words: Sequence[Word]) -> str:
    """Lines from block/par/line numbers; a blank line between paragraphs and blocks."""
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


def recognise(
    image: Image.Image,
    langs: str | Sequence[str],
    psm: int = 3,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
    *,
    dpi: int | None = None,
) -> Recognition:
    """OCR one image with tesseract's LSTM engine.

    ``langs``: ``"rus+eng"`` or ``("rus", "eng")``. ``timeout_s``: wall-clock limit for the tesseract
    process (None = no limit). ``dpi``: pass only when known (rendered PDF pages); otherwise
    tesseract estimates it from the text. Raises OcrTimeout, OcrFailed, TesseractUnavailable.
    """
    lang = _lang_arg(langs)
    timeout = _remaining(timeout_s)
    config = f"--psm {int(psm)}"
    if dpi and 70 <= int(dpi) <= 2400:
        config += f" --dpi {int(dpi)}"
    img = _prepared(image)
    t0 = time.perf_counter()
    tsv = _run(pytesseract.image_to_data, img, lang=lang, config=config, timeout=timeout)
    elapsed = time.perf_counter() - t0
    words = _parse_tsv(tsv)
    confs = [w.conf for w in words if w.conf >= 0]
    mean = sum(confs) / len(confs) if confs else 0.0
    return Recognition(_text_from_words(words), round(mean, 2), tuple(words), lang, int(psm), round(elapsed, 3))


@dataclass(frozen=True)
class Orientation:
    rotate: int  # degrees to turn the image clockwise to make it upright: 0, 90, 180, 270
    orientation_confidence: float
    script: str  # tesseract's script name: "Cyrillic", "Han", "Latin", "Japanese", ...
    script_confidence: float
    elapsed_s: float = 0.0


_OSD_FIELDS = {
    "Rotate": "rotate",
    "Orientation confidence": "oconf",
    "Script": "script",
    "Script confidence": "sconf",
}


def _parse_osd(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in _OSD_FIELDS:
            found[_OSD_FIELDS[key.strip()]] = value.strip()
    return found


# OSD classifies up to 5x this many blobs in all four orientations, and gives up below it.
# Tesseract's default of 50 made OSD cost 0.6-0.7 s on a 7-line page (twice the OCR run) and about
# 1.1 s on a full A4 page; at 25 it took ~25 % less, every rotation in the test set (30 pages x
# 0/90/180) stayed right, and orientation confidence on full pages stayed >= 4.9. At 15 it was
# ~35 % faster but a Chinese page fell to 2.2, at the edge of what checker.reading.ocr trusts.
OSD_MIN_CHARACTERS = 25


def orientation(
    image: Image.Image,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
    *,
    dpi: int | None = None,
    min_characters: int = OSD_MIN_CHARACTERS,
) -> Orientation | None:
    """Orientation and script detection (``--psm 0``).

    None when OSD cannot decide (fewer than ``min_characters`` characters) or fails; raises
    OcrTimeout at the time limit and TesseractUnavailable when tesseract itself is missing.
    """
    timeout = _remaining(timeout_s)
    config = f"-c min_characters_to_try={int(min_characters)}"
    if dpi and 70 <= int(dpi) <= 2400:
        config += f" --dpi {int(dpi)}"
    img = _prepared(image)
    t0 = time.perf_counter()
    try:
        out = _run(pytesseract.image_to_osd, img, config=config, timeout=timeout)
    except OcrFailed as exc:
        log.debug("OSD gave no answer: %s", exc)
        return None
    elapsed = time.perf_counter() - t0
    found = _parse_osd(out)
    try:
        rotate = int(float(found["rotate"])) % 360
        result = Orientation(
            rotate=rotate if rotate in (0, 90, 180, 270) else 0,
            orientation_confidence=float(found["oconf"]),
            script=found["script"],
            script_confidence=float(found["sconf"]),
            elapsed_s=round(elapsed, 3),
        )
    except (KeyError, ValueError):
        log.debug("unparsable OSD output: %r", out)
        return None
    return result
