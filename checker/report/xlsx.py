"""--xlsx: one Excel workbook a seller's team opens by double-click, in the reader's language.

Sheets: SKUs (one row per SKU, status coloured, reason titles and a "what to do" column from the
reasons' fixes), Files (one row per file read), KYC (one row per requirement) and, when the Ozon
form was asked for (--ozon-sheet), the Ozon form. Every sheet has a frozen header row, an
autofilter and column widths that fit the text; dates are real Excel dates (sortable, filterable).

Written with XlsxWriter (it writes .xlsx only, fast and with the formatting we need). Every string
is written as a string, never as a formula, and every text cell is defused like the CSVs' cells
(output.defuse_cell): a file named "=HYPERLINK(…)" stays text in Excel, LibreOffice and in any CSV
someone saves from the workbook.

`doccheck audit --xlsx` writes one workbook for an agency: a summary sheet with a row per client
and a sheet per client with its SKUs (write_audit_workbook).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import i18n
from ..codes import BY_NAME, ChatStatus
from ..models import FileResult, Group, ScanResult, SkuResult
from ..names import display_name
from ..judging.sku import sku_details
from ..judging.views import kyc_state, sku_certificates, sku_manuals, sku_valid_until
from .json_report import clean
from .context import ReportContext, builtin_rules, context_of
from .output import defuse_cell, write_atomic

# Fill and font colours of a status cell (the HTML report's palette).
STATUS_COLOURS = {ChatStatus.OK: ("#E6F6EA", "#1A7F37"), ChatStatus.AT_RISK: ("#FFF5D1", "#8A5A00"),
                  ChatStatus.DISABLED: ("#FDECEC", "#C0262D")}
STATUS_ORDER = {ChatStatus.DISABLED: 0, ChatStatus.AT_RISK: 1, ChatStatus.OK: 2}
DATE_FORMATS = {"ru": "dd.mm.yyyy", "en": "yyyy-mm-dd", "zh": "yyyy-mm-dd"}
MAX_WIDTH = 50          # characters; longer text wraps inside its cell
ROW_HEIGHT = 15         # points: one line of the default 11-point font
MIN_WIDTH = 6
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


@dataclass
class Column:
    """One column: its header message id, how wide it may grow, and whether its text wraps."""
    header: str                  # message id (xlsx.col.*), or the literal header when literal=True
    wrap: bool = False
    literal: bool = False


class Cell:
    """What a sheet cell holds besides plain text."""


@dataclass
class DateCell(Cell):
    """A date, written as a real Excel date in the sheet's date format, in red when `past` (an expired
    paper); blank when `value` is None."""
    value: date | None
    past: bool = False           # shown in red: the paper has expired


@dataclass
class StatusCell(Cell):
    """A SKU's or client's status: `text` (its words) in the status's colours."""
    status: ChatStatus
    text: str


@dataclass
class YesNoCell(Cell):
    """Yes or no: `text` in the ok colours for yes, the disabled ones for no."""
    yes: bool
    text: str


@dataclass
class SheetLink(Cell):
    """A link to cell A1 of the workbook's sheet `sheet`, showing the sheet's name."""
    sheet: str


@dataclass
class NumberCell(Cell):
    """A number, written as a number; blank when None."""
    value: float | int | None


class _Book:
    """An XlsxWriter workbook with the formats every sheet shares."""

    def __init__(self, target, tr: i18n.Translator):
        import xlsxwriter

        lang = tr.lang
        # Strings stay strings: no formula, URL or number is ever guessed from a cell's text.
        self.wb = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_urls": False,
                                               "strings_to_numbers": False, "in_memory": True})
        self.lang, self.tr = lang, tr
        self.header = self.wb.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1, "text_wrap": True,
                                          "valign": "top"})
        self.text = self.wb.add_format({"valign": "top"})
        self.wrap = self.wb.add_format({"valign": "top", "text_wrap": True})
        self.date = self.wb.add_format({"valign": "top", "num_format": DATE_FORMATS.get(lang, "yyyy-mm-dd"),
                                        "align": "left"})
        self.expired = self.wb.add_format({"valign": "top", "num_format": DATE_FORMATS.get(lang, "yyyy-mm-dd"),
                                           "align": "left", "font_color": STATUS_COLOURS[ChatStatus.DISABLED][1],
                                           "bold": True})
        self.number = self.wb.add_format({"valign": "top"})
        self.link = self.wb.add_format({"valign": "top", "font_color": "#0B57D0", "underline": 1})
        self.status = {s: self.wb.add_format({"valign": "top", "bold": s is ChatStatus.DISABLED, "bg_color": bg,
                                              "font_color": fg}) for s, (bg, fg) in STATUS_COLOURS.items()}
        self.yes = self.status[ChatStatus.OK]
        self.no = self.status[ChatStatus.DISABLED]
        self.names: set[str] = set()

    def sheet_name(self, wanted: str) -> str:
        """Excel's rules: at most 31 characters, none of []:*?/\\, unique regardless of case."""
        base = _SHEET_UNSAFE.sub("_", display_name(wanted)).strip("'").strip() or "sheet"
        base = base[:31]
        name, n = base, 1
        while name.casefold() in self.names:
            n += 1
            suffix = f" ({n})"
            name = base[:31 - len(suffix)] + suffix
        self.names.add(name.casefold())
        return name

    def add_sheet(self, name: str, columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> None:
        """A sheet named `name` (from sheet_name), its header row frozen and filtered."""
        ws = self.wb.add_worksheet(name)
        headers = [c.header if c.literal else _capitalised(self.tr.t(c.header)) for c in columns]
        widths = [max(MIN_WIDTH, min(MAX_WIDTH, _text_width(h) + 2)) for h in headers]
        for col, head in enumerate(headers):
            ws.write_string(0, col, defuse_cell(clean(head)), self.header)
        shown: list[list[str]] = []
        for r, row in enumerate(rows, start=1):
            texts = [self._write(ws, r, col, value, columns[col].wrap) for col, value in enumerate(row)]
            for col, text in enumerate(texts):
                widths[col] = max(widths[col], min(MAX_WIDTH, _text_width(text) + 2))
            shown.append(texts)
        for col, w in enumerate(widths):
            ws.set_column(col, col, w)
        # Row heights for wrapped text: neither Excel nor LibreOffice grows a row on opening the file.
        for r, texts in enumerate(shown, start=1):
            lines = max((_lines(text, widths[col] - 1) for col, text in enumerate(texts) if columns[col].wrap), default=1)
            if lines > 1:
                ws.set_row(r, ROW_HEIGHT * lines)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
        # Printed (or saved as PDF): landscape, all columns on one page width, header on every page.
        ws.set_landscape()
        ws.set_paper(9)                 # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)

    def _write(self, ws, r: int, col: int, value: object, wrap: bool) -> str:
        """Write one cell; returns the text it shows (for the column's width)."""
        if isinstance(value, DateCell):
            if value.value is None:
                ws.write_blank(r, col, None, self.date)
                return ""
            ws.write_datetime(r, col, value.value, self.expired if value.past else self.date)
            return "00.00.0000"
        if isinstance(value, NumberCell):
            if value.value is None:
                ws.write_blank(r, col, None, self.number)
                return ""
            ws.write_number(r, col, value.value, self.number)
            return str(value.value)
        if isinstance(value, SheetLink):
            target = value.sheet.replace("'", "''")
            ws.write_url(r, col, f"internal:'{target}'!A1", self.link, string=defuse_cell(value.sheet))
            return value.sheet
        if isinstance(value, StatusCell):
            ws.write_string(r, col, defuse_cell(clean(value.text)), self.status[value.status])
            return value.text
        if isinstance(value, YesNoCell):
            ws.write_string(r, col, defuse_cell(clean(value.text)), self.yes if value.yes else self.no)
            return value.text
        text = defuse_cell(clean(value))
        ws.write_string(r, col, text, self.wrap if wrap else self.text)
        return text

    def close(self) -> None:
        self.wb.close()


def _capitalised(text: str) -> str:
    """A header as a heading: the terminal's lower-case column names ("client") capitalised."""
    return text[:1].upper() + text[1:]


def _text_width(text: str) -> int:
    """Columns the widest line takes (a CJK character counts two, as in Excel's column units)."""
    return max((i18n.width(line) for line in str(text).splitlines()), default=0)


def _lines(text: str, width: float) -> int:
    """Lines a wrapped cell of `width` characters needs for `text`."""
    per_line = max(1, int(width))
    return sum(max(1, math.ceil(i18n.width(line) / per_line)) for line in (text.splitlines() or [""]))


# --- the sheets of one scan ------------------------------------------------------------------------

SKU_COLUMNS = [Column("html.col.sku"), Column("html.col.category"), Column("html.col.chat"),
               Column("html.col.reasons", wrap=True), Column("xlsx.col.what_to_do", wrap=True),
               Column("xlsx.col.certificates", wrap=True), Column("xlsx.col.valid_until"),
               Column("xlsx.col.manuals", wrap=True), Column("xlsx.col.files", wrap=True),
               Column("xlsx.col.details", wrap=True)]
FILE_COLUMNS = [Column("xlsx.col.file", wrap=True), Column("html.col.sku"), Column("xlsx.col.role"),
                Column("html.fact.type"), Column("xlsx.col.pages"), Column("xlsx.col.ocr_pages"),
                Column("html.fact.language"), Column("html.fact.numbers", wrap=True), Column("xlsx.col.valid_from"),
                Column("xlsx.col.valid_until"), Column("html.col.reasons", wrap=True),
                Column("xlsx.col.what_to_do", wrap=True), Column("html.fact.notes", wrap=True)]
KYC_COLUMNS = [Column("html.kyc.col.requirement", wrap=True), Column("xlsx.col.present"),
               Column("xlsx.col.evidence", wrap=True), Column("xlsx.col.what_to_do", wrap=True)]
OZON_COLUMNS = [Column("html.col.sku"), Column("xlsx.col.document_type"), Column("xlsx.col.accordance_type"),
                Column("xlsx.col.number"), Column("xlsx.col.issue_date"), Column("xlsx.col.expiry_date"),
                Column("xlsx.col.regulations", wrap=True), Column("xlsx.col.file", wrap=True)]


def plain(text: str) -> str:
    """Reason texts are written for every report; a workbook shows no markdown backticks."""
    return text.replace("`", "")


class _Texts:
    """The run's words: reason titles and fixes from the rule files, labels from messages.yaml."""

    def __init__(self, result: ScanResult, tr: i18n.Translator):
        self.rules = result.rules if result.rules is not None else builtin_rules()
        self.tr, self.lang = tr, tr.lang

    def title(self, code: str) -> str:
        return plain(self.rules.reason_text(code, self.lang).title)

    def fix(self, code: str) -> str:
        return plain(self.rules.reason_text(code, self.lang).fix)

    def reasons(self, codes: Sequence[str]) -> tuple[str, str]:
        """(titles, fixes): one line each, blocking reasons first; a fix said once."""
        ordered = sorted(dict.fromkeys(codes), key=lambda c: (not BY_NAME[c].blocking, c) if c in BY_NAME else (True, c))
        fixes = list(dict.fromkeys(self.fix(c) for c in ordered))
        return "\n".join(self.title(c) for c in ordered), "\n".join(fixes)

    def status(self, status: ChatStatus) -> StatusCell:
        return StatusCell(status, self.tr.t(f"html.status.{status.value}"))

    def category(self, sku: SkuResult) -> str:
        category = self.rules.categories.get(sku.category) if sku.category else None
        if category is None:
            return sku.category_input or self.tr.t("value.unknown_category")
        return category.name(self.lang)

    def yes_no(self, yes: bool) -> YesNoCell:
        return YesNoCell(yes, self.tr.t("xlsx.yes" if yes else "xlsx.no"))


def sku_rows(result: ScanResult, words: _Texts) -> tuple[list[Column], list[list[object]]]:
    """The SKUs sheet: worst first (disabled, at risk, ok), then in the SKU list's order."""
    user_columns: list[str] = []
    for sku in result.skus:
        for column in sku.row:
            if column.casefold() not in ("sku", "category") and column not in user_columns:
                user_columns.append(column)
    rows = []
    for sku in sorted(result.skus, key=lambda s: STATUS_ORDER[s.status]):
        titles, fixes = words.reasons([c.code for c in sku.codes])
        manuals = [m.path for m in sku_manuals(sku) if m.counted]
        rows.append([sku.sku, words.category(sku), words.status(sku.status), titles, fixes,
                     "\n".join(sku_certificates(sku)), _until(sku, result.today), "\n".join(manuals),
                     "\n".join(f.path for f in sku.files), plain(sku_details(sku, words.tr, words.rules))]
                    + [sku.row.get(c, "") for c in user_columns])
    return SKU_COLUMNS + [Column(c, literal=True, wrap=True) for c in user_columns], rows


def _until(sku: SkuResult, today: date) -> DateCell:
    """The SKU's conformity papers' end date: the valid ones' latest, else (all expired) the latest
    end date any of them shows, in red, so the reader sees when it ran out."""
    until = sku_valid_until(sku)
    if until is not None:
        return DateCell(until, until < today)
    ended = [f.analysis.valid_until for f in sku.files if f.analysis.role == "conformity" and f.analysis.valid_until]
    return DateCell(max(ended), max(ended) < today) if ended else DateCell(None)


def _group(f: FileResult, tr: i18n.Translator) -> str:
    if f.group is Group.SKU:
        return f.sku or ""
    return "KYC" if f.group is Group.KYC else tr.t("html.other.unmapped")


def file_rows(result: ScanResult, words: _Texts) -> list[list[object]]:
    """The Files sheet's rows (FILE_COLUMNS), one per file: path, SKU (or KYC / not assigned), role,
    type, pages, pages OCR'd, language, numbers, valid from, valid until (red when past), reasons,
    what to do, notes."""
    tr = words.tr
    rows: list[list[object]] = []
    for f in result.files:
        a, facts = f.analysis, f.facts
        titles, fixes = words.reasons([c.code for c in f.codes])
        notes = ([facts.problem] if facts.problem else []) + list(facts.notes)
        notes = [i18n.render(n, tr) for n in notes] + [f"p{p.number}: {i18n.render(p.note, tr)}" for p in facts.pages if p.note]
        rows.append([
            f.path, _group(f, tr), tr.t(f"html.role.{a.role}", default=a.role),
            i18n.type_name(facts.mime, words.rules, tr),
            NumberCell(facts.page_count), NumberCell(len(facts.ocr_pages)),
            tr.t(f"language.{a.language}", default=a.language) if a.language else "",
            "\n".join(n.official for n in a.numbers), DateCell(a.valid_from),
            DateCell(a.valid_until, bool(a.valid_until and a.valid_until < result.today)),
            titles, fixes, "; ".join(notes),
        ])
    return rows


def kyc_rows(result: ScanResult, words: _Texts) -> list[list[object]]:
    """The KYC sheet's rows (KYC_COLUMNS), one per requirement: title, present (yes/no), evidence files
    one per line, what to do ("" when met)."""
    rows: list[list[object]] = []
    for req in result.kyc.requirements:
        title = i18n.kyc_title(req.key, req.title, words.tr)
        todo = "" if req.met else (req.note or words.tr.t("xlsx.kyc.add", requirement=title))
        rows.append([title, words.yes_no(req.met), "\n".join(req.evidence), todo])
    return rows


def ozon_rows(result: ScanResult, words: _Texts) -> list[list[object]]:
    """The Ozon form sheet's rows (OZON_COLUMNS), one per document ozon_sheet.ozon_documents lists; an
    expiry that is not a date ("infinite") is written as text."""
    from .ozon_sheet import ozon_documents

    tr = words.tr
    return [[d.offer_id, tr.t(f"ozon.doc.{d.certificate_type}", default=d.certificate_type),
             tr.t(f"ozon.acc.{d.accordance_type}", default=d.accordance_type), d.number,
             DateCell(d.issue_date), DateCell(d.expired_date) if not isinstance(d.expired_date, str) else d.expired_date,
             "\n".join(d.regulations), d.file]
            for d in ozon_documents(result)]


def add_scan_sheets(book: _Book, result: ScanResult, ozon: bool, prefix: str = "") -> None:
    """The SKUs, Files, KYC (when judged) and Ozon-form (when `ozon`) sheets of one scan."""
    words = _Texts(result, book.tr)
    columns, rows = sku_rows(result, words)

    def name(msg_id: str) -> str:
        return book.sheet_name(prefix + book.tr.t(msg_id))

    book.add_sheet(name("xlsx.sheet.skus"), columns, rows)
    book.add_sheet(name("xlsx.sheet.files"), FILE_COLUMNS, file_rows(result, words))
    if result.kyc.judged:
        book.add_sheet(name("xlsx.sheet.kyc"), KYC_COLUMNS, kyc_rows(result, words))
    if ozon:
        book.add_sheet(name("xlsx.sheet.ozon"), OZON_COLUMNS, ozon_rows(result, words))


def write_xlsx(result: ScanResult, path: Path, ctx: ReportContext | None = None, lang: str | None = None) -> None:
    """Write the scan's workbook to `path` (atomically, mode 0640; "-": the bytes to standard output),
    in ctx's language. With "--ozon-sheet" among ctx.asked (the run's report options) the Ozon-form
    sheet is added."""
    ctx = context_of(ctx, result, lang)
    _write_book(path, ctx.tr, lambda book: add_scan_sheets(book, result, "--ozon-sheet" in ctx.asked))


def _write_book(path: Path, tr: i18n.Translator, fill: Callable[[_Book], None]) -> None:
    """Build the workbook in memory, then write it atomically (or to standard output for "-")."""
    buffer = io.BytesIO()
    book = _Book(buffer, tr)
    fill(book)
    book.close()
    write_atomic(path, buffer.getvalue())


# --- the agency's workbook --------------------------------------------------------------------------

SUMMARY_COLUMNS = [Column("audit.col.client"), Column("xlsx.col.state"), Column("audit.col.skus"),
                   Column("audit.col.ok"), Column("audit.col.at_risk"), Column("audit.col.disabled"),
                   Column("audit.col.kyc"), Column("audit.col.files"), Column("xlsx.col.sheet"),
                   Column("xlsx.col.problem", wrap=True)]


def write_audit_workbook(clients: Sequence[tuple[object, ScanResult | None]], path: Path, lang: str) -> None:
    """One workbook for `doccheck audit`: a summary sheet (a row per client, its status coloured by
    its worst SKU) and a sheet per audited client with its SKUs. `clients`: (audit.ClientRow, its
    ScanResult or None when the client could not be audited). Words in `lang` over each client's
    rules (the built-in messages for the summary)."""
    tr = i18n.Translator(lang)

    def fill(book: _Book) -> None:
        summary_sheet = book.sheet_name(tr.t("xlsx.sheet.summary"))
        sheets: list[tuple[str, list[Column], list[list[object]]]] = []
        summary: list[list[object]] = []
        for row, result in clients:
            name = display_name(row.client)
            if result is None:
                summary.append([name, StatusCell(ChatStatus.DISABLED, tr.t("xlsx.client.error")), *[""] * 7,
                                display_name(row.error)])
                continue
            words = _Texts(result, i18n.Translator(lang, getattr(result.rules, "messages", None)))
            columns, rows = sku_rows(result, words)
            sheet = book.sheet_name(name)
            worst = min((s.status for s in result.skus), key=STATUS_ORDER.__getitem__, default=ChatStatus.OK)
            kyc = kyc_state(result.kyc)
            summary.append([name, words.status(worst), NumberCell(len(result.skus)),
                            *[NumberCell(sum(1 for s in result.skus if s.status is st))
                              for st in (ChatStatus.OK, ChatStatus.AT_RISK, ChatStatus.DISABLED)],
                            tr.t(f"audit.kyc.{kyc}"), NumberCell(result.stats.files), SheetLink(sheet), ""])
            sheets.append((sheet, columns, rows))
        book.add_sheet(summary_sheet, SUMMARY_COLUMNS, summary)
        for sheet, columns, rows in sheets:
            book.add_sheet(sheet, columns, rows)

    _write_book(path, tr, fill)
