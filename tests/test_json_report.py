"""--json REPORT.json: the whole result for programs, validated against the schema in the repo
(schema/doccheck-report.schema.json, JSON Schema 2020-12), on real output from sample_docs/."""

import copy
import json
import os
import subprocess
import sys

import jsonschema
import pytest

from checker.codes import ALL_CODES, ChatStatus
from checker.models import FileKind
from checker.report.json_report import FORMAT_VERSION
from conftest import REPO, SAMPLES, read_csv

SCHEMA_PATH = REPO / "schema" / "doccheck-report.schema.json"
TODAY = "2026-11-26"
SECRETS = ("E12345678", "E98765432", "P<CHNZHANG", "40802810100004827153", "330106199208214528")


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def scan(tmp, batch, *extra):
    root = SAMPLES / batch if isinstance(batch, str) else batch
    out = {"json": tmp / "r.json", "csv": tmp / "r.csv", "files": tmp / "f.csv", "html": tmp / "r.html"}
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--skus", str(root / "skus.csv"),
                           "--today", TODAY, "--json", str(out["json"]), "--out", str(out["csv"]),
                           "--files-out", str(out["files"]), "--html", str(out["html"]), *extra],
                          capture_output=True, text=True, timeout=600, cwd=tmp)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc, out


def errors(validator, document):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def walk_keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_keys(item)


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("json-company")
    return scan(tmp, "company", "--no-ocr", "--cache-dir", str(tmp / "cache"))


def test_schema_is_valid_and_names_every_code_kind_and_status(validator):
    defs = validator.schema["$defs"]
    assert defs["code"]["enum"] == [c.code for c in ALL_CODES]
    assert set(defs["status"]["enum"]) == {s.value for s in ChatStatus}
    kinds = defs["file"]["properties"]["facts"]["properties"]["kind"]["enum"]
    assert set(kinds) == {k.value for k in FileKind}


def test_company_report_validates_and_agrees_with_the_csv(company, validator):
    _, out = company
    raw = out["json"].read_bytes()
    document = json.loads(raw.decode("utf-8"))          # strict UTF-8, no BOM
    assert errors(validator, document) == []
    assert document["format_version"] == FORMAT_VERSION
    assert document["today"] == TODAY and document["seller_type"] == "company"
    csv_rows = {r["sku"]: r for r in read_csv(out["csv"])}
    assert [s["sku"] for s in document["skus"]] == list(csv_rows)
    for sku in document["skus"]:
        row = csv_rows[sku["sku"]]
        assert sku["chat_status"] == row["chat_status"]
        assert ";".join(sku["codes"]) == row["reasons"]
        assert (sku["valid_until"] or "") == row["valid_until"]
        assert sku["row"]["name"] == row["name"]           # the user's own columns are carried
    pb = next(s for s in document["skus"] if s["sku"] == "PB-1002")
    assert pb["reasons"][0]["code"] == "certificate_expired" and pb["reasons"][0]["blocking"] is True
    files = {f["path"]: f for f in document["files"]}
    assert set(files) == {r["path"] for r in read_csv(out["files"]) if r["sku"] != "skipped"}
    cert = files["PB-1001/RU_PB-1001_certificate.pdf"]
    assert cert["analysis"]["valid_until"] == "2028-03-11" and cert["facts"]["kind"] == "text_pdf"
    assert cert["analysis"]["numbers"][0]["official"] == "ЕАЭС RU С-CN.АЯ46.В.01234/23"
    assert {s["path"] for s in document["skipped"]} >= {"PB-1001/Thumbs.db", "PB-1001/RU_manual.pdf.part"}
    assert document["summary"]["skus"] == len(document["skus"]) == 26
    assert document["stats"]["files"] == len(document["files"])
    assert "text" not in set(walk_keys(document)), "page text must never be in the report"


def test_schema_is_closed_so_drift_is_caught(company, validator):
    _, out = company
    document = json.loads(out["json"].read_text(encoding="utf-8"))
    extra = copy.deepcopy(document)
    extra["skus"][0]["surprise"] = 1
    assert errors(validator, extra)
    missing = copy.deepcopy(document)
    del missing["files"][0]["facts"]["sha256"]
    assert errors(validator, missing)
    wrong = copy.deepcopy(document)
    wrong["skus"][0]["chat_status"] = "DISABLED"
    assert errors(validator, wrong)
    bad_date = copy.deepcopy(document)
    bad_date["today"] = "26.11.2026"
    assert errors(validator, bad_date)


def test_undecodable_file_names_still_give_valid_utf8(tmp_path, validator):
    root = tmp_path / "papers"
    (root / "PB-1").mkdir(parents=True)
    (root / "PB-1" / "RU_certificate.pdf").write_bytes((SAMPLES / "company" / "PB-1001" / "RU_PB-1001_certificate.pdf").read_bytes())
    os.close(os.open(os.path.join(os.fsencode(root / "PB-1"), b"RU_manual_\xff\xfe.pdf"), os.O_CREAT | os.O_WRONLY, 0o644))
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--no-ocr", "--no-cache", "--today", TODAY,
                           "--json", str(out / "r.json"), "--out", str(out / "r.csv")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    document = json.loads((out / "r.json").read_bytes().decode("utf-8"))
    assert errors(validator, document) == []
    assert any("\\xff\\xfe" in f["path"] for f in document["files"])


@pytest.mark.ocr
def test_real_ocr_run_validates_and_keeps_personal_numbers_masked(sample_reports, validator):
    """One real OCR run (the individual batch, every scan read by tesseract, the cache on: the
    session's shared run of sample_docs/individual, which the golden-report test also compares): the
    schema holds for OCR facts, and neither the JSON nor the HTML report holds a personal number in full."""
    run = sample_reports("individual", "en")
    assert run.proc.returncode in (0, 1), run.proc.stderr
    assert "Traceback" not in run.proc.stderr
    out = {"json": run.out / "report.json", "html": run.out / "report.html"}
    document = json.loads(out["json"].read_text(encoding="utf-8"))
    assert errors(validator, document) == []
    files = {f["path"]: f for f in document["files"]}
    passport = files["kyc/RU_passport_scan.pdf"]
    assert passport["facts"]["kind"] == "scanned_pdf" and passport["facts"]["ocr_pages"] >= 1
    assert passport["facts"]["ocr_confidence"] > 50
    assert passport["facts"]["pages"][0]["source"] == "ocr" and passport["facts"]["pages"][0]["chars"] > 0
    assert any(m.startswith("passport ") and "*" in m for m in passport["analysis"]["masked_ids"])
    assert document["kyc"]["judged"] and not document["kyc"]["complete"]
    assert document["summary"]["kyc"] == "incomplete"
    assert all(s["chat_status"] == "disabled" and "kyc_incomplete" in s["codes"] for s in document["skus"])
    for path in (out["json"], out["html"]):
        text = path.read_text(encoding="utf-8")
        for secret in SECRETS:
            assert secret not in text, f"{secret} in {path.name}"
