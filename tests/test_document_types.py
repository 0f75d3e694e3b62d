"""Every paper Ozon takes, told apart (issue 12): document types from content whatever the file is
named, categories that accept only their types, wrong_document_type, national and Customs Union
numbers as printed. End to end with the real command and the cache on (the default path), on the
shared cases and on text PDFs of invented papers of real register shapes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, read_csv, tree_digest

fpdf = pytest.importorskip("fpdf", reason="fpdf2 (the test extra) writes the invented papers")

CASES = next((p for p in (REPO.parent / "shared" / "cases", Path("/work/shared/cases")) if p.is_dir()), None)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
TODAY = "2026-11-30"
MANUAL = ["РУКОВОДСТВО ПО ЭКСПЛУАТАЦИИ", "Внешний аккумулятор TESTBRAND (вымышленная модель).",
          "Перед использованием полностью зарядите устройство. Не разбирайте и не нагревайте аккумулятор.",
          "Храните в сухом месте при температуре от нуля до двадцати пяти градусов."]


def write_pdf(path: Path, lines: list[str]) -> None:
    """A one-page PDF with a text layer (DejaVu Sans, so Cyrillic has a Unicode map)."""
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.add_font("dejavu", fname=FONT)
    pdf.set_font("dejavu", size=11)
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))


def scan(root: Path, skus: Path, out: Path, cache: Path, *extra: str) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    before = tree_digest(root)
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--skus", str(skus), "--today", TODAY,
                           "--cache-dir", str(cache), "--no-ocr", "--out", str(out / "r.csv"),
                           "--files-out", str(out / "f.csv"), "--json", str(out / "r.json"),
                           "--ozon-sheet", str(out / "o.csv"), "-q", *extra],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert tree_digest(root) == before
    report = json.loads((out / "r.json").read_text(encoding="utf-8"))
    report["_skus"] = {r["sku"]: r for r in read_csv(out / "r.csv")}
    report["_files"] = {r["path"]: r for r in read_csv(out / "f.csv")}
    report["_ozon"] = read_csv(out / "o.csv")
    return report


# -- the shared cases -----------------------------------------------------------------------------

needs_cases = pytest.mark.skipif(CASES is None, reason="../shared/cases not present beside the checkout")


@needs_cases
@pytest.mark.parametrize("run", ["cold", "warm"])
def test_medical_device_with_its_registration_certificate_is_ok(tmp_path_factory, run):
    case = CASES / "medical-registration-certificate"
    cache = tmp_path_factory.getbasetemp() / "cases-cache"
    report = scan(case, case / "skus.csv", tmp_path_factory.mktemp(run), cache)
    sku = report["_skus"]["MED-01"]
    assert (sku["chat_status"], sku["reasons"], sku["certificates"]) == ("ok", "", "РЗН 2025/25937")
    f = report["_files"]["MED-01/RU_registration_certificate.pdf"]
    assert (f["role"], f["document_type"], f["type_evidence"]) == (
        "conformity", "registration_certificate", "title:РЕГИСТРАЦИОННОЕ УДОСТОВЕРЕНИЕ")   # not the SKU's manual
    [row] = report["_ozon"]
    assert (row["certificate_type"], row["product_type"], row["expired_date"], row["issue_date"]) == (
        "REGISTRATION_CERTIFICATE", "MEDICAL_PRODUCT", "infinite", "2025-07-24")


@needs_cases
@pytest.mark.parametrize("name", ["RU_сертификат.pdf", "RU_protokol.pdf", "RU_certificate.pdf"])
def test_a_test_report_is_the_wrong_paper_whatever_its_name(tmp_path, name):
    case = CASES / "test-report-named-certificate"
    root = tmp_path / "batch"
    (root / "MAT-02").mkdir(parents=True)
    shutil.copyfile(case / "MAT-02" / "RU_сертификат.pdf", root / "MAT-02" / name)
    report = scan(case if name == "RU_сертификат.pdf" else root, case / "skus.csv", tmp_path / "out", tmp_path / "cache")
    sku = report["_skus"]["MAT-02"]
    assert (sku["chat_status"], sku["reasons"]) == ("disabled", "wrong_document_type")
    assert "is a test report, but Furniture needs a certificate of conformity or a declaration of conformity" in sku["details"]
    assert report["_ozon"] == []


# -- invented papers of real shapes -----------------------------------------------------------------

PAPERS = {
    # sku: (category, file name, lines)
    "PB-TR": ("power_bank", "RU_certificate.pdf", ["ПРОТОКОЛ ИСПЫТАНИЙ № 118/25-ИЛ от 02.06.2025",
              "Испытательная лаборатория ООО «Проверка» (вымышленная)", "Объект испытаний: внешний аккумулятор TESTBRAND PB-10"]),
    "PB-TM": ("power_bank", "RU_certificate.pdf", ["СВИДЕТЕЛЬСТВО НА ТОВАРНЫЙ ЗНАК (ЗНАК ОБСЛУЖИВАНИЯ)",
              "№ 912345", "Правообладатель: ООО «Северный Ветер-Импорт» (вымышленное)"]),
    "PB-GN": ("power_bank", "RU_certificate.pdf", ["СЕРТИФИКАТ СООТВЕТСТВИЯ", "№ РОСС CN.АЯ58.Н06475",
              "Срок действия с 01.02.2025 по 31.01.2028", "Система сертификации ГОСТ Р"]),
    "PB-VS": ("power_bank", "RU_certificate.pdf", ["СЕРТИФИКАТ СООТВЕТСТВИЯ", "№ РОСС RU.33163.OC01.00631",
              "Срок действия с 01.02.2025 по 31.01.2028", "Система добровольной сертификации «ТестСтандарт»"]),
    "PB-BY": ("power_bank", "RU_certificate.pdf", ["СЕРТИФИКАТ СООТВЕТСТВИЯ", "№ BY/112 02.01. 033 00123",
              "Срок действия с 01.02.2025 по 31.01.2028"]),
    "PB-KZ": ("power_bank", "RU_declaration.pdf", ["ДЕКЛАРАЦИЯ О СООТВЕТСТВИИ", "№ KZ.7500361.07.03.00123",
              "Срок действия с 01.02.2025 по 31.01.2028"]),
    "PB-TC": ("power_bank", "RU_certificate.pdf", ["СЕРТИФИКАТ СООТВЕТСТВИЯ", "EAC RU C-CN.AB29.A.05694",
              "Срок действия с 01.02.2022 по 31.01.2027"]),
    "PB-RL": ("power_bank", "RU_certificate.pdf", ["ОТКАЗНОЕ ПИСЬМО",
              "Продукция «внешний аккумулятор» не подлежит обязательной сертификации (вымышленный орган)."]),
    "BAD-1": ("dietary_supplements", "RU_sgr.pdf", ["СВИДЕТЕЛЬСТВО О ГОСУДАРСТВЕННОЙ РЕГИСТРАЦИИ",
              "№ RU.77.99.11.003.R.004558.12.21 от 15.12.2021", "Биологически активная добавка к пище «Тест-Вит» (вымышленная)"]),
    "MED-2": ("medical_device", "RU_declaration.pdf", ["ДЕКЛАРАЦИЯ О СООТВЕТСТВИИ", "ЕАЭС N RU Д-CN.РА01.В.12345/24",
              "Декларация о соответствии действительна с даты регистрации по 11.03.2029 включительно"]),
}


@pytest.fixture(scope="module")
def invented(tmp_path_factory):
    base = tmp_path_factory.mktemp("papers")
    root = base / "batch"
    for sku, (category, name, lines) in PAPERS.items():
        write_pdf(root / sku / name, lines)
        if category == "power_bank":
            write_pdf(root / sku / "RU_manual.pdf", MANUAL)
    (base / "skus.csv").write_text("sku,category\n" + "".join(f"{s},{c}\n" for s, (c, _, _) in PAPERS.items()),
                                   encoding="utf-8")
    cold = scan(root, base / "skus.csv", base / "cold", base / "cache")
    warm = scan(root, base / "skus.csv", base / "warm", base / "cache")
    assert {k: (v["chat_status"], v["reasons"], v["details"]) for k, v in cold["_skus"].items()} == \
           {k: (v["chat_status"], v["reasons"], v["details"]) for k, v in warm["_skus"].items()}
    return warm


@pytest.mark.parametrize("sku, paper, number", [
    ("PB-TR", "a test report", ""),
    ("PB-TM", "a trademark certificate", ""),
    ("PB-GN", "a voluntary certificate", "РОСС CN.АЯ58.Н06475"),
    ("PB-VS", "a voluntary certificate", "РОСС RU.33163.OC01.00631"),
    ("PB-BY", "a certificate of conformity on BY's national register, not valid in Russia", "BY/112 02.01. 033 00123"),
    ("PB-KZ", "a declaration of conformity on KZ's national register, not valid in Russia", "KZ 7500361.07.03.00123"),
    ("PB-RL", "a refusal letter (the product needs no mandatory certification)", ""),
])
def test_a_power_bank_whose_only_paper_is_the_wrong_kind_is_disabled(invented, sku, paper, number):
    row = invented["_skus"][sku]
    assert (row["chat_status"], row["reasons"]) == ("disabled", "wrong_document_type")
    assert f"is {paper}, but Power banks needs a certificate of conformity or a declaration of conformity" in row["details"]
    if number:   # a national number is reported as printed: no ЕАЭС supplied
        assert row["certificates"] == number
    assert not [r for r in invented["_ozon"] if r["offer_id"] == sku]


def test_a_customs_union_number_keeps_its_prefix(invented):
    row = invented["_skus"]["PB-TC"]
    assert (row["chat_status"], row["reasons"], row["certificates"]) == ("ok", "", "ТС RU С-CN.АВ29.А.05694")
    [sheet] = [r for r in invented["_ozon"] if r["offer_id"] == "PB-TC"]
    assert (sheet["certificate_type"], sheet["accordance_type"], sheet["number"]) == (
        "CERTIFICATE_OF_CONFORMITY", "EAEU", "ТС RU С-CN.АВ29.А.05694")


def test_a_dietary_supplement_with_its_state_registration_is_ok(invented):
    row = invented["_skus"]["BAD-1"]
    assert (row["chat_status"], row["reasons"], row["certificates"]) == ("ok", "", "RU.77.99.11.003.R.004558.12.21")
    [sheet] = [r for r in invented["_ozon"] if r["offer_id"] == "BAD-1"]
    assert (sheet["certificate_type"], sheet["certificate_country"], sheet["product_type"], sheet["expired_date"]) == (
        "CERTIFICATE_OF_REGISTRATION", "RU", "PRODUCTS_SUBJECT_TO_REGISTRATION", "infinite")


def test_an_eac_declaration_for_a_medical_device_is_the_wrong_paper(invented):
    row = invented["_skus"]["MED-2"]
    assert (row["chat_status"], row["reasons"]) == ("disabled", "wrong_document_type")
    assert "needs a medical device registration certificate (РУ)" in row["details"]


def test_each_papers_type_and_evidence_is_in_the_json(invented):
    kinds = {f["path"].split("/")[0]: (f["analysis"]["document_type"], f["analysis"]["type_evidence"])
             for f in invented["files"] if not f["path"].endswith("manual.pdf")}
    assert kinds["PB-TR"] == ("other", "title:ПРОТОКОЛ ИСПЫТАНИЙ")
    assert kinds["PB-GN"] == ("voluntary_certificate", "number:РОСС CN.АЯ58.Н06475")
    assert kinds["PB-RL"] == ("refused_letter", "title:ОТКАЗНОЕ ПИСЬМО")
    assert kinds["BAD-1"] == ("certificate_of_registration", "title:СВИДЕТЕЛЬСТВО О ГОСУДАРСТВЕННОЙ РЕГИСТРАЦИИ")


# -- the rule files are checked on load ---------------------------------------------------------------

@pytest.mark.parametrize("name, old, new, match", [
    ("categories.yaml", "    accepts: [registration_certificate]\n", "    accepts: [registration_certificate, refused_letter]\n",
     r"categories.yaml:\d+: category 'medical_device': a refusal letter fits only a category that needs no mandatory confirmation"),
    ("categories.yaml", "    accepts: [registration_certificate]\n", "    accepts: [medical_licence]\n",
     r"categories.yaml:\d+: category 'medical_device': accepts 'medical_licence', not one of Ozon's types"),
    ("categories.yaml", '    source: {text: "Federal Law 323-ФЗ', '    sauce: {text: "Federal Law 323-ФЗ',
     r"categories.yaml:\d+: unknown field 'sauce' in category 'medical_device'"),
    ("ozon.yaml", "  registration_certificate: MEDICAL_PRODUCT\n", "  registration_certificate: MEDICAL_DEVICE\n",
     r"ozon.yaml:\d+: 'by_type': 'registration_certificate' -> 'MEDICAL_DEVICE' is not an allowed product_type"),
    ("file_types.yaml", "      type: other\n      conformity: true\n      number_required: false\n      titles: [ПРОТОКОЛ",
     "      type: test_report\n      conformity: true\n      number_required: false\n      titles: [ПРОТОКОЛ",
     r"file_types.yaml:\d+: paper 'test_report': type 'test_report' is not one of"),
])
def test_broken_rules_are_refused_naming_file_and_line(tmp_path, name, old, new, match):
    from test_i18n import _refused

    _refused(tmp_path, name, old, new, match)
