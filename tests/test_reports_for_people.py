"""Reports people open (issue 16): the Excel workbook read back with openpyxl, and the command
line's input/output conventions (FOLDER/skus.csv, --seller-type aliases, --today DD.MM.YYYY,
'-' for standard output, no stray CSV, --fail-on, --csv-delimiter, several KYC folders, NO_COLOR)."""

import json
import os
import pty
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")

from conftest import REPO, SAMPLES, read_csv, tree_digest  # noqa: E402

TODAY = "2026-11-26"
SKUS = "sku,category,name\nPB-1001,power_bank,Power bank 10000\nPB-1002,power_bank,=HYPERLINK(\"http://x\")\nPB-1003,power_bank,Slim 5000\n"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Three power banks from the sample batch: PB-1001 in order, PB-1002's certificate expired,
    PB-1003's expiring within the warning window (on 2026-11-26); their skus.csv beside them."""
    root = tmp_path_factory.mktemp("batch") / "papers"
    root.mkdir()
    for sku in ("PB-1001", "PB-1002", "PB-1003"):
        shutil.copytree(SAMPLES / "company" / sku, root / sku)
    (root / "skus.csv").write_text(SKUS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def doccheck(*args, cwd=None, env=None):
    """The installed command's behaviour: a subprocess with the worktree first on the path."""
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"PYTHONPATH": str(REPO)} | (env or {})
    return subprocess.run([sys.executable, "-m", "checker", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=300)


@pytest.fixture(scope="module")
def workbook_ru(batch, cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    before = tree_digest(batch)
    proc = doccheck("scan", batch, "--today", "26.11.2026", "--no-ocr", "--cache-dir", cache, "--lang", "ru",
                    "--xlsx", out / "report.xlsx", "--ozon-sheet", out / "ozon.csv", "-q", cwd=out)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert tree_digest(batch) == before          # nothing written into the scanned folder
    assert not (out / "doccheck-report.csv").exists()   # a workbook was asked for: no stray CSV
    return openpyxl.load_workbook(out / "report.xlsx"), proc


def rows_of(ws):
    header = [c.value for c in ws[1]]
    return header, [dict(zip(header, row)) for row in ws.iter_rows(min_row=2)]


def test_workbook_sheets_and_headers_in_russian(workbook_ru):
    wb, _ = workbook_ru
    assert wb.sheetnames == ["Товары (SKU)", "Файлы", "Форма Ozon"]   # no KYC folder: no KYC sheet
    header, _ = rows_of(wb["Товары (SKU)"])
    assert header[:5] == ["SKU", "Категория", "Чат с покупателями", "Причины", "Что сделать"]
    assert header[-1] == "name"    # the seller's own columns follow, as written
    for ws in wb:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        widths = [ws.column_dimensions[c].width for c in "ABC"]
        assert all(w and w >= 6 for w in widths)


def test_workbook_worst_first_coloured_with_what_to_do(workbook_ru):
    wb, _ = workbook_ru
    _, rows = rows_of(wb["Товары (SKU)"])
    assert [r["SKU"].value for r in rows] == ["PB-1002", "PB-1003", "PB-1001"]    # disabled, at risk, ok
    fills = {r["SKU"].value: r["Чат с покупателями"].fill.fgColor.rgb for r in rows}
    assert fills == {"PB-1002": "FFFDECEC", "PB-1003": "FFFFF5D1", "PB-1001": "FFE6F6EA"}
    expired = rows[0]
    assert expired["Чат с покупателями"].value == "отключён"
    assert expired["Причины"].value == "Срок действия документа о соответствии истёк"
    assert expired["Что сделать"].value.startswith("Оформите новый сертификат или декларацию")
    assert expired["Категория"].value == "Внешние аккумуляторы"       # the category by name, not power_bank
    # the expired paper shows its end date, a real date, in red
    until = expired["Действует до"]
    assert until.is_date and until.value.date() < date(2026, 11, 26)
    assert until.font.color.rgb == "FFC0262D"
    assert until.number_format == "dd.mm.yyyy"
    assert rows[2]["Действует до"].value == datetime(2028, 3, 11)


def test_workbook_defuses_formulas(workbook_ru):
    wb, _ = workbook_ru
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]          # no formula anywhere
    _, rows = rows_of(wb["Товары (SKU)"])
    name = next(r["name"] for r in rows if r["SKU"].value == "PB-1002")
    assert name.value == "'=HYPERLINK(\"http://x\")" and name.data_type == "s"


def test_workbook_ozon_form_and_files(workbook_ru):
    wb, _ = workbook_ru
    _, ozon = rows_of(wb["Форма Ozon"])
    first = ozon[0]
    assert first["SKU"].value == "PB-1001"
    assert first["Номер"].value == "ЕАЭС RU С-CN.АЯ46.В.01234/23"
    assert first["Дата выдачи"].value == datetime(2023, 3, 12)
    _, files = rows_of(wb["Файлы"])
    cert = next(r for r in files if r["Файл"].value == "PB-1002/RU_PB-1002_certificate.pdf")
    assert cert["Распознан как"].value == "документ о соответствии"
    assert cert["Действует до"].font.color.rgb == "FFC0262D"


def test_terminal_quiet_keeps_disabled_skus_with_reason_and_file(workbook_ru):
    _, proc = workbook_ru
    lines = proc.stdout.splitlines()
    assert any("PB-1002" in line and "Срок действия документа о соответствии истёк" in line
               and "PB-1002/RU_PB-1002_certificate.pdf" in line for line in lines)
    assert not any("PB-1001" in line or "PB-1003" in line for line in lines)      # -q: only the disabled
    assert "Список SKU:" in proc.stderr and "skus.csv" in proc.stderr          # FOLDER/skus.csv, said once


def test_json_to_stdout_and_fail_on(batch, cache, tmp_path):
    proc = doccheck("scan", batch, "--today", TODAY, "--no-ocr", "--cache-dir", cache, "--json", "-", "--lang", "en",
                    cwd=tmp_path)
    report = json.loads(proc.stdout)              # stdout holds the report and nothing else
    assert report["summary"]["disabled"] == 1
    assert "PB-1002" in proc.stderr                  # the words went to stderr
    assert not (tmp_path / "-").exists() and not (tmp_path / "doccheck-report.csv").exists()
    assert proc.returncode == 1

    # without PB-1002, only an at-risk SKU is left: passes by default, fails with --fail-on at_risk
    root = tmp_path / "risky"
    shutil.copytree(batch, root, ignore=shutil.ignore_patterns("PB-1002"))
    (root / "skus.csv").write_text("sku,category\nPB-1001,power_bank\nPB-1003,power_bank\n", encoding="utf-8")
    common = ("scan", root, "--today", TODAY, "--no-ocr", "--cache-dir", cache, "-q", "--out", tmp_path / "r.csv")
    assert doccheck(*common).returncode == 0
    proc = doccheck(*common, "--fail-on", "at_risk")
    assert proc.returncode == 1, proc.stderr


def test_default_csv_only_when_nothing_else_asked_and_semicolons(batch, cache, tmp_path):
    proc = doccheck("scan", batch, "--today", TODAY, "--no-ocr", "--cache-dir", cache, "-q",
                    "--csv-delimiter", ";", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    raw = (tmp_path / "doccheck-report.csv").read_text(encoding="utf-8-sig")
    assert raw.splitlines()[0].startswith("sku;category;category_rule;chat_status;")
    rows = list(__import__("csv").DictReader(raw.splitlines(), delimiter=";"))
    assert {r["sku"]: r["chat_status"] for r in rows} == {"PB-1001": "ok", "PB-1002": "disabled", "PB-1003": "at_risk"}


def test_seller_type_alias_and_russian_date(batch, cache, tmp_path, run_cli):
    code, out, err = run_cli("scan", batch, "--seller-type", "ИП", "--today", "26.11.2026", "--no-ocr",
                             "--cache-dir", cache, "--json", tmp_path / "r.json", "-q")
    assert code == 1, err
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["seller_type"] == "individual" and report["today"] == TODAY
    code, _, err = run_cli("scan", batch, "--seller-type", "partnership", "--no-ocr", "--json", tmp_path / "x.json")
    assert code == 2 and "partnership" in err and "ип" in err.casefold()


def test_several_kyc_folders_warned(tmp_path, cache):
    root = tmp_path / "merged"
    for seller in ("seller-a", "seller-b"):
        shutil.copytree(SAMPLES / "company" / "KYC", root / seller / "KYC")
    proc = doccheck("scan", root, "--no-ocr", "--cache-dir", cache, "-q", "--json", tmp_path / "r.json", "--lang", "en")
    assert "2 KYC folders (seller-a/KYC, seller-b/KYC)" in proc.stderr, proc.stderr


def _run_in_terminal(args, env, stderr_too: bool = False) -> str:
    """Run doccheck with a pseudo-terminal as stdout (and stderr), as a person's shell would."""
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))   # a 100-column terminal
    proc = subprocess.Popen([sys.executable, "-m", "checker", *map(str, args)], stdout=follower,
                            stderr=follower if stderr_too else subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_no_color_and_color_option(batch, cache, tmp_path):
    args = ["scan", batch, "--today", TODAY, "--no-ocr", "--cache-dir", cache, "--out", tmp_path / "r.csv"]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"PYTHONPATH": str(REPO), "TERM": "xterm"}
    assert "\x1b[" in _run_in_terminal(args, env)                         # a terminal gets colours
    assert "\x1b[" not in _run_in_terminal(args, env | {"NO_COLOR": "1"})  # https://no-color.org
    assert "\x1b[" not in _run_in_terminal(args + ["--color", "never"], env)
    assert "\x1b[" in doccheck(*args, "--color", "always").stdout          # forced, even into a pipe


def test_progress_bar_speaks_the_language(batch, tmp_path):
    args = ["scan", batch, "--today", TODAY, "--no-ocr", "--no-cache", "--lang", "zh", "--out", tmp_path / "r.csv"]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"PYTHONPATH": str(REPO), "TERM": "xterm"}
    shown = _run_in_terminal(args, env, stderr_too=True)
    assert "读取中" in shown and "已 OCR 识别" in shown and "reading" not in shown


def test_xlsx_formula_cells_written_as_text(tmp_path):
    """Every text cell defused, from hand-made results with hostile names in every text column."""
    from checker.codes import ChatStatus
    from checker.models import FileFacts, FileKind, FileResult, Group, KycResult, ScanResult, SkuResult
    from checker.report.xlsx import write_xlsx

    hostile = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "=HYPERLINK(\"http://evil\",\"ok\")"]
    files = [FileResult(path=f"{h}/RU_{h}.pdf", name=f"RU_{h}.pdf", group=Group.SKU, sku=h,
                        facts=FileFacts(sha256="0", size=1, mime="application/pdf", kind=FileKind.TEXT_PDF))
             for h in hostile]
    skus = [SkuResult(h, category_input=h, row={"sku": h, "note": h}, files=[f], status=ChatStatus.OK)
            for h, f in zip(hostile, files)]
    result = ScanResult("/x", date(2026, 1, 1), "company", skus, files, KycResult(False, "company"))
    write_xlsx(result, tmp_path / "h.xlsx", lang="en")
    wb = openpyxl.load_workbook(tmp_path / "h.xlsx")
    cells = [c for ws in wb for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
    assert cells and not [c for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.lstrip().startswith(("=", "+", "-", "@"))], texts
    assert "'=1+1" in texts and "'=HYPERLINK(\"http://evil\",\"ok\")" in texts


def test_audit_workbook_summary_and_a_sheet_per_client(batch, cache, tmp_path):
    clients = tmp_path / "clients"
    shutil.copytree(batch, clients / "Альфа")
    shutil.copytree(batch, clients / "beta", ignore=shutil.ignore_patterns("PB-1002"))
    (clients / "beta" / "skus.csv").write_text("sku,category\nPB-1001,power_bank\nPB-1003,power_bank\n", encoding="utf-8")
    (clients / "broken").mkdir()
    (clients / "broken" / "doccheck.toml").write_text("colour = 'red'\n", encoding="utf-8")
    proc = doccheck("audit", clients, "--today", TODAY, "--no-ocr", "--cache-dir", cache, "--out-dir", tmp_path / "out",
                    "--xlsx", tmp_path / "agency.xlsx", "--lang", "en", "-q")
    assert proc.returncode == 1, proc.stderr
    wb = openpyxl.load_workbook(tmp_path / "agency.xlsx")
    assert wb.sheetnames == ["Summary", "beta", "Альфа"]     # clients in the audit's order (by name)
    _, rows = rows_of(wb["Summary"])
    by_client = {r["Client"].value: r for r in rows}
    assert by_client["Альфа"]["Worst status"].value == "disabled"
    assert by_client["Альфа"]["Worst status"].fill.fgColor.rgb == "FFFDECEC"
    assert by_client["beta"]["Worst status"].value == "at risk"
    assert by_client["broken"]["Worst status"].value == "not audited" and "colour" in by_client["broken"]["Problem"].value
    link = by_client["beta"]["Sheet"]
    assert link.hyperlink is not None and link.hyperlink.location == "'beta'!A1"
    _, skus = rows_of(wb["beta"])
    assert [r["SKU"].value for r in skus] == ["PB-1003", "PB-1001"]
    assert (tmp_path / "out" / "beta" / "report.xlsx").is_file()     # each client's own workbook too
    # beta alone has no disabled SKU, only an at-risk one: the gate passes unless --fail-on at_risk
    shutil.rmtree(clients / "Альфа")
    shutil.rmtree(clients / "broken")
    common = ("audit", clients, "--today", TODAY, "--no-ocr", "--cache-dir", cache, "--out-dir", tmp_path / "out2", "-q")
    assert doccheck(*common).returncode == 0
    assert doccheck(*common, "--fail-on", "at_risk").returncode == 1


def test_config_file_under_the_command_line(batch, cache, tmp_path, run_cli):
    """doccheck.toml beside a copy of the papers: read (never written), the command line wins,
    `doccheck config` says where each setting came from, an unknown key names file and line."""
    root = tmp_path / "papers"
    shutil.copytree(batch, root)
    (root / "doccheck.toml").write_text(
        '# the batch of seller X\nseller_type = "ИП"\ntoday = 2026-11-26\nlang = "ru"\nno_ocr = true\n'
        f'cache_dir = "{cache}"\nfail_on = "at_risk"\n', encoding="utf-8")
    before = tree_digest(root)
    code, out, err = run_cli("config", root, "--lang", "zh")
    assert code == 0, err
    lines = {line.split("=")[0].strip(): line for line in out.splitlines()}
    assert lines["seller_type"].split("#")[1].strip() == f"{root / 'doccheck.toml'}:2"
    assert "ИП" in lines["seller_type"]
    assert "zh" in lines["lang"] and lines["lang"].endswith("# command line")
    assert "2026-11-26" in lines["today"] and lines["jobs"].endswith("# default")
    assert "found in the folder" in lines["skus"]

    code, _, err = run_cli("scan", root, "--json", tmp_path / "r.json", "-q", "--lang", "en")
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["seller_type"] == "individual" and report["today"] == TODAY
    assert code == 1                      # fail_on = "at_risk" from the file, PB-1003 is at risk
    assert tree_digest(root) == before    # the file is read, never written

    (root / "doccheck.toml").write_text('lang = "ru"\n\n[ozon]\nclient_id = "42"\n', encoding="utf-8")
    code, _, err = run_cli("scan", root, "--no-ocr", "--json", tmp_path / "x.json")
    assert code == 2 and f"{root / 'doccheck.toml'}:4: unknown key 'ozon.client_id'" in err
    (root / "doccheck.toml").write_text('jobs = 0\n', encoding="utf-8")
    code, _, err = run_cli("scan", root, "--no-ocr", "--json", tmp_path / "x.json")
    assert code == 2 and "doccheck.toml:1: jobs" in err and "Traceback" not in err


def test_pre_commit_hook_fails_a_bad_batch_and_passes_a_good_one(tmp_path, cache):
    """The hook as .pre-commit-hooks.yaml declares it (entry, files, pass_filenames), run by
    pre-commit in a temporary git repository of papers. Offline: the hook runs as a local `system`
    hook with this checkout's interpreter instead of pre-commit installing doccheck from PyPI."""
    yaml = pytest.importorskip("yaml")
    if shutil.which("git") is None or shutil.which("pre-commit") is None and not _module("pre_commit"):
        pytest.skip("git and pre-commit needed")
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "doccheck" and hook["entry"].startswith("doccheck scan .")
    repo = tmp_path / "papers"
    for sku in ("PB-1001", "PB-1002"):
        shutil.copytree(SAMPLES / "company" / sku, repo / sku)
    (repo / "skus.csv").write_text("sku,category\nPB-1001,power_bank\nPB-1002,power_bank\n", encoding="utf-8")
    (repo / "doccheck.toml").write_text(f'today = 2026-11-26\nno_ocr = true\ncache_dir = "{cache}"\n', encoding="utf-8")
    local = {**hook, "language": "system", "entry": hook["entry"].replace("doccheck", f"{sys.executable} -m checker", 1)}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}),
                                                 encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {
        "PYTHONPATH": str(REPO), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org"}

    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300)

    pre_commit = [shutil.which("pre-commit")] if shutil.which("pre-commit") else [sys.executable, "-m", "pre_commit"]
    git("init", "-q")
    git("add", "-A")
    bad = subprocess.run([*pre_commit, "run", "--all-files"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "PB-1002" in bad.stdout and "Conformity document expired" in bad.stdout
    assert not (repo / "doccheck-report.csv").exists()           # the hook leaves no report in the repository
    # the seller replaces the expired certificate's SKU by dropping it from the list: the commit goes through
    shutil.rmtree(repo / "PB-1002")
    (repo / "skus.csv").write_text("sku,category\nPB-1001,power_bank\n", encoding="utf-8")
    installed = subprocess.run([*pre_commit, "install"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    git("add", "-A")
    good = git("commit", "-q", "-m", "papers")      # through the installed git hook, as a person commits
    assert good.returncode == 0, good.stdout + good.stderr
    # a stray file in a SKU folder: the next commit is refused, and the terminal says which file
    (repo / "PB-1001" / "note.csv").write_text("x\n", encoding="utf-8")
    git("add", "-A")
    refused = git("commit", "-q", "-m", "more papers")
    assert refused.returncode == 1 and "PB-1001/note.csv" in refused.stdout + refused.stderr


def _module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_audit_index_page_links_every_client(batch, cache, tmp_path):
    clients = tmp_path / "clients"
    shutil.copytree(batch, clients / "Альфа & Co")
    (clients / "broken").mkdir()
    (clients / "broken" / "doccheck.toml").write_text("today = \n", encoding="utf-8")
    out = tmp_path / "out"
    proc = doccheck("audit", clients, "--today", TODAY, "--no-ocr", "--cache-dir", cache, "--out-dir", out,
                    "--html", out / "index.html", "--lang", "ru", "-q")
    assert proc.returncode == 1, proc.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Разрешительные документы для Ozon: клиенты" in page
    assert 'href="%D0%90%D0%BB%D1%8C%D1%84%D0%B0%20%26%20Co/report.html">Альфа &amp; Co</a>' in page
    assert (out / "Альфа & Co" / "report.html").is_file()
    assert '<span class="badge disabled">отключён</span>' in page       # the client's worst SKU
    assert "не проверен" in page and "TOML" in page                     # the broken client says why
    assert "<script" not in page
