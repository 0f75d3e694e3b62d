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
from pathlib import Path
from typing import TYPE_CHECKING

from ..names import safe_text

if TYPE_CHECKING:
    from ..i18n import Translator

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


def cap_cell(text: str, limit: int = EXCEL_CELL_LIMIT, tr: "Translator | None" = None) -> str:
    """A cell no longer than `limit` characters. A list ('a; b; c') keeps its first items whole and
    ends with a visible note of how many it leaves out ("… 19,873 more"); other text is cut and says
    how many characters it leaves out. The note is in `tr`'s language (None: English)."""
    if len(text) <= limit:
        return text
    from ..i18n import translator

    tr = translator(tr)

    items = text.split(ITEM_SEPARATOR)
    if len(items) > 1:
        kept: list[str] = []
        used = 0
        for item in items:
            note = tr.t("cell.more_items", count=f"{len(items) - len(kept):,}")
            if used + len(item) + len(ITEM_SEPARATOR) + len(note) + 2 > limit:
                break
            kept.append(item)
            used += len(item) + len(ITEM_SEPARATOR)
        note = tr.t("cell.more_items", count=f"{len(items) - len(kept):,}")
        return ITEM_SEPARATOR.join(kept + [note]) if kept else note
    note = tr.t("cell.more_chars", count=f"{len(text) - (limit - 40):,}")
    return text[: limit - 40] + " " + note


# A cell starting with one of these may need defusing (_defuse_line strips spaces before looking).
_DEFUSE_FIRST = frozenset(" " + "".join(_DANGEROUS))


def csv_cell(value: object, tr: "Translator | None" = None) -> str:
    """One value as a CSV report writes it: escaped (names.safe_text), defused, capped (the cap's
    note in `tr`'s language)."""
    if value is None or value == "":
        return ""    # most cells of a files report: nothing to escape, defuse or cap
    if (type(value) is str and value.isascii() and value.isprintable() and value[0] not in _DEFUSE_FIRST
            and len(value) <= EXCEL_CELL_LIMIT):
        return value   # most of the rest (a SKU, a path, a code): printable ASCII that starts no formula
    return cap_cell(defuse_cell(safe_text(value)), tr=tr)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ",",
              tr: "Translator | None" = None) -> Iterator[str]:
    """The CSV text, one record at a time (RFC 4180 quoting, CRLF line ends as Excel writes them,
    `delimiter`: "," ";" or a tab, else ValueError), every cell through csv_cell."""
    if delimiter not in (",", ";", "\t"):
        raise ValueError(f"CSV delimiter must be ',', ';' or a tab, not {delimiter!r}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", delimiter=delimiter)
    for row in itertools.chain([header], rows):
        writer.writerow([csv_cell(v, tr) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ",",
             tr: "Translator | None" = None) -> str:
    """The whole CSV text (csv_lines joined)."""
    return "".join(csv_lines(header, rows, delimiter, tr))


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


