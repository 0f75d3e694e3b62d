"""The cyclic garbage collector is paused while a scan builds its results and writes its reports
(checker/process/collector.py), restored after, and on in the worker processes that read files."""

import gc

import pytest

from checker.models import ExtractSettings
from checker.process import collector, executor


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_paused_turns_the_collector_off_and_back_on_also_after_an_error():
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():          # nested: still off inside, still off after the inner block
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector.paused():
        raise ValueError("a scan that fails")
    assert gc.isenabled()


def test_paused_leaves_a_collector_that_was_off_off():
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def _report_collector(task, max_file_mb):
    """Runs in the forked worker instead of reading a file: says whether the collector is on there."""
    return executor.Outcome(task.key, error=f"collector on: {gc.isenabled()}")


def test_workers_forked_during_a_paused_scan_collect_cycles(tmp_path, monkeypatch):
    """pypdf's object graphs hold cycles: a worker must not inherit the pause (the worker is forked,
    so the replaced reading function is the one it runs)."""
    monkeypatch.setattr(executor, "run_task", _report_collector)
    paper = tmp_path / "RU_manual.pdf"
    paper.write_bytes(b"%PDF-1.4\n")
    task = executor.Task(0, str(paper), paper.stat().st_size, paper.stat().st_mtime_ns, ExtractSettings())
    with collector.paused():
        outcomes = executor.run_isolated([task], executor.Limits(jobs=1, timeout_s=30))
        assert not gc.isenabled()
    assert outcomes[0].error == "collector on: True"


def test_a_scan_leaves_the_collector_as_it_found_it(tmp_path):
    import datetime

    from conftest import sample_batch
    from checker.pipeline import ScanOptions, scan
    from checker.rules import load_rules

    root, _ = sample_batch(tmp_path / "batch", ("PB-1001",))
    result = scan(ScanOptions(root=root, rules=load_rules(), today=datetime.date(2026, 6, 1), jobs=1))
    assert result.files and gc.isenabled()
