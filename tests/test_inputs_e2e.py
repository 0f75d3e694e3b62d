"""Issue 13's input cases end to end, through the CLI, with the cache on (the default path), each
run twice: cold, then from the cache. The cases live in ../shared/cases (invented names and numbers)."""

import json
import shutil
import unicodedata
from pathlib import Path

import jsonschema
import pytest

from conftest import SAMPLES, read_csv

REPO = Path(__file__).resolve().parents[1]
SHARED = next((p for p in (REPO.parent / "shared", Path("/work/shared")) if (p / "cases").is_dir()), REPO.parent / "shared")
CASES = SHARED / "cases"
pytestmark = pytest.mark.skipif(not CASES.is_dir(), reason="../shared/cases not present beside the checkout")
TODAY = "2026-11-26"


def validator():
    schema = json.loads((REPO / "schema" / "doccheck-report.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def scan_twice(run_cli, tmp_path, folder, skus, *extra):
    """Scan cold, then again from the cache; both runs must agree. Returns (code, stdout, rows, files, json)."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    args = ["scan", folder, "--skus", skus, "--today", TODAY, "--cache-dir", tmp_path / "cache", "--out", out / "r.csv",
            "--files-out", out / "f.csv", "--json", out / "r.json", "--lang", "en", *extra]
    results = []
    for _ in range(2):
        code, stdout, _ = run_cli(*args)
        rows = {r["sku"]: r for r in read_csv(out / "r.csv")}
        files = {r["path"]: r for r in read_csv(out / "f.csv")}
        document = json.loads((out / "r.json").read_text(encoding="utf-8"))
        validator().validate(document)
        results.append((code, stdout, rows, files, document))
    (c1, _, r1, _, _), (c2, _, r2, _, d2) = results
    assert (c1, {k: v["chat_status"] for k, v in r1.items()}) == (c2, {k: v["chat_status"] for k, v in r2.items()})
    # every file from the cache the second time, KYC papers too: their evidence is stored, never their
    # text (issue 18, docs/performance.md "KYC papers in the cache")
    assert d2["stats"]["cache_hits"] == d2["stats"]["files"]
    return results[1]


@pytest.mark.ocr
def test_nfd_cyrillic_sku_folder_is_ok(run_cli, tmp_path):
    case = CASES / "nfd-cyrillic-sku-folder"
    [folder] = [p.name for p in case.iterdir() if p.is_dir()]
    assert folder != unicodedata.normalize("NFC", folder)      # the case really is NFD on disk
    code, _, rows, files, document = scan_twice(run_cli, tmp_path, case, case / "skus.csv")
    assert code == 0 and rows["ЧАЙНИК-01"]["chat_status"] == "ok", rows
    # Reports show the names as the seller's disk has them; the SKU as the list spells it.
    assert f"{folder}/RU_declaration.pdf" in files and files[f"{folder}/RU_declaration.pdf"]["sku"] == "ЧАЙНИК-01"
    assert not any(f["sku"] == "unmapped" and f["path"].endswith(".pdf") for f in files.values())
    assert document["skus"][0]["sku"] == "ЧАЙНИК-01"


@pytest.mark.ocr
def test_syncthing_conflict_copy_is_ok_and_listed_as_a_copy(run_cli, tmp_path):
    case = CASES / "syncthing-conflict-copy"
    code, stdout, rows, files, document = scan_twice(run_cli, tmp_path, case, case / "skus.csv",
                                                     "--ozon-sheet", tmp_path / "ozon.csv")
    copy = "PB-2005/RU_certificate.sync-conflict-20260305-142233-D4LGQYW.pdf"
    sheet = (tmp_path / "ozon.csv").read_text(encoding="utf-8-sig")
    assert "RU_certificate.pdf" in sheet and "sync-conflict" not in sheet     # only the original is offered for upload
    assert code == 0 and rows["PB-2005"]["chat_status"] == "ok", rows
    assert files[copy]["copy_of"] == "PB-2005/RU_certificate.pdf" and files[copy]["codes"] == ""
    assert "Syncthing copy of PB-2005/RU_certificate.pdf" in rows["PB-2005"]["details"]
    assert "Syncthing copy" in stdout
    [entry] = [f for f in document["files"] if f["path"] == copy]
    assert entry["copy"] == {"tool": "Syncthing", "original_name": "RU_certificate.pdf", "of": "PB-2005/RU_certificate.pdf"}
    assert entry["counted"] is False


def _power_bank_papers(tmp_path: Path, sku: str) -> Path:
    papers = tmp_path / "papers" / sku
    papers.mkdir(parents=True)
    for name in ("RU_certificate.pdf", "RU_manual.pdf"):
        shutil.copy(CASES / "syncthing-conflict-copy" / "PB-2005" / name, papers / name)
    return tmp_path / "papers"


def test_excel_unicode_text_list_end_to_end(run_cli, tmp_path):
    papers = _power_bank_papers(tmp_path, "PB-3001")
    code, _, rows, _, document = scan_twice(run_cli, tmp_path, papers, CASES / "sku-lists" / "excel-unicode-text.txt", "--no-ocr")
    assert code == 0 and rows["PB-3001"]["chat_status"] == "ok" and rows["PB-3001"]["category_rule"] == "power_bank"
    assert document["skus"][0]["name"] == "Внешний аккумулятор TESTBRAND 10000 мАч"


def test_ozon_xlsx_without_category_column_infers_it(run_cli, tmp_path):
    from test_sku_lists import OZON_TEMPLATE, workbook

    papers = _power_bank_papers(tmp_path, "PB-3001")
    (papers / "KT-7").mkdir()
    shutil.copy(CASES / "syncthing-conflict-copy" / "PB-2005" / "RU_manual.pdf", papers / "KT-7" / "RU_manual.pdf")
    skus = workbook(tmp_path / "ozon-export.xlsx", {"Товары": OZON_TEMPLATE})
    code, stdout, rows, _, document = scan_twice(run_cli, tmp_path, papers, skus, "--no-ocr")
    assert rows["PB-3001"]["chat_status"] == "ok" and rows["PB-3001"]["category_rule"] == "power_bank"
    assert rows["PB-3001"]["category_source"] == "inferred" and "taken from the product name" in rows["PB-3001"]["details"]
    assert rows["40012345"]["category_rule"] == "smartwatch" and rows["40012345"]["chat_status"] == "disabled"
    assert "Smartwatches" in rows["40012345"]["details"]          # named as Ozon does, not by its rule key
    # "Чайник электрический" is an Ozon type name (rules/ozon_types.yaml): a kettle is a household appliance
    assert rows["KT-7"]["category_source"] == "inferred" and rows["KT-7"]["category_rule"] == "household_appliance"
    sku = next(s for s in document["skus"] if s["sku"] == "PB-3001")
    assert (sku["brand"], sku["category_source"], sku["category_match"]) == ("TESTBRAND", "inferred", "inferred")
    assert "taken from the start of its product name" in " ".join(document["warnings"])


def test_ozon_xlsx_sheet_option(run_cli, tmp_path):
    from test_sku_lists import OZON_TEMPLATE, workbook

    papers = _power_bank_papers(tmp_path, "PB-3001")
    skus = workbook(tmp_path / "book.xlsx", {"Инструкция": [["Как заполнить шаблон"]], "Товары": OZON_TEMPLATE})
    code, _, rows, _, _ = scan_twice(run_cli, tmp_path, papers, skus, "--no-ocr", "--skus-sheet", "Товары")
    assert rows["PB-3001"]["chat_status"] == "ok"


def test_no_ocr_leaves_kyc_not_judged_and_skus_judged_on_their_papers(run_cli, tmp_path):
    root = tmp_path / "batch"
    shutil.copytree(SAMPLES / "company" / "KYC", root / "KYC")
    shutil.copytree(SAMPLES / "company" / "PB-1001", root / "PB-1001")
    (tmp_path / "skus.csv").write_text("sku,category\nPB-1001,power_bank\n", encoding="utf-8")
    code, stdout, rows, _, document = scan_twice(run_cli, tmp_path, root, tmp_path / "skus.csv", "--no-ocr",
                                                 "--html", tmp_path / "r.html")
    assert code == 0 and rows["PB-1001"]["chat_status"] == "ok" and "kyc_incomplete" not in rows["PB-1001"]["reasons"]
    assert "KYC: not judged (scans not read with --no-ocr" in stdout
    assert "the KYC scans were not read" in (tmp_path / "r.html").read_text(encoding="utf-8")
    code, stdout, _ = run_cli("scan", root, "--skus", tmp_path / "skus.csv", "--today", TODAY, "--no-ocr", "-q", "--lang", "ru",
                              "--cache-dir", tmp_path / "cache", "--out", tmp_path / "q.csv")
    assert "KYC: не проверялся (сканы не распознаны" in stdout      # the summary says so, even with -q
    assert document["summary"]["kyc"] == "not_judged" and document["kyc"]["judged"] is False
    assert document["kyc"]["not_read"] and all(p.startswith("KYC/") for p in document["kyc"]["not_read"])
