"""Stage 1: walk the scanned folder. Never follows a link out of it, never loops, never opens
anything but regular files, and skips sync/OS debris named in rules/debris.yaml."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..models import SkippedEntry
from ..names import display_path, fold_name
from ..paths import is_inside
from ..privacy import shown_path


@dataclass(frozen=True)
class FoundFile:
    """A regular file found under the scanned folder: its path components relative to it."""
    abspath: str                  # where to read the bytes (a link's target inside the folder)
    parts: tuple[str, ...]        # path components relative to the root, as the user sees them
    size: int
    mtime_ns: int

    @property
    def relpath(self) -> str:
        """The path relative to the scanned folder, '/'-separated and printable (names.display_path); not
        masked (privacy.shown_path is)."""
        return display_path(self.parts)

    @property
    def name(self) -> str:
        """The file's own name (the last path component), as found."""
        return self.parts[-1]


@functools.lru_cache(maxsize=8)
def _matcher(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """The debris globs as one case-folded regex: one match per entry instead of one per glob."""
    if not patterns:
        return None
    return re.compile("|".join(fnmatch.translate(fold_name(p)) for p in patterns))


def is_debris(name: str, patterns: Iterable[str]) -> bool:
    """Whether one file or folder name (not a path) matches any of the debris globs of
    rules/debris.yaml (`files` or `dirs`): fnmatch globs, compared after NFC and case-folding
    (names.fold_name), so "Thumbs.db", "THUMBS.DB" and a decomposed "Й" match alike.
    The one debris test: discover() skips by it and watch ignores events by it."""
    return _matches(_matcher(tuple(patterns)), name)


def _matches(matcher: re.Pattern[str] | None, name: str) -> bool:
    return matcher is not None and matcher.match(fold_name(name)) is not None


MAX_DEPTH = 64   # folder levels below the scanned folder; deeper folders are listed as skipped, not walked


def discover(root: Path, debris_files: tuple[str, ...], debris_dirs: tuple[str, ...],
             max_depth: int = MAX_DEPTH) -> tuple[list[FoundFile], list[SkippedEntry]]:
    """Every regular file under root, sorted by path, and every entry not read with the reason.

    Walks iteratively (a tree 100,000 levels deep costs no stack): a folder more than `max_depth`
    levels down is skipped and listed, as are links out of the folder, loops, FIFOs, sockets,
    devices and debris. Paths of skipped entries are shown as reports show them (privacy.shown_path)."""
    real_root = os.path.realpath(root)
    found: list[FoundFile] = []
    skipped: list[SkippedEntry] = []
    visited_dirs: set[tuple[int, int]] = set()

    def skip(parts: tuple[str, ...], reason: str) -> None:
        skipped.append(SkippedEntry(shown_path(parts), reason))

    debris_file, debris_dir = _matcher(tuple(debris_files)), _matcher(tuple(debris_dirs))   # is_debris's, made once

    # Depth first, in name order: a stack of folders still to list (with their stat, taken when
    # they were found), the next one on top.
    try:
        root_st: os.stat_result | None = os.stat(real_root)
    except OSError as exc:
        root_st = None
        skip((), f"cannot open folder ({exc.strerror})")
    stack: list[tuple[str, tuple[str, ...], os.stat_result]] = [(real_root, (), root_st)] if root_st else []
    while stack:
        directory, parts, st = stack.pop()
        if (st.st_dev, st.st_ino) in visited_dirs:
            skip(parts, "folder already scanned through another path (link loop or duplicate link)")
            continue
        visited_dirs.add((st.st_dev, st.st_ino))
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            skip(parts, f"cannot list folder ({exc.strerror})")
            continue
        subfolders: list[tuple[str, tuple[str, ...], os.stat_result]] = []
        for entry in entries:
            entry_parts = parts + (entry.name,)
            path = entry.path
            is_link = False
            try:
                is_link = entry.is_symlink()
                if is_link:
                    target = os.path.realpath(path)
                    if not is_inside(target, real_root, resolve=False):
                        skip(entry_parts, "link pointing outside the scanned folder")
                        continue
                    path = target
                # os.stat never opens the target, so a FIFO or device is safe to look at here.
                st = os.stat(path)
            except OSError as exc:
                skip(entry_parts, "broken link" if is_link else f"cannot stat ({exc.strerror})")
                continue
            if stat.S_ISDIR(st.st_mode):
                if _matches(debris_dir, entry.name):
                    skip(entry_parts, "sync/OS debris folder")
                elif len(entry_parts) > max_depth:
                    skip(entry_parts, f"folder more than {max_depth} levels deep (not read)")
                else:
                    subfolders.append((path, entry_parts, st))
            elif stat.S_ISREG(st.st_mode):
                if _matches(debris_file, entry.name):
                    skip(entry_parts, "sync/OS debris")
                else:
                    found.append(FoundFile(path, entry_parts, st.st_size, st.st_mtime_ns))
            else:
                skip(entry_parts, "not a regular file (FIFO, socket or device)")
        stack.extend(reversed(subfolders))
    found.sort(key=lambda f: f.parts)
    return found, skipped


def files_by_shown_path(root: Path, debris_files: tuple[str, ...], debris_dirs: tuple[str, ...]) -> dict[str, list[Path]]:
    """The files under `root` (as discover finds them) by the path every output shows for them
    (privacy.shown_path: personal numbers masked, odd characters escaped), which is the path a
    scan's results carry: a FileResult never holds the real name of a file named after a passport
    or an account. For the commands that go back to a judged file's bytes (export, ozon upload)."""
    from ..privacy import shown_path

    found, _ = discover(root, debris_files, debris_dirs)
    by_shown: dict[str, list[Path]] = {}
    for entry in found:
        by_shown.setdefault(shown_path(entry.parts), []).append(Path(entry.abspath))
    return by_shown


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's content (hex), read in 1 MiB blocks; OSError as reading raises it."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def real_file(by_shown: dict[str, list[Path]], shown: str, sha256: str) -> Path | None:
    """The file behind a result's `shown` path whose content hash is `sha256` (two names may show
    alike once masked); None when it is gone or changed since it was read."""
    for path in by_shown.get(shown, []):
        try:
            if file_sha256(path) == sha256:
                return path
        except OSError:
            continue
    return None
