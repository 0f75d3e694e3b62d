"""Path questions asked in several places, answered once."""

from __future__ import annotations

import os
from pathlib import Path


def is_inside(path: str | Path, folder: str | Path, *, resolve: bool = True) -> bool:
    """True when `path` is `folder` or lies under it. resolve=True follows links first (realpath),
    so a link into the folder counts as inside; resolve=False compares the paths as given (both
    already absolute and resolved, e.g. during a walk). "-" (standard output) is inside nothing."""
    if str(path) == "-":
        return False
    if resolve:
        path, folder = os.path.realpath(path), os.path.realpath(folder)
    path, folder = os.fspath(path), os.fspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
