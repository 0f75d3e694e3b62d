"""Writing report files safely: atomically, not world-readable, never inside the scanned folder,
streamed (a report of a million rows is written row by row, never held as one string), with no
cell a spreadsheet would run as a formula and none longer than a spreadsheet cell holds."""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from ..names import safe_text

REPORT_MODE = 0o640
EXCEL_CELL_LIMIT = 32_767       # characters a cell of Excel (and LibreOffice) holds; longer ones are cut on import
ITEM_SEPARATOR = "; "
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _defuse_line(line: str) -> str:
    if not line.lstrip(" ").startswith(_DANGEROUS) or _NUMBER.fullmatch(line.strip()):
        return line
    return "'" + line


def defuse_cell(value: object) -> str:
    """OWASP CSV-injection defence: a line that would start a formula gets a leading quote.

    Every line of a multi-line cell is checked, since some spreadsheet imports split cells on newlines."""
    text = "" if value is None else str(value)
    if not text:
        return text
    if "\n" not in text and "\r" not in text:
        return _defuse_line(text)
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


def cap_cell(text: str, limit: int = EXCEL_CELL_LIMIT) -> str:
    """A cell no longer than `limit` characters. A list ('a; b; c') keeps its first items whole and
    ends with a visible note of how many it leaves out ("… 19,873 more"); other text is cut and says
    how many characters it leaves out. The note is in the run's language."""
    if len(text) <= limit:
        return text
    from .. import i18n

    items = text.split(ITEM_SEPARATOR)
    if len(items) > 1:
        kept: list[str] = []
        used = 0
        for item in items:
            note = i18n.t("cell.more_items", count=f"{len(items) - len(kept):,}")
            if used + len(item) + len(ITEM_SEPARATOR) + len(note) + 2 > limit:
                break
            kept.append(item)
            used += len(item) + len(ITEM_SEPARATOR)
        note = i18n.t("cell.more_items", count=f"{len(items) - len(kept):,}")
        return ITEM_SEPARATOR.join(kept + [note]) if kept else note
    note = i18n.t("cell.more_chars", count=f"{len(text) - (limit - 40):,}")
    return text[: limit - 40] + " " + note


def csv_cell(value: object) -> str:
    """One value as a CSV report writes it: escaped (names.safe_text), defused, capped."""
    return cap_cell(defuse_cell(safe_text(value)))


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text, one record at a time (RFC 4180 quoting, CRLF line ends as Excel writes them,
    the run's delimiter), every cell through csv_cell."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", delimiter=_delimiter.get())
    for row in itertools.chain([header], rows):
        writer.writerow([csv_cell(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The whole CSV text (csv_lines joined)."""
    return "".join(csv_lines(header, rows))


def write_atomic(path: Path, text: str | bytes | Iterable[str], encoding: str = "utf-8") -> None:
    """Temp file in the same folder, then rename: a crash never leaves half a report. `text` may be
    one string, bytes (a workbook) or an iterable of pieces (written as they come: memory holds one
    piece at a time). The path "-" writes to standard output instead (text without a byte-order
    mark: a pipe reads plain UTF-8)."""
    binary = isinstance(text, bytes)
    if str(path) == "-":
        import sys

        if binary:
            sys.stdout.buffer.write(text)
        elif isinstance(text, str):
            sys.stdout.write(text)
        else:
            sys.stdout.writelines(text)
        sys.stdout.flush()
        return
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="")) as handle:
            if isinstance(text, (str, bytes)):
                handle.write(text)
            else:
                handle.writelines(text)
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


@lru_cache(maxsize=4)
def _load_rules(directory: str | None):
    from ..rules import load_rules

    return load_rules(Path(directory) if directory else None)


def rules_for(result) -> "Rules":
    """The rules a report takes reason titles, fixes and category names from. ScanResult does not say
    which folder --rules named, so the built-in rules are used; a `rules_dir` attribute on the
    result, once it has one, is honoured."""
    return _load_rules(getattr(result, "rules_dir", None))
