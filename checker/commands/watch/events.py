"""Which changes matter: the observer's events filtered down to paths a scan would read."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable

from ...paths import is_inside
from ...reading.discover import is_debris

_RELEVANT_EVENTS = frozenset({"created", "modified", "moved", "deleted", "closed", "attrib"})


class PathFilter:
    """True for paths the scan would skip as sync/OS debris or that lie outside the folder."""

    def __init__(self, root: str, debris_files: Iterable[str], debris_dirs: Iterable[str]):
        self.root = root
        self.files = tuple(debris_files)
        self.dirs = tuple(debris_dirs)

    def ignored(self, path: str, is_dir: bool) -> bool:
        """True when `path` (absolute, as the observer reports it) is outside the folder or is, or
        lies under, debris (reading.discover's test, so watch skips exactly what a scan skips)."""
        if not is_inside(path, self.root, resolve=False):
            return True
        rel = os.path.relpath(path, self.root)
        if rel == ".":
            return False
        parts = rel.split(os.sep)
        if any(is_debris(p, self.dirs) for p in parts[:-1]):
            return True
        return is_debris(parts[-1], self.dirs if is_dir else self.files)


class ChangeCollector:
    """Receives the observer's events (in its thread) and hands the changed paths to the loop."""

    def __init__(self, path_filter: PathFilter):
        self.filter = path_filter
        self.cond = threading.Condition()
        self.paths: set[str] = set()
        self.generation = 0
        self.last_event = 0.0

    def dispatch(self, event) -> None:
        """watchdog's handler call: keep the paths of an event that may change a verdict."""
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
        """Record changed paths (also used for changes found without an event) and wake the loop."""
        with self.cond:
            self.paths.update(paths)
            self.generation += 1
            self.last_event = time.monotonic()
            self.cond.notify_all()

    def wait(self, timeout: float) -> None:
        """Block up to `timeout` seconds unless changes are already waiting."""
        with self.cond:
            if not self.paths:
                self.cond.wait(timeout)

    def drain(self) -> set[str]:
        """The changed paths since the last drain (and forget them)."""
        with self.cond:
            paths, self.paths = self.paths, set()
            return paths
