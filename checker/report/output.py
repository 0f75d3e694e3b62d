"""Writing report files safely: atomically, not world-readable, never inside the scanned folder,
and with no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from functools import lru_cache
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


_delimiter: ContextVar[str] = ContextVar("csv_delimiter", default=",")


def set_csv_delimiter(delimiter: str) -> None:
    """The CSV reports' separator for this run (--csv-delimiter): "," (the default), ";" or "\\t"."""
    if delimiter not in (",", ";", "\t"):
        raise ValueError(f"CSV delimiter must be ',', ';' or a tab, not {delimiter!r}")
    _delimiter.set(delimiter)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text (RFC 4180 quoting, CRLF) with every cell defused, separated by the run's delimiter."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", delimiter=_delimiter.get())
    writer.writerow([defuse_cell(h) for h in header])
    for row in rows:
        writer.writerow([defuse_cell(v) for v in row])
    return buffer.getvalue()


def write_atomic(path: Path, text: str | bytes, encoding: str = "utf-8") -> None:
    """Temp file in the same folder, then rename: a crash never leaves half a report. The path "-"
    writes to standard output instead (text without a byte-order mark: a pipe reads plain UTF-8).
    `text` may be bytes (a workbook)."""
    binary = isinstance(text, bytes)
    if str(path) == "-":
        import sys

        if binary:
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="")) as handle:
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
    if str(path) == "-":
        return False     # standard output
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False


@lru_cache(maxsize=4)
def _load_rules(directory: str | None):
    from ..rules import load_rules

    return load_rules(Path(directory) if directory else None)


def rules_for(result) -> "Rules":
    """The rules a report takes reason titles, fixes and category names from. ScanResult does not say
    which folder --rules named, so the built-in rules are used; a `rules_dir` attribute on the
    result, once it has one, is honoured."""
    return _load_rules(getattr(result, "rules_dir", None))
