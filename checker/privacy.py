"""Keep personal numbers out of everything doccheck prints: reports, notes, logs, errors.

mask() hides one known value (all but its last 3 characters); redact() finds and masks personal ids inside
arbitrary text (passport numbers, MRZ lines, Chinese resident ids, bank accounts, card numbers,
SNILS, personal INN). Run redact() over any text read from a seller's paper before it is logged
or shown. It errs towards masking: a masked harmless number costs little, a leaked passport a lot.
"""

from __future__ import annotations

import re

from .analysis.scripts import CYRILLIC_CAPITALS
from .names import display_path

MASK_CHAR = "*"


def mask(value: str, keep: int = 3) -> str:
    """All but the last `keep` characters become '*'. Values no longer than `keep` are masked whole."""
    if keep <= 0 or len(value) <= keep:
        return MASK_CHAR * len(value)
    return MASK_CHAR * (len(value) - keep) + value[-keep:]


# --- detectors -------------------------------------------------------------------------------

_MRZ_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<«‹")
_CYRILLIC_LOOKALIKES = set(CYRILLIC_CAPITALS)   # read for their Latin twins in a zone
_LONG_DIGITS = re.compile(r"(?<!\d)\d{16,}(?!\d)")                     # accounts (20), cards (16), others
_CN_RESIDENT_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_GROUPED_ACCOUNT = re.compile(
    r"(?<!\d)(?:\d{5}[ .\-]\d{3}[ .\-]\d[ .\-]\d{4}[ .\-]\d{7}"        # 40817 810 0 0999 1000123
    r"|\d{4}(?:[ \-]\d{4}){4}"                                         # 4081 7810 0999 1000 4312
    r"|\d{4}(?:[ \-]\d{4}){3})(?!\d)")                                 # card 4276 1234 5678 9012
# Not inside a code that starts with digits: an apostille's own number (26AP00318752) is no passport.
_CN_PASSPORT = re.compile(r"(?<![0-9])(?<![0-9][A-Za-z])(?<![0-9][A-Za-z]{2})[EGDSP](?:\d{8}|[A-Z]\d{7})(?![0-9])")
_RU_PASSPORT = re.compile(r"(?<!\d)(?:\d{2} \d{2} ?№? ?\d{6}|\d{4} №? ?\d{6}|\d{2} №? ?\d{7})(?!\d)")
_SNILS = re.compile(r"(?<!\d)\d{3}-\d{3}-\d{3}[ \-]\d{2}(?!\d)")
_INN12 = re.compile(r"(?<!\d)\d{12}(?!\d)")
_ID_LABEL = re.compile(
    r"passport|паспорт|护照|证件号|身份证|公民身份|id\s*card|id\s*no|identity|document\s*no|номер\s+документа"
    r"|удостоверени|снилс|snils|personal\s*no|личн\w*\s+номер",
    re.IGNORECASE)
_LABEL_WINDOW = 40
# What every detector but the MRZ one needs somewhere in the text: six digits in a row (accounts,
# cards, resident ids, INNs, passports), three digits, a separator and three more (grouped
# accounts, SNILS), or an id label. A text with none of them (most file names) skips the detectors.
_ID_DIGITS = re.compile(r"\d{6}|\d{3}[ .\-]\d{3}")
# The labels lower-cased, matched on lower-cased ASCII text: 15x faster than IGNORECASE, and the same
# on ASCII (other text, where case folding has its exceptions, is matched by _ID_LABEL itself).
_ID_LABEL_LOWER = re.compile(_ID_LABEL.pattern.lower())


def _may_hold_id(text: str) -> bool:
    """Could any detector but the MRZ one find something in ``text``?"""
    if _ID_DIGITS.search(text):
        return True
    if text.isascii():
        return _ID_LABEL_LOWER.search(text.lower()) is not None
    return _ID_LABEL.search(text) is not None
_TOKEN = re.compile(r"[0-9A-Za-z<]{5,}")


def _inn12_valid(digits: str) -> bool:
    def check(part: str, weights: tuple[int, ...]) -> int:
        return sum(int(d) * w for d, w in zip(part, weights)) % 11 % 10
    w1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    w2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    return check(digits[:10], w1) == int(digits[10]) and check(digits[:11], w2) == int(digits[11])


def cn_resident_id_valid(value: str) -> bool:
    """GB 11643 check character (ISO 7064 MOD 11-2) of an 18-character Chinese resident id."""
    if not re.fullmatch(r"\d{17}[\dXx]", value):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(value[:17], weights))
    return "10X98765432"[total % 11] == value[17].upper()


_SPACE_RUN = re.compile(r"\s+")
_LOWER_BUT_CEK = re.compile(r"[abdf-jl-z]")   # a-z but c, e and k


def _looks_like_mrz(line: str) -> bool:
    if len(line) < 28:
        return False
    squeezed = _SPACE_RUN.sub("", line)
    if len(squeezed) < 28:
        return False
    if _LOWER_BUT_CEK.search(squeezed):
        return False          # real lower-case words; tesseract's only lower case in an MRZ is c/e/k for '<'
    norm = re.sub(r"[cek]", "<", squeezed).upper()
    if any(ch.isalnum() and ch not in _MRZ_CHARS and ch not in _CYRILLIC_LOOKALIKES for ch in norm):
        return False          # other scripts: a Russian or Chinese line, not an MRZ
    if sum(1 for ch in norm if not ch.isalnum() and ch not in _MRZ_CHARS) > 3:
        return False          # punctuation: a sentence or a table rule
    return "<" in norm or "«" in norm or "KKK" in norm or sum(ch.isdigit() for ch in norm) >= 12


def _mrz_line_spans(text: str) -> list[tuple[int, int, str]]:
    """Lines that look like a machine-readable zone: 28+ characters of the MRZ alphabet, no words.
    OCR may read '<' as 'K', 'c', 'e' or '«' and scatter spaces, so a line qualifies on its characters."""
    if text.isascii() and text.isprintable() and _LOWER_BUT_CEK.search(text):
        return []   # one line (printable ASCII has no line break) with a lower-case letter: _looks_like_mrz says no
    spans = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if _looks_like_mrz(body):
            start = pos + (len(body) - len(body.lstrip()))
            spans.append((start, pos + len(body.rstrip()), "mrz"))
        pos += len(line)
    return spans


def _find_spans(text: str) -> list[tuple[int, int, str]]:
    spans = list(_mrz_line_spans(text))
    if not _may_hold_id(text):
        return spans
    spans.extend((m.start(), m.end(), "account" if len(m.group()) == 20 else "number") for m in _LONG_DIGITS.finditer(text))
    for pattern, kind in ((_CN_RESIDENT_ID, "resident id"), (_GROUPED_ACCOUNT, "account"),
                          (_CN_PASSPORT, "passport"), (_RU_PASSPORT, "passport"), (_SNILS, "snils")):
        spans.extend((m.start(), m.end(), kind) for m in pattern.finditer(text))
    spans.extend((m.start(), m.end(), "inn") for m in _INN12.finditer(text) if _inn12_valid(m.group()))
    for label in _ID_LABEL.finditer(text):
        window_end = min(len(text), label.end() + _LABEL_WINDOW)
        newline = text.find("\n", label.end(), window_end)
        window = text[label.end(): newline if newline != -1 else window_end]
        for token in _TOKEN.finditer(window):
            if sum(ch.isdigit() for ch in token.group()) >= 4:
                spans.append((label.end() + token.start(), label.end() + token.end(), "id"))
    return spans


_KIND_ORDER = ("mrz", "passport", "resident id", "account", "snils", "inn", "id", "number")


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans become one; it keeps the most specific kind."""
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans):
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            best = min(last[2], kind, key=_KIND_ORDER.index)
            merged[-1] = (last[0], max(last[1], end), best)
        else:
            merged.append((start, end, kind))
    return merged


def redact(text: str, kinds: frozenset[str] | None = None) -> str:
    """Mask every personal id found in text (all but the last 3 characters become '*');
    with `kinds`, only ids of those kinds ("mrz", "passport", "account", "number", ...)."""
    spans = _merge(_find_spans(text)) if text else []
    if not spans:
        return text   # most names and paths
    out = []
    pos = 0
    for start, end, kind in spans:
        if kinds is not None and kind not in kinds:
            continue
        out.append(text[pos:start])
        out.append(mask(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


# What no product paper's judging reads, yet a product paper may carry (an individual entrepreneur's
# declaration quotes the applicant's passport; an invoice slipped into a SKU folder, an account).
AT_REST_KINDS = frozenset({"mrz", "passport", "resident id", "account", "number", "snils"})


def mask_at_rest(text: str) -> str:
    """Text of a product paper as it may be stored (the cache): MRZ lines, passport, resident-id,
    account and card numbers and SNILS masked. Certificate and declaration numbers, dates and
    company INNs (10 digits) are left whole: judging the paper reads them."""
    return redact(text, AT_REST_KINDS)


def personal_ids(text: str) -> list[str]:
    """The personal ids found in text, already masked, as 'kind ******123' (for the files report).
    MRZ lines are left out: the passport/visa number read from them is reported by checker.analysis.mrz."""
    seen: list[str] = []
    for start, end, kind in _merge(_find_spans(text)):
        if kind == "mrz":
            continue
        raw = re.sub(r"\s+", "", text[start:end])
        shown = f"{kind} {mask(raw)}"
        if shown not in seen:
            seen.append(shown)
    return seen



def shown_path(parts: tuple[str, ...] | list[str]) -> str:
    """A path as every output shows it: printable (names.display_path) and with any personal number
    its names contain masked, wherever the file lies (a KYC folder, a SKU folder, the root)."""
    return redact(display_path(parts))
