"""Russian bank account: the control digit of a 20-digit account against the bank's BIK
(Bank of Russia, "Порядок расчета контрольного ключа в номере лицевого счета", 08.09.1997 N 515)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import cycle

from ..privacy import mask
from .notes import Note

RKC_BIK_ENDINGS = ("000", "001", "002")   # Bank of Russia settlement centres, not credit institutions


def account_key_prefix(account: str, bik: str) -> str:
    """The three digits put before the account for the control-digit sum (Bank of Russia,
    "Порядок расчета контрольного ключа в номере лицевого счета", 08.09.1997 N 515): a credit
    institution's conditional number, the BIK's last three digits; for an account opened in an
    RKC (BIK ending 000/001/002) and for correspondent accounts (301...), '0' + BIK digits 5-6."""
    if bik[6:] in RKC_BIK_ENDINGS or account.startswith("301"):
        return "0" + bik[4:6]
    return bik[6:]


def account_key_ok(account: str, bik: str) -> bool:
    """Weights 7,1,3 repeated over the 23 digits prefix + account; the sum must end in 0."""
    if not (len(account) == 20 and account.isdigit() and len(bik) == 9 and bik.isdigit()):
        return False
    digits = account_key_prefix(account, bik) + account
    return sum(int(d) * w for d, w in zip(digits, cycle((7, 1, 3)))) % 10 == 0


@dataclass(frozen=True)
class BankCheck:
    """One bank account of a KYC paper checked against a BIK (find_bank_checks; the Bank of Russia's
    control key, N 515). account_masked: the account, all but its last 3 digits masked; bik: the BIK
    it passed with, else the one it failed against ("" when none was found); ok: the control digit
    holds; problem: why not (a kyc.bank.* note), None when ok."""
    account_masked: str    # "*****************312": all but the last 3 digits masked
    bik: str               # the bank's identifier (public), "" when none was found
    ok: bool
    problem: Note | None = None   # kyc.bank.*: "control digit does not match BIK 044525974"

    def to_dict(self) -> dict:
        """The check as JSON values: masked account, BIK, ok, and the problem in English ("" when none)."""
        return {"account": self.account_masked, "bik": self.bik, "ok": self.ok,
                "problem": str(self.problem) if self.problem else ""}


_ACCOUNT = re.compile(r"(?<!\d)(?:\d[ .\-]?){19}\d(?!\d)")
_BIK_LABELLED = re.compile(r"(?<![^\W\d_])(?:[бb6][иiu][кk]|b[i1l][ck]|рцбик)(?![^\W\d_])[^\d\n]{0,12}(\d{3} ?\d{3} ?\d{3})(?!\d)",
                           re.IGNORECASE)
_BIK_BARE = re.compile(r"(?<!\d)04\d{7}(?!\d)")


def _digits_text(text: str) -> str:
    """Letters OCR puts inside numbers read as digits: 4O817 -> 40817, 40l02 -> 40102."""
    text = unicodedata.normalize("NFKC", text)
    for _ in range(2):   # twice, so runs like 0OO0 are caught
        text = re.sub(r"(?<=\d)[OoОоQD](?=[\d ])|(?<=[\d ])[OoОоQD](?=\d)", "0", text)
        text = re.sub(r"(?<=\d)[lI|](?=\d)", "1", text)
    return text


def find_bank_checks(text: str) -> list[BankCheck]:
    """Each client account (20 digits, not a 301 correspondent account) checked against the BIK
    found in the same text. Accounts are masked; BIKs identify banks and stay whole."""
    text = _digits_text(text or "")
    labelled = [re.sub(r"\s", "", m.group(1)) for m in _BIK_LABELLED.finditer(text)]
    biks = list(dict.fromkeys(b for b in labelled if b.startswith("04")))
    if not labelled:
        biks = list(dict.fromkeys(_BIK_BARE.findall(text)))
    foreign = next((b for b in labelled if not b.startswith("04")), None)
    checks: list[BankCheck] = []
    seen: set[str] = set()
    for m in _ACCOUNT.finditer(text):
        account = re.sub(r"\D", "", m.group())
        if account in seen or account.startswith("301"):
            continue
        seen.add(account)
        shown = mask(account)
        good = next((b for b in biks if account_key_ok(account, b)), None)
        if good:
            checks.append(BankCheck(shown, good, True))
        elif biks:
            checks.append(BankCheck(shown, biks[0], False, Note.of("kyc.bank.bik_mismatch", bik=biks[0])))
        elif foreign:
            checks.append(BankCheck(shown, foreign, False, Note.of("kyc.bank.foreign_bik", bik=foreign)))
        else:
            checks.append(BankCheck(shown, "", False, Note.of("kyc.bank.no_bik")))
    return checks
