"""Stopping on Ctrl-C or SIGTERM without losing the request.

A signal handler raises in the main thread at the next bytecode, and some places swallow what is
raised there: an exception from an at-fork hook (logging's ``_releaseLock`` while a reader process
is forked) or from a ``__del__`` is printed as "Exception ignored" and dropped. A SIGTERM that
arrived at that moment was lost and ``watch`` went on watching. So the reader pool forks with the
two signals held (:func:`held`), and the handler also *records* the signal: the loops that wait
(the reader pool, the cluster loop, the watch loop, the end of a command) call :func:`honour`,
which raises it again until the command has stopped.

Process state on purpose: a signal belongs to the process. :func:`reset` clears it (``main`` does,
on the way out, so one process can run several commands, as the tests do).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Terminated", "on_signal", "honour", "stopped_by", "reset", "held", "release", "STOP_SIGNALS"]

STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


class Terminated(KeyboardInterrupt):
    """SIGTERM (timeout, systemd, a CI cancel): unwound like Ctrl-C, so workers and tesseract are
    stopped and the private temp folder with its page images is removed."""


_received: list[int] = []


def on_signal(signum: int, frame=None) -> None:
    """The handler for SIGINT and SIGTERM: record ``signum``, then raise Terminated (SIGTERM) or
    KeyboardInterrupt (SIGINT)."""
    if signum not in _received:
        _received.append(signum)
    _raise(signum)


def _raise(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise Terminated
    raise KeyboardInterrupt


def honour() -> None:
    """Raise again a stop that was asked for (its first raise may have been swallowed); nothing
    when none was. SIGTERM wins over SIGINT."""
    if signal.SIGTERM in _received:
        _raise(signal.SIGTERM)
    if signal.SIGINT in _received:
        _raise(signal.SIGINT)


def stopped_by() -> int | None:
    """The signal that asked this process to stop (SIGTERM before SIGINT), or None."""
    if signal.SIGTERM in _received:
        return signal.SIGTERM
    return signal.SIGINT if signal.SIGINT in _received else None


@contextmanager
def held() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back by the kernel while the block runs (a reader process being
    forked), delivered as soon as it ends. Raised inside an at-fork hook, the stop would be printed
    as "Exception ignored … Traceback" and dropped; held, it arrives in ordinary code. A child forked
    inside the block starts with them held too: it must call :func:`release`."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def release() -> None:
    """In a process forked inside :func:`held`: take Ctrl-C and SIGTERM again."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def reset() -> None:
    """Forget the signals received (a command has finished and reported its stop)."""
    _received.clear()
