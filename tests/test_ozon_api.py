"""Ozon's Seller API against a local stand-in (tests/helpers/ozon_standin.py) on 127.0.0.1:
ozon products (paging, batches, retries, the tree cache), the refused key, ozon certificates,
scan --ozon (rejection reasons, disagreement), and end to end products -> scan -> upload."""

import base64
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES, read_csv, tree_digest
from helpers.ozon_standin import API_KEY, CLIENT_ID, StandIn, serve

ROOT = SAMPLES / "company"
TODAY = "2026-11-26"
TYPES = {"PB": ("Внешний аккумулятор", 17028922, 93228), "SW": ("Смарт-часы", 17028650, 92851),
         "HA": ("Чайник электрический", 17028743, 92499), "TOY": ("Мягкая игрушка", 17028973, 91453),
         "BK": ("Печатная книга", 17028760, 91565), "RKT": ("Ракета", 17029999, 99999)}
SAMPLE_SKUS = [line.split(";")[0] for line in (ROOT / "skus.csv").read_bytes().decode("cp1251").splitlines()[1:] if line]
# The passing papers of sample_docs/company (sample_docs/EXPECTED.md): SKUs without a blocking
# problem of their own papers, each paper --ozon-sheet lists once. HA-4005's voluntary GOST R
# certificate (series Н) is not among them: Ozon's form has no type for it (rules/ozon.yaml).
PASSING = {
    "ЕАЭС RU С-CN.АЯ46.В.01234/23": {"PB-1001"}, "ЕАЭС RU С-CN.АЖ58.В.07731/21": {"PB-1003"},
    "ЕАЭС RU С-CN.АЯ46.В.05120/25": {"PB-2002"}, "ЕАЭС RU С-CN.АЯ46.В.06152/25": {"PB-6003"},
    "ЕАЭС RU С-CN.АД07.В.03456/24": {"SW-5001"}, "ЕАЭС BY/112 02.01. ТР004 118.01 02345": {"HA-4001"},
    "ЕАЭС RU С-CN.МЕ77.В.02011/25": {"HA-4005"},
    "ЕАЭС N RU Д-CN.РА01.В.12345/24": {"TOY-3001"},
}
DECLINED = "ЕАЭС RU С-CN.АЯ46.В.09999/22"
APPROVED_EXPIRED = "ЕАЭС RU С-CN.НА11.В.04512/20"     # PB-1002's paper, expired: doccheck blocks it
VOLUNTARY = "РОСС CN.АЯ46.Н12345"                      # HA-4005's voluntary GOST R certificate: never uploaded


def ozon_sku(i):
    return 300000000 + i


def make_state(fillers=104):
    tree, products = [], []
    for prefix, (type_name, cat_id, type_id) in TYPES.items():
        tree.append({"description_category_id": 17000000 + len(tree), "category_name": "Электроника" if prefix in ("PB", "SW") else "Дом и сад",
                     "disabled": False, "children": [{"description_category_id": cat_id, "category_name": f"Категория {prefix}",
                                                      "disabled": False, "children": [{"type_id": type_id, "type_name": type_name,
                                                                                       "disabled": False, "children": []}]}]})
    skus = SAMPLE_SKUS + [f"FILL-{n:03d}" for n in range(fillers)]
    for i, offer in enumerate(skus):
        prefix = offer.split("-")[0] if offer.split("-")[0] in TYPES else "BK"
        _, cat_id, type_id = TYPES[prefix]
        products.append({"product_id": 700000 + i, "offer_id": offer, "sku": ozon_sku(i), "name": f"Товар {offer}",
                         "description_category_id": cat_id, "type_id": type_id})
    by_offer = {p["offer_id"]: p["sku"] for p in products}
    certs = [
        {"certificate_id": 41001, "certificate_number": DECLINED, "certificate_name": "old", "type_code": "certificate_of_conformity",
         "status_code": "declined", "accordance_type_code": "EAEU", "rejection_reason_code": "not_all_pages",
         "rejection_reasons": [{"code": "not_all_pages", "name": "Загружены не все страницы документа"},
                               {"code": "not_in_registry", "name": "Документ не найден в государственном реестре"}],
         "verification_comment": "", "issue_date": "2022-01-10T00:00:00Z", "expire_date": "2027-01-09T00:00:00Z",
         "products_count": 1, "skus": [by_offer["PB-1001"]]},
        {"certificate_id": 41002, "certificate_number": APPROVED_EXPIRED, "certificate_name": "PB-1002", "type_code": "certificate_of_conformity",
         "status_code": "approved", "accordance_type_code": "EAEU", "rejection_reason_code": "", "verification_comment": "",
         "issue_date": "2020-05-01T00:00:00Z", "expire_date": "2025-04-30T00:00:00Z", "products_count": 1, "skus": [by_offer["PB-1002"]]},
        # PB-6003's number is on the account already, bound to nothing: upload binds it, never creates it again
        {"certificate_id": 41003, "certificate_number": "ЕАЭС RU С-CN.АЯ46.В.06152/25", "certificate_name": "PB-6003",
         "type_code": "certificate_of_conformity", "status_code": "pending", "accordance_type_code": "EAEU",
         "rejection_reason_code": "", "verification_comment": "", "issue_date": "2025-01-14T00:00:00Z",
         "expire_date": "2030-01-13T00:00:00Z", "products_count": 0, "skus": []},
    ]
    return StandIn(products=products, tree=tree, certificates=certs, page_cap=50, batch_cap=100), by_offer


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """One cache for the module's scans, as a user has (the default path: cache on)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def ozon():
    state, by_offer = make_state()
    server, url = serve(state)
    yield state, url, by_offer
    server.shutdown()
    server.server_close()


def run(*args, key=API_KEY, cwd=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OZON_")}
    env.update({"OZON_CLIENT_ID": CLIENT_ID, "OZON_API_KEY": key, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    proc = subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, env=env, timeout=600, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def assert_no_secret(*texts, paths=()):
    """Neither the key nor the client id appears in any output, file or cache."""
    blobs = [t.encode() for t in texts]
    for root in paths:
        root = Path(root)
        for p in ([root] if root.is_file() else [q for q in root.rglob("*") if q.is_file()]):
            blobs.append(p.read_bytes())
    for secret in (API_KEY, CLIENT_ID):
        for blob in blobs:
            assert secret.encode() not in blob


def test_products_paged_to_the_end_in_batches_with_retries_and_a_cached_tree(ozon, tmp_path):
    state, url, by_offer = ozon
    state.faults["/v3/product/list"].append((429, {"Retry-After": "1"}))
    state.faults["/v3/product/info/list"].append((500, {}))
    cache = tmp_path / "cache"
    out = tmp_path / "products.csv"
    proc = run("ozon", "products", "--out", str(out), "--api-url", url, "--cache-dir", str(cache))
    assert proc.returncode == 0, proc.stderr
    rows = read_csv(out)
    assert len(rows) == len(state.products) == 130
    assert list(rows[0]) == ["sku", "ozon_sku", "product_id", "name", "brand", "category", "category_path"]
    pb = next(r for r in rows if r["sku"] == "PB-1001")
    assert pb["ozon_sku"] == str(by_offer["PB-1001"]) and pb["category"] == "Внешний аккумулятор"
    assert pb["category_path"] == "Электроника / Категория PB"
    # paging by last_id to the end: 429 retried, then pages of 50 and an empty last page
    lists = state.calls("/v3/product/list")
    assert [r.body["last_id"] for r in lists] == ["", "", "50", "100", "130"]
    assert all(r.body["filter"] == {"visibility": "ALL"} and r.body["limit"] == 1000 for r in lists)
    infos = state.calls("/v3/product/info/list")
    assert len(infos) == 3                                     # a 500 retried, then 2 batches of at most 100
    assert [len(r.body["product_id"]) for r in infos[1:]] == [100, 30]
    for r in state.requests:
        assert r.headers["Client-Id"] == CLIENT_ID and r.headers["Api-Key"] == API_KEY
    assert len(state.calls("/v1/description-category/tree")) == 1
    # a second run within the day takes the tree from the cache
    proc2 = run("ozon", "products", "--out", str(tmp_path / "p2.xlsx"), "--api-url", url, "--cache-dir", str(cache))
    assert proc2.returncode == 0, proc2.stderr
    assert len(state.calls("/v1/description-category/tree")) == 1
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "p2.xlsx").active
    assert [c.value for c in sheet[1]] == list(rows[0]) and sheet.max_row == 131
    assert_no_secret(proc.stdout, proc.stderr, proc2.stdout, proc2.stderr, paths=[tmp_path])


def test_a_refused_key_is_one_line_without_the_key(ozon, tmp_path):
    state, url, _ = ozon
    wrong = "wrong-key-1234567890"
    proc = run("ozon", "products", "--out", str(tmp_path / "p.csv"), "--api-url", url, key=wrong)
    assert proc.returncode == 2
    assert proc.stderr.startswith("doccheck: error: Ozon refused the API key (HTTP 401)")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert wrong not in proc.stderr + proc.stdout and not (tmp_path / "p.csv").exists()
    assert_no_secret(proc.stdout, proc.stderr)


def test_certificates_and_scan_with_ozon_verdicts(ozon, tmp_path, cache_dir):
    state, url, by_offer = ozon
    proc = run("ozon", "certificates", "--out", str(tmp_path / "certs.csv"), "--api-url", url)
    assert proc.returncode == 0, proc.stderr
    rows = {r["number"]: r for r in read_csv(tmp_path / "certs.csv")}
    declined = rows[DECLINED]
    assert declined["verdict"] == "declined" and declined["rejection_reasons"] == "not_all_pages;not_in_registry"
    assert "не найден в государственном реестре" in declined["rejection_reason_names"]
    assert declined["skus"] == "PB-1001" and declined["ozon_skus"] == str(by_offer["PB-1001"])
    assert rows[APPROVED_EXPIRED]["verdict"] == "approved"

    before = tree_digest(ROOT)
    scan = run("scan", str(ROOT), "--skus", str(ROOT / "skus.csv"), "--today", TODAY, "--no-ocr", "--cache-dir", str(cache_dir),
               "--out", str(tmp_path / "r.csv"), "--html", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json"),
               "--ozon", "--api-url", url, "-q")
    assert scan.returncode == 1, scan.stderr
    assert tree_digest(ROOT) == before
    report = {r["sku"]: r for r in read_csv(tmp_path / "r.csv")}
    pb1 = report["PB-1001"]
    assert "ozon_declined" in pb1["reasons"].split(";")
    assert "Загружены не все страницы документа" in pb1["details"] and "not_in_registry" in pb1["details"]
    assert DECLINED in pb1["ozon_certificates"]
    pb2 = report["PB-1002"]
    assert {"certificate_expired", "ozon_disagreement"} <= set(pb2["reasons"].split(";"))
    assert "approved" in pb2["ozon_certificates"] and "certificate_expired" in pb2["details"]
    assert "ozon_declined" not in report["PB-1005"]["reasons"]
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "schema" / "doccheck-report.schema.json").read_text(encoding="utf-8"))
    document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Документ не найден в государственном реестре" in html and "ozon_disagreement" in html
    # reads only: scan --ozon never writes to Ozon
    assert state.writes() == []
    assert_no_secret(proc.stdout, proc.stderr, scan.stdout, scan.stderr, paths=[tmp_path])


def test_end_to_end_products_scan_upload(ozon, tmp_path, cache_dir):
    state, url, by_offer = ozon
    products = tmp_path / "products.csv"
    assert run("ozon", "products", "--out", str(products), "--api-url", url, "--no-cache").returncode == 0
    common = ["--skus", str(products), "--today", TODAY, "--no-ocr", "--cache-dir", str(cache_dir),
              "--out", str(tmp_path / "r.csv"), "--api-url", url, "-q"]
    scan = run("scan", str(ROOT), *common[:-3], "-q")
    report = {r["sku"]: r for r in read_csv(tmp_path / "r.csv")}
    assert report["HA-4001"]["category_rule"] == "household_appliance" and report["RKT-9001"]["category_rule"] == ""
    assert "certificate_expired" in report["PB-1002"]["reasons"]
    before = tree_digest(ROOT)
    n_before = len(state.certificates)

    dry = run("ozon", "upload", str(ROOT), *common, "--upload-out", str(tmp_path / "plan.csv"),
              "--ozon-sheet", str(tmp_path / "sheet.csv"))
    assert dry.returncode == 0, dry.stderr
    assert state.writes() == []                                    # a dry run sends no write request
    plan = read_csv(tmp_path / "plan.csv")
    creates = [r for r in plan if r["action"] == "create"]
    assert {r["number"] for r in creates} == set(PASSING) - {"ЕАЭС RU С-CN.АЯ46.В.06152/25"}
    [bind] = [r for r in plan if r["action"] == "bind"]
    assert bind["number"] == "ЕАЭС RU С-CN.АЯ46.В.06152/25" and bind["certificate_id"] == "41003"
    sent = json.loads(next(r for r in creates if r["skus"] == "TOY-3001")["request"])["params"]
    assert sent["certificate_type"] == "DECLARATION" and sent["accordance_type"] == "EAEU"
    assert sent["certificate_country"] == "RU" and sent["skus"] == [str(by_offer["TOY-3001"])]
    assert sent["expired_date"] == {"date": {"day": 11, "month": 3, "year": 2029}} and sent["issue_date"] == "2024-03-12T00:00:00Z"
    assert "file_content" not in sent["files"][0]                  # the files' bytes are left out of the record
    # the upload sends each paper's codes exactly as --ozon-sheet of the same scan lists them (rules/ozon.yaml)
    sheet = {(r["offer_id"], r["number"]): r for r in read_csv(tmp_path / "sheet.csv")}
    for r in creates:
        params = json.loads(r["request"])["params"]
        for offer in r["skus"].split("; "):
            row = sheet[(offer, r["number"])]
            assert {k: params[k] for k in ("certificate_type", "accordance_type", "certificate_country", "name", "product_type")} == \
                {k: row[k] for k in ("certificate_type", "accordance_type", "certificate_country", "name", "product_type")}
            assert params["issue_date"] == row["issue_date"] + "T00:00:00Z"
            d = params["expired_date"]["date"]
            assert row["expired_date"] == f"{d['year']:04d}-{d['month']:02d}-{d['day']:02d}"
    assert sent["name"] == "Декларация о соответствии ЕАЭС N RU Д-CN.РА01.В.12345/24"

    done = run("ozon", "upload", str(ROOT), *common, "--upload-out", str(tmp_path / "done.csv"), "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created 7, bound 1, skipped (already there) 0, refused by Ozon 0, failed 0" in done.stdout
    mine = {c["certificate_number"]: c for c in state.certificates[n_before:]}
    assert set(mine) == set(PASSING) - {"ЕАЭС RU С-CN.АЯ46.В.06152/25"}
    bound = state.bound()
    for number, skus in PASSING.items():
        assert bound[number] == {by_offer[s] for s in skus}, number
    assert bound[DECLINED] == {by_offer["PB-1001"]} and bound[APPROVED_EXPIRED] == {by_offer["PB-1002"]}
    # the exact bytes of the paper were sent
    sent_file = mine["ЕАЭС RU С-CN.АЯ46.В.01234/23"]["files"][0]
    assert base64.b64decode(sent_file["file_content"]) == (ROOT / "PB-1001" / "RU_PB-1001_certificate.pdf").read_bytes()
    assert mine["ЕАЭС BY/112 02.01. ТР004 118.01 02345"]["params"]["certificate_country"] == "BY"
    assert VOLUNTARY not in {c["certificate_number"] for c in state.certificates} and VOLUNTARY not in bound
    assert VOLUNTARY not in {r["number"] for r in plan}

    # idempotent: a second run creates and binds nothing
    writes = len(state.writes())
    again = run("ozon", "upload", str(ROOT), *common, "--upload-out", str(tmp_path / "again.csv"), "--yes")
    assert again.returncode == 0, again.stderr
    assert len(state.writes()) == writes
    assert "created 0, bound 0, skipped (already there) 8" in again.stdout
    assert tree_digest(ROOT) == before
    assert_no_secret(scan.stdout, scan.stderr, dry.stdout, dry.stderr, done.stdout, done.stderr, again.stdout, again.stderr,
                     paths=[tmp_path])


def test_a_failed_certificate_does_not_stop_the_others_and_a_rerun_continues(ozon, tmp_path, cache_dir):
    """Ozon refuses one create (400 with its message) and fails another for good (5xx on every try);
    the others go on; the re-run creates only those two."""
    state, url, by_offer = ozon
    products = tmp_path / "products.csv"
    assert run("ozon", "products", "--out", str(products), "--api-url", url, "--no-cache").returncode == 0
    common = ["--skus", str(products), "--today", TODAY, "--no-ocr", "--cache-dir", str(cache_dir), "--out",
              str(tmp_path / "r.csv"), "--api-url", url, "-q", "--yes"]
    state.faults["/v2/product/certificate/create"].append((400, {}, "Введите корректный номер"))
    # every try fails: Retry-After 0 keeps the five tries quick (the backoff itself: test_ozon_client)
    state.faults["/v2/product/certificate/create"].extend([(503, {"Retry-After": "0"})] * 5)
    first = run("ozon", "upload", str(ROOT), *common, "--upload-out", str(tmp_path / "u1.csv"))
    assert first.returncode == 1
    assert "created 5, bound 1, skipped (already there) 0, refused by Ozon 1, failed 1" in first.stdout
    refused = [r for r in read_csv(tmp_path / "u1.csv") if r["result"] == "refused"]
    assert len(refused) == 1 and refused[0]["message"] == "Введите корректный номер"
    assert "refused: " in first.stdout and "Введите корректный номер" in first.stdout
    second = run("ozon", "upload", str(ROOT), *common, "--upload-out", str(tmp_path / "u2.csv"))
    assert second.returncode == 0, second.stdout
    assert "created 2, bound 0, skipped (already there) 6" in second.stdout
    assert {n for n in PASSING} <= set(state.bound())


def test_unmapped_ozon_types_are_listed(ozon, tmp_path):
    state, url, _ = ozon
    products = tmp_path / "products.csv"
    assert run("ozon", "products", "--out", str(products), "--api-url", url, "--no-cache").returncode == 0
    proc = run("rules", "--unmapped-ozon-types", str(products))
    assert proc.returncode == 0
    lines = proc.stdout.strip().splitlines()
    assert lines[1:] == ["  Ракета\t1"]


def test_ozon_types_file_errors_name_file_and_line(tmp_path):
    import shutil

    from checker.rulefile import RuleError
    from checker.rules import default_rules_dir, load_rules

    rules_dir = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules_dir)
    text = (rules_dir / "ozon_types.yaml").read_text(encoding="utf-8")
    (rules_dir / "ozon_types.yaml").write_text(text.replace("  batteries:\n", "  batteries:\n    - Смарт-часы\n", 1), encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules(rules_dir)
    line = next(i for i, l in enumerate((rules_dir / "ozon_types.yaml").read_text(encoding="utf-8").splitlines(), 1) if "Смарт-часы" in l)
    assert str(err.value).startswith(f"{rules_dir / 'ozon_types.yaml'}:{line}: ")
    assert "smartwatch" in str(err.value)


def test_upload_sends_the_real_file_of_a_paper_named_after_an_account(ozon, tmp_path, cache_dir):
    """A scan's results carry a file's name masked when it holds an account number; the upload
    reads and sends the real file (its bytes, its name), and what it prints and writes stays masked."""
    import shutil

    state, url, by_offer = ozon
    account = "40802810100004827153"
    batch = tmp_path / "batch"
    (batch / "PB-1001").mkdir(parents=True)
    paper = ROOT / "PB-1001" / "RU_PB-1001_certificate.pdf"
    shutil.copy(paper, batch / "PB-1001" / f"RU_PB-1001_certificate_{account}.pdf")
    shutil.copy(ROOT / "PB-1001" / "RU_PB-1001_manual.pdf", batch / "PB-1001")
    products = tmp_path / "products.csv"
    assert run("ozon", "products", "--out", str(products), "--api-url", url, "--no-cache").returncode == 0
    done = run("ozon", "upload", str(batch), "--skus", str(products), "--today", TODAY, "--no-ocr", "--cache-dir",
               str(cache_dir), "--no-reports", "--api-url", url, "--upload-out", str(tmp_path / "done.csv"), "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created 1," in done.stdout
    created = {c["certificate_number"]: c for c in state.certificates}["ЕАЭС RU С-CN.АЯ46.В.01234/23"]
    sent = created["files"][0]
    assert base64.b64decode(sent["file_content"]) == paper.read_bytes()
    assert state.bound()["ЕАЭС RU С-CN.АЯ46.В.01234/23"] == {by_offer["PB-1001"]}
    record = (tmp_path / "done.csv").read_text(encoding="utf-8-sig")
    assert account not in done.stdout + done.stderr + record and "153.pdf" in record
