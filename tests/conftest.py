import csv
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_docs"
CORPUS = REPO.parent / "shared" / "corpus" / "real-pdfs"


def _tesseract_ready() -> bool:
    from checker.external.tesseract import tesseract_status

    status = tesseract_status()
    return status.available and not status.missing_langs


def pytest_collection_modifyitems(config, items):
    # In CI nothing is skipped: a missing tesseract or corpus is a failure there, not a skip.
    if os.environ.get("CI"):
        return
    needs_ocr = pytest.mark.skip(reason="tesseract with rus/chi_sim/osd not installed (run scripts/install.sh)")
    needs_corpus = pytest.mark.skip(reason="../shared/corpus/real-pdfs not present beside the checkout")
    ready = None
    for item in items:
        if "ocr" in item.keywords:
            if ready is None:
                ready = _tesseract_ready()
            if not ready:
                item.add_marker(needs_ocr)
        if "corpus" in item.keywords and not CORPUS.is_dir():
            item.add_marker(needs_corpus)


def pytest_configure(config):
    config.addinivalue_line("markers", "ocr: runs real tesseract")
    config.addinivalue_line("markers", "corpus: uses ../shared/corpus/real-pdfs")


def sample_batch(base: Path, skus: tuple[str, ...]) -> tuple[Path, Path]:
    """A batch of some of sample_docs/company's SKU folders in base/papers, and their rows of the
    sample SKU list in base/skus.csv (beside the batch, not in it). Returns (papers, skus.csv)."""
    root = base / "papers"
    for sku in skus:
        shutil.copytree(SAMPLES / "company" / sku, root / sku)
    sku_list = base / "skus.csv"
    lines = (SAMPLES / "company" / "skus_utf8.csv").read_text(encoding="utf-8-sig").splitlines()
    sku_list.write_text("\n".join([lines[0]] + [l for l in lines[1:] if l.split(",")[0] in skus]) + "\n", encoding="utf-8")
    return root, sku_list


def read_csv(path: Path) -> list[dict[str, str]]:
    """A report as the rows a spreadsheet shows (UTF-8 with or without BOM)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def rules():
    from checker.rules import load_rules

    return load_rules()


@pytest.fixture
def run_cli(tmp_path):
    """Run the CLI in-process; returns (exit_code, stdout, stderr)."""
    from click.testing import CliRunner

    from checker.cli import main

    def run(*args):
        runner = CliRunner()
        result = runner.invoke(_Entry(main), list(map(str, args)), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


class _Entry:
    """Lets CliRunner drive checker.cli.main, which handles errors like the installed command."""

    def __init__(self, main):
        self.main_fn = main
        self.name = "doccheck"

    def main(self, args=None, prog_name=None, **kwargs):
        raise SystemExit(self.main_fn(args))


def tree_digest(root: Path) -> dict[str, tuple[int, str]]:
    import hashlib

    digest = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            digest[str(path.relative_to(root))] = (0, os.readlink(path))
        elif path.is_file():
            digest[str(path.relative_to(root))] = (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
        elif path.is_dir():
            digest[str(path.relative_to(root))] = (0, "dir")
    return digest
