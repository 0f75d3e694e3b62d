"""The one place that runs the tesseract program (reading/engines/tesseract.py adapts it to the OCR engine interface).

* ``tesseract_status()`` - is tesseract usable, which version, which language data is missing
  and which Debian package provides it.
* ``recognise()`` - one OCR run; TSV output gives words, per-word confidences and layout in one call.
* ``orientation()`` - one OSD run (``--psm 0``): how to rotate the page and which script it is in.
* Every run writes the page image, and tesseract its output, into a private 0700 folder made for
  that run (inside the ``workdir`` the caller gives, else the system's temporary folder) and removed
  afterwards: KYC scans hold passports. tesseract is started here with ``subprocess`` (the command
  line pytesseract builds) and ``TMPDIR`` pointing at that folder; pytesseract is used only to
  probe the version and the language list, because its runs write into the process-wide
  ``tempfile.gettempdir()``, which only a process-wide rewrite could redirect. Nothing in this
  module changes process-wide state, except ``OMP_THREAD_LIMIT`` set once at import.

``checker.reading.engines.tesseract.TesseractEngine`` adapts this module to the OCR engine
interface; nothing else in doccheck imports it (``reading.preflight`` and ``process.cluster`` ask
the engine).

Errors are typed (the engine interface's, ``checker.reading.engines.base``): ``OcrTimeout``
(tesseract was killed at the time limit), ``OcrFailed`` (tesseract ran and failed),
``TesseractUnavailable`` (not installed / too old - an environment problem).
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# Tesseract's OpenMP threading costs more than it gains on small boxes: on 2 cores one page took
# ~1.1-1.5 s with one thread and 3.5-5 s with the default. Must be set before tesseract starts:
# _run passes it to every tesseract it starts; set here too for the probes pytesseract runs.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import pytesseract  # noqa: E402  (after OMP_THREAD_LIMIT on purpose)
from PIL import Image  # noqa: E402

from ..reading.engines.base import (  # noqa: E402
    OCR_TEMP_PREFIX,
    EngineStatus,
    EngineUnavailable,
    OcrError,
    OcrFailed,
    OcrTimeout,
    Orientation,
    Recognition,
    Word,
    private_tempdir,
    mean_confidence,
    text_from_words,
)

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
    "recognise",
    "require_tesseract",
    "tesseract_status",
]

REQUIRED_LANGS: tuple[str, ...] = ("rus", "eng", "chi_sim", "osd")
MIN_VERSION = (4, 0)  # LSTM engine, TSV output and word confidences all need tesseract 4
TESSERACT_PACKAGE = "tesseract-ocr"
DEFAULT_TIMEOUT_S = 60.0


# --------------------------------------------------------------------------- errors


class TesseractUnavailable(EngineUnavailable):
    """Tesseract is not installed, not runnable or older than 4.0. str() says what to install."""


# --------------------------------------------------------------------------- status


def lang_package(lang: str) -> str:
    """Debian package holding a tesseract language: ``chi_sim`` -> ``tesseract-ocr-chi-sim``."""
    return f"{TESSERACT_PACKAGE}-{lang.strip().lower().replace('_', '-')}"


@dataclass(frozen=True)
class ToolStatus(EngineStatus):
    """tesseract's status: ``available`` means the binary was found, runs and is >= 4.0;
    ``engine_id`` is ``"tesseract <version> [<languages>]"``."""
    name: str = "tesseract"


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
    """Probe tesseract (two short subprocess calls, run at the same time: 15 ms rather than 30; not
    cached, so it reflects installs made since)."""
    required = tuple(dict.fromkeys(l for l in required_langs if l))
    pool = ThreadPoolExecutor(1, thread_name_prefix="tesseract --list-langs")
    listing = pool.submit(pytesseract.get_languages)   # while the version is asked
    pool.shutdown(wait=False)
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
        languages = tuple(sorted(listing.result()))
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


# --------------------------------------------------------------------------- running tesseract


def _lang_arg(langs: str | Sequence[str]) -> str:
    parts = langs.split("+") if isinstance(langs, str) else list(langs)
    parts = [p.strip() for p in parts if p and p.strip()]
    if not parts:
        raise ValueError("no tesseract language given")
    return "+".join(dict.fromkeys(parts))


def _remaining(timeout_s: float | None) -> float:
    """The run's timeout in seconds, 0 meaning none, so a spent budget must not reach it."""
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
    img.format = "TIFF"  # _run saves the image in image.format
    return img


def _run(image: Image.Image, lang: str, config: str, extension: str, timeout: float,
         workdir: str | os.PathLike | None) -> str:
    """Run tesseract once on ``image`` (from ``_prepared``) and return the text of its ``extension``
    output (``tsv``, ``osd``), translating every failure into our errors.

    The command line is pytesseract's (``tesseract IMAGE BASE -l LANG CONFIG``). The image and the
    output live in a private folder made for this run inside ``workdir``; tesseract gets that
    folder as ``TMPDIR``. ``timeout``: seconds, 0 for none; at the limit tesseract is killed.
    """
    require_tesseract()
    with private_tempdir(workdir) as folder:
        base = folder / "tess"
        source = f"{base}_input.{image.format}"
        try:
            image.save(source, format=image.format)
        except (OSError, ValueError) as exc:
            raise OcrFailed(f"tesseract failed: the page image cannot be written ({type(exc).__name__}: {exc})") from exc
        command = [pytesseract.pytesseract.tesseract_cmd, source, str(base), "-l", lang, *shlex.split(config)]
        env = {**os.environ, "TMPDIR": str(folder), "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
        try:
            proc = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  env=env, timeout=timeout or None, check=False)
        except FileNotFoundError as exc:
            _usable_status.cache_clear()
            raise TesseractUnavailable(f"tesseract is not installed or not on PATH: apt-get install {TESSERACT_PACKAGE}") from exc
        except subprocess.TimeoutExpired as exc:   # subprocess.run has killed it
            raise OcrTimeout("tesseract timed out and was killed") from exc
        except OSError as exc:
            raise OcrFailed(f"tesseract failed: {type(exc).__name__}: {exc}") from exc
        if proc.returncode:
            errors = " ".join(proc.stderr.decode("utf-8", "replace").splitlines()).strip()
            raise OcrFailed(f"tesseract failed: {errors or proc.returncode}")
        try:
            return (folder / f"tess.{extension}").read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise OcrFailed(f"tesseract failed: no {extension} output ({type(exc).__name__})") from exc


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


def recognise(
    image: Image.Image,
    langs: str | Sequence[str],
    psm: int = 3,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
    *,
    dpi: int | None = None,
    workdir: str | os.PathLike | None = None,
) -> Recognition:
    """OCR one image with tesseract's LSTM engine.

    ``langs``: ``"rus+eng"`` or ``("rus", "eng")``. ``timeout_s``: wall-clock limit for the tesseract
    process (None = no limit). ``dpi``: pass only when known (rendered PDF pages); otherwise
    tesseract estimates it from the text. ``workdir``: the folder to make this run's private
    folder in (None: the system's temporary folder). Raises OcrTimeout, OcrFailed, TesseractUnavailable.
    """
    lang = _lang_arg(langs)
    timeout = _remaining(timeout_s)
    config = f"-c tessedit_create_tsv=1 --psm {int(psm)}"
    if dpi and 70 <= int(dpi) <= 2400:
        config += f" --dpi {int(dpi)}"
    img = _prepared(image)
    t0 = time.perf_counter()
    tsv = _run(img, lang, config, "tsv", timeout, workdir)
    elapsed = time.perf_counter() - t0
    words = _parse_tsv(tsv)
    return Recognition(text_from_words(words), round(mean_confidence(words), 2), tuple(words), lang, int(psm), round(elapsed, 3))


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
    workdir: str | os.PathLike | None = None,
) -> Orientation | None:
    """Orientation and script detection (``--psm 0``).

    None when OSD cannot decide (fewer than ``min_characters`` characters) or fails; raises
    OcrTimeout at the time limit and TesseractUnavailable when tesseract itself is missing.
    ``workdir`` as for ``recognise``.
    """
    timeout = _remaining(timeout_s)
    config = f"--psm 0 -c min_characters_to_try={int(min_characters)}"
    if dpi and 70 <= int(dpi) <= 2400:
        config += f" --dpi {int(dpi)}"
    img = _prepared(image)
    t0 = time.perf_counter()
    try:
        out = _run(img, "osd", config, "osd", timeout, workdir)
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
