"""`doccheck audit CLIENTS`: many clients' batches in one run, one summary, each client's reports;
a broken client is reported and never stops the others; nothing is written inside CLIENTS."""

import os
import shutil
from datetime import date

import pytest

from checker.commands.audit import (AuditSettings, ClientError, ClientRow, allocate_folder, exit_code_for, read_config,
                           report_file_name, safe_folder_name)
from checker.codes import ChatStatus
from checker.report import WRITERS
from conftest import SAMPLES, read_csv, tree_digest

TODAY = "2026-11-26"
NO_OCR = 'no_ocr = true\ntoday = 2026-11-26\n'


def read_report(path):
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    return read_csv(path)


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    """Five client folders: the two sample batches, the company's papers without KYC (so its SKUs are
    judged on papers alone), a skus.csv without a sku column, and a config with a typo."""
    base = tmp_path_factory.mktemp("agency")
    root = base / "clients"
    root.mkdir()
    shutil.copytree(SAMPLES / "company", root / "Shenzhen VOLTEX")
    (root / "Shenzhen VOLTEX" / "doccheck.toml").write_text(NO_OCR + 'lang = "zh"\n', encoding="utf-8")
    shutil.copytree(SAMPLES / "individual", root / "义乌 Lina")
    (root / "义乌 Lina" / "doccheck.toml").write_text(NO_OCR + 'seller_type = "个体户"\n', encoding="utf-8")
    shutil.copytree(SAMPLES / "company", root / "papers-only", ignore=shutil.ignore_patterns("KYC"))
    (root / "papers-only" / "doccheck.toml").write_text(NO_OCR + 'skus = "skus_utf8.csv"\nlang = "ru"\n', encoding="utf-8")
    (root / "broken").mkdir()
    (root / "broken" / "skus.csv").write_text("item,category\nX-1,Toys\n", encoding="utf-8")
    (root / "broken" / "doccheck.toml").write_text(NO_OCR, encoding="utf-8")
    (root / "typo").mkdir()
    (root / "typo" / "doccheck.toml").write_text("no_ocr = true\nseler_type = 'company'\n", encoding="utf-8")
    (root / ".git").mkdir()                 # hidden folders and loose files are not clients
    (root / "README.txt").write_text("clients of the agency\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def audited(clients, tmp_path_factory):
    from click.testing import CliRunner

    from checker.cli import main
    from conftest import _Entry

    out = tmp_path_factory.mktemp("out") / "audit"
    before = tree_digest(clients)
    result = CliRunner().invoke(_Entry(main), ["audit", str(clients), "--out-dir", str(out), "--jobs", "2", "--no-cache",
                                               "--lang", "en"], catch_exceptions=False)
    assert tree_digest(clients) == before, "audit wrote inside CLIENTS"
    return result.exit_code, result.stdout, result.stderr, out


def test_summary_rows(audited):
    code, _, _, out = audited
    assert code == 1                        # disabled SKUs, and clients that could not be audited
    rows = {r["client"]: r for r in read_report(out / "summary.csv")}
    assert list(rows) == ["broken", "papers-only", "Shenzhen VOLTEX", "typo", "义乌 Lina"]
    got = {name: (r["status"], r["skus"], r["ok"], r["at_risk"], r["disabled"], r["kyc_complete"]) for name, r in rows.items()}
    assert got["papers-only"] == ("audited", "26", "8", "2", "16", "not_judged")
    # KYC scans are not read without OCR: KYC is not judged (not incomplete), SKUs judged on their own papers
    assert got["Shenzhen VOLTEX"] == ("audited", "26", "8", "2", "16", "not_judged")
    assert got["义乌 Lina"] == ("audited", "2", "1", "1", "0", "not_judged")   # PB-8002: the list says LINA, the certificate VOLTEX (certificate_product_mismatch)
    assert rows["义乌 Lina"]["seller_type"] == "individual"
    assert got["broken"][0] == got["typo"][0] == "error"
    assert "no 'sku' column" in rows["broken"]["error"]
    assert "unknown setting 'seler_type'" in rows["typo"]["error"]
    assert rows["papers-only"]["reports"] == "papers-only/"
    assert float(rows["papers-only"]["seconds"]) > 0 and int(rows["papers-only"]["files"]) > 50


def test_terminal_table_and_footer(audited):
    _, stdout, stderr, _ = audited
    lines = stdout.splitlines()
    assert lines[0].split() == ["client", "SKUs", "ok", "at", "risk", "disabled", "KYC", "files", "time,", "s"]
    assert any(l.startswith("papers-only") and l.split()[1:7] == ["26", "8", "2", "16", "not", "judged"] for l in lines)
    assert any(l.startswith("broken") and "error: " in l for l in lines)
    # PB-8002 of 义乌 Lina is at risk: its list says brand LINA, its certificate VOLTEX (certificate_product_mismatch)
    assert "clients: 5, could not be audited: 2 · 54 SKUs: 17 ok, 5 at risk, 32 disabled" in stdout
    assert stdout.count("Messages from buyers allowed") == 1          # the footer, once, at the end
    assert stdout.rstrip().endswith("Working hours set, in Moscow time")
    assert "[1/5] auditing broken" in stderr and "Traceback" not in stdout + stderr


def test_each_client_has_every_report(audited):
    _, _, _, out = audited
    for client in ("papers-only", "Shenzhen VOLTEX", "义乌 Lina"):
        for writer in WRITERS:
            assert (out / client / report_file_name(writer.option)).is_file(), (client, writer.option)
    assert not (out / "broken").exists() and not (out / "typo").exists()


def test_client_reports_in_the_clients_language(audited):
    _, _, _, out = audited
    zh = {r["sku"]: r for r in read_report(out / "Shenzhen VOLTEX" / "report.csv")}
    assert "已于 2025-05-14 过期" in zh["PB-1002"]["details"]
    assert zh["PB-1002"]["reasons"] == "certificate_expired"      # codes stay codes
    ru = {r["sku"]: r for r in read_report(out / "papers-only" / "report.csv")}
    assert ru["PB-1001"]["details"].startswith("Документы в порядке: документ о соответствии ЕАЭС RU С-CN.АЯ46.В.01234/23")
    en = {r["sku"]: r for r in read_report(out / "义乌 Lina" / "report.csv")}
    assert en["PB-8002"]["details"].startswith("PB-8002/RU_PB-8002_certificate.pdf describes «Аккумуляторы портативные")
    assert "the SKU list says «Внешний аккумулятор LINA 10000 мАч / LINA»" in en["PB-8002"]["details"]
    sheet = {r["offer_id"]: r for r in read_report(out / "papers-only" / "ozon-sheet.csv")}
    assert sheet["PB-1001"]["number"] == "ЕАЭС RU С-CN.АЯ46.В.01234/23"
    assert sheet["PB-1001"]["description"].startswith("Сертификат соответствия")


def test_a_clean_audit_exits_0_and_russian_terminal(run_cli, tmp_path):
    root = tmp_path / "clients"
    for sku in ("PB-1001", "TOY-3001"):
        shutil.copytree(SAMPLES / "company" / sku, root / "ООО Ромашка" / sku)
    (root / "ООО Ромашка" / "skus.csv").write_text("sku,category\nPB-1001,power_bank\nTOY-3001,Игрушки\n", encoding="utf-8")
    (root / "ООО Ромашка" / "doccheck.toml").write_text(NO_OCR, encoding="utf-8")
    code, out, err = run_cli("audit", root, "--out-dir", tmp_path / "out", "--no-cache", "--jobs", "1", "--lang", "ru")
    assert code == 0, err
    assert out.splitlines()[0].split()[:3] == ["клиент", "SKU", "ок"]
    assert "не проверялся" in out and "Рабочие часы заданы по московскому времени" in out   # no KYC folder: KYC not judged
    [row] = read_report(tmp_path / "out" / "summary.csv")
    assert (row["client"], row["ok"], row["disabled"]) == ("ООО Ромашка", "2", "0")
    code, out, _ = run_cli("audit", root, "--out-dir", tmp_path / "out", "--no-cache", "--jobs", "1", "--lang", "zh", "-q")
    assert code == 0 and "卖家后台" not in out and "客户" in out


def test_bad_usage_exits_2(run_cli, tmp_path, clients):
    code, _, err = run_cli("audit", clients, "--out-dir", clients / "reports")
    assert code == 2 and "inside" in err
    code, _, err = run_cli("audit", SAMPLES / "company", "--out-dir", tmp_path / "o")
    assert code == 2 and "one client's batch" in err and "doccheck scan" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli("audit", tmp_path / "empty", "--out-dir", tmp_path / "o")
    assert code == 2 and "no client folders" in err
    code, _, err = run_cli("audit", tmp_path / "missing")
    assert code == 2
    assert not (tmp_path / "o").exists()


def test_a_link_out_of_clients_is_not_followed(run_cli, tmp_path):
    root = tmp_path / "clients"
    shutil.copytree(SAMPLES / "company" / "PB-1001", root / "ok-client" / "PB-1001")
    (root / "ok-client" / "doccheck.toml").write_text(NO_OCR, encoding="utf-8")
    shutil.copytree(SAMPLES / "company" / "PB-1001", tmp_path / "elsewhere" / "PB-1001")
    os.symlink(tmp_path / "elsewhere", root / "linked")
    code, out, _ = run_cli("audit", root, "--out-dir", tmp_path / "out", "--no-cache", "--jobs", "1", "--lang", "en")
    assert code == 1
    rows = {r["client"]: r for r in read_report(tmp_path / "out" / "summary.csv")}
    assert rows["linked"]["status"] == "error" and "link" in rows["linked"]["error"]
    assert rows["ok-client"]["status"] == "audited"


def test_client_names_never_escape_the_output_folder(run_cli, tmp_path):
    root = tmp_path / "clients"
    names = ['=HYPERLINK("x")', "A", "a", "summary.csv", "esc\x1b[31m", "con:*?"]
    for name in names:
        (root / name).mkdir(parents=True)
        (root / name / "doccheck.toml").write_text(NO_OCR, encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, _ = run_cli("audit", root, "--out-dir", out, "--no-cache", "--jobs", "1", "--lang", "en")
    assert code == 0
    assert "\x1b[31m" not in stdout
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(folders) == len(names)
    (root / "..x").mkdir()                  # starts with a dot: hidden, like .git, so not a client
    code, _, _ = run_cli("audit", root, "--out-dir", out, "--no-cache", "--jobs", "1", "--lang", "en")
    assert len(read_report(out / "summary.csv")) == len(names)
    assert len({f.casefold() for f in folders}) == len(folders)
    for folder in folders:
        assert not folder.startswith(".") and "/" not in folder and "\x1b" not in folder and folder != "summary.csv"
        assert (out / folder).resolve().parent == out.resolve()
    assert (out / "summary.csv").is_file()
    rows = read_report(out / "summary.csv")
    assert any(r["client"] == "'=HYPERLINK(\"x\")" for r in rows)     # defused, not a formula
    assert all("\x1b" not in r["client"] for r in rows)


# --- unit level ------------------------------------------------------------------------------------

def test_safe_folder_names():
    assert safe_folder_name("..") == "client"
    assert safe_folder_name("../evil") == "__evil"
    assert safe_folder_name(".hidden") == "_hidden"
    assert safe_folder_name("trailing. ") == "trailing"
    assert safe_folder_name("a/b\\c:d") == "a_b_c_d"
    assert safe_folder_name("义乌 Lina") == "义乌 Lina"
    assert safe_folder_name("") == "client"


def test_allocate_folder_is_unique_and_outside_clients(tmp_path):
    out, clients = tmp_path / "out", tmp_path / "clients"
    taken: set[str] = set()
    first = allocate_folder("Client", out, clients, taken)
    second = allocate_folder("client", out, clients, taken)
    assert first.name == "Client" and second.name == "client-2"
    assert allocate_folder("summary.csv", out, clients, taken).name == "summary.csv-2"
    # OUT is CLIENTS' parent and a client is named like CLIENTS: its reports must go elsewhere
    assert allocate_folder("clients", tmp_path, clients, set()).name == "clients-2"


def _settings(tmp_path, rules):
    return AuditSettings(clients_dir=tmp_path, out_dir=tmp_path / "out", rules=rules, today=date(2026, 1, 1), lang="en")


@pytest.mark.parametrize("toml,problem", [
    ("seller_type = 'llc2'", "seller_type must be"),
    ("today = '2026/11/26'", "today must be YYYY-MM-DD"),
    ("today = 2026-11-26T10:00:00", "today must be YYYY-MM-DD"),
    ("lang = 'de'", "lang must be en | ru | zh"),
    ("no_ocr = 'yes'", "no_ocr must be true | false"),
    ("skus = '../other/skus.csv'", "inside the client folder"),
    ("skus = '/etc/passwd'", "inside the client folder"),
    ("skus = 'missing.csv'", "not found"),
    ("colour = 'red'", "unknown setting 'colour'"),
    ("today = ", "not valid TOML"),
])
def test_bad_configs_are_the_clients_error(tmp_path, rules, toml, problem):
    (tmp_path / "doccheck.toml").write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(ClientError, match=problem):
        read_config(tmp_path, _settings(tmp_path, rules))


def test_config_overrides_the_command_line(tmp_path, rules):
    (tmp_path / "list.csv").write_text("sku,category\n", encoding="utf-8")
    (tmp_path / "doccheck.toml").write_text("seller_type = 'ИП'\ntoday = 2026-11-26\nlang = 'zh'\nno_ocr = true\nskus = 'list.csv'\n",
                                            encoding="utf-8")
    config = read_config(tmp_path, _settings(tmp_path, rules))
    assert (config.seller_type, config.today, config.lang, config.ocr) == ("individual", date(2026, 11, 26), "zh", False)
    assert config.skus == tmp_path / "list.csv" and config.warnings == []


def test_no_config_takes_the_command_line_and_warns_without_skus(tmp_path, rules):
    config = read_config(tmp_path, _settings(tmp_path, rules))
    assert (config.seller_type, config.today, config.lang, config.ocr, config.skus) == ("company", date(2026, 1, 1), "en", True, None)
    assert config.warnings and "skus.csv" in config.warnings[0]


def test_exit_codes():
    ok = ClientRow("a")
    disabled = ClientRow("b")
    disabled.counts[ChatStatus.DISABLED] = 1
    broken = ClientRow("c", error="bad", exit_code=1)
    no_ocr = ClientRow("d", error="tesseract missing", exit_code=3)
    assert exit_code_for([ok]) == 0
    assert exit_code_for([ok, disabled]) == 1
    assert exit_code_for([ok, broken]) == 1
    assert exit_code_for([ok, broken, no_ocr]) == 3


def test_report_file_names():
    assert report_file_name("--out") == "report.csv"
    assert report_file_name("--ozon-sheet") == "ozon-sheet.csv"
    assert report_file_name("--price-out") == "price.csv"
    names = [report_file_name(w.option) for w in WRITERS]
    assert len(set(names)) == len(names)
