"""End to end on sample_docs/, as a new user runs it: the real command, real OCR, real files.
Expected verdicts come from sample_docs/EXPECTED.md, written by tools/make_samples.py."""

import re

import pytest

from conftest import SAMPLES, read_csv

pytestmark = pytest.mark.ocr
STATUS = {"ok": "ok", "warn": "at_risk", "fail": "disabled"}


def expected_skus(batch):
    rows = {}
    for line in (SAMPLES / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0] == batch:
            _, sku, _, status, reasons, _ = cells
            rows[sku] = (STATUS[status], set() if reasons == "-" else set(re.split(r"[,;]\s*", reasons)))
    assert rows, f"no SKU rows for {batch} in EXPECTED.md"
    return rows


def expected_kyc(batch):
    rows = {}
    section = (SAMPLES / "EXPECTED.md").read_text(encoding="utf-8").split("## Account level", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] == batch:
            rows[cells[1]] = (cells[2], cells[3])
    assert rows, f"no KYC rows for {batch} in EXPECTED.md"
    return rows


def run_scan(sample_reports, batch):
    """The batch's English run with every report (conftest's session fixture `sample_reports`):
    a cold scan, the cache on, shared with the golden-report test rather than scanned again."""
    run = sample_reports(batch, "en")
    proc = run.proc
    assert "Traceback" not in proc.stderr + proc.stdout
    assert run.untouched, "the scanned folder was modified"

    return proc, read_csv(run.out / "report.csv"), read_csv(run.out / "files.csv"), read_csv(run.out / "kyc.csv")


@pytest.fixture(scope="module")
def company(sample_reports):
    return run_scan(sample_reports, "company")


@pytest.fixture(scope="module")
def individual(sample_reports):
    return run_scan(sample_reports, "individual")


def test_company_batch_verdicts_match_the_design(company):
    proc, report, _, _ = company
    assert proc.returncode == 1, proc.stderr   # some SKUs are disabled on purpose
    got = {r["sku"]: (r["chat_status"], set(filter(None, r["reasons"].split(";")))) for r in report}
    assert got == expected_skus("company")


def test_report_columns_and_user_columns_are_kept(company):
    _, report, _, _ = company
    for column in ("sku", "category", "chat_status", "reasons", "certificates", "valid_until", "manual", "files", "details", "name", "brand"):
        assert column in report[0]
    pb = next(r for r in report if r["sku"] == "PB-1001")
    assert pb["certificates"] == "ЕАЭС RU С-CN.АЯ46.В.01234/23"
    assert pb["valid_until"] == "2028-03-11"
    assert pb["name"].startswith("Внешний аккумулятор")
    expired = next(r for r in report if r["sku"] == "PB-1002")
    assert "2025-05-14" in expired["details"] and "expired" in expired["details"]


def test_scans_get_the_verdicts_of_their_text_twins(company):
    _, report, files, _ = company
    by_path = {f["path"]: f for f in files}
    scan = by_path["PB-6001/RU_PB-6001_certificate.pdf"]
    assert scan["kind"] == "scanned_pdf"
    assert "ЕАЭС RU С-CN.АЯ46.В.06011/24" in scan["numbers"]
    assert scan["valid_until"] == "2029-09-30"
    assert float(scan["ocr_confidence"]) > 60
    turned = by_path["PB-6004/RU_PB-6004_certificate.pdf"]
    assert "rot 90" in turned["ocr_pages"] or "rot 270" in turned["ocr_pages"]
    assert "ЕАЭС RU С-CN.АЯ46.В.06240/25" in turned["numbers"]
    manual = by_path["PB-6003/RU_PB-6003_manual.pdf"]
    assert manual["language"] == "ru" and manual["kind"] == "scanned_pdf"


def test_every_file_has_a_row_and_debris_is_skipped(company):
    _, _, files, _ = company
    listed = {f["path"]: f for f in files}
    on_disk = {p.relative_to(SAMPLES / "company").as_posix() for p in (SAMPLES / "company").rglob("*") if p.is_file()}
    assert set(listed) == on_disk
    assert listed["PB-1001/Thumbs.db"]["sku"] == "skipped"
    assert listed["loose/RU_price_list_2026.pdf"]["sku"] == "unmapped"
    assert listed["loose/RU_PB-2002_certificate.pdf"]["sku"] == "PB-2002"
    assert listed["KYC/RU_apostille.jpg"]["sku"] == "KYC"


def test_company_kyc_set_is_complete(company):
    proc, report, _, kyc = company
    expected = expected_kyc("company")
    assert {r["requirement"]: r["met"] for r in kyc} == {k: v[0] for k, v in expected.items()}
    for row in kyc:
        assert expected[row["requirement"]][1] in row["evidence"].split("; ")
    assert not any("kyc_incomplete" in r["reasons"] for r in report)
    assert "KYC (company" in proc.stdout and "complete" in proc.stdout


def test_individual_kyc_set_is_incomplete_and_disables_every_sku(individual):
    proc, report, _, kyc = individual
    assert proc.returncode == 1
    assert {r["requirement"]: r["met"] for r in kyc} == {k: v[0] for k, v in expected_kyc("individual").items()}
    notes = {r["requirement"]: r["note"] for r in kyc}
    assert "Russian" in notes["social_insurance"] and "English" in notes["social_insurance"]
    assert "INCOMPLETE" in proc.stdout
    assert all(r["chat_status"] == "disabled" and "kyc_incomplete" in r["reasons"] for r in report)
    got = {r["sku"]: (r["chat_status"], set(filter(None, r["reasons"].split(";")))) for r in report}
    assert got == expected_skus("individual")    # EXPECTED.md stays the design of both batches


def test_personal_numbers_never_appear_in_full(company, individual):
    for proc, report, files, kyc in (company, individual):
        blob = proc.stdout + proc.stderr + repr(report) + repr(files) + repr(kyc)
        for secret in ("E12345678", "E98765432", "P<CHNZHANG", "40802810100004827153"):
            assert secret not in blob
