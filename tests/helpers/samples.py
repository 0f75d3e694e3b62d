"""sample_docs/ scanned by the real command with every report written: the one run that both the
golden-report test (tests/test_golden_reports.py) and the end-to-end sample tests
(tests/test_samples_e2e.py) look at. conftest's `sample_reports` fixture runs each (batch, language)
once per session; reading sample_docs with real OCR is the suite's single largest cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_docs"
TODAY = "2026-11-26"
LANGS = ("en", "ru", "zh")
BATCHES = {"company": (), "individual": ("--seller-type", "individual")}
REPORTS = {"report.csv": "--out", "files.csv": "--files-out", "kyc.csv": "--kyc-out",
           "report.json": "--json", "report.html": "--html", "ozon.csv": "--ozon-sheet"}


def write_reports(batch: str, lang: str, out: Path, cache: Path) -> subprocess.CompletedProcess:
    """Run doccheck on sample_docs/<batch> in `lang`, writing every report into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    root = SAMPLES / batch
    args = [sys.executable, "-m", "checker", "scan", str(root), "--skus", str(root / "skus.csv"),
            "--today", TODAY, "--lang", lang, "--cache-dir", str(cache), "--color", "never", *BATCHES[batch]]
    for name, option in REPORTS.items():
        args += [option, str(out / name)]
    return subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=REPO)
