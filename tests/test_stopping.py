"""A Ctrl-C or SIGTERM whose first raise is swallowed (logging's at-fork hook prints "Exception
ignored" and drops it when the signal lands while a reader is forked) still stops the command:
CI once saw `watch` go on watching after a SIGTERM that arrived at that moment."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from checker.cli import main
from checker.models import ExtractSettings
from checker.process import stopping
from checker.process.executor import Limits, Task, run_isolated
from helpers.pdfs import text_pdf


def swallowed(signum: int) -> None:
    """What an at-fork hook does with the handler's exception: prints it and goes on."""
    try:
        stopping.on_signal(signum)
    except KeyboardInterrupt:
        pass


@pytest.fixture(autouse=True)
def forget_signals():
    yield
    stopping.reset()


def test_a_swallowed_sigterm_stops_the_reader_pool(tmp_path):
    paper = text_pdf(tmp_path / "RU_manual.pdf", ["User manual for the power bank"])
    stat = paper.stat()
    swallowed(signal.SIGTERM)
    with pytest.raises(stopping.Terminated):
        run_isolated([Task(0, str(paper), stat.st_size, stat.st_mtime_ns, ExtractSettings())], Limits(jobs=1))


def test_a_scan_that_ran_on_after_a_swallowed_sigterm_exits_143(tmp_path, monkeypatch, capsys):
    """The request is answered when the command ends, even if nothing on the way honoured it."""
    import checker.commands.scan as scan_command

    batch = tmp_path / "batch" / "PB-1"
    batch.mkdir(parents=True)
    text_pdf(batch / "RU_PB-1_manual.pdf", ["User manual for the power bank"])
    real = scan_command.finish_scan

    def finish_after_a_signal(result, request):
        swallowed(signal.SIGTERM)
        return real(result, request)

    monkeypatch.setattr(scan_command, "finish_scan", finish_after_a_signal)
    status = main(["scan", str(tmp_path / "batch"), "--cache-dir", str(tmp_path / "cache"), "-q",
                   "--out", str(tmp_path / "r.csv")])
    assert status == 143
    assert "stopped (SIGTERM)" in capsys.readouterr().err
    assert stopping.stopped_by() is None, "main() forgets the signal once it has answered it"


def test_a_swallowed_sigint_is_ctrl_c(tmp_path):
    swallowed(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as raised:
        stopping.honour()
    assert not isinstance(raised.value, stopping.Terminated)
    assert stopping.stopped_by() == signal.SIGINT


def test_a_sigterm_while_a_reader_is_forked_arrives_after_the_fork():
    """The reader pool forks with the stop signals held: the signal is not raised inside the fork's
    at-fork hooks (where Python prints "Exception ignored … Traceback" and drops it) but right after."""
    import os
    import threading
    import time

    # another thread, as watch's observer or a Dask client has: the kernel may hand it the signal
    threading.Thread(target=time.sleep, args=(2,), daemon=True).start()
    reached = []
    previous = signal.signal(signal.SIGTERM, stopping.on_signal)
    try:
        with pytest.raises(stopping.Terminated):
            with stopping.held():
                os.kill(os.getpid(), signal.SIGTERM)
                reached.append("the block ran to its end")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert reached == ["the block ran to its end"]
