"""Page OCR policy: orient, choose languages, run the OCR engine (tesseract by default) - cheapest path first.

The benchmark compares doccheck with one plain ``tesseract -l rus+eng`` run per page, so the
common case (an upright Russian/English page) must cost exactly one tesseract run:

profile "product" (EAC certificates, manuals - Russian and English):
  1. ``rus+eng`` at 0 deg; accept when confidence and share of real words are both good.
     A page with fewer than 3 words (blank, noise) stops here too.
  2. Otherwise one OSD run. If OSD is sure of the orientation, rotate and re-read with the
     languages of its script (Cyrillic -> rus+eng, Latin -> eng+rus, Han -> chi_sim+eng) - unless
     that is exactly what step 1 already did (an upright but poor scan costs 1 run + OSD). Still
     poor and OSD could not name the script: one chi_sim+eng read.
  3. If OSD cannot decide and step 1 was poor, read at 90/180/270 and keep the best; if all
     stay poor, one chi_sim+eng read at OSD's unsure rotation.

profile "kyc" (Chinese licences, passports, apostilles, Russian translations):
  1. OSD first; rotate when it is sure; languages from its script when that is sure
     (Han -> chi_sim+eng+rus: trilingual papers are common and rus costs little on a Chinese
     page), otherwise ``rus+eng+chi_sim`` (mixed pages are why OSD's script is unsure).
  2. Accept as above - but a read without chi_sim with many low-confidence words is re-read
     with ``rus+eng+chi_sim`` (Chinese blocks on a Russian/English page). A poor read is retried
     with that set, or, when OSD could not decide the orientation, at 90/180/270.

Every candidate is scored by mean confidence x share of real words; the best one is returned.
A page never raises for a time-out or a tesseract failure: ``OcrPage.timed_out`` / ``.error``
say what happened and ``.text`` holds the best text read before that. Only
``EngineUnavailable`` (the engine missing or too old) propagates: that is not about the page.

The engine is any ``checker.reading.engines.OcrEngine`` (tesseract by default); the policy below
speaks tesseract's language names and was tuned on tesseract's confidences.

Thresholds were set on tesseract 5.3 renders of A4 pages (clean, blurred + JPEG q30, faint,
photographed look, salt-and-pepper noise, 3 deg skew, 1400 px wide, sparse 2-3 line pages,
Russian / English / Chinese / trilingual), each at 0/90/180/270 deg; the numbers quoted below are
from those runs.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image

from ..analysis.scripts import is_cjk_text, is_cyrillic
from .engines import (
    EngineUnavailable,
    OcrEngine,
    OcrFailed,
    OcrTimeout,
    Orientation,
    Recognition,
    Word,
    engine as make_engine,
    private_tempdir,
)

log = logging.getLogger(__name__)

__all__ = ["OcrPage", "PROFILES", "ocr_image", "read_lines_again", "real_word_share", "turned", "is_real_word"]

PROFILES = ("product", "kyc")

# --- thresholds (see module docstring for the test set) -------------------------------------
# Accept the first read at >= 70: upright pages scored 93-96 (68 with heavy salt-and-pepper
# noise); pages turned 90/180 deg scored 29-56 and Chinese read as rus+eng 20-28.
ACCEPT_CONF = 70.0
# ...and >= 85 % real words: upright 92-100 %, turned pages at most 81 % (noisy upright 82 %).
ACCEPT_SHARE = 0.85
# "Poor" (worth trying other rotations when OSD cannot tell): below 60 - every turned page was
# <= 56 - or below 75 % real words; the noisy upright page (68, 82 %) is not poor.
POOR_CONF = 60.0
POOR_SHARE = 0.75
# OSD orientation confidence to act on (OSD run with min_characters_to_try=25): full pages gave
# 4.9-15.5, 2-3 line pages 2.5-4 (rotation still right), sparse Chinese 0.3-0.6 (also right, but
# with the script wrong). Below 2 we probe rotations instead of trusting it.
MIN_ORIENT_CONF = 2.0
# OSD script confidence to pick languages by: Cyrillic pages 3.5-13, Latin 5.6-18; a trilingual
# page said "Latin" at up to 2.3 and a sparse Chinese page "Latin" at <= 0.83, both wrong.
MIN_SCRIPT_CONF = 3.0
# Han is always a close call against Japanese (same ideographs): Chinese pages gave 0.1-1.0, and
# no Russian/English page was ever labelled Han - so the label alone is enough.
MIN_HAN_SCRIPT_CONF = 0.0
# Fewer words than this at 0 deg: nothing to orient. Blank and noise-only pages gave 0 words, and
# turned pages read about as many (garbage) words as upright ones (2-line pages: 9-14), so a blank
# page costs one run instead of one run + OSD + three probes.
MIN_WORDS_TO_ORIENT = 3
# kyc: a good read without chi_sim that still has >= 10 % words under confidence 50 probably has
# Chinese on it: clean pages had 0-1.4 % such words, the trilingual page read as rus+eng 16 %.
MIXED_LOW_WORDS = 0.10

# A page whose ink changes this many times more often across its columns than down its rows has
# its text lines running up the page (stored turned by 90 or 270 degrees): OSD is asked first
# instead of after a read at 0 degrees, which on such a page is slow garbage (5.4 s of a turned
# 200-dpi certificate's 9.9 s). Measured on 102 page images (the sample and case scans and photos,
# the benchmark's pages): upright pages scored 0.32-1.06 (a photo with a dark background),
# pages stored turned 1.79 and 2.59; the same pages turned by 90 degrees scored 0.39-9.6, 88 of
# 102 above 1.25. A page missed here is read as before; a page wrongly caught costs one OSD run.
SIDEWAYS_RATIO = 1.25
_PROFILE_STEP = 4   # px of the page per profile sample: a text line at 150-300 dpi spans 5-15

FIRST_LANGS = "rus+eng"
HAN_SCRIPTS = frozenset({"Han", "HanS", "HanT", "Japanese"})
SCRIPT_LANGS = {
    "product": {"Cyrillic": "rus+eng", "Latin": "eng+rus", "Han": "chi_sim+eng"},
    "kyc": {"Cyrillic": "rus+eng", "Latin": "eng+rus", "Han": "chi_sim+eng+rus"},
}
UNSURE_LANGS = {"product": "rus+eng", "kyc": "rus+eng+chi_sim"}

# Image.transpose() that turns an image clockwise by the key
_CLOCKWISE = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


# --- "real word" test -------------------------------------------------------------------------

_ALPHA_WORD = re.compile(r"^(?:[A-Za-z]+|[А-Яа-яЁё]+)$")  # one script, letters only
_NUMBER = re.compile(r"^[+\-]?\d+(?:[.,:/\-]\d+)*%?$")  # 12, 15.06.2023, 2014/35, 8516-71
_CODE = re.compile(r"^[A-ZА-ЯЁ0-9]+(?:[.\-/][A-ZА-ЯЁ0-9]+)*$")  # RA.RU.11АЯ46, KT-1720, 91440300MA5ABCDE12
_VOWELS = frozenset("aeiouyAEIOUYаеёиоуыэюяАЕЁИОУЫЭЮЯ")
_ONE_LETTER_WORDS = frozenset("вскиоуаяВСКИОУАЯaAI")
_STRIP = ".,;:!?«»\"'()[]{}<>“”„‘’*—–…|\\_=~^`"


_is_cjk = is_cjk_text


def is_real_word(token: str) -> bool:
    """Shape test for OCR output: a word, number or code rather than glyph soup.

    Turned pages read as Latin/Cyrillic soup: mixed scripts or case inside a word, vowel-less
    runs, stray single letters. (CJK runs always pass: confidence has to judge those.)
    """
    t = unicodedata.normalize("NFC", token).strip(_STRIP)
    if not t:
        return False
    if all(_is_cjk(c) for c in t):
        return True
    if any(c.isdigit() for c in t):
        return bool(_NUMBER.match(t) or _CODE.match(t))
    if len(t) == 1:
        return t in _ONE_LETTER_WORDS
    if not _ALPHA_WORD.match(t):
        return False
    if not (t.islower() or t.isupper() or (t[0].isupper() and t[1:].islower())):
        return False
    return len(t) <= 3 or any(c in _VOWELS for c in t)


def real_word_share(words: Sequence[Word] | Sequence[str]) -> float:
    """The share (0..1) of `words` (engine Words or their texts) that look like real words
    (is_real_word); 0.0 when there are none."""
    texts = [w if isinstance(w, str) else w.text for w in words]
    if not texts:
        return 0.0
    return sum(1 for t in texts if is_real_word(t)) / len(texts)


def _script_of_text(text: str) -> str | None:
    counts = {"Cyrillic": 0, "Latin": 0, "Han": 0}
    for ch in text:
        if _is_cjk(ch) and ch.isalpha():
            counts["Han"] += 2  # one ideograph carries about a word
        elif is_cyrillic(ch):
            counts["Cyrillic"] += 1
        elif ch.isascii() and ch.isalpha():
            counts["Latin"] += 1
    best = max(counts, key=counts.get)
    return best if counts[best] else None


# --- result -----------------------------------------------------------------------------------


@dataclass
class OcrPage:
    """One page as ocr_image read it: the best candidate read. text: its text ("" when nothing was
    read); timed_out, error: the page's time limit was hit, or the engine failed (text is then the
    best read before that); real_word_share, word_count: of that read; elapsed_s: seconds the page
    took; words: its words (text, confidence, box in pixels, layout place). The rest as commented."""
    text: str
    mean_confidence: float  # 0-100, mean over words of the chosen read
    rotation: int  # degrees the input was turned clockwise before the chosen read: 0/90/180/270
    langs: str  # tesseract languages of the chosen read, e.g. "rus+eng"; "" when nothing was read
    script: str | None  # OSD's script when it was sure, else the majority script of the text
    timed_out: bool = False
    error: str | None = None
    attempts: int = 0  # tesseract processes started for this page, OSD included
    real_word_share: float = 0.0
    word_count: int = 0
    elapsed_s: float = 0.0
    words: tuple[Word, ...] = field(default=(), repr=False)


@dataclass
class _Candidate:
    rec: Recognition
    rotation: int

    @property
    def share(self) -> float:
        return real_word_share(self.rec.words)

    @property
    def low_share(self) -> float:
        words = self.rec.words
        return sum(1 for w in words if w.conf < 50) / len(words) if words else 0.0

    @property
    def score(self) -> float:
        return self.rec.mean_confidence * self.share

    @property
    def good(self) -> bool:
        return self.rec.mean_confidence >= ACCEPT_CONF and self.share >= ACCEPT_SHARE

    @property
    def poor(self) -> bool:
        return self.rec.mean_confidence < POOR_CONF or self.share < POOR_SHARE


class _Run:
    """State of one page: deadline, images per rotation, candidates, counters."""

    def __init__(self, image: Image.Image, timeout_s: float | None, engine: OcrEngine, workdir):
        self.image, self.engine, self.workdir = image, engine, workdir
        self.deadline = None if timeout_s is None else time.monotonic() + timeout_s
        self.rotated: dict[int, Image.Image] = {0: image}
        self.candidates: list[_Candidate] = []
        self.tried: set[tuple[int, str]] = set()
        self.attempts = 0
        self.osd: Orientation | None = None
        self.detected = False
        dpi = image.info.get("dpi")
        try:
            d = round(float(dpi[0])) if dpi else None
        except (TypeError, ValueError, IndexError):
            d = None
        self.dpi = d if d and 70 <= d <= 2400 else None

    def remaining(self) -> float | None:
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise OcrTimeout("page time limit reached")
        return left

    def turned(self, rotation: int) -> Image.Image:
        if rotation not in self.rotated:
            self.rotated[rotation] = self.image.transpose(_CLOCKWISE[rotation])
        return self.rotated[rotation]

    def read(self, rotation: int, langs: str) -> _Candidate | None:
        langs = _installed(self.engine, langs)
        if (rotation, langs) in self.tried:
            return None
        self.tried.add((rotation, langs))
        self.attempts += 1
        rec = self.engine.recognise(self.turned(rotation), langs, timeout_s=self.remaining(), dpi=self.dpi,
                                    workdir=self.workdir)
        cand = _Candidate(rec, rotation)
        self.candidates.append(cand)
        log.debug("read rot=%d %s: conf %.1f, real words %.2f, %d words, %.2fs",
                  rotation, langs, rec.mean_confidence, cand.share, len(rec.words), rec.elapsed_s)
        return cand

    def detect(self) -> Orientation | None:
        """OSD on the page as given, once: a second call returns the first call's answer."""
        if self.detected:
            return self.osd
        self.detected = True
        if "osd" not in self.engine.languages():
            return None
        self.attempts += 1
        self.osd = self.engine.orientation(self.image, timeout_s=self.remaining(), dpi=self.dpi, workdir=self.workdir)
        log.debug("OSD: %s", self.osd)
        return self.osd

    def best(self) -> _Candidate | None:
        return max(self.candidates, key=lambda c: c.score, default=None)


def _installed(engine: OcrEngine, langs: str) -> str:
    """The installed part of ``langs`` (a missing chi_sim must not cost the Russian read)."""
    have = engine.languages()
    keep = [l for l in langs.split("+") if l in have]
    if not keep:
        missing = [l for l in langs.split("+") if l not in have]
        raise EngineUnavailable(f"{engine.id} language data missing: {', '.join(missing)}: {engine.install_hint(missing)}")
    return "+".join(keep)


def _orientation_sure(o: Orientation | None) -> bool:
    return o is not None and o.orientation_confidence >= MIN_ORIENT_CONF


def _script_sure(o: Orientation | None) -> str | None:
    """'Cyrillic' / 'Latin' / 'Han' when OSD is sure enough of the script, else None."""
    if o is None:
        return None
    if o.script in HAN_SCRIPTS:
        return "Han" if o.script_confidence >= MIN_HAN_SCRIPT_CONF else None
    if o.script in ("Cyrillic", "Latin") and o.script_confidence >= MIN_SCRIPT_CONF:
        return o.script
    return None


def _langs_for(profile: str, script: str | None) -> str:
    if script is None:
        return UNSURE_LANGS[profile]
    return SCRIPT_LANGS[profile].get(script, UNSURE_LANGS[profile])


def _probe_rotations(run: _Run, langs: str) -> None:
    """OSD could not decide: read at 90/180/270; if all reads stay poor and Chinese was never
    tried, one last chi_sim read at OSD's (unsure) rotation - OSD had the rotation right on sparse
    Chinese pages even at confidence 0.3-0.7, but called their script "Latin"."""
    for rot in (90, 180, 270):
        cand = run.read(rot, langs)
        if cand is not None and cand.good:
            return
    best = run.best()
    if best is not None and best.poor and not any("chi_sim" in l for _, l in run.tried):
        run.read(run.osd.rotate if run.osd else 0, "chi_sim+eng")


def _ink_changes(means: Sequence[int]) -> float:
    """How often ink changes along a profile of mean grey levels: total variation over total ink."""
    ink = [255 - v for v in means]
    total = sum(ink)
    return sum(abs(a - b) for a, b in zip(ink, ink[1:])) / total if total else 0.0


def lines_run_up(image: Image.Image) -> bool:
    """True when the page's text lines seem to run up or down the page (the page stored turned by
    90 or 270 degrees): ink changes ``SIDEWAYS_RATIO`` times more often from column to column than
    from row to row. Two box-filtered profiles of the page, a few ms on an A4 page at 300 dpi."""
    grey = image if image.mode == "L" else image.convert("L")
    width, height = grey.size
    if width < 8 * _PROFILE_STEP or height < 8 * _PROFILE_STEP:
        return False
    rows = _ink_changes(grey.resize((1, height // _PROFILE_STEP), Image.Resampling.BOX).tobytes())
    cols = _ink_changes(grey.resize((width // _PROFILE_STEP, 1), Image.Resampling.BOX).tobytes())
    return rows > 0 and cols / rows >= SIDEWAYS_RATIO


def _product(run: _Run) -> None:
    if lines_run_up(run.image):
        # stored turned: ask OSD first; a good read at its rotation settles the page, anything
        # else goes on as for any page (OSD's answer is kept, not asked again)
        o = run.detect()
        if _orientation_sure(o) and o.rotate in (90, 270):
            cand = run.read(o.rotate, _langs_for("product", _script_sure(o)))
            if cand is not None and cand.good:
                return
    first = run.read(0, FIRST_LANGS)
    if first is not None and (first.good or len(first.rec.words) < MIN_WORDS_TO_ORIENT):
        return
    o = run.detect()
    script = _script_sure(o)
    if _orientation_sure(o):
        run.read(o.rotate, _langs_for("product", script))  # None if that is what step 1 did
        best = run.best()
        if best is not None and best.poor and script is None and not any("chi_sim" in l for _, l in run.tried):
            # OSD names the script of sparse Chinese pages wrongly ("Latin") and unsurely
            run.read(o.rotate, SCRIPT_LANGS["product"]["Han"])
    elif first is None or first.poor:
        _probe_rotations(run, _langs_for("product", script))


def _kyc(run: _Run) -> None:
    o = run.detect()
    script = _script_sure(o)
    langs = _langs_for("kyc", script)
    rotation = o.rotate if _orientation_sure(o) else 0
    cand = run.read(rotation, langs)
    if cand is None or len(cand.rec.words) < MIN_WORDS_TO_ORIENT:
        return
    if rotation != 0 and not cand.good:
        # A passport's MRZ (runs of '<') fools OSD into "rotate 180" at confidence ~8: check upright too.
        upright = run.read(0, langs)
        if upright is not None and upright.score > cand.score:
            cand, rotation = upright, 0
    if cand.good or not cand.poor:
        if "chi_sim" not in langs and cand.low_share >= MIXED_LOW_WORDS:
            run.read(rotation, UNSURE_LANGS["kyc"])
        return
    if _orientation_sure(o):
        if "chi_sim" not in langs:
            run.read(rotation, UNSURE_LANGS["kyc"])
    else:
        _probe_rotations(run, langs)


def turned(image: Image.Image, rotation: int) -> Image.Image:
    """``image`` turned clockwise by ``rotation`` degrees (0/90/180/270), as OcrPage.rotation says it was read."""
    return image if rotation == 0 else image.transpose(_CLOCKWISE[rotation])


# --- lines read again ------------------------------------------------------------------------

_STRIP_PAD = 0.35          # of a line's height, above and below
_STRIP_GAP = 24            # px of white around each strip


def read_lines_again(image: Image.Image, words: Sequence[Word], lines: set[tuple[int, int, int]], langs: str,
                     scales: Sequence[float] = (1.0,), *, dpi: int | None = None, timeout_s: float | None = 30.0,
                     engine: OcrEngine | None = None, tmpdir: str | None = None) -> list[tuple[Word, ...] | None]:
    """The page's ``words`` with the words of ``lines`` ((block, par, line) keys) replaced by a read
    of those lines on their own, once per scale of ``scales``: each line cut out across the page's
    width (``image``: the page as it was read, turned), scaled, and every scale's strips stacked
    with white between them in one image, read in one engine run (psm 6, ``langs``; one run, not
    one per scale: most of a short read's time is loading the language models). Boxes come back
    in ``image``'s pixels. One entry per scale, in order: None when that scale's read found
    nothing. Raises OcrTimeout / OcrFailed / EngineUnavailable as the engine does."""
    engine = engine or make_engine()
    if image.mode != "L":
        image = image.convert("L")
    boxes: dict[tuple[int, int, int], list[int]] = {}
    for w in words:
        key = (w.block, w.par, w.line)
        if key in lines:
            top, bottom = boxes.get(key, [w.top, w.top + w.height])
            boxes[key] = [min(top, w.top), max(bottom, w.top + w.height)]
    if not boxes:
        return [None for _ in scales]
    # (scale index, line key, crop top, y in the stack, strip)
    strips: list[tuple[int, tuple[int, int, int], int, int, Image.Image]] = []
    y = _STRIP_GAP
    for index, scale in enumerate(scales):
        for key, (top, bottom) in sorted(boxes.items(), key=lambda kv: kv[1][0]):
            pad = max(2, round((bottom - top) * _STRIP_PAD))
            box = (0, max(0, top - pad), image.width, min(image.height, bottom + pad))
            strip = image.crop(box)
            if scale != 1.0:
                strip = strip.resize((max(1, round(image.width * scale)), max(1, round((box[3] - box[1]) * scale))),
                                     Image.Resampling.BICUBIC)
            strips.append((index, key, box[1], y, strip))
            y += strip.height + _STRIP_GAP
    stack = Image.new("L", (max(s[4].width for s in strips), y), 255)
    for _, _, _, at, strip in strips:
        stack.paste(strip, (0, at))
    with private_tempdir(tmpdir) as folder:
        rec = engine.recognise(stack, langs, psm=6, timeout_s=timeout_s, dpi=dpi, workdir=folder)
    again: list[dict[tuple[int, int, int], list[Word]]] = [{} for _ in scales]
    for w in rec.words:
        middle = w.top + w.height / 2
        for index, key, crop_top, at, strip in strips:
            if at <= middle < at + strip.height:
                scale = scales[index]
                again[index].setdefault(key, []).append(Word(
                    w.text, w.conf, round(w.left / scale), round(crop_top + (w.top - at) / scale),
                    round(w.width / scale), round(w.height / scale), *key))
                break
    return [_with_lines(words, lines_read) if lines_read else None for lines_read in again]


def _with_lines(words: Sequence[Word], again: dict[tuple[int, int, int], list[Word]]) -> tuple[Word, ...]:
    """``words`` with each line of ``again`` put in place of that line's words."""
    out: list[Word] = []
    replaced: set[tuple[int, int, int]] = set()
    for w in words:
        key = (w.block, w.par, w.line)
        if key not in again:
            out.append(w)
        elif key not in replaced:          # the line's new words, once, where its first word was
            out.extend(again[key])
            replaced.add(key)
    return tuple(out)


def ocr_image(image: Image.Image, *, profile: str = "product", timeout_s: float | None = 30.0,
              engine: OcrEngine | None = None, tmpdir: str | None = None) -> OcrPage:
    """OCR one page image (from ``checker.reading.render``) with the policy of ``profile``.

    ``timeout_s`` bounds the whole page (all engine runs together; None = no limit). ``engine``:
    the OCR engine (None: the default, tesseract). ``tmpdir``: the folder in which the page's
    private folder for temporary files is made (None: the system's temporary folder).
    Never raises for the page's own problems; raises EngineUnavailable when the engine (or all
    the language data a read needs) is missing, and ValueError for an unknown profile.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown OCR profile {profile!r}; expected one of {', '.join(PROFILES)}")
    engine = engine or make_engine()
    engine.require()
    t0 = time.monotonic()
    timed_out = False
    error: str | None = None
    with private_tempdir(tmpdir) as folder:  # one private folder for all the page's runs
        run = _Run(image, timeout_s, engine, folder)
        try:
            (_kyc if profile == "kyc" else _product)(run)
        except OcrTimeout:
            timed_out = True
        except OcrFailed as exc:
            error = str(exc)
            log.warning("OCR failed: %s", exc)
    best = run.best()
    sure = _script_sure(run.osd)
    if best is None:
        return OcrPage(
            text="", mean_confidence=0.0, rotation=0, langs="", script=sure, timed_out=timed_out,
            error=error, attempts=run.attempts, elapsed_s=round(time.monotonic() - t0, 3),
        )
    rec = best.rec
    return OcrPage(
        text=rec.text,
        mean_confidence=rec.mean_confidence,
        rotation=best.rotation,
        langs=rec.langs,
        script=sure or _script_of_text(rec.text),
        timed_out=timed_out,
        error=error,
        attempts=run.attempts,
        real_word_share=round(best.share, 3),
        word_count=len(rec.words),
        elapsed_s=round(time.monotonic() - t0, 3),
        words=rec.words,
    )
