"""Stopping on Ctrl-C or SIGTERM without losing the request.

A signal handler raises in the main thread at the next bytecode, and some places swallow what is
raised there: an exception from an at-fork hook (logging's ``_releaseLock`` while a reader process
is forked) or from a ``__del__`` is printed as "Exception ignored" and dropped. A SIGTERM that
arrived at that moment was lost and ``watch`` went on watching. So the reader pool forks with the
two signals held (:func:`held`: recorded, raised after the fork), and the handler always *records* the signal: the loops that wait
(the reader pool, the cluster loop, the watch loop, the end of a command) call :func:`honour`,
which raises it again until the command has stopped.

Process state on purpose: a signal belongs to the process. :func:`reset` clears it (``main`` does,
on the way out, so one process can run several commands, as the tests do).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Terminated", "on_signal", "honour", "stopped_by", "reset", "handled", "held", "release", "STOP_SIGNALS"]

STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})   # the signals that stop a command


class Terminated(KeyboardInterrupt):
    """SIGTERM (timeout, systemd, a CI cancel): unwound like Ctrl-C, so workers and tesseract are
    stopped and the private temp folder with its page images is removed."""


_received: list[int] = []
_holding = 0   # inside held(): record, do not raise


def on_signal(signum: int, frame=None) -> None:
    """The handler for SIGINT and SIGTERM: record ``signum``, then raise Terminated (SIGTERM) or
    KeyboardInterrupt (SIGINT), unless inside :func:`held` (raised when it ends)."""
    if signum not in _received:
        _received.append(signum)
    if not _holding:
        _raise(signum)


def _raise(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise Terminated
    raise KeyboardInterrupt


def honour() -> None:
    """Raise again a stop that was asked for (its first raise may have been swallowed); nothing
    when none was. SIGTERM wins over SIGINT."""
    signum = stopped_by()
    if signum is not None:
        _raise(signum)


def stopped_by() -> int | None:
    """The signal that asked this process to stop (SIGTERM before SIGINT), or None."""
    if signal.SIGTERM in _received:
        return signal.SIGTERM
    return signal.SIGINT if signal.SIGINT in _received else None


@contextmanager
def handled() -> Iterator[None]:
    """:func:`on_signal` handles Ctrl-C and SIGTERM while the block runs (a command, the watch
    loop), the previous handlers afterwards. Only the main thread may set handlers: elsewhere the
    block runs with the handlers as they are."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {signum: signal.signal(signum, on_signal) for signum in sorted(STOP_SIGNALS)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def held() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back while the block runs (a reader process being forked): the
    handler records them without raising, and they are raised when the block ends. Raised inside
    an at-fork hook, the stop would be printed as "Exception ignored … Traceback" and dropped.
    (Not the kernel's signal mask: that is per thread, and the signal may land on another thread,
    while Python runs its handler in the main thread, the one that forks.) A child forked inside
    the block must call :func:`release`."""
    global _holding
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
    if not _holding:
        honour()


def release() -> None:
    """In a process forked inside :func:`held`: its own stops raise again, none of the parent's is kept."""
    global _holding
    _holding = 0
    _received.clear()


def reset() -> None:
    """Forget the signals received (a command has finished and reported its stop)."""
    _received.clear()
