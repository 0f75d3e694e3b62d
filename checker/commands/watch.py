"""doccheck watch: keep a synced folder's verdicts fresh without anyone running a command.

How it works:
* An observer (watchdog: inotify, FSEvents, ReadDirectoryChanges; or polling, for network and
  FUSE drives where the kernel sees no remote changes) reports paths that changed. Sync debris and
  the temporary names sync clients download under (rules/debris.yaml) are ignored, and so are
  events that change nothing (a file opened for reading).
* A changed file is judged only when it is complete: its size and modification time have not
  changed for `settle` seconds and it opens. While any file is still arriving, nothing is judged,
  so a half-copied file never produces a verdict. A created or moved-in folder is walked, so a
  SKU folder renamed or dropped in whole is seen; a deleted one is noticed too.
* Then the folder is scanned again through the fact cache: unchanged files cost a stat and a
  look-up, only the changed files are read, and the verdicts of every SKU are recomputed from the
  facts (cheap), so account-wide effects (KYC) are never missed. If a file changed while it was
  being read, the result is not published; the file is waited for and the scan repeated.
* Reports are rewritten atomically after each scan; one line per SKU whose verdict changed goes to
  stdout (`PB-1001: ok -> disabled (certificate_expired)`), a status line to stderr.
* If files keep changing for longer than MAX_WAIT, what is there is judged anyway; the SKUs of the
  files still arriving keep their previous verdict line until those files settle.
* Without --today, "today" follows the clock, and a new day triggers a re-check (certificates
  expire at midnight, not when a file changes).
* Ctrl-C or SIGTERM stops it cleanly: the exit status is the last verdict's, as `scan` would give
  (0: no SKU disabled, 1: some disabled); the reports on disk are the last complete ones.
"""

from __future__ import annotations

import fnmatch
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import click

from .. import i18n
from ..codes import ChatStatus
from ..models import ScanResult
from ..names import terminal_text

DEFAULT_SETTLE = 3.0
DEFAULT_POLL_INTERVAL = 2.0

# File systems where inotify & co. do not see changes made elsewhere (another machine, the sync
# daemon's remote side): polled instead. fuseblk (ntfs-3g, exfat on a local disk) is local.
REMOTE_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "9p", "afs", "ncpfs", "coda", "ceph", "glusterfs",
    "lustre", "gpfs", "beegfs", "davfs", "sshfs", "vboxsf", "vmhgfs", "virtiofs", "fuse", "prl_fs", "drvfs",
})
_RELEVANT_EVENTS = frozenset({"created", "modified", "moved", "deleted", "closed", "attrib"})


class WatchError(click.ClickException):
    exit_code = 2


# --- which observer ------------------------------------------------------------------------------

def _unescape_mount(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as \040, \011, \012, \134.
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def filesystem_type(path: str | Path, mounts_text: str | None = None) -> str | None:
    """The type of the file system holding `path` (longest mount point that contains it), from
    /proc/mounts; None where that is not available (macOS, Windows)."""
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point, fs_type = _unescape_mount(fields[1]), fields[2]
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fs_type
    return best_type


def needs_polling(fs_type: str | None) -> bool:
    if not fs_type:
        return False
    fs_type = fs_type.lower()
    return fs_type in REMOTE_FILESYSTEMS or fs_type.startswith("fuse.") or fs_type.startswith("nfs")


# --- which paths matter --------------------------------------------------------------------------

def _matches(name: str, patterns: Iterable[str]) -> bool:
    folded = name.casefold()
    return any(fnmatch.fnmatchcase(folded, p.casefold()) for p in patterns)


class PathFilter:
    """True for paths the scan would skip as sync/OS debris or that lie outside the folder."""

    def __init__(self, root: str, debris_files: Iterable[str], debris_dirs: Iterable[str]):
        self.root = root
        self.files = tuple(debris_files)
        self.dirs = tuple(debris_dirs)

    def ignored(self, path: str, is_dir: bool) -> bool:
        rel = os.path.relpath(path, self.root)
        if rel == ".":
            return False
        if rel.startswith(".." + os.sep) or rel == ".." or os.path.isabs(rel):
            return True
        parts = rel.split(os.sep)
        if any(_matches(p, self.dirs) for p in parts[:-1]):
            return True
        return _matches(parts[-1], self.dirs if is_dir else self.files)


class ChangeCollector:
    """Receives the observer's events (in its thread) and hands the changed paths to the loop."""

    def __init__(self, path_filter: PathFilter):
        self.filter = path_filter
        self.cond = threading.Condition()
        self.paths: set[str] = set()
        self.generation = 0
        self.last_event = 0.0

    # watchdog calls dispatch(event) on its handler
    def dispatch(self, event) -> None:
        kind = event.event_type
        if kind not in _RELEVANT_EVENTS:
            return   # opened / closed without writing: our own reads, nothing changed
        if event.is_directory and kind in ("modified", "attrib", "closed"):
            return   # a folder's own time changes when its files do; the files' events say which
        paths = [event.src_path]
        if kind == "moved" and getattr(event, "dest_path", None):
            paths.append(event.dest_path)
        keep = [os.fsdecode(p) for p in paths if p and not self.filter.ignored(os.fsdecode(p), event.is_directory)]
        if keep:
            self.add(keep)

    def add(self, paths: Iterable[str]) -> None:
        with self.cond:
            self.paths.update(paths)
            self.generation += 1
            self.last_event = time.monotonic()
            self.cond.notify_all()

    def wait(self, timeout: float) -> None:
        with self.cond:
            if not self.paths:
                self.cond.wait(timeout)

    def drain(self) -> set[str]:
        with self.cond:
            paths, self.paths = self.paths, set()
            return paths


# --- when is a file complete ---------------------------------------------------------------------

Signature = tuple[int, int]   # size, mtime_ns: what the cache keys "unchanged" on too


def signature(path: str) -> Signature | None:
    """Size and modification time of a regular file; None when it is gone or not a regular file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return st.st_size, st.st_mtime_ns


def opens(path: str) -> bool:
    """The file can be opened and read (a sync client may hold it locked, or deny reading, until done)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        os.read(fd, 1)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


@dataclass
class _Arriving:
    sig: Signature
    since: float          # when this signature was first seen


# --- verdict changes -----------------------------------------------------------------------------

Verdict = tuple[str, tuple[str, ...]]   # chat_status, reason codes


def verdicts(result: ScanResult) -> dict[str, Verdict]:
    return {s.sku: (s.status.value, tuple(c.code for c in s.codes)) for s in result.skus}


def change_lines(before: dict[str, Verdict], after: dict[str, Verdict]) -> list[str]:
    """One line per SKU whose chat status or reasons changed: `PB-1001: ok -> disabled (certificate_expired)`;
    a SKU that appears is `new ->`, one that disappears (its folder deleted, no SKU list) `-> removed`."""
    lines = []
    for sku, (status, reasons) in after.items():
        old = before.get(sku)
        if old == (status, reasons):
            continue
        line = f"{terminal_text(sku)}: {old[0] if old else 'new'} -> {status}"
        lines.append(line + (f" ({', '.join(reasons)})" if reasons else ""))
    for sku, (status, _) in before.items():
        if sku not in after:
            lines.append(f"{terminal_text(sku)}: {status} -> removed")
    return lines


def kyc_label(result: ScanResult) -> str:
    if not result.kyc.judged:
        return "not judged"
    return "complete" if result.kyc.complete else "incomplete"


# --- the watcher ---------------------------------------------------------------------------------

class Watcher:
    def __init__(self, folder: Path, request, *, write: Callable[..., None],
                 exit_code: Callable[[ScanResult], int], skus_csv: Path | None = None, fixed_today: bool = True,
                 settle: float = DEFAULT_SETTLE, polling: bool | None = None,
                 poll_interval: float = DEFAULT_POLL_INTERVAL, echo=click.echo):
        self.folder = folder
        self.root = os.path.realpath(folder)
        self.request = request
        self.base = request.options
        self.base_warnings = list(request.options.warnings)
        self.write, self.exit_code, self.echo = write, exit_code, echo
        # the run's words: --lang over the rules in use
        self.tr = i18n.Translator(getattr(request.options, "lang", None), getattr(request.options.rules, "messages", None))
        self.quiet = request.quiet
        self.skus_csv = skus_csv
        self.skus_sig = signature(str(skus_csv)) if skus_csv else None
        self.fixed_today = fixed_today
        self.settle = settle
        self.polling = polling
        self.poll_interval = poll_interval
        self.tick = max(0.05, min(0.5, settle / 4))
        self.quiet_period = min(settle, 1.0)        # after the last event, before a scan
        self.max_wait = max(60.0, 10 * settle)      # then judge what is there anyway
        rules = self.base.rules
        self.filter = PathFilter(self.root, rules.debris_files, rules.debris_dirs)
        self.collector = ChangeCollector(self.filter)
        self.observer = None
        self.mode = ""
        self.arriving: dict[str, _Arriving] = {}
        self.changed: set[str] = set()
        self.pending_since: float | None = None
        self.known: dict[str, Signature] = {}       # the folder as of the last published scan
        self.last: dict[str, Verdict] | None = None
        self.last_kyc: str | None = None
        self.last_result: ScanResult | None = None
        self.last_today: date | None = None
        self.announced: set[str] = set()            # arriving files already said to be settling
        self.scans = 0
        # Facts of KYC papers, which the cache never keeps on disk: kept in memory while watching, so a
        # re-check after an unrelated change does not OCR the passport again (only while this runs).
        self.memory: dict = {}

    # observer ---------------------------------------------------------------------------------

    def start_observer(self) -> None:
        from watchdog.observers.polling import PollingObserver

        reason = ""
        use_polling = bool(self.polling)
        if self.polling is None:
            fs_type = filesystem_type(self.root)
            if needs_polling(fs_type):
                use_polling, reason = True, f"{fs_type} file system"
        elif self.polling:
            reason = "--polling"
        if not use_polling:
            observer = None
            try:
                from watchdog.observers import Observer

                observer = Observer()
                observer.schedule(self.collector, self.root, recursive=True)
                observer.start()
                self.observer = observer
                name = type(observer).__name__.replace("Observer", "").lower() or "native"
                self.mode = f"{name} events"
                if name == "polling":
                    self.mode = f"polling every {observer.timeout:g} s (no native events on this system)"
                return
            except (OSError, RuntimeError, ImportError) as exc:
                reason = f"native events unavailable: {getattr(exc, 'strerror', None) or exc}"
                if observer is not None:
                    try:
                        observer.stop()
                    except Exception:   # it never started; nothing to stop
                        pass
        observer = PollingObserver(timeout=self.poll_interval)
        observer.schedule(self.collector, self.root, recursive=True)
        observer.start()
        self.observer = observer
        self.mode = f"polling every {self.poll_interval:g} s" + (f" ({reason})" if reason else "")

    def stop_observer(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            try:
                self.observer.join(timeout=10)
            except RuntimeError:
                pass
            self.observer = None

    # tracking arriving files --------------------------------------------------------------------

    def _walk(self, directory: str) -> list[str]:
        files = []
        for current, dirs, names in os.walk(directory, followlinks=False):
            dirs[:] = [d for d in dirs if not self.filter.ignored(os.path.join(current, d), True)]
            files.extend(p for p in (os.path.join(current, n) for n in names) if not self.filter.ignored(p, False))
        return files

    def _track(self, path: str, now: float) -> None:
        sig = signature(path)
        if sig is None:
            return
        entry = self.arriving.get(path)
        if entry is None or entry.sig != sig:
            self.arriving[path] = _Arriving(sig, now)
        if self.pending_since is None:
            self.pending_since = now

    def absorb(self, paths: Iterable[str], now: float) -> None:
        for path in paths:
            if os.path.isdir(path):
                for file in self._walk(path):
                    self._track(file, now)
            elif os.path.lexists(path):
                self._track(path, now)
            else:
                # Gone: a file, or a folder with everything under it.
                prefix = path.rstrip(os.sep) + os.sep
                for p in [p for p in self.arriving if p == path or p.startswith(prefix)]:
                    del self.arriving[p]
                if any(p == path or p.startswith(prefix) for p in self.known):
                    self._mark(path, now)

    def _mark(self, path: str, now: float) -> None:
        self.changed.add(path)
        if self.pending_since is None:
            self.pending_since = now

    def take_stock(self, now: float) -> None:
        """What is in the folder at start: a file unchanged for `settle` seconds that opens is
        complete and judged at once; a younger one waits to settle like any arriving file."""
        wall = time.time()
        for path in self._walk(self.root):
            sig = signature(path)
            if sig is None:
                continue
            try:
                age = wall - os.stat(path, follow_symlinks=False).st_mtime
            except OSError:
                continue
            if age >= self.settle and opens(path):
                self._mark(path, now)
            else:
                self._track(path, now)

    def announce_arriving(self) -> None:
        """One line when files start waiting to settle (a copy or sync in progress), so a quiet
        terminal does not look stuck."""
        new = sorted(p for p in self.arriving if p not in self.announced)
        self.announced = set(self.arriving)
        if new and not self.quiet:
            names = ", ".join(self.shown(p) for p in new[:3]) + (f" (+{len(new) - 3})" if len(new) > 3 else "")
            self.echo(self.tr.t("watch.settling", count=len(new), files=names, seconds=f"{self.settle:g}"), err=True)

    def check_arriving(self, now: float) -> None:
        for path, entry in list(self.arriving.items()):
            sig = signature(path)
            if sig is None:
                del self.arriving[path]
                if path in self.known:
                    self._mark(path, now)
                continue
            if sig != entry.sig:
                entry.sig, entry.since = sig, now
                continue
            if now - entry.since >= self.settle and opens(path):
                del self.arriving[path]
                if self.known.get(path) != sig:
                    self._mark(path, now)

    def due(self, now: float) -> bool:
        outside = self._outside_changes()
        if not self.changed and not outside:
            if not self.arriving:
                self.pending_since = None
            return False
        if self.arriving and now - (self.pending_since or now) < self.max_wait:
            return False
        return now - self.collector.last_event >= self.quiet_period or bool(outside and not self.changed)

    def _outside_changes(self) -> list[str]:
        """Reasons to re-check that are not files in the folder: a new day, an edited SKU list."""
        reasons = []
        if not self.fixed_today and self.last_today is not None and date.today() != self.last_today:
            reasons.append(f"new day {date.today().isoformat()}")
        if self.skus_csv is not None and signature(str(self.skus_csv)) != self.skus_sig:
            reasons.append(f"SKU list {self.skus_csv.name}")
        return reasons

    # scanning ---------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Signature]:
        from ..reading.discover import discover

        found, _ = discover(Path(self.root), self.base.rules.debris_files, self.base.rules.debris_dirs)
        return {os.path.join(self.root, *f.parts): (f.size, f.mtime_ns) for f in found}

    def _options(self, first: bool):
        if self.skus_csv is not None and signature(str(self.skus_csv)) != self.skus_sig:
            from ..mapping.skus import SkuFileError, read_sku_csv

            self.skus_sig = signature(str(self.skus_csv))
            try:
                sheet = self.base.skus.sheet if self.base.skus is not None else ""
                skus = read_sku_csv(self.skus_csv, sheet or None)
                self.base = replace(self.base, skus=skus)
                self.base_warnings = list(skus.warnings)
            except (SkuFileError, OSError) as exc:
                self.echo(f"doccheck: warning: SKU list not re-read, the previous one stays: {exc}", err=True)
        today = self.base.today if self.fixed_today else date.today()
        self.last_today = today
        # Later scans ask tesseract again: a language pack installed meanwhile means new facts.
        return replace(self.base, today=today, warnings=list(self.base_warnings),
                       progress=first and not self.quiet, engine=self.base.engine if first else None,
                       arriving=frozenset(self.arriving), memory=self.memory)

    def rescan(self, now: float) -> bool:
        """Scan; publish unless a file changed while it was being read. True when published."""
        from ..pipeline import scan

        first = self.last is None
        reasons = self._outside_changes()
        forced = bool(self.arriving)     # judged although files are still arriving (max_wait passed)
        generation = self.collector.generation
        before = self.snapshot()
        result = scan(self._options(first))
        self.scans += 1
        if self.collector.generation != generation:
            # Something happened while the files were read: did anything really change?
            later = time.monotonic()
            self.absorb(self.collector.drain(), later)
            moved = [p for p, e in self.arriving.items() if before.get(p) != e.sig]
            gone = [p for p in before if not os.path.lexists(p)]
            if (moved or gone) and not forced:
                for p in gone:
                    self._mark(p, later)
                return False
        changed_paths = sorted(self.changed)
        self.known = before
        self.changed.clear()
        self.pending_since = now if self.arriving else None
        ctx = self.request.context(result) if hasattr(self.request, "context") else None   # (a test's stand-in has none)
        self.write(result, self.request.outputs, ctx)

        held: set[str] = set()
        if self.arriving:
            arriving_rel = {self.shown(p) for p in self.arriving}
            held = {f.sku for f in result.files if f.path in arriving_rel and f.sku}
        after = verdicts(result)
        if first:
            from ..report.terminal import print_summary

            print_summary(result, detailed=not self.quiet, verbose=self.request.verbose, echo=self.echo, ctx=ctx)
            reports = ", ".join(str(p) for p in self.request.outputs.values())
            self.echo(self.tr.t("watch.watching", folder=str(self.folder), mode=self.mode, reports=reports), err=True)
            self.last = after
        else:
            previous = dict(self.last)
            for sku in held:    # still arriving: keep the old line until its files are complete
                if sku in previous:
                    after[sku] = previous[sku]
                else:
                    after.pop(sku, None)
            for line in change_lines(previous, after):
                self.echo(line)
            kyc = kyc_label(result)
            if self.last_kyc is not None and kyc != self.last_kyc:
                missing = [r.key for r in result.kyc.requirements if not r.met]
                self.echo(f"KYC: {self.last_kyc} -> {kyc}" + (f" ({', '.join(missing)})" if missing and kyc == "incomplete" else ""))
            if not self.quiet:
                self._status(result, changed_paths, reasons, previous, after, held)
            self.last = after
        self.last_kyc = kyc_label(result)
        self.last_result = result
        return True

    def shown(self, path: str) -> str:
        """A path as the reports show it: relative, printable, any personal number in it masked."""
        from ..privacy import shown_path

        return shown_path(Path(os.path.relpath(path, self.root)).parts)

    def _status(self, result: ScanResult, changed_paths: list[str], reasons: list[str], previous, after, held) -> None:
        # A folder deleted or renamed stands for everything under it.
        tops = [p for p in changed_paths if not any(p.startswith(q.rstrip(os.sep) + os.sep) for q in changed_paths)]
        rel = [self.shown(p) for p in tops]
        what = ", ".join(rel[:3]) + (f" and {len(rel) - 3} more" if len(rel) > 3 else "")
        if reasons:
            what = "; ".join(filter(None, [what, *reasons]))
        st = result.stats
        changes = sum(1 for s in set(after) | set(previous) if after.get(s) != previous.get(s))
        counts = {s: sum(1 for k in result.skus if k.status is s) for s in ChatStatus}
        line = (f"[{datetime.now().strftime('%H:%M:%S')}] re-checked after {what or 'changes'}: "
                f"{st.files - st.cache_hits} file{'s' if st.files - st.cache_hits != 1 else ''} read, "
                f"{st.cache_hits} from cache; {changes} verdict{'s' if changes != 1 else ''} changed · "
                f"{counts[ChatStatus.OK]} ok, {counts[ChatStatus.AT_RISK]} at risk, {counts[ChatStatus.DISABLED]} disabled")
        if held:
            line += f" · still arriving: {', '.join(terminal_text(h) for h in sorted(held))}"
        self.echo(line, err=True)
        for warning in result.warnings:
            if warning not in self.base_warnings:
                self.echo(f"warning: {terminal_text(warning)}", err=True)

    # the loop ---------------------------------------------------------------------------------

    def run(self) -> int:
        """Watch until Ctrl-C or SIGTERM. The exit status is the last published verdict's; stopped
        before the first scan was published, it is 130 (Ctrl-C) or 143 (SIGTERM), as `scan` gives."""
        previous_handler = None
        stopped_by = {"signal": signal.SIGINT}
        if threading.current_thread() is threading.main_thread():
            def on_term(signum, frame):
                stopped_by["signal"] = signal.SIGTERM
                raise KeyboardInterrupt
            previous_handler = signal.signal(signal.SIGTERM, on_term)
        try:
            self.start_observer()
            self.take_stock(time.monotonic())
            while True:
                now = time.monotonic()
                if not os.path.isdir(self.root):
                    raise WatchError(f"the watched folder {self.folder} is gone (deleted, renamed or unmounted)")
                self.absorb(self.collector.drain(), now)
                self.check_arriving(now)
                self.announce_arriving()
                if self.last is None and not self.arriving:
                    self.rescan(now)        # the first summary at once, even of an empty folder
                elif self.due(now):
                    self.rescan(now)
                self.collector.wait(self.tick)
        except KeyboardInterrupt:
            self.echo(f"doccheck: stopped watching {terminal_text(self.folder)}", err=True)
        finally:
            self.stop_observer()
            if previous_handler is not None:
                signal.signal(signal.SIGTERM, previous_handler)
        if self.last_result is None:
            return 128 + int(stopped_by["signal"])
        return int(self.exit_code(self.last_result))


def run_watch(folder: Path, params: dict, *, settle: float = DEFAULT_SETTLE, polling: bool | None = None,
              poll_interval: float = DEFAULT_POLL_INTERVAL) -> int:
    """`doccheck watch`: the scan options as `scan` takes them, then watch until Ctrl-C."""
    import shutil
    import tempfile

    from ..cli import exit_code_for, prepare_scan, write_reports
    from ..process.executor import WATCH_TEMP_PREFIX, remove_stale_tempdirs
    from ..report.output import is_inside

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
        watcher = Watcher(folder, request, write=write_reports, exit_code=lambda r: exit_code_for(r, request.fail_on),
                          skus_csv=request.skus_csv, fixed_today=params.get("today") is not None,
                          settle=settle, polling=polling, poll_interval=poll_interval)
        return watcher.run()
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
