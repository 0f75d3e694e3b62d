"""Reads files on a Dask distributed cluster (``--scheduler ADDRESS``) instead of local workers.

The per-file task is the same pure function as on one machine (``executor.run_task`` inside a
forked reader with the same wall-clock limit and memory cap; each worker keeps its reader between
tasks, ``executor.Reader``), so a file gives the same facts
wherever it is read. What stays with the client:

* the cache: a file whose path, size and time, or whose content hash, is already cached is never
  sent (a warm re-scan sends nothing to the cluster);
* reading the bytes (unless ``--shared-fs``): each task carries the file's bytes, so workers need
  no access to the seller's drive, and the checks for a file that changes while it is read or is
  over the size limit run where the file is;
* the verdicts: the cluster returns facts only.

Failure handling, all of it Dask's own where Dask has it:

* a worker lost mid-task: the scheduler re-runs its task on another worker (``allowed-failures``);
* a file that keeps killing workers: Dask gives up on it with ``KilledWorker``; the file becomes
  ``unreadable_file`` with a note and the batch goes on;
* no scheduler at ADDRESS, or no worker: :class:`ClusterError` with one line (the CLI exits 2);
* workers whose tesseract or language data differ from each other, or from the local engine
  the cache keys facts by: :class:`ClusterError` naming the worker and both engines;
* the scheduler lost mid-scan: :class:`ClusterError`; facts read so far are cached, so running
  the scan again continues where it stopped.

Workers must be able to fork the reader process: start them with ``--nthreads 1`` and
``DASK_DISTRIBUTED__WORKER__DAEMON=False`` (``docs/cluster.md``).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace

from . import stopping
from .executor import Limits, Outcome, Task, read_file_bytes

CONNECT_TIMEOUT_S = 10.0
# Tasks in flight per worker thread: enough to keep workers busy while the client reads the next
# file, few enough that the client never holds more than a handful of files' bytes.
IN_FLIGHT_PER_THREAD = 2
# Bytes larger than this are scattered to the cluster rather than embedded in the task itself
# (Dask warns about task graphs over a few MB and sends them through the scheduler).
SCATTER_OVER_BYTES = 1 << 20

# The Dask settings doccheck's workers (and scheduler) are best started with, as dask config keys
# (docs/cluster.md gives them as environment variables, `worker_environment`). Each task is one
# long call into the forked reader, so Dask's fine-grained watching has nothing to find, and on a
# small machine it competes with tesseract for the same cores: measured on this project's 2-core
# machine with a LocalCluster of 2 single-threaded workers reading the benchmark's 23-file batch,
# each worker process spent 2.7 s of CPU time beside the OCR with Dask's defaults, 1.1 s with these
# (the scheduler's process 3.8 s -> 2.1 s), and the scan's wall time fell by about 10 %.
# distributed.worker.daemon=False is separate: without it the reader cannot start at all.
WORKER_CONFIG: dict[str, object] = {
    "distributed.worker.profile.enabled": False,           # the statistical profiler samples every thread each 10 ms
    "distributed.admin.system-monitor.interval": "5s",     # psutil's CPU, memory and I/O figures, each 500 ms
    "distributed.admin.tick.interval": "1s",               # the event loop's health check, each 20 ms
    "distributed.worker.memory.monitor-interval": "1s",    # the nanny's look at the worker's memory, each 100 ms
}


def worker_environment(config: dict[str, object] | None = None) -> dict[str, str]:
    """``WORKER_CONFIG`` (or ``config``) as the environment variables Dask reads at start
    (``distributed.worker.profile.enabled`` -> ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED``):
    what docs/cluster.md tells people to set on the machines that run ``dask worker``."""
    return {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
            for key, value in (WORKER_CONFIG if config is None else config).items()}


class ClusterError(Exception):
    """The cluster cannot be used: no scheduler, no worker, workers that differ, scheduler lost.
    The message is one line for the user."""


def connect(address: str, connect_timeout_s: float = CONNECT_TIMEOUT_S):
    """A ``distributed.Client`` for the scheduler at ``address`` (``tcp://10.0.0.5:8786``) with at
    least one worker.

    Raises ClusterError when ``distributed`` is not installed, no scheduler answers within
    ``connect_timeout_s`` seconds, or the scheduler has no worker by then."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--scheduler needs the Dask extra: pip install 'doccheck[dask]'") from None
    try:
        client = Client(address, timeout=connect_timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} "
                           f"within {connect_timeout_s:g} s ({type(exc).__name__})") from None
    try:
        client.wait_for_workers(1, timeout=connect_timeout_s)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no worker "
                           f"(waited {connect_timeout_s:g} s; {type(exc).__name__})") from None
    return client


def attach(address: str, ocr: bool, connect_timeout_s: float = CONNECT_TIMEOUT_S):
    """Connect to the scheduler at ``address`` and check its workers (``connect``, ``check_workers``
    against this machine's OCR engine when it has a usable one). Returns (client, engine id for the
    facts' cache key). Raises ClusterError."""
    from ..reading.engines import engine

    client = connect(address, connect_timeout_s)
    try:
        local = engine().status() if ocr else None
        engine = check_workers(client, local.engine_id if local is not None and local.ok else "", ocr)
    except ClusterError:
        client.close()
        raise
    return client, engine


def _worker_probe() -> dict:
    """Runs on each worker: its OCR engine (id, version, languages, as the facts' cache key names it)
    and whether it may fork the reader process."""
    import multiprocessing

    from ..cache_keys import reading_digest
    from ..reading.engines import engine

    status = engine().status()
    return {"engine": status.engine_id if status.ok else "", "message": status.message,
            "daemon": bool(multiprocessing.current_process().daemon), "reading": reading_digest()}


def check_workers(client, local_engine: str, ocr: bool) -> str:
    """Ask every worker for its OCR engine; return the engine id the facts are keyed by.

    ``local_engine`` is the client's own engine id (``""`` when it has none): when set, every
    worker must have exactly that engine, since cached facts are keyed by it. Every worker must
    also run the client's reading code (``cache_keys.reading_digest``, the other part of the facts'
    key). Raises ClusterError when a worker cannot fork the reader (a daemonic worker), runs other
    reading code, lacks the engine or a language pack (only when ``ocr``), or when workers' engines differ."""
    from ..cache_keys import reading_digest

    try:
        answers = client.run(_worker_probe)
    except Exception as exc:   # a worker that cannot even import doccheck
        raise ClusterError(f"cannot ask the cluster's workers for their OCR engine ({type(exc).__name__}: {exc})"[:300]) from None
    if not answers:
        raise ClusterError("the Dask cluster has no worker")
    for worker, answer in sorted(answers.items()):
        if answer["daemon"]:
            raise ClusterError(f"worker {worker} runs as a daemonic process and cannot start doccheck's reader; "
                               "start workers with DASK_DISTRIBUTED__WORKER__DAEMON=False (docs/cluster.md)")
    local_reading = reading_digest()
    for worker, answer in sorted(answers.items()):
        if answer.get("reading") != local_reading:
            raise ClusterError(f"worker {worker} runs other doccheck reading code ({answer.get('reading') or 'an older doccheck'}, "
                               f"this machine's is {local_reading}): its facts would be cached under this machine's key; "
                               "install the same doccheck on every worker")
    if not ocr:
        return ""
    engines = {worker: answer["engine"] for worker, answer in answers.items()}
    for worker, engine in sorted(engines.items()):
        if not engine:
            raise ClusterError(f"worker {worker} cannot OCR: {answers[worker]['message']}")
    expected = local_engine or sorted(engines.values())[0]
    for worker, engine in sorted(engines.items()):
        if engine != expected:
            what = "this machine's" if local_engine else "the other workers'"
            raise ClusterError(f"worker {worker} has {engine}, {what} is {expected}: facts read with "
                               "different OCR engines would not agree; install the same tesseract and language data")
    return expected


# One reader at a time per worker process: workers are meant to run --nthreads 1, and a worker
# thread beyond that would fork a second reader the worker's memory was not sized for.
_remote_lock = threading.Lock()
# The worker process's reader, kept between tasks (a fork, a temporary folder and the reader's
# first imports for every file cost about 0.1 s each); made again when a scan asks other limits.
_remote_reader = None


def _reader_for(limits: Limits):
    """This worker process's long-lived reader for ``limits`` (call with ``_remote_lock`` held)."""
    global _remote_reader
    import atexit

    from .executor import Reader, remove_stale_tempdirs

    if _remote_reader is not None and _remote_reader.limits == replace(limits, jobs=1):
        return _remote_reader
    if _remote_reader is None:
        remove_stale_tempdirs()   # left by a reader whose worker was killed (kill -9, out of memory)
        atexit.register(lambda: _remote_reader is not None and _remote_reader.close())
    else:
        _remote_reader.close()
    _remote_reader = Reader(limits)
    return _remote_reader


def read_remote(task: Task, payload, limits: Limits) -> Outcome:
    """Runs on a worker: read one file (bytes shipped in ``payload``, or ``task.path`` on a shared
    drive when ``payload`` is None) in the worker's forked reader with ``limits``; returns its Outcome."""
    import multiprocessing

    if multiprocessing.current_process().daemon:   # a worker restarted without the setting checked at start
        return Outcome(task.key, error="the cluster worker runs as a daemonic process and cannot start the reader "
                                       "(set DASK_DISTRIBUTED__WORKER__DAEMON=False on the workers)")
    if payload is not None:
        task = replace(task, data=payload)
    with _remote_lock:
        return _reader_for(limits).read(task)


def _killed_outcome(task: Task, exc: BaseException) -> Outcome:
    name = type(exc).__name__
    if name == "KilledWorker":
        return Outcome(task.key, error="reading it killed the cluster's workers repeatedly (crash or out of memory)")
    return Outcome(task.key, error=f"could not be processed on the cluster ({name}: {str(exc)[:200]})")


def run_on_cluster(tasks: Iterable[Task], limits: Limits, client, shared_fs: bool = False,
                   cached: Callable[[str, str], object] | None = None,
                   on_done: Callable[[Outcome], None] | None = None) -> dict[int, Outcome]:
    """Read ``tasks`` on the cluster behind ``client``; the same contract as ``run_isolated``.

    ``cached(sha256, settings_key)`` returns cached facts for content already read (a renamed or touched file) or
    None; such a file is not sent. Outcomes are handed to ``on_done`` as they arrive, so the caller
    caches each file as it finishes. Raises ClusterError when the scheduler is lost."""
    from distributed import as_completed

    pending = list(tasks)
    pending.reverse()
    outcomes: dict[int, Outcome] = {}
    by_future: dict = {}

    def finish(outcome: Outcome) -> None:
        outcomes[outcome.key] = outcome
        if on_done:
            on_done(outcome)

    def submit_next() -> object | None:
        """Send the next file that needs reading; its future, or None when none is left."""
        while pending:
            task = pending.pop()
            task = replace(task, cache_dir=None)   # the cache is the client's
            payload = None
            if not shared_fs:
                data, problem = read_file_bytes(task.path, task.size, task.mtime_ns, limits.max_file_mb * 2**20)
                if data is None:
                    from ..models import FileFacts, FileKind

                    finish(Outcome(task.key, FileFacts(sha256="", size=task.size, mime="", kind=FileKind.UNREADABLE,
                                                       problem=problem, extractor=task.settings.key())))
                    continue
                if cached is not None:
                    facts = cached(hashlib.sha256(data).hexdigest(), task.settings.key())
                    if facts is not None:
                        finish(Outcome(task.key, facts, cache_hit=True))
                        continue
                payload = client.scatter(data, hash=False) if len(data) > SCATTER_OVER_BYTES else data
            future = client.submit(read_remote, task, payload, limits, pure=False,
                                   key=f"doccheck-read-{task.key}-{uuid.uuid4().hex}")
            by_future[future] = task
            return future
        return None

    threads = sum((client.nthreads() or {}).values()) or 1
    first = [f for f in (submit_next() for _ in range(threads * IN_FLIGHT_PER_THREAD)) if f is not None]
    if not first:
        return outcomes
    queue = as_completed(first, loop=client.loop)
    try:
        for future in queue:
            stopping.honour()   # a Ctrl-C or SIGTERM whose first raise was swallowed
            task = by_future.pop(future)
            if future.status == "finished":
                finish(future.result())
            else:
                exc = future.exception()
                if type(exc).__name__ in ("CommClosedError", "CancelledError") and client.status != "running":
                    raise ClusterError("lost the connection to the Dask scheduler mid-scan; "
                                       "files read so far are cached, run the scan again to continue")
                finish(_killed_outcome(task, exc))
            future.release()
            following = submit_next()
            if following is not None:
                queue.add(following)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"lost the Dask cluster mid-scan ({type(exc).__name__}); files read so far are "
                           "cached, run the scan again to continue") from None
    return outcomes
