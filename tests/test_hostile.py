"""Hostile and broken input: every case gets a row, the batch finishes, the input tree is
byte-identical afterwards, nothing escapes the folder, and no CSV cell can run as a formula."""

import csv
import os
import re
import sys

import pytest

from checker.process.executor import Limits, Task, run_isolated
from checker.models import ExtractSettings
from conftest import SAMPLES, read_csv, tree_digest
from helpers.bombs import flate_bomb_pdf, pixel_bomb_png

FORMULA_START = re.compile(r"^\s*[=+\-@\t\r]")


@pytest.fixture
def hostile_tree(tmp_path):
    root = tmp_path / "batch"
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "fifo")
    (outside / "secret.pdf").write_bytes(b"%PDF-1.4 outside\n%%EOF\n")
    (root / "BOMB-1").mkdir(parents=True)
    flate_bomb_pdf(root / "BOMB-1" / "RU_flate_bomb.pdf")
    pixel_bomb_png(root / "BOMB-1" / "RU_pixel_bomb.png")
    (root / "LINKS-1").mkdir()
    (root / "LINKS-1" / "RU_fifo.pdf").symlink_to(outside / "fifo")
    (root / "LINKS-1" / "RU_secret.pdf").symlink_to(outside / "secret.pdf")
    (root / "LINKS-1" / "loop").symlink_to(root)
    (root / "=cmd|calc").mkdir()
    (root / "=cmd|calc" / "RU_=HYPERLINK(evil).pdf").write_bytes(b"%PDF-1.4 not really\n%%EOF\n")
    (root / "KYC").mkdir()
    (root / "KYC" / "RU_passport_E12345678.pdf").write_bytes(b"%PDF-1.4 truncated")
    (root / "KYC" / "Thumbs_E87654321.db.part").write_bytes(b"x")
    raw = os.fsencode(root / "NAMES-1") + b"/RU_\xff\xfe\n\"quoted\".pdf"
    os.makedirs(os.fsencode(root / "NAMES-1"))
    with open(raw, "wb") as handle:
        handle.write(b"")
    skus = tmp_path / "skus.csv"
    skus.write_text('sku,category,note\nBOMB-1,power_bank,"=1+2"\nLINKS-1,Books,@SUM(A1)\n'
                    '=cmd|calc,toys,"ok\n=evil()"\nNAMES-1,books,-2+3\n', encoding="utf-8")
    return tmp_path, root, skus


def cache_args(mode, tmp_path):
    """The default path (the cache on, here in the test's folder) and --no-cache."""
    return ["--cache-dir", tmp_path / "cache"] if mode == "cache" else ["--no-cache"]


@pytest.mark.parametrize("mode", ["cache", "no-cache"])
def test_hostile_batch_finishes_with_a_row_for_everything(hostile_tree, run_cli, mode):
    tmp_path, root, skus = hostile_tree
    before = tree_digest(root)
    code, out, err = run_cli("scan", root, "--skus", skus, "--out", tmp_path / "r.csv", "--files-out", tmp_path / "f.csv",
                             *cache_args(mode, tmp_path), "--jobs", "2")
    assert code == 1 and "Traceback" not in out + err
    assert tree_digest(root) == before
    files = {r["path"]: r for r in read_csv(tmp_path / "f.csv")}
    assert files["BOMB-1/RU_flate_bomb.pdf"]["codes"] == "unreadable_file"
    assert "decompression bomb" in files["BOMB-1/RU_flate_bomb.pdf"]["notes"]
    assert files["BOMB-1/RU_pixel_bomb.png"]["codes"] == "unreadable_file"
    assert files["LINKS-1/RU_fifo.pdf"]["sku"] == "skipped"
    assert "outside" in files["LINKS-1/RU_fifo.pdf"]["notes"]
    assert files["LINKS-1/RU_secret.pdf"]["sku"] == "skipped"
    assert "already scanned" in files["LINKS-1/loop"]["notes"]
    odd = 'NAMES-1/RU_\\xff\\xfe\\n"quoted".pdf'
    assert files[odd]["codes"] == "unreadable_file"      # empty file
    report = {r["sku"]: r for r in read_csv(tmp_path / "r.csv")}
    assert report["'=cmd|calc"]["chat_status"] == "disabled"   # the SKU, defused, still judged
    everything = out + err + (tmp_path / "f.csv").read_text(encoding="utf-8-sig") + (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "E12345678" not in everything and "E87654321" not in everything
    assert "KYC/RU_passport_******678.pdf" in files


@pytest.mark.parametrize("mode", ["cache", "no-cache"])
def test_no_cell_of_any_written_csv_starts_a_formula(hostile_tree, run_cli, mode):
    tmp_path, root, skus = hostile_tree
    run_cli("scan", root, "--skus", skus, "--out", tmp_path / "r.csv", "--files-out", tmp_path / "f.csv",
            "--kyc-out", tmp_path / "k.csv", *cache_args(mode, tmp_path))
    cells = 0
    for name in ("r.csv", "f.csv", "k.csv"):
        with open(tmp_path / name, encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    cells += 1
                    for line in re.split(r"\r\n|\n|\r", cell):
                        if FORMULA_START.match(line):
                            assert re.fullmatch(r"\s*[+-]?\d+([.,]\d+)?\s*", line), (name, cell)
    assert cells > 50


def test_reports_are_atomic_and_not_world_readable(hostile_tree, run_cli):
    tmp_path, root, skus = hostile_tree
    run_cli("scan", root, "--skus", skus, "--out", tmp_path / "r.csv", *cache_args("cache", tmp_path))
    assert (tmp_path / "r.csv").stat().st_mode & 0o007 == 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _slow_page_in_scratch(tmp_path, monkeypatch):
    """``tmp_path/slow.png``, a full A4 page of text (seconds of OCR), and a fresh temporary folder
    for the run (returned) to check that no page image is left behind."""
    import tempfile

    from PIL import Image, ImageDraw, ImageFont

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 40)
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    for line in range(60):
        draw.text((100, 100 + line * 55), "Инструкция по эксплуатации внешнего аккумулятора", font=font, fill=0)
    page.save(tmp_path / "slow.png")
    return scratch


def test_a_file_that_hangs_is_killed_at_its_deadline(tmp_path, monkeypatch):
    """A scanned page needs seconds of OCR; a 0.5 s limit turns it into a finding, and the next file is read.
    The killed worker's page image (it may be a passport) is not left behind in the temp folder."""
    scratch = _slow_page_in_scratch(tmp_path, monkeypatch)
    (tmp_path / "empty.pdf").write_bytes(b"")
    tasks = [Task(i, str(p), p.stat().st_size, p.stat().st_mtime_ns, ExtractSettings())
             for i, p in enumerate([tmp_path / "slow.png", tmp_path / "empty.pdf"])]
    outcomes = run_isolated(tasks, Limits(jobs=1, timeout_s=0.5))
    assert outcomes[0].facts is None and "timed out after 0.5 s" in outcomes[0].error
    assert outcomes[1].facts is not None and outcomes[1].facts.problem.startswith("the file is empty")
    assert list(scratch.iterdir()) == []


def test_a_long_lived_reader_keeps_its_process_and_the_same_limits(tmp_path, monkeypatch):
    """A cluster worker's Reader: files one at a time in one forked process, the same facts as
    run_isolated, a file past the deadline killed and the next one read by a fresh process, and
    nothing left in the temporary folder after close()."""
    from checker.process.executor import Reader

    scratch = _slow_page_in_scratch(tmp_path, monkeypatch)
    paper = SAMPLES / "company" / "PB-6001" / "RU_PB-6001_manual.pdf"
    tasks = [Task(i, str(p), p.stat().st_size, p.stat().st_mtime_ns, ExtractSettings(ocr=i == 1))
             for i, p in enumerate([paper, tmp_path / "slow.png", paper])]
    reader = Reader(Limits(jobs=2, timeout_s=0.5))
    try:
        first = reader.read(tasks[0])
        pid = reader._workers[0].process.pid
        again = reader.read(tasks[2])
        assert reader._workers[0].process.pid == pid, "the reader was forked again for the next file"
        assert first.facts is not None and again.facts.pages == first.facts.pages
        assert first.facts == run_isolated([tasks[0]], Limits(jobs=1))[0].facts
        slow = reader.read(tasks[1])
        assert slow.facts is None and "timed out after 0.5 s" in slow.error
        after = reader.read(tasks[2])
        assert after.facts.pages == first.facts.pages and reader._workers[0].process.pid != pid
    finally:
        reader.close()
    assert list(scratch.iterdir()) == []


def test_sigterm_mid_ocr_stops_cleanly_and_leaves_no_page_image(tmp_path):
    """`timeout`, systemd or a cancelled CI job send SIGTERM: the scan stops with 143 and a short
    message, its workers and tesseract go with it, and no page image (it may be a passport) stays."""
    import signal
    import subprocess
    import sys
    import time

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 40)
    batch = tmp_path / "batch" / "PB-1"
    batch.mkdir(parents=True)
    for n in range(2):
        page = Image.new("L", (2480, 3508), 255)
        draw = ImageDraw.Draw(page)
        for line in range(60):
            draw.text((100, 100 + line * 55), "Инструкция по эксплуатации внешнего аккумулятора", font=font, fill=0)
        page.save(batch / f"RU_PB-1_scan{n}.png")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "checker", "scan", str(tmp_path / "batch"), "--cache-dir", str(tmp_path / "cache"), "--jobs", "2",
                             "-q", "--out", str(tmp_path / "r.csv")], env={**os.environ, "TMPDIR": str(scratch)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(scratch.rglob("*.TIFF")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None and any(scratch.rglob("*.TIFF")), "OCR never started"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "stopped (SIGTERM)" in err and "Traceback" not in err
    assert list(scratch.iterdir()) == []
    stray = subprocess.run(["pgrep", "-f", f"tesseract {scratch}"], capture_output=True, text=True).stdout
    assert stray == ""


def test_a_file_that_swells_hits_the_memory_cap(tmp_path):
    """Run in a fresh process, as doccheck runs: a worker forked from this long-lived test process
    inherits its heap, whose free pages the address-space cap does not count, so the cap's effect
    here would depend on the tests that ran before."""
    import subprocess

    from PIL import Image

    # 79 Mpx, under the 80 Mpx decode guard, in RGB: decoding and greying it needs over 300 MB,
    # more than the 256 MB cap.
    Image.new("RGB", (8900, 8900), (255, 255, 255)).save(tmp_path / "big.png")
    code = (
        "import os, sys\n"
        "from checker.process.executor import Limits, Task, run_isolated\n"
        "from checker.models import ExtractSettings\n"
        "path = sys.argv[1]; st = os.stat(path)\n"
        "outcome = run_isolated([Task(0, path, st.st_size, st.st_mtime_ns, ExtractSettings(ocr=False))], Limits(jobs=1, memory_mb=256))[0]\n"
        "print(outcome.error or outcome.facts.problem)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "big.png")], capture_output=True, text=True, timeout=300)
    problem = proc.stdout.strip()
    assert "memory" in problem or "died" in problem or "too large" in problem, (problem, proc.stderr[-500:])


def test_a_file_changing_while_read_is_reported_incomplete(tmp_path):
    path = tmp_path / "RU_cert.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    stale = path.stat()
    path.write_bytes(b"%PDF-1.4\n% still syncing...\n%%EOF\n")
    outcome = run_isolated([Task(0, str(path), stale.st_size, stale.st_mtime_ns, ExtractSettings())], Limits())[0]
    assert "changed while being read" in outcome.facts.problem


def test_broken_rule_file_names_file_and_line(tmp_path, run_cli):
    import shutil

    from checker.rules import default_rules_dir

    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    text = (rules / "categories.yaml").read_text(encoding="utf-8")
    (rules / "categories.yaml").write_text(text.replace("    high_risk: true", "    high_risk: yes please", 1), encoding="utf-8")
    (tmp_path / "batch").mkdir()
    code, out, err = run_cli("scan", tmp_path / "batch", "--rules", rules, "--out", tmp_path / "r.csv", "--no-cache")
    assert code == 2
    assert re.search(r"categories\.yaml:\d+: 'high_risk' must be bool", err), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["scan", "/no/such/folder"], "does not exist"),
    (["scan", "batch", "--seller-type", "corporation"], "corporation"),
    (["scan", "batch", "--today", "2026/11/26"], "2026/11/26"),    # YYYY-MM-DD and DD.MM.YYYY are taken
    (["scan", "batch", "--rules", "/no/such/rules"], "rules"),
    (["scan", "batch", "--jobs", "0"], "jobs"),
    (["scan", "batch", "--no-such-option"], "no-such-option"),
])
def test_bad_usage_is_one_line_and_exit_2(args, message, run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "batch").mkdir()
    code, out, err = run_cli(*args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_csv_without_sku_column_is_exit_2(tmp_path, run_cli):
    (tmp_path / "batch").mkdir()
    (tmp_path / "skus.csv").write_text("item;category\nA;Books\n", encoding="cp1251")
    code, _, err = run_cli("scan", tmp_path / "batch", "--skus", tmp_path / "skus.csv", "--out", tmp_path / "r.csv")
    assert code == 2 and "no 'sku' column" in err


def test_report_inside_the_scanned_folder_is_refused(tmp_path, run_cli):
    (tmp_path / "batch").mkdir()
    code, _, err = run_cli("scan", tmp_path / "batch", "--out", tmp_path / "batch" / "r.csv", "--no-cache")
    assert code == 2 and "inside the scanned folder" in err
    assert not (tmp_path / "batch" / "r.csv").exists()


def test_missing_tesseract_exits_3_and_no_ocr_runs(tmp_path):
    import subprocess

    from PIL import Image

    (tmp_path / "batch" / "SKU-1").mkdir(parents=True)
    Image.new("L", (200, 200), 255).save(tmp_path / "batch" / "SKU-1" / "RU_scan.png")
    env = dict(os.environ, PATH=str(tmp_path / "empty-path"))
    base = [sys.executable, "-m", "checker", "scan", str(tmp_path / "batch"), "--out", str(tmp_path / "r.csv"), "--no-cache"]
    proc = subprocess.run(base, capture_output=True, text=True, env=env)
    assert proc.returncode == 3
    assert "tesseract-ocr" in proc.stderr and "--no-ocr" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run(base + ["--no-ocr", "--files-out", str(tmp_path / "f.csv")], capture_output=True, text=True, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    row = read_csv(tmp_path / "f.csv")[0]
    assert "not read" in row["notes"]


@pytest.mark.corpus
def test_a_blank_or_broken_manual_never_passes_as_the_russian_manual(tmp_path, run_cli):
    """A power bank needs a Russian manual: a blank PDF (OCR finds nothing) and a real malformed PDF
    whose page cannot be rendered (qpdf's bad34) show a moderator nothing, so the SKU is disabled
    with unreadable_file, cold and warm with the cache on; with --no-ocr the pages were never read,
    and the manual is not held against the SKU (as before)."""
    from pypdf import PdfWriter

    from conftest import CORPUS

    root = tmp_path / "batch"
    certificate = SAMPLES / "company" / "PB-1001" / "RU_PB-1001_certificate.pdf"
    for sku in ("BLANK-1", "BROKEN-1"):
        (root / sku).mkdir(parents=True)
        (root / sku / f"RU_{sku}_certificate.pdf").write_bytes(certificate.read_bytes())
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(root / "BLANK-1" / "RU_BLANK-1_manual.pdf", "wb") as handle:
        writer.write(handle)
    (root / "BROKEN-1" / "RU_BROKEN-1_manual.pdf").write_bytes((CORPUS / "qpdf__bad34.pdf").read_bytes())
    skus = tmp_path / "skus.csv"
    skus.write_text("sku,category\nBLANK-1,power_bank\nBROKEN-1,power_bank\n", encoding="utf-8")
    for run in ("cold", "warm"):
        code, _, err = run_cli("scan", root, "--skus", skus, "--out", tmp_path / f"{run}.csv", "--cache-dir",
                               tmp_path / "cache", "--jobs", "1", "--today", "2026-11-26", "-q")
        assert code == 1, err
        rows = {r["sku"]: r for r in read_csv(tmp_path / f"{run}.csv")}
        for sku in ("BLANK-1", "BROKEN-1"):
            assert (rows[sku]["chat_status"], rows[sku]["reasons"]) == ("disabled", "unreadable_file"), (run, rows[sku])
            assert rows[sku]["manual"] == ""
        assert "no legible text" in rows["BLANK-1"]["details"]
        assert "could not be rendered for OCR" in rows["BROKEN-1"]["details"]
    code, _, err = run_cli("scan", root, "--skus", skus, "--out", tmp_path / "no-ocr.csv", "--no-ocr", "--cache-dir",
                           tmp_path / "cache", "--jobs", "1", "--today", "2026-11-26", "-q")
    rows = {r["sku"]: r for r in read_csv(tmp_path / "no-ocr.csv")}
    assert rows["BLANK-1"]["chat_status"] == "ok" and rows["BLANK-1"]["manual"].endswith("(not_read)"), rows["BLANK-1"]
