"""What a KYC paper's text states, read for the evidence rules of checker/kyc/conditions.py.

* payment_periods(): the months a social-insurance record's payments are for (缴费年月, 费款所属期,
  "period", период), in the forms records print them: 2023-01, 2023.01, 01.2023, 01/2023,
  2023年1月, 2023年01月, январь 2023, January 2023, Jan 2023, 202301 (beside a period label),
  and ranges (January–June 2023, 2023年1-6月, 202301-202306). A full date (20.11.2026, 2026年11月10日)
  is a print or issue date, never a period.
* printed_fields(): a passport or visa page's printed expiry date, birth date, document number and
  Latin name, read after their labels (Date of expiry / 有效期至 / Дата окончания срока действия ...).
* uscc_checks(): the 18-character unified social credit codes and their check character
  (GB 32100-2015, 法人和其他组织统一社会信用代码编码规则).

Nothing here keeps a personal number: printed numbers and birth dates come back as keyed hashes
(checker.analysis.mrz.identity_key) and names are matched by keyed hashes too (mrz.name_keys); the
names themselves stay in memory only, never printed or stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from ..analysis.mrz import identity_key, name_form, name_keys

# --- months ---------------------------------------------------------------------------------------

_MONTHS_RU = ("январ", "феврал", "март", "апрел", "ма[йя]", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр")
_MONTHS_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_WORD = (r"(?<![^\W\d_])(?:" + "|".join(f"(?:{m})" for m in _MONTHS_RU) + "|" + "|".join(_MONTHS_EN)
               + r")[^\W\d_]*\.?")


def month_number(word: str) -> int | None:
    """1-12 for a Russian or English month name or abbreviation (any case or grammatical form)."""
    word = word.casefold().replace("ё", "е")
    for i, stem in enumerate(_MONTHS_RU, 1):
        if re.match(stem, word):
            return i
    for i, stem in enumerate(_MONTHS_EN, 1):
        if word.startswith(stem):
            return i
    return None


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").replace("ё", "е").replace("Ё", "Е")
    return re.sub(r"[\u2010-\u2015\u2212]", "-", text)


# A full date: these are print, issue or payment-day dates, not the months paid for.
_FULL_DATE = re.compile(r"(?<!\d)(?:\d{1,2}[./]\d{1,2}[./]\d{4}|\d{4}[./\-]\d{1,2}[./\-]\d{1,2}|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
                        r"|\d{1,2}\s+" + _MONTH_WORD + r"\s+\d{4})(?!\d)", re.IGNORECASE)
_PERIOD_LABEL = re.compile(r"缴费年月|费款所属期|所属期|缴费月份|缴费期间|(?<![^\W\d_])(?:period|период|месяц|month)", re.IGNORECASE)
_NAMED_RANGE = re.compile(rf"({_MONTH_WORD})\s*-\s*({_MONTH_WORD})\s*,?\s*(\d{{4}})(?!\d)", re.IGNORECASE)
_NAMED = re.compile(rf"({_MONTH_WORD})\s*,?\s*(\d{{4}})(?!\d)", re.IGNORECASE)
_CJK_RANGE = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*(?:月)?\s*(?:-|至|到|~)\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)")
_CJK = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)")
_YYYY_MM = re.compile(r"(?<![\d.\-/])(\d{4})\s?[./\-]\s?(\d{1,2})(?![\d])(?![./\-]\d)")
_MM_YYYY = re.compile(r"(?<![\d.\-/])(\d{1,2})\s?[./\-]\s?(\d{4})(?!\d)")
_COMPACT = re.compile(r"(?<![\d./])(20\d{2})(0[1-9]|1[0-2])(?!\d)")
# From-to periods: 202301-202306, 2023.01-2023.06, 2023-01 – 2023-06, 01.2023-06.2023
_SPAN = re.compile(r"(?<![\d./])(?:(20\d{2})[./\-]?(0[1-9]|1[0-2])|(0?[1-9]|1[0-2])[./](20\d{2}))\s*(?:-|至|到|~|по|to)\s*"
                   r"(?:(20\d{2})[./\-]?(0[1-9]|1[0-2])|(0?[1-9]|1[0-2])[./](20\d{2}))(?![\d./])", re.IGNORECASE)


def _month_count(start: tuple[int, int], end: tuple[int, int]) -> int:
    return (end[0] - start[0]) * 12 + end[1] - start[1] + 1


def payment_periods(text: str, today: date) -> set[tuple[int, int]]:
    """(year, month) of every payment period written in text, up to today's month.

    Full dates (with a day) are blanked out first, so a print date never counts. The compact form
    202301 counts only when the text has a period label (缴费年月, 费款所属期, period, период...),
    since six digits alone are too often something else."""
    text = _FULL_DATE.sub(" ", _clean(text))
    found: set[tuple[int, int]] = set()

    def add(year: str | int, month: int | str | None) -> None:
        if month is not None:
            found.add((int(year), int(month)))

    for m in _NAMED_RANGE.finditer(text):
        first, last = month_number(m.group(1)), month_number(m.group(2))
        if first and last and first <= last:
            for month in range(first, last + 1):
                add(m.group(3), month)
    for m in _NAMED.finditer(text):
        add(m.group(2), month_number(m.group(1)))
    for m in _CJK_RANGE.finditer(text):
        first, last = int(m.group(2)), int(m.group(3))
        if 1 <= first <= last <= 12:
            for month in range(first, last + 1):
                add(m.group(1), month)
    for m in _CJK.finditer(text):
        add(m.group(1), m.group(2))
    for m in _YYYY_MM.finditer(text):
        add(m.group(1), m.group(2))
    for m in _MM_YYYY.finditer(text):
        add(m.group(2), m.group(1))
    labelled = bool(_PERIOD_LABEL.search(text))
    for m in _SPAN.finditer(text):
        g = m.groups()
        start = (int(g[0] or g[3]), int(g[1] or g[2]))
        end = (int(g[4] or g[7]), int(g[5] or g[6]))
        compact = g[0] is not None and m.group().startswith(g[0] + g[1])
        if (compact and not labelled) or not start <= end or _month_count(start, end) > 36:
            continue
        y, mo = start
        while (y, mo) <= end:
            add(y, mo)
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    if labelled:
        for m in _COMPACT.finditer(text):
            add(m.group(1), m.group(2))
    return {(y, mo) for y, mo in found if 2000 <= y and 1 <= mo <= 12 and (y, mo) <= (today.year, today.month)}


# --- printed passport / visa fields -------------------------------------------------------------

_DATE_FORMS = (
    # 08 MAR 2025, 19 6 月 /JUN 2029 (Chinese passports print the month twice), 15 марта 1985
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\s*(?:\d{1,2}\s*月\s*)?/?\s*(?P<m>" + _MONTH_WORD + r")\s*/?\s*(?P<y>\d{4})(?!\d)", re.IGNORECASE),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})[./\-](?P<m>\d{1,2})[./\-](?P<y>\d{4})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>\d{4})[./\-](?P<m>\d{1,2})[./\-](?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
)
_LABEL_WINDOW = 90

_EXPIRY_LABEL = re.compile(r"date\s*of\s*expiry|expiry\s*date|valid\s*until|有效期至|有效期限|срок\w*\s+действия|"
                           r"дата\s+окончания|действителен\s+до", re.IGNORECASE)
_BIRTH_LABEL = re.compile(r"date\s*of\s*birth|birth\s*date|出生日期|дата\s+рождения", re.IGNORECASE)
_NUMBER_LABEL = re.compile(r"passport\s*no\.?|passport|护照号码?|паспорт\w*\s*№?", re.IGNORECASE)
_NAME_LABEL = re.compile(r"surname\s*,\s*given\s*names?|given\s*names?|surname|(?<![a-z])name|姓名", re.IGNORECASE)
_DOC_NUMBER = re.compile(r"(?<![0-9A-Za-z])([A-Z]{1,2}\d{7,8})(?![0-9A-Za-z])")
_LATIN_WORDS = re.compile(r"[A-Z]{2,}(?:\s*,?\s+[A-Z]{2,})*")
_LABEL_WORDS = {"NAME", "NAMES", "SURNAME", "GIVEN", "SEX", "DATE", "OF", "BIRTH", "PLACE", "TYPE", "CODE", "COUNTRY",
                "PASSPORT", "NO", "NATIONALITY", "AUTHORITY", "ISSUE", "EXPIRY", "PO", "CHN", "RUS"}


def read_date(text: str) -> date | None:
    """The first date in text, in any of the printed forms above; None when none is a real date."""
    best: tuple[int, date] | None = None
    for form in _DATE_FORMS:
        for m in form.finditer(text):
            month = m.group("m")
            number = int(month) if month.isdigit() else month_number(month)
            try:
                found = date(int(m.group("y")), number or 0, int(m.group("d")))
            except ValueError:
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), found)
            break
    return best[1] if best else None


def _windows(label: re.Pattern[str], text: str) -> list[str]:
    return [text[m.end(): m.end() + _LABEL_WINDOW] for m in label.finditer(text)]


@dataclass(frozen=True)
class PrintedFields:
    """A passport or visa page's printed data. Safe to print: numbers and birth dates are keyed
    hashes, the names (Latin, as printed) are left out of repr."""
    expiry: tuple[date, ...] = ()                 # printed expiry dates (Date of expiry / 有效期至)
    birth_keys: frozenset[str] = frozenset()      # identity_key("birth", ISO date)
    number_keys: frozenset[str] = frozenset()     # identity_key("number", E12345678)
    names: frozenset[str] = field(default=frozenset(), repr=False)   # "WEI ZHANG" (words sorted)
    name_keys: frozenset[str] = field(default=frozenset(), repr=False)   # mrz.name_keys of each name


def printed_fields(text: str, key: bytes | None = None) -> PrintedFields:
    """The printed fields after their labels (within 90 characters, so a value on the line under a
    row of labels is found too). `key`: the holder key of the hashes (mrz.identity_key)."""
    text = _clean(text)
    expiry = tuple(dict.fromkeys(d for w in _windows(_EXPIRY_LABEL, text) if (d := read_date(w))))
    births = {identity_key("birth", d.isoformat(), key) for w in _windows(_BIRTH_LABEL, text) if (d := read_date(w))}
    numbers = {identity_key("number", m.group(1), key) for w in _windows(_NUMBER_LABEL, text)
               for m in [_DOC_NUMBER.search(w)] if m}
    names = set()
    for w in _windows(_NAME_LABEL, text):
        for m in _LATIN_WORDS.finditer(w):
            words = [x for x in re.findall(r"[A-Z]+", m.group()) if x not in _LABEL_WORDS]
            if len(words) >= 2:       # surname and given name; one word alone is too often an OCR fragment
                names.add(name_form(" ".join(words)))
                break
    return PrintedFields(expiry, frozenset(births), frozenset(numbers), frozenset(names),
                         frozenset().union(*(name_keys(n, key) for n in names)))


# --- unified social credit code (GB 32100-2015) ------------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"   # 31 characters: no I, O, S, V, Z
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))   # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, ...


def uscc_check_char(code17: str) -> str:
    """GB 32100-2015 §4.3 / Annex: C18 = 31 - (sum of value(Ci) * 3^(i-1) mod 31) mod 31, as a
    character of the 31-character set. Raises ValueError for a character outside that set."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(code17.upper(), USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


@dataclass(frozen=True)
class UsccCheck:
    """One unified social credit code found after its label (uscc_checks), its check character judged
    by GB 32100-2015: `ok` when the 18th character is the one the first 17 call for (`expected`)."""
    code: str        # the 18 characters as read (a business's public registration code, not personal)
    ok: bool
    expected: str    # the check character the first 17 call for ("" when they are not valid characters)

    def to_dict(self) -> dict:
        """The check as JSON values: code, ok, expected."""
        return {"code": self.code, "ok": self.ok, "expected": self.expected}


_USCC_LABEL = re.compile(r"统一社会信用代码|unified\s+social\s+credit\s+code|uniform\s+social\s+credit\s+code|"
                         r"(?:единый|унифицированный)\s+код\s+социального\s+кредита|код\s+социального\s+кредита|"
                         r"\busc{1,2}\b", re.IGNORECASE)
_USCC = re.compile(r"(?<![0-9A-Z])([0-9A-Z]{18})(?![0-9A-Z])")


def uscc_checks(text: str) -> list[UsccCheck]:
    """Each unified social credit code written after its label (统一社会信用代码, Единый код
    социального кредита, Unified Social Credit Code), with its check character judged. Spaces OCR
    puts inside the code are dropped; a code with a letter outside the 31-character set (I, O, S,
    V, Z: OCR's usual misreads of 1, 0, 5) is not valid and has no expected character."""
    text = _clean(text)
    out: list[UsccCheck] = []
    for m in _USCC_LABEL.finditer(text):
        rest = text[m.end():].lstrip(" :：\t\n")
        line = rest.split("\n", 1)[0][:60].upper()
        found = _USCC.search(line) or _USCC.search(re.sub(r"(?<=[0-9A-Z]) (?=[0-9A-Z])", "", line))
        if not found:
            continue
        code = found.group(1)
        try:
            expected = uscc_check_char(code[:17])
        except ValueError:
            expected = ""
        check = UsccCheck(code, bool(expected) and code[17] == expected, expected)
        if check not in out:
            out.append(check)
    return out
