"""Writing report files safely: atomically, not world-readable, never inside the scanned folder,
and with no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

REPORT_MODE = 0o640
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _defuse_line(line: str) -> str:
    if _NUMBER.fullmatch(line.strip()):
        return line
    if line.startswith(_DANGEROUS) or line.lstrip(" ").startswith(_DANGEROUS):
        return "'" + line
    return line


def defuse_cell(value: object) -> str:
    """OWASP CSV-injection defence: a line that would start a formula gets a leading quote.

    Every line of a multi-line cell is checked, since some spreadsheet imports split cells on newlines."""
    text = "" if value is None else str(value)
    if not text:
        return text
    pieces = re.split(r"(\r\n|\n|\r)", text)
    if pieces[0] == "" and len(pieces) > 1:
        return "'" + text   # the cell itself starts with a line break (CR)
    return "".join(p if i % 2 else _defuse_line(p) for i, p in enumerate(pieces))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([defuse_cell(h) for h in header])
    for row in rows:
        writer.writerow([defuse_cell(v) for v in row])
    return buffer.getvalue()


def write_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Temp file in the same folder, then rename: a crash never leaves half a report."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, REPORT_MODE)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def is_inside(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False
