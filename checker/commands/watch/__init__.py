"""doccheck watch: keep a synced folder's verdicts fresh without anyone running a command.

How it works:
* An observer (watchdog: inotify, FSEvents, ReadDirectoryChanges; or polling, for network and
  FUSE drives where the kernel sees no remote changes: mounts.py) reports paths that changed.
  Sync debris and the temporary names sync clients download under (rules/debris.yaml, matched as
  reading.discover matches them) are ignored, and so are events that change nothing (a file
  opened for reading): events.py.
* A changed file is judged only when it is complete: its size and modification time have not
  changed for `settle` seconds and it opens (settling.py). While any file is still arriving,
  nothing is judged, so a half-copied file never produces a verdict. A created or moved-in folder
  is walked, so a SKU folder renamed or dropped in whole is seen; a deleted one is noticed too.
* Then the folder is scanned again through the fact cache (watcher.py): unchanged files cost a
  stat and a look-up, only the changed files are read, and the verdicts of every SKU are
  recomputed from the facts (cheap), so account-wide effects (KYC) are never missed. If a file
  changed while it was being read, the result is not published; the file is waited for and the
  scan repeated.
* Reports are rewritten atomically after each scan; one line per SKU whose verdict changed goes to
  stdout (`PB-1001: ok -> disabled (certificate_expired)`), a status line to stderr.
* If files keep changing for longer than MAX_WAIT, what is there is judged anyway; the SKUs of the
  files still arriving keep their previous verdict line until those files settle.
* Without --today, "today" follows the clock, and a new day triggers a re-check (certificates
  expire at midnight, not when a file changes).
* Ctrl-C or SIGTERM stops it cleanly: the exit status is the last verdict's, as `scan` would give
  (0: no SKU disabled, 1: some disabled); the reports on disk are the last complete ones.

  mounts.py    which observer: file system type from /proc/mounts, polling for remote ones
  events.py    PathFilter (debris, outside the folder), ChangeCollector (the observer's thread)
  settling.py  signature (size, mtime), opens, Arriving
  changes.py   verdicts, change_lines (`PB-1001: ok -> disabled (…)`), kyc_label
  watcher.py   Watcher: the loop, the re-scans, the status line
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from ...codes import ExitCode
from .events import ChangeCollector, PathFilter
from .mounts import REMOTE_FILESYSTEMS, filesystem_type, needs_polling
from .settling import Arriving, Signature, opens, signature
from .changes import Verdict, change_lines, kyc_label, verdicts
from .watcher import DEFAULT_POLL_INTERVAL, DEFAULT_SETTLE, Watcher, WatchError

__all__ = ["Arriving", "ChangeCollector", "DEFAULT_POLL_INTERVAL", "DEFAULT_SETTLE", "PathFilter", "REMOTE_FILESYSTEMS",
           "Signature", "Verdict", "WatchError", "Watcher", "change_lines", "filesystem_type", "kyc_label",
           "needs_polling", "opens", "run_watch", "signature", "verdicts"]


def run_watch(folder: Path, params: dict, *, settle: float = DEFAULT_SETTLE, polling: bool | None = None,
              poll_interval: float = DEFAULT_POLL_INTERVAL) -> ExitCode:
    """`doccheck watch`: the scan set up as `scan` sets it up (app.setup.prepare_scan), then watch
    until Ctrl-C or SIGTERM; returns the exit status (the last verdict's, or 130/143 when stopped
    before the first one)."""
    import shutil
    import tempfile

    from ...app.outcome import exit_code_for, write_reports_or_fail
    from ...app.setup import prepare_scan
    from ...paths import is_inside
    from ...process.executor import WATCH_TEMP_PREFIX, remove_stale_tempdirs

    remove_stale_tempdirs()

    request = prepare_scan(folder, params)
    scratch = None
    if request.options.cache_dir is None:
        # --no-cache: nothing is remembered after the watch, but while it runs a private cache keeps
        # re-checks cheap (otherwise every change would re-read, and re-OCR, the whole folder).
        # Named with our pid: a later run removes it if this one is killed at once (executor.remove_stale_tempdirs).
        scratch = tempfile.mkdtemp(prefix=f"{WATCH_TEMP_PREFIX}{os.getpid()}-")
        if is_inside(Path(scratch), folder):
            shutil.rmtree(scratch, ignore_errors=True)
            scratch = None
            click.echo("doccheck: warning: --no-cache: every change re-reads the whole folder", err=True)
        else:
            request.options.cache_dir = Path(scratch)
    try:
        watcher = Watcher(folder, request,
                          write=lambda result, outputs: write_reports_or_fail(result, outputs, request.context(result)),
                          exit_code=lambda r: exit_code_for(r, request.fail_on),
                          skus_csv=request.skus_csv, fixed_today=params.get("today") is not None,
                          settle=settle, polling=polling, poll_interval=poll_interval)
        return watcher.run()
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
