"""--scheduler: files read on a real Dask distributed cluster (a LocalCluster of worker processes,
started by these tests on 127.0.0.1) give the same reports as local workers; a warm re-scan sends
nothing; a worker killed mid-task has its file retried; a file that keeps killing workers is
unreadable_file; a dead scheduler or a worker without tesseract is one line and exit 2."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import SAMPLES, sample_batch

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.ocr
SKUS = ("PB-1001", "PB-6001", "TOY-3001")   # text PDFs and an image-only certificate (OCR'd)


@pytest.fixture(scope="module", autouse=True)
def cluster_config():
    """Workers fork doccheck's reader (daemonic processes may not), also when a nanny restarts a
    killed worker, so the setting holds for the whole module; a file that kills a worker twice is
    given up on (the scheduler reads allowed-failures, in this process). The cluster runs with the
    settings docs/cluster.md recommends (WORKER_CONFIG)."""
    import dask

    from checker.process.cluster import WORKER_CONFIG

    with dask.config.set({"distributed.worker.daemon": False, "distributed.scheduler.allowed-failures": 1,
                          **WORKER_CONFIG}):   # as docs/cluster.md recommends starting them
        yield


def _cluster(**kwargs):
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                    dashboard_address=":0", **kwargs)


@pytest.fixture(scope="module")
def cluster():
    with _cluster() as running:
        yield running


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return sample_batch(tmp_path_factory.mktemp("batch"), SKUS)


@pytest.fixture(scope="module")
def local(batch, tmp_path_factory):
    """The batch read by local worker processes without the cache (--jobs 1 --no-cache): the
    reports every cluster run is compared with, read once for the module (local reports are the
    same whatever --jobs: tests/test_cache_and_jobs.py)."""
    root, skus = batch
    out = tmp_path_factory.mktemp("local")
    proc = scan(root, skus, out, "--jobs", "1", "--no-cache")
    assert proc.returncode in (0, 1), proc.stderr
    return proc, out


def scan(root, skus, out, *extra, wait=True):
    out.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "checker", "scan", str(root), "--skus", str(skus), "--today", "2026-11-26", "-q",
            "--out", str(out / "r.csv"), "--files-out", str(out / "f.csv"), "--kyc-out", str(out / "k.csv"), *extra]
    if not wait:
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(argv, capture_output=True, text=True, timeout=600)


def reports(out):
    return {n: (out / n).read_bytes() for n in ("r.csv", "f.csv", "k.csv")}


def read_tasks(cluster) -> int:
    """How many doccheck reading tasks the scheduler has been given so far."""
    def count(dask_scheduler):
        return sum(sum(p.state_counts.values()) for name, p in dask_scheduler.task_prefixes.items()
                   if name.startswith("doccheck"))

    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        return client.run_on_scheduler(count)


def test_cluster_reports_identical_to_local_workers_cached_and_not(cluster, batch, local, tmp_path):
    root, skus = batch
    local, local_out = local
    remote = scan(root, skus, tmp_path / "dask", "--scheduler", cluster.scheduler_address, "--no-cache")
    assert remote.returncode == local.returncode, remote.stderr
    assert reports(tmp_path / "dask") == reports(local_out)

    cache = str(tmp_path / "cache")
    cold = scan(root, skus, tmp_path / "cold", "--scheduler", cluster.scheduler_address, "--cache-dir", cache)
    assert cold.returncode == local.returncode, cold.stderr
    sent = read_tasks(cluster)
    warm = scan(root, skus, tmp_path / "warm", "--scheduler", cluster.scheduler_address, "--cache-dir", cache)
    assert warm.returncode == local.returncode, warm.stderr
    assert read_tasks(cluster) == sent, "a warm re-scan must send nothing to the cluster"
    assert " 0 pages OCR'd" in warm.stdout
    assert reports(tmp_path / "cold") == reports(tmp_path / "warm") == reports(local_out)


def test_shared_fs_sends_paths_and_gives_the_same_reports(cluster, batch, local, tmp_path):
    root, skus = batch
    local, local_out = local
    shared = scan(root, skus, tmp_path / "shared", "--scheduler", cluster.scheduler_address, "--shared-fs", "--no-cache")
    assert shared.returncode == local.returncode, shared.stderr
    assert reports(tmp_path / "shared") == reports(local_out)


def _kill_worker_reading(address, times: int, stop: threading.Event, killed: list):
    """Kill (SIGKILL) the worker process that holds a doccheck reading task, ``times`` times."""
    with distributed.Client(address, set_as_default=False) as client:
        while len(killed) < times and not stop.is_set():
            processing = client.processing()
            busy = [w for w, keys in processing.items() if any(str(k).startswith("doccheck-read") for k in keys)]
            if busy:
                pids = client.run(os.getpid, workers=busy[:1])
                for pid in pids.values():
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                time.sleep(1.0)   # let the nanny restart it and the scheduler notice
            time.sleep(0.05)


def _scan_killing(root, skus, out, times: int):
    """Scan on a fresh 2-worker cluster while the worker reading a file is killed `times` times;
    returns (the scan's process result, the pids killed)."""
    with _cluster() as cluster:
        stop, killed = threading.Event(), []
        killer = threading.Thread(target=_kill_worker_reading, args=(cluster.scheduler_address, times, stop, killed))
        killer.start()
        try:
            return scan(root, skus, out, "--scheduler", cluster.scheduler_address, "--no-cache"), killed
        finally:
            stop.set()
            killer.join()


def _one_scan_batch(tmp_path):
    """One SKU whose only paper is an image-only certificate: reading it takes a few seconds of OCR."""
    root = tmp_path / "papers"
    shutil.copytree(SAMPLES / "company" / "PB-6001", root / "PB-6001")
    (root / "PB-6001" / "RU_PB-6001_manual.pdf").unlink()
    skus = tmp_path / "skus.csv"
    skus.write_text("sku,category\nPB-6001,power_bank\n", encoding="utf-8")
    return root, skus


def test_worker_killed_mid_task_file_is_retried_with_the_same_result(tmp_path):
    root, skus = _one_scan_batch(tmp_path)
    local = scan(root, skus, tmp_path / "local", "--jobs", "1", "--no-cache")
    remote, killed = _scan_killing(root, skus, tmp_path / "dask", 1)
    assert killed, "the test never saw the file being read"
    assert remote.returncode == local.returncode, remote.stderr
    assert reports(tmp_path / "dask") == reports(tmp_path / "local")


def test_file_that_kills_workers_twice_is_unreadable_and_batch_goes_on(tmp_path):
    from conftest import read_csv

    root, skus = _one_scan_batch(tmp_path)
    shutil.copytree(SAMPLES / "company" / "TOY-3001", root / "TOY-3001")
    skus.write_text("sku,category\nPB-6001,power_bank\nTOY-3001,toys\n", encoding="utf-8")
    # The text PDF is read in well under a second; the scan is what stays busy long enough to kill.
    remote, killed = _scan_killing(root, skus, tmp_path / "dask", 2)
    assert len(killed) == 2
    assert remote.returncode in (0, 1), remote.stderr
    files = {r["path"]: r for r in read_csv(tmp_path / "dask" / "f.csv")}
    scan_row = files["PB-6001/RU_PB-6001_certificate.pdf"]
    assert "unreadable_file" in scan_row["codes"] and "killed the cluster's workers" in scan_row["notes"]
    assert files["TOY-3001/RU_TOY-3001_declaration.pdf"]["kind"] == "text_pdf"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_scheduler_is_one_line_and_exit_2(batch, tmp_path):
    root, skus = batch
    started = time.monotonic()
    proc = scan(root, skus, tmp_path / "out", "--scheduler", f"tcp://127.0.0.1:{_free_port()}", "--no-cache",
                "--scheduler-timeout", "2")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "cannot reach the Dask scheduler" in proc.stderr
    assert "within 2 s" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert time.monotonic() - started < 30


def test_worker_without_tesseract_is_refused_before_reading(batch, tmp_path):
    root, skus = batch
    with _cluster(env={"PATH": "/nonexistent"}) as cluster:
        proc = scan(root, skus, tmp_path / "out", "--scheduler", cluster.scheduler_address, "--no-cache")
    assert proc.returncode == 2, proc.stderr
    assert "cannot OCR" in proc.stderr and "tesseract" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "r.csv").exists()


def test_shared_fs_without_scheduler_is_bad_usage(batch, tmp_path):
    root, skus = batch
    proc = scan(root, skus, tmp_path / "out", "--shared-fs", "--no-cache")
    assert proc.returncode == 2 and "--shared-fs goes with --scheduler" in proc.stderr
