"""doccheck export: an upload-ready copy of sample_docs/company (sample_docs/EXPECTED.md)."""

import hashlib
import os
import subprocess
import sys

import pytest

from checker.commands.export import _free_name, upload_name
from checker.rules import default_rules_dir, load_rules
from conftest import REPO, SAMPLES, tree_digest

ROOT = SAMPLES / "company"
COPIES = load_rules(default_rules_dir()).copies     # rules/copies.yaml: the scan's own copy rules


def readme_sections(out):
    """OUT/README.txt cut into its SKUs' parts: {SKU: text} (the heading "SKU X: …" / "SKU X：…")."""
    import re

    text = (out / "README.txt").read_text(encoding="utf-8")
    parts = re.split(r"^SKU (\S+?)[:：]", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


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
    assert "RU_PB-1001_certificate.pdf" in pb and (out / "README.txt").is_file()     # one README, at OUT's top
    for name in pb:
        if name != "README.txt":
            src = ROOT / "PB-1001" / name
            assert hashlib.sha256((out / "PB-1001" / name).read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest()
    # TOY-3003: the declaration without RU_ gets it; PB-1002's expired certificate is left out
    assert "RU_TOY-3003_declaration.pdf" in {p.name for p in (out / "TOY-3003").iterdir()}
    assert not any("certificate" in p.name for p in (out / "PB-1002").iterdir())
    readme = readme_sections(out)
    assert "PB-1002" in readme["PB-1002"] and "Ещё не хватает или неверно" in readme["PB-1002"]
    assert "Загрузить" in readme["PB-1001"]
    # OUT must be new or empty; never inside FOLDER
    again = subprocess.run([sys.executable, "-m", "checker", "export", str(ROOT), "--to", str(out), "--no-ocr", "-q"],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "not an empty folder" in again.stderr and "Traceback" not in again.stderr
    inside = subprocess.run([sys.executable, "-m", "checker", "export", str(ROOT), "--to", str(ROOT / "x"), "--no-ocr", "-q"],
                            capture_output=True, text=True, timeout=600)
    assert inside.returncode == 2 and not (ROOT / "x").exists()


# --- an export passes its own re-scan, copies a paper once, writes no report unasked ----------------

def small_batch(tmp_path):
    """PB-1001 (all in order) and TOY-3003 (RU_TOY-3003_declaration.pdf and an un-prefixed byte-identical
    copy) of sample_docs/company, with their SKU list: every paper of it counts once named right."""
    import shutil

    batch = tmp_path / "batch"
    for sku in ("PB-1001", "TOY-3003"):
        shutil.copytree(ROOT / sku, batch / sku)
    (batch / "skus.csv").write_text("sku;category\nPB-1001;power_bank\nTOY-3003;children_toys\n", encoding="utf-8")
    return batch


def doccheck(*args, cwd):
    """`doccheck ARGS` run from `cwd` (no OCR, a private cache), as a user runs it."""
    return subprocess.run([sys.executable, "-m", "checker", *map(str, args), "--today", "2026-11-26", "--no-ocr",
                           "--cache-dir", str(cwd.parent / "cache"), "--lang", "en"],
                          capture_output=True, text=True, timeout=600, cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(batch, OUT, the export's CompletedProcess, the working folder it ran from) of small_batch."""
    tmp = tmp_path_factory.mktemp("export")
    batch, work = small_batch(tmp), tmp / "work"
    work.mkdir()
    out = tmp / "upload"
    return batch, out, doccheck("export", batch, "--to", out, cwd=work), work


def test_an_exported_folder_passes_a_rescan(exported):
    """Bug: a README.txt in every SKU folder made each SKU fail `doccheck scan OUT` (no RU_ prefix, type
    not accepted). The checklist is one README.txt at OUT's top, which a scan leaves unmapped."""
    batch, out, proc, work = exported
    assert proc.returncode == 0, proc.stderr
    rescan = doccheck("scan", out, "--skus", batch / "skus.csv", "--no-reports", cwd=work)
    assert rescan.returncode == 0, rescan.stdout + rescan.stderr
    assert "DISABLED" not in rescan.stdout and "README" not in rescan.stdout
    assert [p.name for p in out.iterdir() if p.is_file()] == ["README.txt"]
    assert not any((out / sku / "README.txt").exists() for sku in ("PB-1001", "TOY-3003"))
    assert set(readme_sections(out)) == {"PB-1001", "TOY-3003"}


def test_a_byte_identical_copy_is_exported_once(exported):
    """Bug: TOY-3003_declaration.pdf (identical to RU_TOY-3003_declaration.pdf) was written again as
    `RU_TOY-3003_declaration (2).pdf` and the README asked to upload both. Same content: one file, and
    the README and the summary name both sources."""
    batch, out, proc, work = exported
    assert sorted(p.name for p in (out / "TOY-3003").iterdir()) == ["RU_TOY-3003_declaration.pdf"]
    assert (out / "TOY-3003" / "RU_TOY-3003_declaration.pdf").read_bytes() == (batch / "TOY-3003" / "RU_TOY-3003_declaration.pdf").read_bytes()
    section = readme_sections(out)["TOY-3003"]
    assert section.count("[ ]") == 1
    assert "TOY-3003/RU_TOY-3003_declaration.pdf, TOY-3003/TOY-3003_declaration.pdf" in section
    assert "TOY-3003/TOY-3003_declaration.pdf: the same content as TOY-3003/RU_TOY-3003_declaration.pdf" in proc.stdout
    assert "3 papers of 2 SKUs" in proc.stdout


def test_a_clash_of_different_papers_is_not_named_as_a_copy():
    """Two different papers wanting one name: the second gets `_2`, not ` (2)`, which copies.yaml
    reads as a browser's copy (a scan of OUT would set it aside)."""
    assert _free_name("RU_cert.pdf", {"ru_cert.pdf"}, COPIES) == "RU_cert_2.pdf"
    assert _free_name("RU_cert.pdf", {"ru_cert.pdf", "ru_cert_2.pdf"}, COPIES) == "RU_cert_3.pdf"
    assert _free_name("RU_cert.pdf", set(), COPIES) == "RU_cert.pdf"
    assert COPIES.parse("RU_cert_2.pdf") is None


def test_export_writes_no_report_unless_asked(exported, tmp_path):
    """Bug: export wrote scan's default doccheck-report.csv into the working folder, and refused to run
    from inside the batch ("report doccheck-report.csv would be written inside the scanned folder")."""
    batch, out, proc, work = exported
    assert list(work.iterdir()) == []                               # nothing left where it ran
    inside = doccheck("export", ".", "--to", tmp_path / "from-inside", cwd=batch)
    assert inside.returncode == 0, inside.stderr
    assert (tmp_path / "from-inside" / "README.txt").is_file()
    assert not (batch / "doccheck-report.csv").exists()
    asked = doccheck("export", batch, "--to", tmp_path / "asked", "--out", tmp_path / "r.csv", cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert (tmp_path / "r.csv").is_file() and not (tmp_path / "doccheck-report.csv").exists()


def test_a_paper_named_after_an_account_or_with_odd_characters_is_exported_by_its_real_name(tmp_path):
    """A scan's results carry names as outputs show them (an account number masked, a control
    character escaped); export copies the real file, under its real name, and says it masked."""
    batch = tmp_path / "batch"
    (batch / "PB-1001").mkdir(parents=True)
    account = "40802810100004827153"
    cert = ROOT / "PB-1001" / "RU_PB-1001_certificate.pdf"
    manual = ROOT / "PB-1001" / "RU_PB-1001_manual.pdf"
    (batch / "PB-1001" / f"RU_manual_{account}.pdf").write_bytes(manual.read_bytes())
    (batch / "PB-1001" / "RU_PB-1001_certificate\tscan.pdf").write_bytes(cert.read_bytes())
    (tmp_path / "skus.csv").write_text("sku,category\nPB-1001,power_bank\n", encoding="utf-8")
    before = tree_digest(batch)
    proc = doccheck("export", batch, "--skus", tmp_path / "skus.csv", "--to", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    exported = sorted(p.name for p in (tmp_path / "out" / "PB-1001").iterdir())
    assert exported == ["RU_PB-1001_certificate_scan.pdf", f"RU_manual_{account}.pdf"]   # a tab is no name character on Windows
    assert (tmp_path / "out" / "PB-1001" / f"RU_manual_{account}.pdf").read_bytes() == manual.read_bytes()
    said = proc.stdout + proc.stderr + (tmp_path / "out" / "README.txt").read_text(encoding="utf-8")
    assert account not in said and "153.pdf" in said
    assert tree_digest(batch) == before
