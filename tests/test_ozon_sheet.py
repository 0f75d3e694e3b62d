"""--ozon-sheet: what Ozon's certificate form asks for, per SKU and paper that would pass, in the codes
of Ozon Seller API's POST /v2/product/certificate/create, checked against sample_docs/company
(sample_docs/EXPECTED.md) and against the v2 request's field names and allowed values."""

import csv
import shutil
import subprocess
import sys
from datetime import date

import pytest

from checker.models import DocumentNumber, FileAnalysis, FileFacts, FileKind, FileResult, Group, KycResult, ScanResult, SkuResult
from checker.report.ozon_sheet import OZON_COLUMNS, ozon_documents, write_ozon_sheet
from checker.rules import load_rules
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
    return [r for r in sheet if r["offer_id"] == sku]


def test_eaeu_certificate_row_as_ozon_asks(company_sheets):
    [row] = rows_for(company_sheets["en"], "PB-1001")
    assert {k: row[k] for k in OZON_COLUMNS[:-1]} == {
        "offer_id": "PB-1001",
        "certificate_type": "CERTIFICATE_OF_CONFORMITY",
        "accordance_type": "EAEU",
        "certificate_country": "RU",
        "number": "ЕАЭС RU С-CN.АЯ46.В.01234/23",
        "name": "Сертификат соответствия ЕАЭС RU С-CN.АЯ46.В.01234/23",
        "issue_date": "2023-03-12",
        "expired_date": "2028-03-11",
        "product_type": "UNKNOWN",
        "link_to_registry": "",
        "file": "PB-1001/RU_PB-1001_certificate.pdf",
        "number_check": "",
        "regulations": "ТР ТС 004/2011; ТР ТС 020/2011",
    }
    assert row["description"] == ("Certificate of conformity · EAEU technical regulation · No. ЕАЭС RU С-CN.АЯ46.В.01234/23 · "
                                  "issued 2023-03-12 · valid until 2028-03-11 · attach PB-1001/RU_PB-1001_certificate.pdf")


def test_declaration_row(company_sheets):
    [row] = rows_for(company_sheets["en"], "TOY-3001")
    assert row["certificate_type"] == "DECLARATION"
    assert row["accordance_type"] == "EAEU"
    assert row["number"] == "ЕАЭС N RU Д-CN.РА01.В.12345/24"
    assert (row["issue_date"], row["expired_date"]) == ("2024-03-12", "2029-03-11")   # valid from the registration date
    assert row["regulations"] == "ТР ТС 008/2011"
    assert row["file"] == "TOY-3001/RU_TOY-3001_declaration.pdf"


def test_voluntary_gost_r_certificate_beside_the_eaeu_one_is_left_out(company_sheets):
    """РОСС CN.АЯ46.Н12345 is of series Н, a voluntary certificate: it would not pass, so it is not listed."""
    rows = rows_for(company_sheets["en"], "HA-4005")
    assert [(r["accordance_type"], r["number"]) for r in rows] == [("EAEU", "ЕАЭС RU С-CN.МЕ77.В.02011/25")]


def test_only_counted_well_formed_unexpired_documents(company_sheets):
    sheet = company_sheets["en"]
    skus = {r["offer_id"] for r in sheet}
    assert "PB-1002" not in skus          # expired 2025-05-14
    assert "PB-1004" not in skus          # malformed number
    assert "SW-5003" not in skus          # no certificate at all
    assert "BK-7001" not in skus and "RKT-9001" not in skus
    assert [r["file"] for r in rows_for(sheet, "TOY-3003")] == ["TOY-3003/RU_TOY-3003_declaration.pdf"]   # not the copy without RU_
    assert [r["file"] for r in rows_for(sheet, "PB-1006")] == ["PB-1006/RU_PB-1006_certificate.pdf"]       # not the protected copy
    assert [r["file"] for r in rows_for(sheet, "PB-2002")] == ["loose/RU_PB-2002_certificate.pdf"]
    [expiring] = rows_for(sheet, "PB-1003")                 # expiring in 14 days is still valid today
    assert expiring["expired_date"] == "2026-12-10"
    for row in sheet:
        assert row["expired_date"] in ("", "infinite") or row["expired_date"] >= TODAY
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



def test_belarus_certificate_is_a_certificate(company_sheets):
    """HA-4001's Belarus number carries the certificate type code 02, as its form title says."""
    [row] = rows_for(company_sheets["en"], "HA-4001")
    assert (row["certificate_type"], row["certificate_country"]) == ("CERTIFICATE_OF_CONFORMITY", "BY")
    assert row["number"] == "ЕАЭС BY/112 02.01. ТР004 118.01 02345"
    assert "check the type" not in row["description"]


# --- unit level ------------------------------------------------------------------------------------

def _file(path, numbers, valid_from=None, valid_until=None, registered=None, counted=True, title=None, document_type=None):
    f = FileResult(path, path.rsplit("/", 1)[-1], Group.SKU, path.split("/")[0],
                   FileFacts("x", 1, "application/pdf", FileKind.TEXT_PDF))
    f.analysis = FileAnalysis(numbers=numbers, valid_from=valid_from, valid_until=valid_until, registered=registered,
                              role="conformity", title=title, document_type=document_type)
    f.counted = counted
    return f


def _result(*files):
    skus = {}
    for f in files:
        skus.setdefault(f.sku, SkuResult(f.sku)).files.append(f)
    return ScanResult("root", date(2026, 11, 26), "company", list(skus.values()), list(files), KycResult(False, "company"),
                      rules=load_rules())


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
    assert [(d.offer_id, d.accordance_type, d.certificate_type) for d in docs] == [
        ("A-1", "EAEU", "DECLARATION"), ("B-2", "TECHNICAL_REGULATIONS_RF", "CERTIFICATE_OF_CONFORMITY")]
    assert docs[0].issue_date == date(2020, 1, 2) and docs[0].expired_date is None
    assert docs[1].number == "RU С-CN.АЯ46.В.00002/24"      # the first well-formed number
    write_ozon_sheet(result, tmp_path / "s.csv", lang="zh")
    rows = read_sheet(tmp_path / "s.csv")
    assert rows[0]["expired_date"] == "" and "未识别" in rows[0]["description"]
    assert "欧亚经济联盟技术法规" in rows[0]["description"]


def test_a_title_that_disagrees_with_the_number_is_flagged(tmp_path):
    """A form titled СЕРТИФИКАТ whose number carries the declaration type: the number decides, the seller is warned."""
    by_declaration = DocumentNumber("ЕАЭС BY/112 11.01. ТР004 118.01 02345", "eaeu", "declaration", True)
    result = _result(_file("HA-1/RU_cert.pdf", [by_declaration], valid_until=date(2029, 9, 24), title="certificate"))
    write_ozon_sheet(result, tmp_path / "s.csv", lang="en")
    [row] = read_sheet(tmp_path / "s.csv")
    assert row["certificate_type"] == "DECLARATION"
    assert "check the type" in row["description"]


def test_cells_are_defused(tmp_path):
    evil = DocumentNumber("=HYPERLINK(1)", "eaeu", "certificate", True)
    write_ozon_sheet(_result(_file("=X/RU_a.pdf", [evil], valid_until=date(2030, 1, 1))), tmp_path / "s.csv")
    row = read_sheet(tmp_path / "s.csv")[0]
    assert row["offer_id"] == "'=X" and row["number"] == "'=HYPERLINK(1)"


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
    assert [(r["offer_id"], r["number"], r["expired_date"]) for r in rows] == [("PB-6001", "ЕАЭС RU С-CN.АЯ46.В.06011/24", "2029-09-30")]


# --- the v2 request shape -------------------------------------------------------------------------

# POST /v2/product/certificate/create, Ozon Seller API reference (operation ProductCertificateCreate;
# the enums CertificateTypeV2, CertificateAccordanceTypeV2, CertificateProductTypeV2 as Ozon's OpenAPI
# spec lists them, read 2026-11-30). Written here from the documentation, not from rules/ozon.yaml,
# so that a wrong mapping in the rules is caught.
V2_FIELDS = {"certificate_type", "accordance_type", "certificate_country", "number", "name", "issue_date",
             "expired_date", "link_to_registry", "product_type", "skus", "files"}
V2_CERTIFICATE_TYPES = {"UNKNOWN", "CERTIFICATE_OF_CONFORMITY", "DECLARATION", "CERTIFICATE_OF_REGISTRATION",
                        "REGISTRATION_CERTIFICATE", "REFUSED_LETTER", "VETERINARY_COVER_DOCUMENT", "SAFETY_DATA_SHEET"}
V2_ACCORDANCE_TYPES = {"UNKNOWN", "EAEU", "NATIONAL", "TECHNICAL_REGULATIONS_RF", "TECHNICAL_REGULATIONS_CU", "GOST",
                       "CHEMICAL_PRODUCTS", "SAFETY_DATA_SHEET", "REJECTION_LETTER"}
V2_PRODUCT_TYPES = {"UNKNOWN", "PRODUCTS_SUBJECT_TO_REGISTRATION", "PESTICIDE", "AGROCHEMICAL", "FEED_ADDITIVE",
                    "MEDICAL_PRODUCT", "MEDICINE", "VETERINARY_DRUG", "PHARMACEUTICAL_SUBSTANCE"}
EAEU_STATES = {"RU", "BY", "KZ", "KG", "AM"}


def assert_v2_row(row):
    """One sheet row holds against the v2 request: its field names and allowed values."""
    api_columns = [c for c in OZON_COLUMNS if c in V2_FIELDS]
    assert set(api_columns) == V2_FIELDS - {"skus", "files"}      # Ozon's product ids and the file are the upload's
    assert row["certificate_type"] in V2_CERTIFICATE_TYPES - {"UNKNOWN"}
    assert row["accordance_type"] in V2_ACCORDANCE_TYPES
    assert row["product_type"] in V2_PRODUCT_TYPES
    assert row["certificate_country"] in EAEU_STATES
    assert row["number"] and len(row["number"]) <= 100 and 0 < len(row["name"]) <= 100
    assert row["expired_date"] == "infinite" or date.fromisoformat(row["expired_date"])
    if row["issue_date"]:
        date.fromisoformat(row["issue_date"])


def test_every_sample_row_holds_against_the_v2_request(company_sheets):
    sheet = company_sheets["en"]
    assert len(sheet) >= 8
    for row in sheet:
        if row["expired_date"] == "":
            continue                          # not read: the seller copies it from the paper (the description says so)
        assert_v2_row(row)


def test_the_rules_map_only_to_allowed_values():
    ozon = load_rules().ozon
    assert set(ozon.certificate_type.values()) <= V2_CERTIFICATE_TYPES
    assert {*ozon.accordance_by_type.values(), *ozon.accordance_by_scheme.values(), ozon.accordance_default} <= V2_ACCORDANCE_TYPES
    assert {*ozon.product_by_type.values(), ozon.product_default} <= V2_PRODUCT_TYPES


@pytest.mark.parametrize("number, document_type, expect", [
    (DocumentNumber("РЗН 2025/25937", "medical_registration", "certificate", True, registered_in="RU"), "registration_certificate",
     ("REGISTRATION_CERTIFICATE", "UNKNOWN", "RU", "MEDICAL_PRODUCT", "infinite")),
    (DocumentNumber("KZ.16.01.98.003.R.000098.03.23", "state_registration", "certificate", True, registered_in="KZ"),
     "certificate_of_registration", ("CERTIFICATE_OF_REGISTRATION", "EAEU", "KZ", "PRODUCTS_SUBJECT_TO_REGISTRATION", "infinite")),
    (DocumentNumber("РОСС RU Д-CN.РА01.В.12345/24", "gost_r", "declaration", True, registered_in="RU"), "declaration",
     ("DECLARATION", "GOST", "RU", "UNKNOWN", "")),
    (DocumentNumber("ЕАЭС KG417/039.RU.02.06810", "eaeu", "certificate", True, registered_in="KG"), "certificate_of_conformity",
     ("CERTIFICATE_OF_CONFORMITY", "EAEU", "KG", "UNKNOWN", "")),
])
def test_each_paper_type_gets_ozon_codes(tmp_path, number, document_type, expect):
    f = _file("A-1/RU_a.pdf", [number], document_type=document_type)
    write_ozon_sheet(_result(f), tmp_path / "s.csv", lang="en")
    [row] = read_sheet(tmp_path / "s.csv")
    got = (row["certificate_type"], row["accordance_type"], row["certificate_country"], row["product_type"], row["expired_date"])
    assert got == expect
    if row["expired_date"]:
        assert_v2_row(row)
    assert row["name"].endswith(number.official)


def test_papers_that_would_not_pass_are_left_out(tmp_path):
    """A voluntary certificate, a test report and a national number have no place in Ozon's form for a power bank."""
    voluntary = DocumentNumber("РОСС CN.АЯ58.Н06475", "voluntary", "certificate", True, registered_in="RU")
    national = DocumentNumber("BY/112 02.01. 033 00123", "national", "certificate", True, registered_in="BY")
    files = [_file("PB-1/RU_v.pdf", [voluntary], document_type="voluntary_certificate"),
             _file("PB-1/RU_t.pdf", [], document_type="other"),
             _file("PB-1/RU_n.pdf", [national], document_type="certificate_of_conformity")]
    result = _result(*files)
    result.skus[0].category = "power_bank"
    assert ozon_documents(result) == []


def test_an_unverified_number_is_marked(tmp_path):
    n = DocumentNumber("ЕАЭС N RU Д-CN.РА11.В.13293/25", "eaeu", "declaration", False, status="unverified", source="ocr",
                       confidence=41.0, repairs=["N mark read as 'М'"], registered_in="RU")
    write_ozon_sheet(_result(_file("A-1/RU_a.pdf", [n], valid_until=date(2030, 1, 1), document_type="declaration")),
                     tmp_path / "s.csv", lang="ru")
    [row] = read_sheet(tmp_path / "s.csv")
    assert row["number_check"] == "unverified"
    assert "сверьте номер с документом: уверенность распознавания 41%" in row["description"]
