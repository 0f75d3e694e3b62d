"""The incremental cache and the worker pool: same results whatever --jobs, cached or not;
an unchanged file is not re-read, a changed one is; a corrupt or shared cache never breaks a scan."""

import os
import shutil
import subprocess
import sys
from datetime import date

import pytest

from checker.pipeline import ScanOptions, scan
from checker.mapping.skus import read_sku_csv
from conftest import SAMPLES, sample_batch

pytestmark = pytest.mark.ocr
SKUS = ("PB-1001", "PB-6001", "TOY-3001", "HA-4003")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return sample_batch(tmp_path_factory.mktemp("batch"), SKUS)


def run(batch, out, *extra):
    root, skus = batch
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--skus", str(skus), "--today", "2026-11-26",
                           "--out", str(out / "r.csv"), "--files-out", str(out / "f.csv"), "--kyc-out", str(out / "k.csv"), *extra],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    return proc, {n: (out / n).read_bytes() for n in ("r.csv", "f.csv", "k.csv")}


def test_results_identical_whatever_jobs_and_cache(batch, tmp_path):
    _, serial = run(batch, tmp_path / "j1", "--jobs", "1", "--no-cache")
    _, parallel = run(batch, tmp_path / "j4", "--jobs", "4", "--no-cache")
    _, cold = run(batch, tmp_path / "cold", "--jobs", "2", "--cache-dir", str(tmp_path / "cache"))
    proc, warm = run(batch, tmp_path / "warm", "--jobs", "2", "--cache-dir", str(tmp_path / "cache"))
    assert serial == parallel == cold == warm
    assert " 0 pages OCR'd" in proc.stdout


def _options(batch, cache_dir):
    root, skus = batch
    from checker.rules import load_rules

    return ScanOptions(root=root, rules=load_rules(), today=date(2026, 11, 26), skus=read_sku_csv(skus), jobs=2,
                       cache_dir=cache_dir)


def test_only_a_changed_file_is_read_again(batch, tmp_path):
    root, _ = batch
    cache = tmp_path / "cache"
    first = scan(_options(batch, cache))
    assert first.stats.cache_hits == 0 and first.stats.pages_ocr > 0
    again = scan(_options(batch, cache))
    assert again.stats.cache_hits == again.stats.files and again.stats.pages_ocr == 0
    target = root / "TOY-3001" / "RU_TOY-3001_declaration.pdf"
    original = target.read_bytes()
    try:
        target.write_bytes(original.replace(b"%%EOF", b"% touched\n%%EOF"))
        changed = scan(_options(batch, cache))
        assert changed.stats.cache_hits == changed.stats.files - 1
        os.utime(root / "PB-1001" / "RU_PB-1001_manual.pdf")   # touched, same bytes: re-hashed, not re-read
        touched = scan(_options(batch, cache))
        assert touched.stats.cache_hits == touched.stats.files and touched.stats.pages_ocr == 0
    finally:
        target.write_bytes(original)


def test_corrupt_cache_is_rebuilt_not_fatal(batch, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "facts.sqlite3").write_bytes(b"this is not a database" * 100)
    result = scan(_options(batch, cache))
    assert any("rebuilt" in w for w in result.warnings)
    assert scan(_options(batch, cache)).stats.cache_hits == result.stats.files


def test_two_runs_sharing_a_cache_at_once(batch, tmp_path):
    root, skus = batch
    cache = tmp_path / "cache"
    procs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        procs.append(subprocess.Popen([sys.executable, "-m", "checker", "scan", str(root), "--skus", str(skus),
                                       "--today", "2026-11-26", "--out", str(tmp_path / name / "r.csv"), "--cache-dir", str(cache),
                                       "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [1, 1] or [p.returncode for p in procs] == [0, 0], results
    assert (tmp_path / "a" / "r.csv").read_bytes() == (tmp_path / "b" / "r.csv").read_bytes()


def test_cache_inside_the_scanned_folder_is_refused(batch, tmp_path, run_cli):
    root, _ = batch
    code, _, err = run_cli("scan", root, "--out", tmp_path / "r.csv", "--cache-dir", root / ".cache")
    assert code == 2 and "inside the scanned folder" in err
    assert not (root / ".cache").exists()


def _text_only_options(batch, cache_dir, rules_dir):
    root, skus = batch
    from checker.rules import load_rules

    return ScanOptions(root=root, rules=load_rules(rules_dir), today=date(2026, 11, 26), skus=read_sku_csv(skus),
                       ocr=False, cache_dir=cache_dir)


def _reasons(result):
    return {s.sku: [str(c) for c in s.codes] for s in result.skus}


def test_a_rules_change_takes_effect_on_a_warm_cache(batch, tmp_path):
    """The text analysis is cached too, keyed by the rule files: edit a rule and the next warm
    scan judges by it, without reading any file again."""
    from checker.rules import default_rules_dir

    rules_dir = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules_dir)
    cache = tmp_path / "cache"
    before = scan(_text_only_options(batch, cache, rules_dir))
    assert "manual_not_russian" not in _reasons(before)["PB-1001"]

    limits = rules_dir / "limits.yaml"
    limits.write_text(limits.read_text(encoding="utf-8").replace("russian_min_share: 0.35", "russian_min_share: 1.0"),
                      encoding="utf-8")
    stricter = scan(_text_only_options(batch, cache, rules_dir))
    assert stricter.stats.cache_hits == stricter.stats.files   # nothing re-read...
    assert "manual_not_russian" in _reasons(stricter)["PB-1001"]   # ...yet judged by the new rule

    limits.write_text(limits.read_text(encoding="utf-8").replace("russian_min_share: 1.0", "russian_min_share: 0.35"),
                      encoding="utf-8")
    assert _reasons(scan(_text_only_options(batch, cache, rules_dir))) == _reasons(before)

    import sqlite3

    db = sqlite3.connect(cache / "facts.sqlite3")
    facts, analyses = (db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("facts", "text_analysis"))
    db.close()
    assert analyses == facts   # three rule versions, yet one analysis per file: the cache does not grow with edits


def test_a_warm_scan_does_not_analyse_text_again(batch, tmp_path, monkeypatch):
    from checker import pipeline
    from checker.rules import default_rules_dir

    cache = tmp_path / "cache"
    cold = scan(_text_only_options(batch, cache, default_rules_dir()))

    def refuse(*_args, **_kwargs):
        raise AssertionError("text analysed again although file and rules are unchanged")

    monkeypatch.setattr(pipeline, "analyse_text", refuse)
    warm = scan(_text_only_options(batch, cache, default_rules_dir()))
    assert _reasons(warm) == _reasons(cold)
    assert [f.analysis for f in warm.files] == [f.analysis for f in cold.files]


def test_files_go_to_the_workers_largest_first_and_the_order_changes_no_result(batch, monkeypatch):
    from checker import pipeline

    handed: list[int] = []
    real = pipeline.run_isolated

    def spy(tasks, limits, on_done=None, reverse=False):
        tasks = list(tasks)
        handed[:] = [task.size for task in tasks]
        return real(tasks[::-1] if reverse else tasks, limits, on_done)

    monkeypatch.setattr(pipeline, "run_isolated", spy)
    largest_first = scan(_options(batch, None))
    assert len(handed) == largest_first.stats.files > 3
    assert handed == sorted(handed, reverse=True)          # scans and photos first, small text PDFs last
    monkeypatch.setattr(pipeline, "run_isolated", lambda tasks, limits, on_done=None: spy(tasks, limits, on_done, True))
    smallest_first = scan(_options(batch, None))
    assert [(f.path, f.facts.text, f.analysis, f.findings) for f in smallest_first.files] == \
        [(f.path, f.facts.text, f.analysis, f.findings) for f in largest_first.files]
    assert _reasons(smallest_first) == _reasons(largest_first)
