import csv
import os
import shutil
import subprocess
from dataclasses import dataclass
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


@dataclass(frozen=True)
class SampleRun:
    """One scan of sample_docs/<batch> with every report written (helpers/samples.REPORTS names
    the files in `out`); `untouched`: the scanned folder's tree digest was the same after it."""
    proc: subprocess.CompletedProcess
    out: Path
    untouched: bool


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory):
    """sample_reports(batch, lang) -> SampleRun: sample_docs/<batch> scanned once per test run in
    `lang` by the real command (real OCR, the cache on: the default path), into one shared cache.

    The batch's English run always comes first and is a true cold run (an empty cache: every file
    read and OCR'd); the Russian and Chinese runs read from that cache (warm), as a user re-running
    in another language would. The golden-report test compares all six runs byte for byte and
    test_samples_e2e checks the English runs against EXPECTED.md: one cold scan per batch serves
    both (each used to scan cold by itself). Callers must not write into `out`.

    With pytest-xdist (scripts/test.sh runs the suite on every core) the runs are shared by the
    workers: made once, under a lock, in the folder above the workers' own temporary folders, and
    read back by the other workers (the command's exit status and output kept beside the reports)."""
    import fcntl
    import json

    from helpers.samples import write_reports

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent          # the run's folder, common to every worker
    shared = shared / "sample-runs"
    shared.mkdir(exist_ok=True)
    runs: dict[tuple[str, str], SampleRun] = {}

    def run(batch: str, lang: str = "en") -> SampleRun:
        if lang != "en":
            run(batch, "en")        # the English run is the cold one, whatever asks first
        if (batch, lang) not in runs:
            out = shared / f"{batch}-{lang}"
            record = out / "run.json"
            with open(shared / "lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)    # one worker makes the run, the others wait for it
                if not record.exists():
                    before = tree_digest(SAMPLES / batch)
                    proc = write_reports(batch, lang, out, shared / "cache")
                    record.write_text(json.dumps({"args": proc.args, "returncode": proc.returncode, "stdout": proc.stdout,
                                                  "stderr": proc.stderr,
                                                  "untouched": tree_digest(SAMPLES / batch) == before}), encoding="utf-8")
            kept = json.loads(record.read_text(encoding="utf-8"))
            proc = subprocess.CompletedProcess(kept["args"], kept["returncode"], kept["stdout"], kept["stderr"])
            runs[batch, lang] = SampleRun(proc, out, kept["untouched"])
        return runs[batch, lang]

    return run


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
