"""The watcher: the loop that absorbs changes, waits for arriving files to settle, re-scans
through the cache and publishes the reports and the verdict changes."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import click

from ... import i18n
from ...codes import ChatStatus, ExitCode
from ...models import ScanResult
from ...names import terminal_text
from ...paths import is_inside
from ...process import stopping
from .changes import Verdict, change_lines, kyc_label, verdicts
from .events import ChangeCollector, PathFilter
from .mounts import filesystem_type, needs_polling
from .settling import Arriving, Signature, opens, signature

DEFAULT_SETTLE = 3.0
DEFAULT_POLL_INTERVAL = 2.0


class WatchError(click.ClickException):
    """The watched folder went away (deleted, renamed, unmounted): one line, exit 2."""
    exit_code = ExitCode.BAD_INPUT


# --- the watcher ---------------------------------------------------------------------------------

class Watcher:
    """One watched folder: the observer, the files still arriving, the last published verdicts.
    `request` is the app layer's ScanRequest (options, outputs, quiet, verbose); `write` writes the
    reports of a result, `exit_code` gives a result's exit status; run() loops until stopped."""

    def __init__(self, folder: Path, request, *, write: Callable[[ScanResult, dict], None],
                 exit_code: Callable[[ScanResult], int], skus_csv: Path | None = None, fixed_today: bool = True,
                 settle: float = DEFAULT_SETTLE, polling: bool | None = None,
                 poll_interval: float = DEFAULT_POLL_INTERVAL, echo=click.echo, translator: i18n.Translator | None = None):
        self.folder = folder
        self.root = os.path.realpath(folder)
        self.request = request
        self.base = request.options
        self.base_warnings = list(request.options.warnings)
        self.write, self.exit_code, self.echo = write, exit_code, echo
        self.quiet = request.quiet
        self.tr = translator or getattr(request, "translator", None) or i18n.Translator(messages=request.options.rules.messages)
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
        self.arriving: dict[str, Arriving] = {}
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
        """Native events, or polling on a network/FUSE drive, with --polling, or when native events fail."""
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
        """Stop and join the observer (at most 10 s)."""
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
            self.arriving[path] = Arriving(sig, now)
        if self.pending_since is None:
            self.pending_since = now

    def absorb(self, paths: Iterable[str], now: float) -> None:
        """Changed paths from the observer: files start settling, folders are walked, gone ones are changes."""
        for path in paths:
            if os.path.isdir(path):
                for file in self._walk(path):
                    self._track(file, now)
            elif os.path.lexists(path):
                self._track(path, now)
            else:
                # Gone: a file, or a folder with everything under it.
                for p in [p for p in self.arriving if is_inside(p, path, resolve=False)]:
                    del self.arriving[p]
                if any(is_inside(p, path, resolve=False) for p in self.known):
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
        """Files that settled (unchanged for `settle` seconds and open) become changes to judge."""
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
        """Time to re-check: changes waiting, nothing arriving (or MAX_WAIT passed), events quiet."""
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
        """Every file a scan would read now (absolute path -> signature)."""
        from ...reading.discover import discover

        found, _ = discover(Path(self.root), self.base.rules.debris_files, self.base.rules.debris_dirs)
        return {os.path.join(self.root, *f.parts): (f.size, f.mtime_ns) for f in found}

    def _options(self, first: bool):
        if self.skus_csv is not None and signature(str(self.skus_csv)) != self.skus_sig:
            from ...mapping.skus import SkuFileError, read_sku_csv

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
        from ...app.setup import rule_errors_as_input_errors
        from ...pipeline import scan

        first = self.last is None
        reasons = self._outside_changes()
        forced = bool(self.arriving)     # judged although files are still arriving (max_wait passed)
        generation = self.collector.generation
        before = self.snapshot()
        with rule_errors_as_input_errors():
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
        self.write(result, self.request.outputs)
        self.last_result = result   # published: a stop from here on exits with its verdict, not 143

        held: set[str] = set()
        if self.arriving:
            arriving_rel = {self.shown(p) for p in self.arriving}
            held = {f.sku for f in result.files if f.path in arriving_rel and f.sku}
        after = verdicts(result)
        if first:
            from ...report.terminal import print_summary

            ctx = self.request.context(result)
            print_summary(result, detailed=not self.quiet, verbose=self.request.verbose, echo=self.echo, lang=self.tr.lang, ctx=ctx)
            reports = ", ".join(str(p) for p in self.request.outputs.values())
            said = ("watch.watching", {"reports": reports}) if reports else ("watch.watching_no_reports", {})
            self.echo(self.tr.t(said[0], folder=str(self.folder), mode=self.mode, **said[1]), err=True)
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
        return True

    def shown(self, path: str) -> str:
        """A path as the reports show it: relative, printable, any personal number in it masked."""
        from ...privacy import shown_path

        return shown_path(Path(os.path.relpath(path, self.root)).parts)

    def _status(self, result: ScanResult, changed_paths: list[str], reasons: list[str], previous, after, held) -> None:
        # A folder deleted or renamed stands for everything under it.
        tops = [p for p in changed_paths if not any(p != q and is_inside(p, q, resolve=False) for q in changed_paths)]
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

    def run(self) -> ExitCode:
        """Watch until Ctrl-C or SIGTERM. The exit status is the last published verdict's; stopped
        before the first scan was published, it is 130 (Ctrl-C) or 143 (SIGTERM), as `scan` gives."""
        with stopping.handled():
            try:
                self.start_observer()
                self.take_stock(time.monotonic())
                while True:
                    stopping.honour()   # a stop whose first raise was swallowed (at a fork, in a __del__)
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
        stopped_by = stopping.stopped_by() or signal.SIGINT
        stopping.reset()   # this stop is answered by the status below
        if self.last_result is None:
            return ExitCode.for_signal(stopped_by)
        return ExitCode(self.exit_code(self.last_result))
