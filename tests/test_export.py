"""doccheck export: an upload-ready copy of sample_docs/company (sample_docs/EXPECTED.md)."""

import hashlib
import subprocess
import sys

import pytest

from checker.commands.export import upload_name
from checker.rules import default_rules_dir, load_rules
from conftest import SAMPLES, tree_digest

ROOT = SAMPLES / "company"
COPIES = load_rules(default_rules_dir()).copies     # rules/copies.yaml: the scan's own copy rules


@pytest.mark.parametrize("name, expected", [
    ("RU_manual.pdf", "RU_manual.pdf"),
    ("TOY-3003_declaration.pdf", "RU_TOY-3003_declaration.pdf"),
    ("ru_manual (1).pdf", "RU_manual.pdf"),
    ("RU_cert - Copy.PDF", "RU_cert.pdf"),
    ("RU_cert.sync-conflict-20260101-120000-ABCDEF1.pdf", "RU_cert.pdf"),
    ("RU_cert (Ann's conflicted copy 2026-01-02).pdf", "RU_cert.pdf"),
    ('RU_a:b*c?"d|e.pdf', "RU_a_b_c__d_e.pdf"),
    ("RU_инструкция - копия.pdf", "RU_инструкция.pdf"),
])
def test_upload_names(name, expected):
    assert upload_name(name, COPIES) == expected


def test_a_plain_name_keeps_its_stem():
    assert upload_name("RU_PB-1001_manual.pdf", COPIES) == "RU_PB-1001_manual.pdf"
    assert upload_name("RU_manual 2.pdf", COPIES) == "RU_manual 2.pdf"      # copies.yaml: a bare number is a real name


def test_export_names_follow_the_rule_file(tmp_path):
    """A copy marker added to rules/copies.yaml is dropped by export too: the rule file is the one place."""
    import shutil

    rules_dir = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules_dir)
    path = rules_dir / "copies.yaml"
    path.write_text(path.read_text(encoding="utf-8") + (
        "  - tool: Test sync\n"
        "    pattern: '^(?P<stem>.+?)~conflict(?P<ext>\\.[^.]+)?$'\n"
        "    source: test\n"
        "    examples:\n"
        "      RU_manual~conflict.pdf: RU_manual.pdf\n"), encoding="utf-8")
    assert upload_name("RU_cert~conflict.pdf", COPIES) == "RU_cert~conflict.pdf"
    assert upload_name("RU_cert~conflict.pdf", load_rules(rules_dir).copies) == "RU_cert.pdf"


def test_export_copies_only_papers_that_count(tmp_path):
    out = tmp_path / "upload"
    before = tree_digest(ROOT)
    proc = subprocess.run([sys.executable, "-m", "checker", "export", str(ROOT), "--to", str(out), "--skus", str(ROOT / "skus.csv"),
                           "--today", "2026-11-26", "--no-ocr", "--cache-dir", str(tmp_path / "c"), "--out", str(tmp_path / "r.csv"),
                           "--lang", "ru", "-q"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert tree_digest(ROOT) == before
    # PB-1001: its certificate and manual, byte for byte
    pb = sorted(p.name for p in (out / "PB-1001").iterdir())
    assert "RU_PB-1001_certificate.pdf" in pb and "README.txt" in pb
    for name in pb:
        if name != "README.txt":
            src = ROOT / "PB-1001" / name
            assert hashlib.sha256((out / "PB-1001" / name).read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest()
    # TOY-3003: the declaration without RU_ gets it; PB-1002's expired certificate is left out
    assert "RU_TOY-3003_declaration.pdf" in {p.name for p in (out / "TOY-3003").iterdir()}
    assert not any("certificate" in p.name for p in (out / "PB-1002").iterdir())
    readme = (out / "PB-1002" / "README.txt").read_text(encoding="utf-8")
    assert "PB-1002" in readme and "Ещё не хватает или неверно" in readme
    assert "Загрузить" in (out / "PB-1001" / "README.txt").read_text(encoding="utf-8")
    # OUT must be new or empty; never inside FOLDER
    again = subprocess.run([sys.executable, "-m", "checker", "export", str(ROOT), "--to", str(out), "--no-ocr", "-q"],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "not an empty folder" in again.stderr and "Traceback" not in again.stderr
    inside = subprocess.run([sys.executable, "-m", "checker", "export", str(ROOT), "--to", str(ROOT / "x"), "--no-ocr", "-q"],
                            capture_output=True, text=True, timeout=600)
    assert inside.returncode == 2 and not (ROOT / "x").exists()
