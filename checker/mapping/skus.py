"""The user's SKU list, as the tools sellers use write it.

Read: CSV or text in UTF-8 (BOM or not), Windows-1251 or UTF-16 with a BOM (Excel's "Unicode
text"), comma-, semicolon- or tab-delimited; and Excel workbooks (.xlsx, .xlsm) through openpyxl in
read-only mode, the first sheet or the one named with `--skus-sheet`. The header row is the first
row holding a SKU column (Ozon's templates put title rows above it), found by the aliases in
HEADER_ALIASES, case-insensitively. Every column is kept for the report.

Rows are streamed: a CSV is decoded chunk by chunk and a workbook row by row, and each row keeps
only its cells (a tuple) beside the list's one column list.

A file that is none of these (an .xls from old Excel, a .numbers or .ods file, UTF-16 without a
BOM, a PDF) is refused with one line saying what it looks like: SkuFileError, exit 2 in the CLI. So
is a list with no SKU rows (a header and nothing under it, or only rows without a SKU), and a text
list where a quoted cell runs over a line break (a quote left open swallows the rows after it).

Warned about (SkuList.warnings): a row with cells but no SKU, a SKU listed again, spaces around a
SKU (the first SPACE_WARNINGS lines by line, the rest counted); one warning per line at most. A row
whose cells are all empty (a blank line, or only delimiters) is skipped without a word.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .. import i18n
from ..names import fold_name

MAX_CSV_BYTES = 200 * 1024 * 1024
HEADER_SEARCH_ROWS = 50          # title rows above the header that are looked through
SPACE_WARNINGS = 10              # lines with spaces around the SKU warned one by one; the rest are counted
_SAMPLE = 64 * 1024
_CHUNK = 1024 * 1024

# Column header -> the field it fills. Compared after NFC, case-folding, trimming and dropping a
# trailing '*' (Ozon marks required columns with one). Ozon's own names first: offer_id is the
# Seller API's field for the seller's article, "Артикул" the export's column.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "артикул", "offer_id", "货号", "商品编码", "article", "vendor code"),
    "category": ("category", "категория", "тип", "type", "类目", "品类"),
    "name": ("name", "наименование товара", "название", "商品名称"),
    "brand": ("brand", "бренд", "品牌"),
}
_FIELD_OF = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


class SkuFileError(Exception):
    """The SKU list cannot be used; the message is one line for the user, in the run's language."""


@dataclass(slots=True)   # one per row: a list may have a million (docs/hostile-input.md)
class SkuRow:
    """One product of the list. `cells` are the row's values in `columns` order (as written,
    trimmed); `line` is the file's line (CSV) or sheet row (xlsx) it came from."""
    sku: str
    category: str
    cells: tuple[str, ...]
    columns: tuple[str, ...]
    line: int
    name: str = ""                  # the product's name (Ozon: "Наименование товара"), "" when no column
    brand: str = ""

    @property
    def row(self) -> dict[str, str]:
        """The user's row, every column: header -> value."""
        return dict(zip(self.columns, self.cells))


@dataclass
class SkuList:
    """A SKU list as read (read_sku_csv). rows: one SkuRow per SKU, the first row of each (a repeat is
    dropped with a warning); columns: the header's names (an empty one named column_N); encoding and
    delimiter: how the file was read; warnings: rows dropped and columns missing, as i18n.Said;
    has_category; sheet."""
    rows: list[SkuRow]
    columns: list[str]
    encoding: str                   # "utf-8", "utf-8-sig", "cp1251", "utf-16", or "xlsx"
    delimiter: str                  # "" for a workbook
    warnings: list[str] = field(default_factory=list)
    has_category: bool = True       # False: categories are to be inferred from product names
    sheet: str = ""                 # the worksheet read, for a workbook


def _header_key(cell: str) -> str:
    return " ".join(fold_name(cell).strip().lstrip("\ufeff").rstrip("*").split())


def header_field(cell: str) -> str | None:
    """The field a column header names ("sku", "category", "name", "brand"), or None."""
    return _FIELD_OF.get(_header_key(cell))


def _field_columns(header: list[str]) -> dict[str, int | None]:
    """field -> index of its column. When two columns name one field (Ozon's template has both
    "Категория" and "Тип"), the alias listed first in HEADER_ALIASES wins, then the leftmost."""
    best: dict[str, tuple[int, int]] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        field_name = _FIELD_OF.get(key)
        if field_name is not None:
            rank = (HEADER_ALIASES[field_name].index(key), index)
            best[field_name] = min(best.get(field_name, rank), rank)
    return {name: best[name][1] if name in best else None for name in HEADER_ALIASES}


# --- what the file is ---------------------------------------------------------------------------

def _looks_like(head: bytes, suffix: str, source: str) -> str | None:
    """'xlsx' for a workbook to read, None for text to decode; raises SkuFileError naming what a
    file we cannot read looks like."""
    def refuse(msg_id: str) -> SkuFileError:
        return SkuFileError(i18n.said(msg_id, source=source))

    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise refuse("skus.err.xls")
    if head.startswith(b"%PDF"):
        raise refuse("skus.err.pdf")
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return None
    if b"\x00" in head[:4096]:
        sample = head[:4096]
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        if max(odd, even) > len(sample) // 4:     # every other byte zero: UTF-16 text with its BOM lost
            raise refuse("skus.err.utf16_no_bom")
        raise refuse("skus.err.binary")
    if suffix == ".numbers":
        raise refuse("skus.err.numbers")
    return None


def _zip_kind(path_or_data: Path | bytes, source: str) -> None:
    """A zip that is not an Excel workbook: say which spreadsheet it is."""
    try:
        with zipfile.ZipFile(path_or_data if isinstance(path_or_data, Path) else io.BytesIO(path_or_data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, KeyError):
        raise SkuFileError(i18n.said("skus.err.zip", source=source)) from None
    if "xl/workbook.xml" in names:
        return
    if "opendocument.spreadsheet" in mimetype:
        raise SkuFileError(i18n.said("skus.err.ods", source=source))
    if any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
        raise SkuFileError(i18n.said("skus.err.numbers", source=source))
    raise SkuFileError(i18n.said("skus.err.zip", source=source))


def _encoding(handle: BinaryIO, head: bytes) -> str:
    """utf-16 (BOM), utf-8-sig, utf-8 when the whole file decodes as UTF-8, else cp1251 (a Russian
    Excel export: cp1251 maps every byte but one, so it is the right last resort). Reads the file
    once in chunks; nothing is kept."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    handle.seek(0)
    try:
        while chunk := handle.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8"


# --- reading --------------------------------------------------------------------------------------

def read_sku_csv(path: Path, sheet: str | None = None) -> SkuList:
    """The SKU list at `path`: CSV/text or an Excel workbook (see the module's docstring).

    `sheet`: the worksheet of a workbook (default: the first). Raises SkuFileError (one line)."""
    source = str(path)
    try:
        if path.is_dir():
            msg = "skus.err.numbers" if path.suffix.casefold() == ".numbers" else "skus.err.folder"
            raise SkuFileError(i18n.said(msg, source=source))
        if path.stat().st_size > MAX_CSV_BYTES:
            raise SkuFileError(i18n.said("skus.err.too_large", source=source, mb=MAX_CSV_BYTES // 2**20))
        with open(path, "rb") as handle:
            return _read(handle, path.suffix.casefold(), source, sheet, path)
    except FileNotFoundError:
        raise SkuFileError(i18n.said("skus.err.not_found", source=source)) from None
    except OSError as exc:
        raise SkuFileError(i18n.said("skus.err.unreadable", source=source, problem=exc.strerror or str(exc))) from None


def parse_sku_csv(data: bytes, source: str = "SKU list", sheet: str | None = None) -> SkuList:
    """The same as read_sku_csv, from bytes in memory."""
    return _read(io.BytesIO(data), "", source, sheet, None)


def _read(handle: BinaryIO, suffix: str, source: str, sheet: str | None, path: Path | None) -> SkuList:
    head = handle.read(_SAMPLE)
    if _looks_like(head, suffix, source) == "zip":
        handle.seek(0)
        _zip_kind(path if path is not None else handle.read(), source)
        handle.seek(0)
        return _read_workbook(handle, source, sheet)
    if sheet:
        raise SkuFileError(i18n.said("skus.err.sheet_not_workbook", source=source, sheet=sheet))
    encoding = _encoding(handle, head)
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
    try:
        sample = text.read(_SAMPLE)
        if not sample.strip():
            raise SkuFileError(i18n.said("skus.err.empty", source=source))
        delimiter = _delimiter(sample)
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        try:
            return _build(_text_rows(reader, source), source, encoding, delimiter)
        except csv.Error as exc:
            raise SkuFileError(i18n.said("skus.err.malformed", source=source, line=reader.line_num, problem=str(exc))) from None
    finally:
        text.detach()


def _text_rows(reader, source: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for each row of a CSV reader, `line` the line it ends on (a row is one line).

    A row whose cells swallowed rows (_swallows_rows: a SKU cell over lines, or a later line holding
    a delimiter) is refused (SkuFileError naming the line its row starts on): a quote left open
    makes the rows after it one cell (up to the next stray quote, or to the end of the file); a
    quoted note over lines stays a cell. From the header on every row is checked; above the header
    (title rows) only a cell that hides a SKU header among its lines is, so a title written over
    two lines stays harmless. A field that outgrows csv's size limit while running over lines is the
    same open quote. Cheap per row: only a row that spans lines has its cells looked at."""
    last = 0                        # the line the previous row ended on
    sku_column: int | None = None   # the SKU column's index, once the header is read
    try:
        for cells in reader:
            line = reader.line_num
            if line - last > 1 and (_swallows_rows(cells, sku_column) if sku_column is not None else _hides_header(cells)):
                raise _open_quote(source, last + 1)
            if sku_column is None:
                sku_column = next((i for i, c in enumerate(cells) if header_field(c) == "sku"), None)
            yield line, cells
            last = line
    except csv.Error:
        if reader.line_num - last > 1:
            raise _open_quote(source, last + 1) from None
        raise


_SPLIT_ANY = re.compile("[,;\t]")


def _swallows_rows(cells: list[str], sku_column: int) -> bool:
    """Whether a row running over several lines is a quote left open rather than a quoted note
    written over lines ("ok\n=evil()" in a note column is a cell; Excel writes such cells): its SKU
    cell holds a line break, or a later line of a cell splits at a delimiter, as a swallowed row does."""
    if sku_column < len(cells) and ("\n" in cells[sku_column] or "\r" in cells[sku_column]):
        return True
    return any(len(_SPLIT_ANY.split(text)) > 1
               for cell in cells if "\n" in cell or "\r" in cell
               for text in cell.splitlines()[1:])


def _hides_header(cells: list[str]) -> bool:
    """Whether a line of a multi-line cell reads as a header naming a SKU column (split at any of
    the delimiters: a quote left open may have misled the delimiter's guess too)."""
    return any(header_field(part.strip().strip('"')) == "sku"
               for cell in cells if "\n" in cell or "\r" in cell
               for text in cell.splitlines() for part in _SPLIT_ANY.split(text))


def _open_quote(source: str, line: int) -> SkuFileError:
    return SkuFileError(i18n.said("skus.err.open_quote", source=source, line=line))


def _delimiter(sample: str) -> str:
    """The delimiter whose split of the first rows yields a SKU column header; else the sniffed one.

    Only the delimiter is sniffed: the quoting rules stay Excel's, as csv.Sniffer's guesses at
    quote characters are unreliable on small samples."""
    candidates = [",", ";", "\t"]
    try:
        candidates.insert(0, csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter)
    except csv.Error:
        pass
    for delimiter in candidates:
        try:
            head = itertools.islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), HEADER_SEARCH_ROWS)
            if any(header_field(c) == "sku" for cells in head for c in cells):
                return delimiter
        except csv.Error:
            continue
    return candidates[0]


def _read_workbook(handle: BinaryIO, source: str, sheet: str | None) -> SkuList:
    import openpyxl   # only a workbook needs it

    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:   # openpyxl raises many kinds for a broken workbook: one line for all
        raise SkuFileError(i18n.said("skus.err.workbook", source=source, problem=f"{type(exc).__name__}: {exc}".splitlines()[0])) from None
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise SkuFileError(i18n.said("skus.err.no_sheet", source=source, sheet=sheet, sheets=", ".join(book.sheetnames)))
            worksheet = book[sheet]
        else:
            worksheet = book.worksheets[0]
        rows = ((n, [_cell_text(v) for v in values]) for n, values in enumerate(worksheet.iter_rows(values_only=True), 1))
        result = _build(rows, source, "xlsx", "")
        result.sheet = worksheet.title
        return result
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """A workbook cell as the seller sees it: 12345 not 12345.0, a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def _build(rows: Iterable[tuple[int, list[str]]], source: str, encoding: str, delimiter: str) -> SkuList:
    """Find the header among the first rows, then keep each product row once.

    The cyclic garbage collector is paused while rows are added: they hold no cycles, and its
    passes over a growing list of millions of young objects cost more than the parsing."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build_rows(rows, source, encoding, delimiter)
    finally:
        if collecting:
            gc.enable()


def _build_rows(rows: Iterable[tuple[int, list[str]]], source: str, encoding: str, delimiter: str) -> SkuList:
    rows = iter(rows)
    header = _find_header(rows, source)
    columns = tuple(c.strip().lstrip("\ufeff") or f"column_{i + 1}" for i, c in enumerate(header))
    at = _field_columns(header)
    result = SkuList([], list(columns), encoding, delimiter, has_category=at["category"] is not None)
    if at["category"] is None:
        result.warnings.append(i18n.said("skus.warn.no_category_inferred" if at["name"] is not None else "skus.warn.no_category",
                                      source=source))
    width = len(columns)
    sku_at, category_at, name_at, brand_at = (at[name] for name in ("sku", "category", "name", "brand"))
    seen: dict[str, int] = {}
    rows_out = result.rows
    spaced = 0                      # lines whose SKU had spaces around it
    for line, cells in rows:        # the hot loop of a 1,000,000-row list: no per-row closures or dicts
        if len(cells) != width:
            cells = cells[:width] + [""] * (width - len(cells))
        written = cells[sku_at]
        cells = tuple([c.strip() for c in cells])
        sku = cells[sku_at]
        if not sku:
            if any(cells):          # a row of empty cells (a blank line, ";;") is skipped without a word
                result.warnings.append(i18n.said("skus.warn.no_sku", source=source, line=line))
            continue
        key = sku.casefold() if sku.isascii() else fold_name(sku)
        first = seen.setdefault(key, line)
        if first != line:
            result.warnings.append(i18n.said("skus.warn.duplicate", source=source, line=line, sku=sku, first=first))
            continue
        if len(written) != len(sku):     # one warning per line: a repeat's spaces go unmentioned
            spaced += 1
            if spaced <= SPACE_WARNINGS:
                result.warnings.append(i18n.said("skus.warn.spaces", source=source, line=line, sku=sku))
        rows_out.append(SkuRow(sku, cells[category_at] if category_at is not None else "", cells, columns, line,
                               cells[name_at] if name_at is not None else "", cells[brand_at] if brand_at is not None else ""))
    if spaced > SPACE_WARNINGS:
        result.warnings.append(i18n.said("skus.warn.spaces_more", source=source, count=spaced - SPACE_WARNINGS))
    if not rows_out:
        raise SkuFileError(i18n.said("skus.err.no_rows", source=source))
    return result


def _find_header(rows: Iterator[tuple[int, list[str]]], source: str) -> list[str]:
    """The first of the first HEADER_SEARCH_ROWS rows that names a SKU column (rows before it are titles)."""
    looked: list[str] = []
    for _line, cells in itertools.islice(rows, HEADER_SEARCH_ROWS):
        if any(header_field(c) == "sku" for c in cells):
            return cells
        if not looked and any(c.strip() for c in cells):
            looked = [c.strip().lstrip("\ufeff") for c in cells if c.strip()]
    if not looked:
        raise SkuFileError(i18n.said("skus.err.empty", source=source))
    raise SkuFileError(i18n.said("skus.err.no_sku_column", source=source, aliases=", ".join(HEADER_ALIASES["sku"]),
                              found=", ".join(looked)))
