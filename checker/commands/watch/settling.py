"""When an arriving file is complete: its size and time unchanged for the settle time, and it opens."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

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
class Arriving:
    """A file still arriving: the signature last seen, and since when (monotonic seconds)."""
    sig: Signature
    since: float          # when this signature was first seen
