"""Every real malformed, encrypted, scanned and odd file from the qpdf and pypdf test suites,
each as its own SKU: the batch finishes, each file gets a row and a verdict, nothing is written."""

import csv
import subprocess
import sys

import pytest

from conftest import CORPUS, tree_digest

pytestmark = [pytest.mark.corpus, pytest.mark.ocr]


@pytest.fixture(scope="module")
def corpus_scan(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    skus = out / "skus.csv"
    with open(skus, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "category"])
        seen = set()
        for path in files:
            if path.name not in seen:
                seen.add(path.name)
                writer.writerow([path.name, "power_bank"])
    before = tree_digest(CORPUS)
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(CORPUS), "--skus", str(skus),
                           "--out", str(out / "r.csv"), "--files-out", str(out / "f.csv"), "--cache-dir", str(out / "cache"),
                           "--file-timeout", "120"],
                          capture_output=True, text=True, timeout=900)
    # Again, now every file from the cache (the path most runs take): the same reports, no crash.
    warm = subprocess.run([sys.executable, "-m", "checker", "scan", str(CORPUS), "--skus", str(skus),
                           "--out", str(out / "r2.csv"), "--files-out", str(out / "f2.csv"), "--cache-dir", str(out / "cache"),
                           "--file-timeout", "120"],
                          capture_output=True, text=True, timeout=900)
    assert warm.returncode == proc.returncode and "Traceback" not in warm.stderr, warm.stderr[-2000:]
    for cold_name, warm_name in (("r.csv", "r2.csv"), ("f.csv", "f2.csv")):
        assert (out / cold_name).read_text(encoding="utf-8-sig") == (out / warm_name).read_text(encoding="utf-8-sig")
    after = tree_digest(CORPUS)
    with open(out / "f.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(out / "r.csv", encoding="utf-8-sig", newline="") as handle:
        report = list(csv.DictReader(handle))
    return files, proc, rows, report, before, after


def test_batch_finishes_without_traceback(corpus_scan):
    _, proc, _, _, _, _ = corpus_scan
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert "Error" not in proc.stderr


def test_every_file_reported_with_a_verdict(corpus_scan):
    files, _, rows, report, _, _ = corpus_scan
    by_path = {r["path"]: r for r in rows}
    assert set(by_path) == {p.name for p in files}
    assert len(report) == len({p.name for p in files})
    assert all(r["chat_status"] in ("ok", "at_risk", "disabled") for r in report)
    for row in rows:
        assert row["kind"], row
        assert "missing_ru_prefix" in row["codes"]


def test_broken_and_encrypted_files_are_unreadable_not_crashes(corpus_scan):
    _, _, rows, _, _, _ = corpus_scan
    by_path = {r["path"]: r for r in rows}
    protected = by_path["sample-files__005-libreoffice-writer-password_libreoffice-writer-password.pdf"]
    assert protected["kind"] == "encrypted_pdf" and "unreadable_file" in protected["codes"]
    assert "password" in protected["notes"]
    # AES with an owner password only: opens with the empty user password.
    assert by_path["qpdf__V4-aes.pdf"]["kind"] != "unreadable"
    assert "unreadable_file" in by_path["qpdf__pages-loop.pdf"]["codes"]
    assert "not_a_pdf" in by_path["qpdf__bad1.pdf"]["codes"]


def test_long_documents_are_read_in_bounded_pages(corpus_scan):
    _, _, rows, _, _, _ = corpus_scan
    book = next(r for r in rows if "GeoTopo" in r["path"])
    assert book["page_count"] == "117"
    assert int(book["pages_read"]) <= 5


def test_scanned_folder_is_unchanged(corpus_scan):
    _, _, _, _, before, after = corpus_scan
    assert before == after
