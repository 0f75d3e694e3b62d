#!/usr/bin/env python3
"""doccheck on a Dask cluster against local workers, on one scan-heavy batch (issue 18).

    python bench/dask_compare.py --skus 8 --repeat 1 --results bench/results/dask.md

Builds the bench's scan-heavy batch (bench/run.py, same generator and patterns), starts a
``distributed.LocalCluster`` of 2 worker processes with one thread each, and times, each with a
fresh cache (so every file is read):

* ``doccheck scan BATCH --jobs 1``            one local worker
* ``doccheck scan BATCH --jobs 2``            two local workers
* ``doccheck scan BATCH --scheduler ADDR``     the cluster, each task carrying the file's bytes
* ``doccheck scan BATCH --scheduler ADDR --shared-fs``   the cluster, tasks carrying paths only
* ``doccheck scan BATCH --scheduler ADDR1``    a second LocalCluster of 1 worker (the same fixed
  costs as the 2-worker cluster: connecting, asking the workers, shipping; only the workers differ)

and checks the files and SKU reports are identical across the five. The cost of shipping bytes
per file is (bytes wall - shared-fs wall) / files. Throughput ratio: files per second with the
cluster's 2 workers over --jobs 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench   # noqa: E402  (bench/run.py: the batch, the runner, the machine description)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skus", type=int, default=8, help="SKUs in the batch (default 8)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each setting to take medians of (default 1)")
    ap.add_argument("--scan-dpi", type=int, default=300, help="resolution of the 1-bit scans (default 300)")
    ap.add_argument("--results", type=Path, required=True, help="markdown results file")
    args = ap.parse_args(argv)
    command = "python bench/dask_compare.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    work = Path(tempfile.mkdtemp(prefix="doccheck-dask-"))
    bench.precompile()
    try:
        text = compare(args.skus, args.repeat, args.scan_dpi, work, command)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(text)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text, encoding="utf-8")
    return 0 if "identical (files report and SKU report, all five settings): yes" in text else 1


def compare(n_skus: int, repeat: int, scan_dpi: int, work: Path, command: str) -> str:
    """The five settings on one batch of ``n_skus`` SKUs' papers, in ``work`` (made if missing);
    the markdown section with the figures."""
    from distributed import LocalCluster

    bench.SCAN_DPI = scan_dpi
    out = work
    out.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    started = dt.datetime.now().astimezone()
    fonts = out / "fonts"
    fonts.mkdir(exist_ok=True)
    bench._ms().prepare_fonts(fonts)
    skus = [bench.make_sku(i, 20000) for i in range(n_skus)]
    specs = [f for s in skus for f in bench.files_for(s)]
    batch = out / "batch"
    built = bench.write_batch(batch, skus, specs, 2, kyc=False)   # papers only: KYC OCR is not what the cluster changes
    print(f"built {built['files']} files for the Dask comparison", flush=True)
    env_before = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    no_bytecode = os.environ.pop("PYTHONDONTWRITEBYTECODE", None)   # workers import doccheck as users do   # the workers' tesseract: one thread, as local workers run it
    import dask

    from checker.process.cluster import WORKER_CONFIG

    # Workers fork doccheck's reader (docs/cluster.md); the scheduler and workers are started with
    # the settings docs/cluster.md recommends (Dask's fine-grained watching slowed down).
    with dask.config.set({"distributed.worker.daemon": False, **WORKER_CONFIG}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        single = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None)
    if no_bytecode is not None:
        os.environ["PYTHONDONTWRITEBYTECODE"] = no_bytecode
    if env_before is None:
        del os.environ["OMP_THREAD_LIMIT"]
    else:
        os.environ["OMP_THREAD_LIMIT"] = env_before
    settings = {"--jobs 1": ["--jobs", "1"], "--jobs 2": ["--jobs", "2"],
                "cluster, bytes": ["--scheduler", cluster.scheduler_address],
                "cluster, --shared-fs": ["--scheduler", cluster.scheduler_address, "--shared-fs"],
                "cluster of 1 worker": ["--scheduler", single.scheduler_address]}
    runs: dict[str, list] = {name: [] for name in settings}
    reports: dict[str, tuple[bytes, bytes]] = {}
    try:
        for r in range(repeat):
            for index, (name, extra) in enumerate(settings.items()):   # a fresh cache for every run
                cmd = bench.scan_cmd(batch, built["skus_csv"], 2, out / f"cache-{index}-{r}")
                i = cmd.index("--jobs")
                del cmd[i:i + 2]
                tag = f"{name.replace(' ', '_').replace(',', '').replace('-', '')}-{r}"
                run = bench.run_doccheck(cmd + extra, out / "runs", tag)
                runs[name].append(run)
                sku_report = out / "runs" / f"{tag}-skus.csv"
                reports[f"{name} #{r}"] = (run.files_report.read_bytes(), sku_report.read_bytes())
                if run.summary["hits"]:
                    sys.exit(f"{name}: {run.summary['hits']} cache hits in a run that must read every file")
                print(f"  {name}: {run.wall:.1f} s  {run.summary}", flush=True)
    finally:
        cluster.close()
        single.close()
    identical = len(set(reports.values())) == 1
    wall = {name: statistics.median(r.wall for r in rs) for name, rs in runs.items()}
    files = runs["--jobs 1"][0].summary["files"]
    lines = ["## Dask: a LocalCluster of 2 single-threaded workers against --jobs 1 and --jobs 2", "", "```", command, "```", "",
             f"* date: {started:%Y-%m-%d %H:%M %Z}; load average before / after: {load_before[0]:.2f} / "
             f"{os.getloadavg()[0]:.2f}",
             f"* batch: {files} files ({built['kinds']}), 1-bit scans at {scan_dpi} dpi",
             "* cluster: distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True), "
             "OMP_THREAD_LIMIT=1, the worker settings docs/cluster.md recommends (checker.process.cluster.WORKER_CONFIG); "
             "every run with a fresh cache", "",
             "| setting | wall s | files/s | pages OCR'd |", "| --- | ---: | ---: | ---: |"]
    for name, rs in runs.items():
        lines.append(f"| {name} | {wall[name]:.1f} | {files / wall[name]:.2f} | {rs[0].summary['pages']} |")
    lines += ["", f"* reports identical (files report and SKU report, all five settings): {'yes' if identical else 'NO'}",
              f"* throughput, cluster of 2 workers / --jobs 1: {wall['--jobs 1'] / wall['cluster, bytes']:.2f}× "
              f"(target ≥ 1.7×); --jobs 2 / --jobs 1: {wall['--jobs 1'] / wall['--jobs 2']:.2f}×; "
              f"cluster of 2 workers / cluster of 1 worker: {wall['cluster of 1 worker'] / wall['cluster, bytes']:.2f}×",
              f"* shipping bytes: {(wall['cluster, bytes'] - wall['cluster, --shared-fs']) / files * 1000:.0f} ms per file "
              f"({built['bytes'] / max(1, len(specs)) / 1024:.0f} KiB on average) = (bytes − shared-fs wall) / files", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
