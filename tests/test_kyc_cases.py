"""End to end on the KYC cases of ../shared/cases/kyc/: the real command, the cache on (the
default), each case scanned twice so the second run reads from the cache, and the checklist a
KYC officer would give. Falls back to /work/shared when the worktree has no ../shared beside it."""

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, read_csv, tree_digest

TODAY = "2026-11-26"


def _cases_dir() -> Path | None:
    for base in (REPO.parent / "shared", Path("/work/shared")):
        if (base / "cases" / "kyc").is_dir():
            return base / "cases" / "kyc"
    return None


CASES = _cases_dir()
pytestmark = pytest.mark.skipif(CASES is None, reason="../shared/cases/kyc not present beside the checkout")


def scan(tmp_path: Path, case: str, *extra: str) -> dict[str, dict[str, str]]:
    """Scan the case twice with one cache folder; both runs must give the same checklist."""
    root = CASES / case
    before = tree_digest(root)
    checklists = []
    for run in ("cold", "warm"):
        out = tmp_path / run
        out.mkdir(parents=True)
        args = [sys.executable, "-m", "checker", "scan", str(root), "--skus", str(root / "skus.csv"), "--today", TODAY,
                "--out", str(out / "report.csv"), "--kyc-out", str(out / "kyc.csv"), "--cache-dir", str(tmp_path / "cache"),
                "-q", *extra]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=REPO)
        assert "Traceback" not in proc.stderr + proc.stdout
        assert proc.returncode == 1, proc.stderr       # one paper is never a whole KYC set: the SKU is disabled
        checklists.append({row["requirement"]: row for row in read_csv(out / "kyc.csv")})
        if run == "warm":
            assert "cache hits" in proc.stdout or "из кэша" in proc.stdout or "缓存" in proc.stdout
    assert checklists[0] == checklists[1], "the cached run judged differently"
    assert tree_digest(root) == before, "the scanned folder was modified"
    return checklists[1]


def test_consular_legalisation_in_the_consulates_own_words(tmp_path):
    kyc = scan(tmp_path, "10-consular")
    assert kyc["legalisation"]["met"] == "yes"
    assert kyc["legalisation"]["evidence"] == "KYC/legalisation.pdf"
    # it is a legalisation, nothing more: no other requirement is taken from it
    assert [k for k, row in kyc.items() if row["met"] == "yes"] == ["legalisation"]


def test_passport_without_a_zone_and_expired_by_its_printed_date(tmp_path):
    kyc = scan(tmp_path, "15-passport-no-mrz")
    passport = kyc["passport"]
    assert passport["met"] == "no"
    assert passport["note"].startswith("KYC/passport.pdf (read: passport): ")
    assert "could not read the passport's machine-readable zone" in passport["note"]
    assert "the passport's printed expiry date 2025-03-08 has passed" in passport["note"]
    assert "E19046283" not in passport["note"]


def test_social_insurance_for_2023_is_not_recent_whatever_its_print_date(tmp_path):
    kyc = scan(tmp_path, "11-social-printdate", "--seller-type", "individual")
    social = kyc["social_insurance"]
    assert social["met"] == "no"
    assert "the latest month the payments are for is 2023-06" in social["note"]
    assert "2026-11" not in social["note"]


def test_wrong_credit_code_check_character_names_the_expected_one(tmp_path):
    kyc = scan(tmp_path, "08-uscc")
    licence = kyc["business_licence"]
    assert licence["met"] == "no"
    assert "unified social credit code 91440300MA5FQ2K713: its check character should be M, not 3" in licence["note"]


def test_the_checklist_speaks_the_readers_language(tmp_path):
    kyc = scan(tmp_path, "08-uscc", "--lang", "zh")
    assert "统一社会信用代码 91440300MA5FQ2K713：校验码应为 M，而不是 3" in kyc["business_licence"]["note"]
    ru = scan(tmp_path / "ru", "15-passport-no-mrz", "--lang", "ru")
    assert "напечатанный срок действия документа (паспорт) 2025-03-08 истёк" in ru["passport"]["note"]
