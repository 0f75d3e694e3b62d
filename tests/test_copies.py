"""Copies made by sync tools and by people (issue 13, rules/copies.yaml): recognised, set aside beside
their original, counted when alone with a rename suggestion that drops the marker."""

import shutil
from pathlib import Path

import pytest

from checker.judging.copies import find_copies
from checker.rulefile import RuleError
from checker.rules import default_rules_dir, load_rules

REPO = Path(__file__).resolve().parents[1]
SHARED = next((p for p in (REPO.parent / "shared", Path("/work/shared")) if (p / "cases").is_dir()), REPO.parent / "shared")
CASE = SHARED / "cases" / "syncthing-conflict-copy"
needs_case = pytest.mark.skipif(not CASE.is_dir(), reason="../shared/cases not present beside the checkout")

COPY_NAMES = [
    ("RU_certificate.sync-conflict-20260305-142233-D4LGQYW.pdf", "Syncthing"),
    ("RU_certificate (Имя's conflicted copy 2026-03-05).pdf", "Dropbox"),
    ("RU_certificate (conflicted copy 2026-03-05 142233).pdf", "Nextcloud / ownCloud"),
    ("RU_certificate-LAPTOP-7Q2.pdf", "OneDrive"),
    ("RU_certificate (1).pdf", "Google Drive / browser download"),
    ("Copy of RU_certificate.pdf", "Windows (English, XP)"),
    ("RU_certificate - Copy.pdf", "Windows (English)"),
    ("RU_certificate - копия.pdf", "Windows (Russian)"),
    ("RU_certificate - 副本.pdf", "Windows (Chinese)"),
    ("RU_certificate copy 2.pdf", "macOS Finder"),
    ("RU_certificate (copy).pdf", "GNOME Files"),
    ("RU_certificate (SFConflict ivan@example.com 2026-03-05-14-22-33).pdf", "Seafile"),
]


@pytest.mark.parametrize("name,tool", COPY_NAMES)
def test_copy_names_of_each_tool(rules, name, tool):
    parsed = rules.copies.parse(name)
    assert parsed is not None and (parsed.tool, parsed.original) == (tool, "RU_certificate.pdf")


@pytest.mark.parametrize("name", ["RU_manual-v2.pdf", "RU_manual-EN.pdf", "RU_PB-1005_manual.pdf", "RU_certificate-2024.pdf",
                                  "RU_manual-laptop-model.pdf", "RU_manual-DESKTOP.pdf", "Copyright notice.pdf",
                                  "RU_declaration.pdf", "RU_manual_copy.pdf"])
def test_ordinary_names_are_not_copies(rules, name):
    assert rules.copies.parse(name) is None


def test_copy_names_compare_as_text(rules):
    nfd = "RU_certificate - копия.pdf".replace("й", "и\u0306")
    assert rules.copies.parse(nfd).original == "RU_certificate.pdf"


def test_copy_of_a_copy_points_at_the_original_present(rules):
    paths = [("A", "x.pdf"), ("A", "x - Copy.pdf"), ("A", "x - Copy - Copy.pdf"), ("B", "Copy of y.pdf"), ("B", "Copy of Copy of y.pdf")]
    found = find_copies(paths, rules.copies)
    assert found[1].original == 0 and found[2].original == 0       # both set aside beside x.pdf
    assert found[3].original is None and found[3].original_name == "y.pdf"   # alone: counts
    assert found[4].original == 3                                   # a copy of the lone copy
    assert 0 not in found


@pytest.mark.parametrize("edit,message", [
    (lambda t: t.replace("      RU_manual - Copy.pdf: RU_manual.pdf", "      RU_manual - Copy.pdf: RU_manual2.pdf"), "gives 'RU_manual.pdf', not 'RU_manual2.pdf'"),
    (lambda t: t.replace(r"pattern: '^(?P<stem>.+?) - Copy(", r"pattern: '^(?P<stem>.+?) - Copy((", 1), "not a regular expression"),
    (lambda t: t.replace(r"pattern: '^(?P<stem>.+?) - Copy(", r"pattern: '^(?P<base>.+?) - Copy(", 1), "must capture the original"),
    (lambda t: t.replace("  - tool: Windows (English)\n", "  - tool: Windows (English)\n    colour: red\n", 1), "unknown field 'colour'"),
])
def test_copies_rule_file_is_validated_with_file_and_line(tmp_path, edit, message):
    rules_dir = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules_dir)
    path = rules_dir / "copies.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(rules_dir)
    text = str(caught.value)
    assert message in text and text.startswith(f"{path}:")
    line = int(text.split(":")[1])
    assert "Windows (English)" in path.read_text(encoding="utf-8").splitlines()[line - 1] or line > 1


def _batch(tmp_path: Path, copy_name: str) -> Path:
    """The Syncthing case's SKU with its expired old certificate under another tool's copy name."""
    root = tmp_path / "papers" / "PB-2005"
    root.mkdir(parents=True)
    shutil.copy(CASE / "PB-2005" / "RU_certificate.pdf", root / "RU_certificate.pdf")
    shutil.copy(CASE / "PB-2005" / "RU_manual.pdf", root / "RU_manual.pdf")
    shutil.copy(CASE / "PB-2005" / "RU_certificate.sync-conflict-20260305-142233-D4LGQYW.pdf", root / copy_name)
    shutil.copy(CASE / "skus.csv", tmp_path / "skus.csv")
    return tmp_path / "papers"


@needs_case
@pytest.mark.parametrize("copy_name,tool", COPY_NAMES[1:7])
def test_an_old_copy_beside_its_original_does_not_count(run_cli, tmp_path, copy_name, tool):
    from conftest import read_csv

    papers = _batch(tmp_path, copy_name)
    args = ("scan", papers, "--skus", tmp_path / "skus.csv", "--today", "2026-11-26", "--cache-dir", tmp_path / "cache",
            "--out", tmp_path / "r.csv", "--files-out", tmp_path / "f.csv", "--no-ocr")
    for _ in range(2):                      # cold, then from the cache
        code, _, _ = run_cli(*args)
        [sku] = read_csv(tmp_path / "r.csv")
        assert code == 0 and sku["chat_status"] == "ok", sku
        assert f"PB-2005/{copy_name} is a {tool} copy of PB-2005/RU_certificate.pdf and was not counted" in sku["details"]
        files = {r["path"]: r for r in read_csv(tmp_path / "f.csv")}
        assert files[f"PB-2005/{copy_name}"]["copy_of"] == "PB-2005/RU_certificate.pdf"
        assert files[f"PB-2005/{copy_name}"]["codes"] == ""
        assert files["PB-2005/RU_certificate.pdf"]["copy_of"] == ""


@needs_case
def test_a_copy_alone_counts_and_the_rename_drops_the_marker(run_cli, tmp_path):
    from conftest import read_csv

    root = tmp_path / "papers" / "PB-2005"
    root.mkdir(parents=True)
    shutil.copy(CASE / "PB-2005" / "RU_certificate.pdf", root / "RU_certificate.pdf")
    shutil.copy(CASE / "PB-2005" / "RU_manual.pdf", root / "Copy of RU_manual.pdf")
    shutil.copy(CASE / "skus.csv", tmp_path / "skus.csv")
    code, _, _ = run_cli("scan", tmp_path / "papers", "--skus", tmp_path / "skus.csv", "--today", "2026-11-26",
                         "--cache-dir", tmp_path / "cache", "--out", tmp_path / "r.csv", "--files-out", tmp_path / "f.csv", "--no-ocr")
    [sku] = read_csv(tmp_path / "r.csv")
    assert "no_ru_manual" not in sku["reasons"]                 # the lone copy counts as the manual
    assert "missing_ru_prefix" in sku["reasons"]
    assert "RU_manual.pdf" in sku["details"] and "RU_Copy of" not in sku["details"]
    files = {r["path"]: r for r in read_csv(tmp_path / "f.csv")}
    assert "Windows (English, XP) copy of RU_manual.pdf, which is not here: counted" in files["PB-2005/Copy of RU_manual.pdf"]["notes"]
