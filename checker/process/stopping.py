"""Stopping on Ctrl-C or SIGTERM without losing the request.

A signal handler raises in the main thread at the next bytecode, and some places swallow what is
raised there: an exception from an at-fork hook (logging's ``_releaseLock`` while a reader process
is forked) or from a ``__del__`` is printed as "Exception ignored" and dropped. A SIGTERM that
arrived at that moment was lost and ``watch`` went on watching. So the handler also *records* the
signal, and the loops that wait (the reader pool, the watch loop, the end of a command) call
:func:`honour`, which raises it again until the command has stopped.

Process state on purpose: a signal belongs to the process. :func:`reset` clears it (``main`` does,
on the way out, so one process can run several commands, as the tests do).
"""

from __future__ import annotations

import signal

__all__ = ["Terminated", "on_signal", "honour", "stopped_by", "reset"]


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


def reset() -> None:
    """Forget the signals received (a command has finished and reported its stop)."""
    _received.clear()
