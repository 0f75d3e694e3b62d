"""KYC papers are judged from the cache on a warm scan (issue 18): the cache keeps each paper's
evidence (check results, dates, markers, masked numbers, keyed hashes), never its text, so a warm
re-scan reads no KYC file and judges KYC exactly as the cold one did."""

import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from checker.pipeline import ScanOptions, scan
from checker.rules import load_rules
from conftest import SAMPLES
from helpers.pdfs import text_pdf

TODAY = date(2026, 11, 26)
BATCHES = {"individual": ("kyc", "individual"), "company": ("KYC", "company")}


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def kyc_view(result):
    """The KYC verdict as a user sees it: each requirement, met or not, its evidence and note,
    and each file's markers and masked ids."""
    return ([(r.key, r.met, r.evidence, r.note) for r in result.kyc.requirements],
            [(f.path, f.analysis.markers, f.analysis.masked_ids, f.facts.pages_read, len(f.facts.text))
             for f in result.files])


def options(root: Path, seller_type: str, cache_dir: Path | None, ocr: bool = True) -> ScanOptions:
    return ScanOptions(root=root, rules=load_rules(), today=TODAY, seller_type=seller_type, jobs=2, cache_dir=cache_dir,
                       ocr=ocr)


def secrets_in(result) -> set[str]:
    """The personal numbers and MRZ lines the KYC papers' text holds, as read this run."""
    found = set()
    for f in result.files:
        for line in f.facts.text.splitlines():
            compact = re.sub(r"\s", "", line)
            if len(compact) >= 30 and "<<" in compact:
                found.add(compact[:28])                              # an MRZ line (its number and dates)
        found.update(re.findall(r"(?<![0-9A-Z])[A-Z]{1,2}\d{7,8}(?![0-9])", f.facts.text))   # passport numbers
        found.update(re.sub(r"\D", "", m) for m in re.findall(r"(?<!\d)(?:\d[ .\-]?){19}\d(?!\d)", f.facts.text))  # accounts
    return found


@pytest.mark.ocr
@pytest.mark.parametrize("batch", BATCHES)
def test_a_warm_rescan_judges_kyc_from_the_cache_without_reading(batch, tmp_path):
    folder, seller_type = BATCHES[batch]
    root = tmp_path / "papers"
    shutil.copytree(SAMPLES / batch / folder, root / folder, ignore=shutil.ignore_patterns(".DS_Store"))
    cache = tmp_path / "cache"

    cold = scan(options(root, seller_type, cache))
    assert cold.stats.cache_hits == 0 and cold.stats.pages_ocr > 0
    warm = scan(options(root, seller_type, cache))
    assert warm.stats.cache_hits == warm.stats.files == cold.stats.files and warm.stats.pages_ocr == 0
    assert kyc_view(warm) == kyc_view(cold)
    assert any(r.met for r in warm.kyc.requirements)

    # What the cache holds of the papers: no personal number, no MRZ line, in clear.
    secrets = secrets_in(cold)
    assert secrets, "the sample KYC papers hold passport numbers, zones or accounts"
    stored = every_byte(cache)
    for secret in secrets:
        assert secret.encode() not in stored, f"{secret[:3]}… found in the cache"

    # A touched paper (same bytes, new mtime) is found by its content: nothing is read again.
    first = sorted((root / folder).iterdir())[0]
    os.utime(first)
    touched = scan(options(root, seller_type, cache))
    assert touched.stats.cache_hits == touched.stats.files and touched.stats.pages_ocr == 0
    assert kyc_view(touched) == kyc_view(cold)


PASSPORT = "E12345678"
MRZ_P = ["P<CHNZHANG<<WEI".ljust(44, "<"), "E123456782CHN8001014M3001019<<<<<<<<<<<<<<<8"]   # check digits hold
# The visa's holder: the passport's, the passport's with one OCR slip in the name, another person.
VISA_OF = {"same": "ZHANG<<WEI", "slip": "ZHANG<<WEL", "other": "LI<<NA"}
ACCOUNT = "40817810099910004302"   # its control digit holds against BIK 044525974


def _visa_lines(name: str) -> list[str]:
    # MRV-A: birth date and the passport number (optional data) agree with the passport's zone
    return [f"V<RUS{name}".ljust(44, "<"), "VB12345678CHN8001014M3001019E12345678<<<<<<<"]


def kyc_texts(root: Path, holder: str) -> Path:
    """A foreigner's KYC folder as text PDFs (no OCR): passport, visa (of the same holder or
    another), bank details. Returns the folder."""
    kyc = root / "KYC"
    kyc.mkdir(parents=True)
    text_pdf(kyc / "passport.pdf", ["PASSPORT / PASSEPORT", "Surname ZHANG", "Given names WEI", *MRZ_P])
    text_pdf(kyc / "visa.pdf", ["VISA / VIZA", "Russian Federation", *_visa_lines(VISA_OF[holder])])
    text_pdf(kyc / "bank_details.pdf", ["Bank details: account opening", f"Account number {ACCOUNT}", "BIK 044525974",
                                       "Bank AO Tinkoff Bank"])
    return root


@pytest.mark.parametrize("holder", list(VISA_OF))
def test_cached_evidence_judges_as_the_text_does_cache_on_and_off(holder, tmp_path):
    """The holder match (name, birth date, passport number as keyed hashes) and the bank check
    come out the same from the cache as from the text, and as with --no-cache."""
    root = kyc_texts(tmp_path / "papers", holder)
    cache = tmp_path / "cache"
    uncached = scan(options(root, "individual", None, ocr=False))
    cold = scan(options(root, "individual", cache, ocr=False))
    warm = scan(options(root, "individual", cache, ocr=False))
    assert warm.stats.cache_hits == warm.stats.files == 3
    assert kyc_view(uncached) == kyc_view(cold) == kyc_view(warm)
    stored = every_byte(cache)
    for secret in (PASSPORT, ACCOUNT, "ZHANG", *MRZ_P, MRZ_P[1][:28], _visa_lines(VISA_OF[holder])[1][:28]):
        assert secret.encode() not in stored, secret
    assert os.stat(cache / "holder.key").st_mode & 0o777 == 0o600
    met = {r.key: r.met for r in warm.kyc.requirements}
    assert met["passport"] and met["bank_account"]
    assert met["visa_page"] == (holder != "other"), [r.note for r in warm.kyc.requirements]
