"""--ozon-sheet: what Ozon's certificate upload form asks for, per SKU and valid conformity document,
checked against sample_docs/company (sample_docs/EXPECTED.md)."""

import csv
import shutil
import subprocess
import sys
from datetime import date

import pytest

from checker.models import DocumentNumber, FileAnalysis, FileFacts, FileKind, FileResult, Group, KycResult, ScanResult, SkuResult
from checker.report.ozon_sheet import OZON_COLUMNS, ozon_documents, write_ozon_sheet
from conftest import SAMPLES, tree_digest

TODAY = "2026-11-26"


def read_sheet(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == OZON_COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def company_sheets(tmp_path_factory):
    """The sample company batch without OCR (text PDFs only), the sheet in each language."""
    out = tmp_path_factory.mktemp("ozon")
    root = SAMPLES / "company"
    before = tree_digest(root)
    sheets = {}
    for lang in ("en", "ru", "zh"):
        proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--skus", str(root / "skus.csv"),
                               "--today", TODAY, "--no-ocr", "--no-cache", "--out", str(out / f"r-{lang}.csv"),
                               "--ozon-sheet", str(out / f"ozon-{lang}.csv"), "--lang", lang, "-q"],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 1, proc.stderr       # some sample SKUs are disabled on purpose
        assert "Traceback" not in proc.stderr
        sheets[lang] = read_sheet(out / f"ozon-{lang}.csv")
    assert tree_digest(root) == before
    return sheets


def rows_for(sheet, sku):
    return [r for r in sheet if r["sku"] == sku]


def test_eaeu_certificate_row_as_ozon_asks(company_sheets):
    [row] = rows_for(company_sheets["en"], "PB-1001")
    assert {k: row[k] for k in OZON_COLUMNS[:-1]} == {
        "sku": "PB-1001",
        "document_type": "certificate_of_conformity",
        "accordance_type": "eaeu_technical_regulation",
        "number": "ЕАЭС RU С-CN.АЯ46.В.01234/23",
        "issue_date": "2023-03-12",
        "expiry_date": "2028-03-11",
        "regulations": "ТР ТС 004/2011; ТР ТС 020/2011",
        "file": "PB-1001/RU_PB-1001_certificate.pdf",
    }
    assert row["description"] == ("Certificate of conformity · EAEU technical regulation · No. ЕАЭС RU С-CN.АЯ46.В.01234/23 · "
                                  "issued 2023-03-12 · valid until 2028-03-11 · attach PB-1001/RU_PB-1001_certificate.pdf")


def test_declaration_row(company_sheets):
    [row] = rows_for(company_sheets["en"], "TOY-3001")
    assert row["document_type"] == "declaration_of_conformity"
    assert row["accordance_type"] == "eaeu_technical_regulation"
    assert row["number"] == "ЕАЭС N RU Д-CN.РА01.В.12345/24"
    assert (row["issue_date"], row["expiry_date"]) == ("2024-03-12", "2029-03-11")   # valid from the registration date
    assert row["regulations"] == "ТР ТС 008/2011"
    assert row["file"] == "TOY-3001/RU_TOY-3001_declaration.pdf"


def test_gost_r_certificate_beside_the_eaeu_one(company_sheets):
    rows = rows_for(company_sheets["en"], "HA-4005")
    assert [(r["accordance_type"], r["number"]) for r in rows] == [
        ("eaeu_technical_regulation", "ЕАЭС RU С-CN.МЕ77.В.02011/25"), ("gost_r", "РОСС CN.АЯ46.Н12345")]
    gost = rows[1]
    assert gost["document_type"] == "certificate_of_conformity"
    assert (gost["issue_date"], gost["expiry_date"]) == ("2024-02-01", "2027-01-31")
    assert gost["file"] == "HA-4005/RU_HA-4005_certificate_gost_r.pdf"


def test_only_counted_well_formed_unexpired_documents(company_sheets):
    sheet = company_sheets["en"]
    skus = {r["sku"] for r in sheet}
    assert "PB-1002" not in skus          # expired 2025-05-14
    assert "PB-1004" not in skus          # malformed number
    assert "SW-5003" not in skus          # no certificate at all
    assert "BK-7001" not in skus and "RKT-9001" not in skus
    assert [r["file"] for r in rows_for(sheet, "TOY-3003")] == ["TOY-3003/RU_TOY-3003_declaration.pdf"]   # not the copy without RU_
    assert [r["file"] for r in rows_for(sheet, "PB-1006")] == ["PB-1006/RU_PB-1006_certificate.pdf"]       # not the protected copy
    assert [r["file"] for r in rows_for(sheet, "PB-2002")] == ["loose/RU_PB-2002_certificate.pdf"]
    [expiring] = rows_for(sheet, "PB-1003")                 # expiring in 14 days is still valid today
    assert expiring["expiry_date"] == "2026-12-10"
    for row in sheet:
        assert row["expiry_date"] == "" or row["expiry_date"] >= TODAY
        assert row["file"].rsplit("/", 1)[-1].startswith("RU_")


def test_codes_and_numbers_are_the_same_in_every_language(company_sheets):
    stable = [{k: r[k] for k in OZON_COLUMNS[:-1]} for r in company_sheets["en"]]
    for lang in ("ru", "zh"):
        assert [{k: r[k] for k in OZON_COLUMNS[:-1]} for r in company_sheets[lang]] == stable


def test_description_speaks_the_language(company_sheets):
    [ru] = rows_for(company_sheets["ru"], "TOY-3001")
    assert ru["description"].startswith("Декларация о соответствии · Технический регламент ЕАЭС · № ЕАЭС N RU Д-CN.РА01.В.12345/24")
    assert "действует до 2029-03-11" in ru["description"]
    [zh] = rows_for(company_sheets["zh"], "PB-1001")
    assert zh["description"].startswith("合格证书（Сертификат соответствия） · 欧亚经济联盟技术法规")
    assert "上传文件 PB-1001/RU_PB-1001_certificate.pdf" in zh["description"]
    gost = rows_for(company_sheets["ru"], "HA-4005")[1]
    assert "ГОСТ Р" in gost["description"]


def test_belarus_certificate_is_a_certificate(company_sheets):
    """HA-4001's Belarus number carries the certificate type code 02, as its form title says."""
    [row] = rows_for(company_sheets["en"], "HA-4001")
    assert row["document_type"] == "certificate_of_conformity"
    assert row["number"] == "ЕАЭС BY/112 02.01. ТР004 118.01 02345"
    assert "check the type" not in row["description"]


# --- unit level ------------------------------------------------------------------------------------

def _file(path, numbers, valid_from=None, valid_until=None, registered=None, counted=True, title=None):
    f = FileResult(path, path.rsplit("/", 1)[-1], Group.SKU, path.split("/")[0],
                   FileFacts("x", 1, "application/pdf", FileKind.TEXT_PDF))
    f.analysis = FileAnalysis(numbers=numbers, valid_from=valid_from, valid_until=valid_until, registered=registered,
                              role="conformity", title=title)
    f.counted = counted
    return f


def _result(*files):
    skus = {}
    for f in files:
        skus.setdefault(f.sku, SkuResult(f.sku)).files.append(f)
    return ScanResult("root", date(2026, 11, 26), "company", list(skus.values()), list(files), KycResult(False, "company"))


def test_schemes_and_missing_dates(tmp_path):
    tc = DocumentNumber("ТС N RU Д-CN.АЯ46.В.00001", "customs_union", "declaration", True)
    ru = DocumentNumber("RU С-CN.АЯ46.В.00002/24", "ru_technical_regulation", "certificate", True)
    bad = DocumentNumber("ЕАЭС RU С-CN.АЯ46.В.0003/24", "eaeu", "certificate", False, "serial")
    result = _result(
        _file("A-1/RU_a.pdf", [tc], registered=date(2020, 1, 2)),                     # no expiry read: kept, date empty
        _file("A-1/RU_same.pdf", [tc], registered=date(2020, 1, 2)),                  # the same number twice: once
        _file("B-2/RU_b.pdf", [bad, ru], valid_from=date(2024, 1, 1), valid_until=date(2026, 11, 26)),  # expires today: valid
        _file("C-3/RU_c.pdf", [ru], valid_until=date(2026, 11, 25)),                  # expired yesterday
        _file("D-4/RU_d.pdf", [ru], counted=False),                                   # a file Ozon ignores
    )
    docs = ozon_documents(result)
    assert [(d.sku, d.accordance_type, d.document_type) for d in docs] == [
        ("A-1", "customs_union", "declaration_of_conformity"), ("B-2", "ru_technical_regulation", "certificate_of_conformity")]
    assert docs[0].issue_date == date(2020, 1, 2) and docs[0].expiry_date is None
    assert docs[1].number == "RU С-CN.АЯ46.В.00002/24"      # the first well-formed number
    write_ozon_sheet(result, tmp_path / "s.csv", lang="zh")
    rows = read_sheet(tmp_path / "s.csv")
    assert rows[0]["expiry_date"] == "" and "未识别" in rows[0]["description"]
    assert "海关联盟技术法规" in rows[0]["description"]


def test_a_title_that_disagrees_with_the_number_is_flagged(tmp_path):
    """A form titled СЕРТИФИКАТ whose number carries the declaration type: the number decides, the seller is warned."""
    by_declaration = DocumentNumber("ЕАЭС BY/112 11.01. ТР004 118.01 02345", "eaeu", "declaration", True)
    result = _result(_file("HA-1/RU_cert.pdf", [by_declaration], valid_until=date(2029, 9, 24), title="certificate"))
    write_ozon_sheet(result, tmp_path / "s.csv", lang="en")
    [row] = read_sheet(tmp_path / "s.csv")
    assert row["document_type"] == "declaration_of_conformity"
    assert "check the type" in row["description"]


def test_cells_are_defused(tmp_path):
    evil = DocumentNumber("=HYPERLINK(1)", "eaeu", "certificate", True)
    write_ozon_sheet(_result(_file("=X/RU_a.pdf", [evil], valid_until=date(2030, 1, 1))), tmp_path / "s.csv")
    row = read_sheet(tmp_path / "s.csv")[0]
    assert row["sku"] == "'=X" and row["number"] == "'=HYPERLINK(1)"


@pytest.mark.ocr
def test_scanned_certificates_read_by_ocr_are_listed(tmp_path):
    """A scan (image-only PDF) counts once OCR has read it; an expired scan does not."""
    root = tmp_path / "batch"
    for sku in ("PB-6001", "PB-6002"):
        shutil.copytree(SAMPLES / "company" / sku, root / sku)
    (tmp_path / "skus.csv").write_text("sku,category\nPB-6001,power_bank\nPB-6002,power_bank\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--skus", str(tmp_path / "skus.csv"),
                           "--today", TODAY, "--no-cache", "--out", str(tmp_path / "r.csv"),
                           "--ozon-sheet", str(tmp_path / "o.csv"), "-q"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    rows = read_sheet(tmp_path / "o.csv")
    assert [(r["sku"], r["number"], r["expiry_date"]) for r in rows] == [("PB-6001", "ЕАЭС RU С-CN.АЯ46.В.06011/24", "2029-09-30")]
