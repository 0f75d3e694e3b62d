"""The user's SKU list: a CSV from Excel or a marketplace export, in UTF-8 (BOM or not) or
Windows-1251, comma- or semicolon-delimited. Every column is kept for the report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

MAX_CSV_BYTES = 200 * 1024 * 1024


class SkuFileError(Exception):
    """The SKU CSV cannot be used; the message is one line for the user."""


@dataclass(slots=True)   # one per row: a list may have a million (docs/hostile-input.md)
class SkuRow:
    sku: str
    category: str
    row: dict[str, str]
    line: int


@dataclass
class SkuList:
    rows: list[SkuRow]
    columns: list[str]
    encoding: str
    delimiter: str
    warnings: list[str] = field(default_factory=list)


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # A Russian Excel export. cp1251 maps every byte but one, so it is the right last resort.
        return data.decode("cp1251", errors="replace"), "cp1251"


def _header_cells(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text[:64 * 1024], newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def _delimiter(text: str) -> str:
    """The sniffed delimiter when its header holds a 'sku' column, else whichever delimiter does.

    Only the delimiter is sniffed: the quoting rules stay Excel's, as csv.Sniffer's guesses at
    quote characters are unreliable on small samples."""
    candidates = [",", ";", "\t"]
    try:
        sniffed = csv.Sniffer().sniff(text[:64 * 1024], delimiters=",;\t").delimiter
        candidates.insert(0, sniffed)
    except csv.Error:
        pass
    for delimiter in candidates:
        if "sku" in (c.strip().lstrip("\ufeff").casefold() for c in _header_cells(text, delimiter)):
            return delimiter
    return candidates[0]


def read_sku_csv(path: Path) -> SkuList:
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise SkuFileError(f"{path}: the SKU list is larger than {MAX_CSV_BYTES // 2**20} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SkuFileError(f"{path}: SKU list not found") from None
    except IsADirectoryError:
        raise SkuFileError(f"{path}: is a folder, expected a CSV file") from None
    except OSError as exc:
        raise SkuFileError(f"{path}: cannot read the SKU list ({exc.strerror})") from None
    return parse_sku_csv(data, str(path))


def parse_sku_csv(data: bytes, source: str = "SKU list") -> SkuList:
    text, encoding = decode_csv_bytes(data)
    if b"\x00" in data[:4096]:
        raise SkuFileError(f"{source}: looks like a binary file (an .xlsx?); save it as CSV")
    if not text.strip():
        raise SkuFileError(f"{source}: the SKU list is empty")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise SkuFileError(f"{source}: cannot read the CSV header ({exc})") from None
    columns = [h.strip().lstrip("\ufeff") for h in header]
    folded = [c.casefold() for c in columns]
    if "sku" not in folded:
        raise SkuFileError(f"{source}: no 'sku' column in the header (found: {', '.join(columns) or 'nothing'})")
    sku_at = folded.index("sku")
    category_at = folded.index("category") if "category" in folded else None
    result = SkuList([], columns, encoding, delimiter)
    if category_at is None:
        result.warnings.append(f"{source}: no 'category' column; every SKU's category is unknown")
    seen: dict[str, SkuRow] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            cells = cells + [""] * (len(columns) - len(cells))
            row = {columns[i] or f"column_{i + 1}": cells[i].strip() for i in range(len(columns))}
            sku = cells[sku_at].strip()
            if not sku:
                result.warnings.append(f"{source}: line {line}: row without a SKU skipped")
                continue
            category = cells[category_at].strip() if category_at is not None else ""
            if sku in seen:
                first = seen[sku]
                result.warnings.append(f"{source}: line {line}: SKU {sku} listed again (first on line {first.line}); the first row is used")
                continue
            seen[sku] = SkuRow(sku, category, row, line)
            result.rows.append(seen[sku])
    except csv.Error as exc:
        raise SkuFileError(f"{source}: line {reader.line_num}: malformed CSV ({exc})") from None
    return result
