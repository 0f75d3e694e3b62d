"""Machine-readable zones (ICAO 9303) of passports and visas, found in OCR'd text.

TD3 passports: two lines of 44 ("P<CHN..." or "POCHN..."), check digits over the document number,
birth date, expiry date, personal number and a composite. MRV-A/MRV-B visas: two lines of 44/36
("V<RUS..."), check digits over number, birth date and expiry; no composite.

OCR noise is undone where it is safe: spaces dropped, Cyrillic look-alikes made Latin, '«' read as
'<<', stray punctuation read as '<', letters in digit-only positions made digits (O->0, I->1,
S->5, B->8...) and digits in letter positions made letters; a lost or extra filler in the optional
field is tolerated. The check digits then say whether the zone was read right.

Printed fields support a zone, never replace it: a number character OCR could not read (the 'E' of
E12345678 read as '£') is taken from a number printed on the page when the two agree on every
legible character (two unreadable at most) and the printed one satisfies the zone's check digit.
A line 2 found without its line 1 is a passport only when every check digit holds; when only
TD3's personal-number and composite checks fail, it is read as an MRV-A visa line 2 (the optional
data sits where a passport has its composite), issuer unknown.

Nothing here keeps the document number or the MRZ lines: results carry a masked number only, and
a holder key (a keyed hash of birth date and nationality) so a visa can be matched to its passport
without keeping who it is; birth_key, number_key and name_keys are such hashes of the birth date,
the number and the name (the name itself is kept in memory only, left out of repr and to_dict).
The hash key is the caller's (the cache folder's holder key, so cached KYC evidence matches a
fresh reading) or, when none is given, one that lives only as long as the process.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from itertools import cycle

from ..privacy import mask
from .scripts import CYRILLIC_TO_LATIN_CAPITALS

_HOLDER_SALT = secrets.token_bytes(16)
CORE_CHECKS = ("number", "birth date", "expiry date")

_TO_LATIN = {**CYRILLIC_TO_LATIN_CAPITALS, ord("З"): "3"}   # З: the digit 3 as tesseract's Cyrillic reads it
_LETTER_TO_DIGIT = str.maketrans("OQDUIlLZSBGT", "000011125867")
_DIGIT_TO_LETTER = str.maketrans("0125862", "OIZSBGZ")
_D = "[0-9OQDUILZSBGT]"
_LINE2 = re.compile(rf"([A-Z0-9<]{{9}})({_D})([A-Z0-9<]{{3}})({_D}{{6}})({_D})([MFX<KCE])({_D}{{6}})({_D})")
_LINE1 = re.compile(r"([PV])([A-Z0-9<])([A-Z0-9<]{3})[A-Z<]")


@dataclass(frozen=True)
class MrzZone:
    """One passport or visa zone as read: safe to print (the number is masked)."""
    doc_type: str                  # "passport" | "visa"
    format: str                    # "TD3" | "MRV-A" | "MRV-B"
    issuer: str                    # issuing state, e.g. "CHN", "RUS"; "" when line 1 was not read
    nationality: str               # holder's nationality, e.g. "CHN"
    number_masked: str             # e.g. "******678"
    expiry: date | None            # None when the date is not a real date
    failed: tuple[str, ...] = ()   # the check digits that did not match ("number", "birth date"...)
    holder_key: str = field(default="", repr=False, compare=False)
    # The holder's identity, for matching a visa to its passport; never printed, never stored:
    # keyed hashes of the birth date (ISO) and the document number, the name as the zone spells it.
    birth_key: str = field(default="", repr=False, compare=False)
    number_key: str = field(default="", repr=False, compare=False)
    name: str = field(default="", repr=False, compare=False)
    name_keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)   # name_keys(name)
    number_from_print: bool = False   # the number's unreadable characters were read off the printed page
    # A visa's optional data often names the passport it was issued in (Russian visas: E12345678):
    # a keyed hash of that passport number, "" when none is there.
    passport_key: str = field(default="", repr=False, compare=False)

    @property
    def valid(self) -> bool:
        """Every check digit holds."""
        return not self.failed

    @property
    def core_valid(self) -> bool:
        """The number, birth date and expiry check digits hold. OCR of phone photos often garbles
        the optional personal-number field (and so the composite) while these three read true."""
        return not set(self.failed) & set(CORE_CHECKS)

    @property
    def expiry_trusted(self) -> bool:
        """An expiry date was read and its check digit holds."""
        return self.expiry is not None and "expiry date" not in self.failed

    def expired(self, today: date) -> bool:
        """The expiry date is before `today`; False when no date was read (expiry_trusted says whether to
        believe it)."""
        return self.expiry is not None and self.expiry < today

    def to_dict(self) -> dict:
        """The zone as JSON values, safe to show: type, format, issuer, nationality, the masked number, the
        expiry as ISO (None when not a date), `valid` and the failed checks; no key and no name."""
        return {"doc_type": self.doc_type, "format": self.format, "issuer": self.issuer,
                "nationality": self.nationality, "number": self.number_masked,
                "expiry": self.expiry.isoformat() if self.expiry else None, "valid": self.valid,
                "failed": list(self.failed)}


def char_value(ch: str) -> int:
    """A character's value in an ICAO 9303 check digit (Part 3 §4.9): 0-9 as themselves, A-Z as 10-35,
    anything else (the '<' filler) 0."""
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    return 0   # '<' filler


def check_digit(data: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1 repeated; A=10..Z=35; '<'=0; sum mod 10."""
    return sum(char_value(ch) * w for ch, w in zip(data, cycle((7, 3, 1)))) % 10


def _digit_ok(data: str, digit: str) -> bool:
    if digit == "<":                      # allowed only for an empty (all-filler) field
        return set(data) <= {"<"}
    return digit.isdigit() and check_digit(data) == int(digit)


def normalise_line(line: str) -> str:
    """One OCR'd line as MRZ characters: upper case, no spaces, Cyrillic made Latin, '«' = '<<'.
    An MRZ has no lower case, so tesseract's lower-case 'c', 'e', 'k' (its usual readings of a
    run of '<') are fillers."""
    line = re.sub(r"[cek]", "<", unicodedata.normalize("NFKC", line))
    line = line.upper().translate(_TO_LATIN)
    line = line.replace("«", "<<").replace("»", "<<").replace("‹", "<").replace("›", "<")
    line = re.sub(r"\s+", "", line)
    return re.sub(r"[^A-Z0-9<]", "<", line)


def _date(yymmdd: str, pivot: int = 70) -> date | None:
    if not yymmdd.isdigit():
        return None
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    try:
        return date((2000 if yy < pivot else 1900) + yy, mm, dd)
    except ValueError:
        return None


def _number_variants(raw: str) -> list[str]:
    """The document number as read, and with OCR confusions undone: letters after the first
    character read as digits when the field is mostly digits, trailing K read as '<'."""
    variants = [raw]
    if sum(ch.isdigit() for ch in raw) >= 5:
        fixed = raw[0] + raw[1:].rstrip("<K").translate(_LETTER_TO_DIGIT)
        fixed = fixed.ljust(9, "<")
        if fixed not in variants:
            variants.append(fixed)
    stripped = re.sub(r"K+$", lambda m: "<" * len(m.group()), raw)
    if stripped not in variants:
        variants.append(stripped)
    return variants


def _optional_variants(tail: str) -> list[tuple[str, str, str]]:
    """TD3 positions 28-43 as (personal number, its check, composite), tolerating a lost or extra
    '<' and trailing noise; the first entry is the field as positioned."""
    out: list[tuple[str, str, str]] = []
    if len(tail) >= 16:
        out.append((tail[:14], tail[14], tail[15]))
    trimmed = tail.rstrip("<K")
    if len(trimmed) >= 3 and trimmed[-1].translate(_LETTER_TO_DIGIT).isdigit():
        personal = trimmed[:-2]
        core = personal.rstrip("<K")
        if len(core) <= 14:
            out.append((core.ljust(14, "<"), trimmed[-2], trimmed[-1]))
    fixed = []
    for personal, pcheck, comp in out:
        personal_k = re.sub(r"[K<]+$", lambda m: "<" * len(m.group()), personal)
        for p in dict.fromkeys((personal, personal_k)):
            fixed.append((p, pcheck.translate(_LETTER_TO_DIGIT) if pcheck != "<" else "<",
                          comp.translate(_LETTER_TO_DIGIT)))
    return list(dict.fromkeys(fixed))


def _holder_key(birth: str, nationality: str, key: bytes | None = None) -> str:
    return hmac.new(key or _HOLDER_SALT, f"{birth}|{nationality}".encode(), hashlib.sha256).hexdigest()[:16]


def identity_key(kind: str, value: str, key: bytes | None = None) -> str:
    """A keyed hash (HMAC-SHA-256, 16 hex digits) of one identity datum ("birth" + ISO date,
    "number" + document number): equal values give equal keys under one `key`, and nothing
    without the key can reverse them. `key`: the scan's holder key (the cache folder's, so cached
    KYC evidence matches fresh; cache.FactCache.holder_key); None: a key that lives only as long
    as this process."""
    return hmac.new(key or _HOLDER_SALT, f"{kind}|{value}".encode(), hashlib.sha256).hexdigest()[:16]


def name_form(name: str) -> str:
    """A Latin name as compared: its words upper-cased and sorted ("Zhang Wei" -> "WEI ZHANG")."""
    return " ".join(sorted(re.findall(r"[A-Z]+", name.upper())))


def name_keys(name: str, key: bytes | None = None) -> frozenset[str]:
    """A name as keyed hashes that match where the names agree, allowing one OCR slip (ZHANG WEI,
    ZHANG WEL, WEI ZHANG all share a key): one hash per character position of name_form(name),
    that character wildcarded. Two names of the same length differing in at most one position
    share the hash of that position; any other pair shares none. Empty for an empty name."""
    form = name_form(name)
    return frozenset(identity_key("name", f"{len(form)}|{form[:i]}?{form[i + 1:]}", key) for i in range(len(form)))


def _zone_name(line1: str | None) -> str:
    """The holder's name from line 1 ("ZHANG<<WEI<<<<" -> "ZHANG WEI"), up to the filler run."""
    if not line1:
        return ""
    name = re.split(r"<{3,}|K{3,}", line1[5:], maxsplit=1)[0]
    # OCR reads a run of '<' as K: a name word does not end in KK
    words = [re.sub(r"KK+$", "", w) for w in re.split(r"<+", name) if w.isalpha()]
    words = [w for w in words if w]
    return " ".join(words)


def _confusable(read: str, printed: str) -> bool:
    """The zone's number as read agrees with a printed number wherever it is legible: every
    differing character is a filler (OCR read an unknown glyph) or a known OCR confusion."""
    if len(read) != len(printed) or read.count("<") - printed.count("<") > 2:
        return False          # more than two unreadable characters: the zone no longer says which number
    for r, p in zip(read, printed):
        if r == p or r == "<":
            continue
        if r.translate(_LETTER_TO_DIGIT) == p or p.translate(_LETTER_TO_DIGIT) == r:
            continue
        return False
    return True


_PRINTED_NUMBER = re.compile(r"(?<![0-9A-Za-z])([A-Z]{1,2}\d{7,8}|\d{9})(?![0-9A-Za-z])")


def printed_numbers(text: str) -> list[str]:
    """Document numbers printed on the page (E12345678, EA1234567, 123456789): the support a zone's
    smudged number can be checked against."""
    return list(dict.fromkeys(_PRINTED_NUMBER.findall(unicodedata.normalize("NFKC", text or ""))))


def _parse(line1: str | None, line2: str, printed: tuple[str, ...] = (), as_visa: bool = False,
           key: bytes | None = None) -> MrzZone | None:
    m = _LINE2.match(line2)
    if not m:
        return None
    number_raw, ncheck, nat, birth, bcheck, _sex, expiry, echeck = m.groups()
    ncheck, birth, bcheck, expiry, echeck = (g.translate(_LETTER_TO_DIGIT) for g in (ncheck, birth, bcheck, expiry, echeck))
    nat = nat.translate(_DIGIT_TO_LETTER)
    doc_letter = line1[0] if line1 else ""
    issuer = line1[2:5].translate(_DIGIT_TO_LETTER).replace("<", "") if line1 else ""
    tail = line2[28:]

    numbers = _number_variants(number_raw)
    # A number whose check digit fails may be confirmed by the number printed on the page, when the
    # two agree on every legible character and the printed one satisfies the zone's check digit.
    supported = [p.ljust(9, "<") for p in printed
                 if any(_confusable(n, p.ljust(9, "<")) for n in numbers) and _digit_ok(p.ljust(9, "<"), ncheck)]
    if not any(_digit_ok(n, ncheck) for n in numbers):
        numbers += [p for p in supported if p not in numbers]
    if doc_letter == "V" or as_visa:
        fmt = "MRV-B" if line1 is not None and len(line1) <= 38 and len(line2) <= 38 else "MRV-A"
        number = next((n for n in numbers if _digit_ok(n, ncheck)), numbers[0])
        failed = []
        if not _digit_ok(number, ncheck):
            failed.append("number")
    else:
        fmt = "TD3"
        best: tuple[int, str, tuple[str, str, str] | None, list[str]] | None = None
        options = _optional_variants(tail) or [None]
        for number in numbers:
            for opt in options:
                failed = [] if _digit_ok(number, ncheck) else ["number"]
                if opt is None:
                    failed += ["personal number", "composite"]
                else:
                    personal, pcheck, comp = opt
                    if not _digit_ok(personal, pcheck):
                        failed.append("personal number")
                    composite = number + ncheck + birth + bcheck + expiry + echeck + personal + pcheck
                    if not (comp.isdigit() and check_digit(composite) == int(comp)):
                        failed.append("composite")
                if best is None or len(failed) < best[0]:
                    best = (len(failed), number, opt, failed)
        assert best is not None
        _, number, _, failed = best
    if not _digit_ok(birth, bcheck):
        failed.append("birth date")
    expiry_date = _date(expiry)
    if not _digit_ok(expiry, echeck) or expiry_date is None:
        failed.append("expiry date")
    failed_sorted = tuple(f for f in ("number", "birth date", "expiry date", "personal number", "composite") if f in failed)
    if not line1 and failed_sorted:
        if not as_visa and set(failed_sorted) <= {"personal number", "composite"}:
            # Line 1 unread and the number, birth date and expiry hold but TD3's composite does not:
            # an MRV-A visa's line 2 (optional data where a passport has its composite) fits better.
            return _parse(None, line2, printed, as_visa=True, key=key)
        return None   # without line 1, only a zone whose every check digit holds is taken as a passport
    birth_ok = "birth date" not in failed_sorted and _date(birth) is not None
    number_ok = "number" not in failed_sorted
    birth_date = _date(birth, pivot=int(str(date.today().year)[2:]) + 1) if birth_ok else None
    name = _zone_name(line1)
    return MrzZone(
        doc_type="visa" if doc_letter == "V" or as_visa else "passport",
        format=fmt,
        issuer=issuer,
        nationality=nat.replace("<", ""),
        number_masked=mask(number.rstrip("<")),
        expiry=expiry_date,
        failed=failed_sorted,
        holder_key=_holder_key(birth, nat, key) if birth_ok else "",
        birth_key=identity_key("birth", birth_date.isoformat(), key) if birth_date else "",
        number_key=identity_key("number", number.rstrip("<"), key) if number_ok else "",
        name=name,
        name_keys=name_keys(name, key),
        number_from_print=number_ok and number not in _number_variants(number_raw),
        passport_key=_visa_passport_key(tail, key) if doc_letter == "V" or as_visa else "",
    )


def _visa_passport_key(optional: str, key: bytes | None = None) -> str:
    """The passport number a visa's optional data names (a letter or two, then digits, ending at
    a filler), as a keyed hash."""
    m = re.search(r"([A-Z]\d{8}|[A-Z]{2}\d{7})(?=<|$)", optional[:16])
    return identity_key("number", m.group(1), key) if m else ""


def _line1_at(candidate: str) -> str | None:
    """Line 1 at the start of a normalised line (allowing up to 3 noise characters before it)."""
    m = _LINE1.search(candidate[:10])
    if not m or m.start() > 3 or len(candidate) - m.start() < 25:
        return None
    line1 = candidate[m.start():]
    if "<" not in line1:
        return None
    return line1


def find_zones(text: str, key: bytes | None = None) -> list[MrzZone]:
    """Every passport (TD3) and visa (MRV) zone in text, best reading first per zone, deduplicated.
    `key`: the holder key the zones' identity hashes are made with (identity_key)."""
    lines = [normalise_line(raw) for raw in (text or "").splitlines()]
    printed = tuple(printed_numbers(text))
    zones: list[MrzZone] = []
    for i, line in enumerate(lines):
        if len(line) < 28:
            continue
        own_line1 = _line1_at(line) is not None
        for m in _LINE2.finditer(line):
            start = m.start()
            if own_line1 and start < 30:
                continue     # inside a line 1 whose name happens to look like a line 2
            line2 = line[start:]
            line1 = None
            if start >= 25:                      # OCR joined the two lines
                for width in (44, 36):
                    if start >= width:
                        line1 = _line1_at(line[start - width:start])
                        if line1:
                            break
            if line1 is None:
                for back in range(i - 1, max(-1, i - 4), -1):
                    if lines[back]:
                        line1 = _line1_at(lines[back])
                        if line1:
                            break
            zone = _parse(line1, line2, printed, key=key)
            if zone and zone not in zones:
                zones.append(zone)
            break
    return zones


def passports(zones: list[MrzZone]) -> list[MrzZone]:
    """The passport zones among `zones`, in order."""
    return [z for z in zones if z.doc_type == "passport"]


def visas(zones: list[MrzZone]) -> list[MrzZone]:
    """The visa zones among `zones`, in order."""
    return [z for z in zones if z.doc_type == "visa"]
