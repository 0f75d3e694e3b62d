"""Runs the per-file task in worker processes, each with a wall-clock limit and a memory cap.

A file that hangs is killed at its deadline, one that swells hits the memory cap; either way it
becomes a finding on that file and a fresh worker takes the next one, so the batch always finishes.

Workers die with their parent: on Linux the kernel kills them (prctl PR_SET_PDEATHSIG) the moment
the scan's process dies, even by `kill -9`; elsewhere a worker notices within a second that its
parent is gone. Facts leave a worker as valid Unicode (a lone surrogate from a PDF's text layer
becomes U+FFFD) and, for product papers, with personal numbers masked (privacy.mask_at_rest), so
what is cached and what a fresh read gives are the same.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import re
import resource
import shutil
import signal
import stat
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..models import ExtractSettings, FileFacts, FileKind
from ..reading.engines.base import OCR_TEMP_PREFIX, OcrWorkspace, private_tempdir
from ..i18n import map_text, said
from ..names import valid_unicode
from ..privacy import mask_at_rest
from . import collector, stopping

if TYPE_CHECKING:
    from multiprocessing.connection import Connection


@dataclass(frozen=True)
class Task:
    """One file to read: the caller's ``key`` for it, its path, the size (bytes) and mtime (ns) it
    had when found (a file that changes under the reader is refused), the settings it is read
    with (their ``workspace`` set by the executor) and, optionally, the cache folder and its bytes."""
    key: int
    path: str
    size: int
    mtime_ns: int
    settings: ExtractSettings
    cache_dir: str | None = None   # look facts up by content hash before extracting
    data: bytes | None = field(default=None, repr=False, compare=False)   # the bytes, shipped to a cluster worker


@dataclass
class Outcome:
    """What came of one Task: its facts, or why there are none (``error``), and whether they came
    from the cache."""
    key: int
    facts: FileFacts | None = None
    error: str = ""           # why no facts: timed out, too large, crashed (an i18n.Said: read.* id and arguments)
    cache_hit: bool = False


@dataclass(frozen=True)
class Limits:
    """Worker processes (``jobs``, also the number of pages OCR'd at once), and per file: seconds,
    MB of address space, MB of file size."""
    jobs: int = 1
    timeout_s: float = 300.0      # per file
    memory_mb: int = 2048         # address-space cap per worker (tesseract children inherit it)
    max_file_mb: int = 256        # larger files are not read at all


def read_file_bytes(path: str, expect_size: int, expect_mtime_ns: int, max_bytes: int) -> tuple[bytes | None, str]:
    """Read without blocking on FIFOs and notice a file that changes under us (a sync in progress):
    (bytes, "") or (None, why: an i18n.Said of a read.* message)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return None, said("read.cannot_open", detail=exc.strerror)
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            return None, said("read.not_regular")
        if before.st_size > max_bytes:
            return None, said("read.too_large_size", size=before.st_size // 2**20, limit=max_bytes // 2**20)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            if sum(map(len, chunks)) > max_bytes:
                return None, said("read.too_large", limit=max_bytes // 2**20)
        after = os.fstat(fd)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    changed = (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size
    if changed or (expect_size, expect_mtime_ns) != (after.st_size, after.st_mtime_ns):
        return None, said("read.changed")
    return data, ""


_worker_cache = None


def _cache_for(directory: str):
    """One read connection per worker process (SQLite connections must not cross a fork)."""
    global _worker_cache
    from ..cache import FactCache

    if _worker_cache is None or str(_worker_cache.directory) != directory:
        _worker_cache = FactCache(Path(directory))
    return _worker_cache


def run_task(task: Task, max_file_mb: int) -> Outcome:
    """Read one file: its bytes from ``task.data`` (shipped by a cluster client, checked there) or
    from ``task.path``; facts from the cache by content hash, else from ``extract_facts``."""
    if task.data is not None:
        data, problem = task.data, ""
    else:
        data, problem = read_file_bytes(task.path, task.size, task.mtime_ns, max_file_mb * 2**20)
    if data is None:
        return Outcome(task.key, FileFacts(sha256="", size=task.size, mime="", kind=FileKind.UNREADABLE,
                                           problem=problem, extractor=task.settings.key()))
    if task.cache_dir:
        # Touched or renamed but the same bytes: no need to OCR it again.
        cached = _cache_for(task.cache_dir).get(hashlib.sha256(data).hexdigest(), task.settings.key())
        if cached is not None:
            return Outcome(task.key, cached, cache_hit=True)
    from ..reading.extract import extract_facts   # imported before the fork (see run_isolated): free here

    return Outcome(task.key, finished_facts(extract_facts(data, task.settings), task.settings))


def finished_facts(facts: FileFacts, settings: ExtractSettings) -> FileFacts:
    """Facts as they leave the worker: every text valid Unicode; a product paper's text with personal
    numbers masked (a KYC paper's text is judged whole and never stored: cache.storable)."""
    def text(value: str) -> str:
        value = valid_unicode(value)
        return value if settings.profile == "kyc" else mask_at_rest(value)

    for page in facts.pages:
        page.text, page.note, page.ocr_langs = text(page.text), map_text(page.note, valid_unicode), valid_unicode(page.ocr_langs)
    facts.problem, facts.mime = map_text(facts.problem, valid_unicode), valid_unicode(facts.mime)
    facts.notes = [map_text(n, text) for n in facts.notes]
    facts.__dict__.pop("text", None)   # the joined text (a cached property) is made again from the pages
    return facts


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel sends SIGKILL to this process when its parent dies (a `kill -9` included)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass   # not Linux: _receive() notices the parent gone
    if os.getppid() != parent:   # the parent died before the prctl took effect
        os._exit(1)


def _receive(conn: Connection, parent: int):
    """The next task, or None when the parent said stop, closed the pipe or is gone."""
    while not conn.poll(1.0):
        if os.getppid() != parent:
            return None
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None


def _worker_main(conn: Connection, memory_mb: int, max_file_mb: int, parent: int) -> None:
    collector.resume_in_child()   # forked from a scan that pauses it; pypdf's object graphs hold cycles
    _die_with_parent(parent)
    # Own process group, so a kill at the deadline also takes the tesseract child with it.
    os.setpgid(0, 0)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the parent's clean-up handler: the parent cleans up
    stopping.release()   # forked with Ctrl-C and SIGTERM held (_Worker)
    if memory_mb > 0:
        cap = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    while True:
        task = _receive(conn, parent)
        if task is None:
            return
        try:
            conn.send(run_task(task, max_file_mb))
        except MemoryError:
            conn.send(Outcome(task.key, error=said("read.memory", limit=memory_mb)))
        except RecursionError:
            conn.send(Outcome(task.key, error=said("read.nested")))
        except Exception as exc:   # never lose the batch to one file; the message names the failure
            conn.send(Outcome(task.key, error=said("read.crashed", detail=f"{type(exc).__name__}: {str(exc)[:200]}")))


class _Worker:
    def __init__(self, ctx, limits: Limits):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, limits.memory_mb, limits.max_file_mb, os.getpid()),
                                   daemon=True)
        with stopping.held():   # a stop during the fork arrives after it, not inside an at-fork hook
            self.process.start()
        child.close()
        self.task: Task | None = None
        self.deadline = 0.0

    def stop(self, kill: bool = False) -> None:
        if kill:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def run_isolated(tasks: Iterable[Task], limits: Limits, on_done: Callable[[Outcome], None] | None = None) -> dict[int, Outcome]:
    """Read ``tasks`` in ``limits.jobs`` forked workers, each file within ``limits.timeout_s``
    seconds and ``limits.memory_mb`` MB; Outcomes by task key, each also handed to ``on_done`` as it
    arrives. The tasks' settings get this run's OcrWorkspace: a private temporary folder removed
    after the last worker, and ``limits.jobs`` page slots shared by all workers. Never raises for a file."""
    pending = deque(tasks)
    if not pending:
        return {}
    _load_reading_stack()

    # Workers write OCR page images only inside this private folder (each run in a private folder of
    # its own); a worker killed at its deadline cannot clean up after itself, so the folder is
    # removed here, after the last worker. Folder and page slots reach the workers inside each task.
    with private_tempdir() as scratch:
        slots = scratch / "slots"
        slots.mkdir()
        # even one worker may OCR --jobs pages of its file at once
        workspace = OcrWorkspace(tmpdir=str(scratch), slots_dir=str(slots), slots=limits.jobs)
        return _run(deque(with_workspace(task, workspace) for task in pending), limits, on_done)


def _load_reading_stack() -> None:
    """Reading needs pypdf, Pillow, libmagic, langdetect's profiles...: loaded in the parent, once,
    before any reader forks, and not at all by a scan whose files all come from the cache."""
    from ..reading import extract  # noqa: F401
    from ..analysis.language import preload

    preload()


def with_workspace(task: Task, workspace: OcrWorkspace) -> Task:
    """``task`` whose settings carry ``workspace`` (where its OCR writes, how many pages at once)."""
    return replace(task, settings=replace(task.settings, workspace=workspace))


def _context():
    import multiprocessing

    return multiprocessing.get_context("fork" if os.name == "posix" else "spawn")


def _run(pending: deque[Task], limits: Limits, on_done: Callable[[Outcome], None] | None,
         workers: list[_Worker] | None = None) -> dict[int, Outcome]:
    """Hand ``pending`` to the workers and collect their outcomes. ``workers``: the caller's own,
    living on after the run (a worker timed out or lost is replaced in that list; one busy when
    the run is interrupted is killed, and the caller replaces it); None: ``limits.jobs`` workers
    made for this run and stopped after it."""
    from multiprocessing.connection import wait

    ctx = _context()
    own = workers is None
    if workers is None:
        workers = [_Worker(ctx, limits) for _ in range(max(1, min(limits.jobs, len(pending))))]
    outcomes: dict[int, Outcome] = {}

    def finish(outcome: Outcome) -> None:
        outcomes[outcome.key] = outcome
        if on_done:
            on_done(outcome)

    try:
        while pending or any(w.task for w in workers):
            stopping.honour()   # a Ctrl-C or SIGTERM swallowed while a worker was forked
            for index, worker in enumerate(workers):
                if worker.task is None and pending:
                    worker.task = pending.popleft()
                    worker.deadline = time.monotonic() + limits.timeout_s
                    try:
                        worker.conn.send(worker.task)
                    except OSError:   # the reader died before it was handed the file
                        key = worker.task.key
                        workers[index] = _replace(worker, ctx, limits)
                        finish(Outcome(key, error=said("read.reader_died")))
            busy = [w for w in workers if w.task]
            if not busy:   # every hand-over failed: hand the next files to the fresh readers
                continue
            timeout = min(0.5, max(0.0, min(w.deadline for w in busy) - time.monotonic()))
            ready = wait([w.conn for w in busy], timeout=timeout)
            for index, worker in enumerate(workers):
                if worker.task is None:
                    continue
                if worker.conn in ready:
                    try:
                        outcome = worker.conn.recv()
                    except (EOFError, OSError):
                        outcome = Outcome(worker.task.key, error=said("read.reader_died"))
                        workers[index] = _replace(worker, ctx, limits)
                        finish(outcome)
                        continue
                    worker.task = None
                    finish(outcome)
                elif time.monotonic() >= worker.deadline:
                    key = worker.task.key
                    workers[index] = _replace(worker, ctx, limits)
                    finish(Outcome(key, error=said("read.timed_out", seconds=f"{limits.timeout_s:g}")))
    finally:
        for worker in workers:
            if own or worker.task is not None:
                worker.stop(kill=worker.task is not None)
    return outcomes


def _replace(worker: _Worker, ctx, limits: Limits) -> _Worker:
    worker.task = None
    worker.stop(kill=True)
    return _Worker(ctx, limits)


class Reader:
    """One long-lived forked reader for a caller that hands it one file at a time (a Dask worker,
    ``cluster.read_remote``): the same limits and the same outcomes as ``run_isolated``, without a
    fork, a temporary folder and the reader's first imports for every file.

    The reader process and its private temporary folder live until :meth:`close` (or until the
    process that made them exits); a reader killed at the deadline or lost is replaced before the
    next file. Not thread-safe: one caller at a time."""

    def __init__(self, limits: Limits):
        import contextlib

        _load_reading_stack()
        self.limits = replace(limits, jobs=1)
        self._stack = contextlib.ExitStack()
        scratch = self._stack.enter_context(private_tempdir())
        slots = scratch / "slots"
        slots.mkdir()
        self._workspace = OcrWorkspace(tmpdir=str(scratch), slots_dir=str(slots), slots=1)
        self._workers: list[_Worker] = []   # the one reader, once made (_run replaces it in place)

    def read(self, task: Task) -> Outcome:
        """Read ``task`` within the limits; its Outcome (an error outcome when the reader timed out
        or died: never raises for a file)."""
        if not self._workers or not self._workers[0].process.is_alive():   # none yet, or lost between files
            for worker in self._workers:
                worker.stop(kill=True)
            self._workers = [_Worker(_context(), self.limits)]
        return _run(deque([with_workspace(task, self._workspace)]), self.limits, None, self._workers)[task.key]

    def close(self) -> None:
        """Stop the reader process and remove its temporary folder."""
        for worker in self._workers:
            worker.stop(kill=worker.task is not None)
        self._workers = []
        self._stack.close()


# --- leftovers of dead runs ------------------------------------------------------------------------

WATCH_TEMP_PREFIX = "doccheck-watch-"
_STALE = re.compile(rf"^(?:{re.escape(OCR_TEMP_PREFIX)}|{re.escape(WATCH_TEMP_PREFIX)})(\d+)-")


def _process_started_after(pid: int, when: float) -> bool:
    """Is `pid` a process that started after `when` (so a reused pid, not the folder's owner)?"""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        with open("/proc/stat", "rb") as handle:
            boot = next(float(line.split()[1]) for line in handle if line.startswith(b"btime"))
        return boot + int(fields[19]) / ticks > when + 1
    except (OSError, ValueError, IndexError, StopIteration):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_tempdirs(directory: str | None = None, started: float | None = None) -> list[str]:
    """Remove the private temp folders (`doccheck-ocr-<pid>-*`, `doccheck-watch-<pid>-*`) that a run
    killed at once (`kill -9`, a power cut) left behind: only our own, older than this run, and
    whose process is gone. They may hold rendered passport pages. Returns the folders removed."""
    directory = directory or tempfile.gettempdir()
    started = time.time() if started is None else started
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _STALE.match(entry.name)
        if not match:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        pid = int(match.group(1))
        if (not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mtime >= started
                or pid == os.getpid() or (_alive(pid) and not _process_started_after(pid, st.st_mtime))):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.exists(entry.path):
            removed.append(entry.path)
    return removed
