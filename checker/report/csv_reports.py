"""The CSV writers: per SKU (--out), per file (--files-out), per KYC requirement (--kyc-out)."""

from __future__ import annotations

import itertools
from pathlib import Path

from .. import i18n
from ..models import FileResult, Group, ScanResult
from ..judging.paper_checks import register_note
from ..mapping.skus import header_field
from ..judging.sku import sku_details
from ..judging.views import sku_certificates, sku_manuals, sku_valid_until
from .context import ReportContext, context_of
from .output import csv_lines, csv_text, write_atomic

SKU_COLUMNS = ["sku", "category", "category_rule", "chat_status", "reasons", "certificates", "valid_until",
               "manual", "files", "details", "category_source"]
FILE_COLUMNS = ["path", "sku", "role", "mime", "kind", "page_count", "pages_read", "text_pages", "ocr_pages",
                "ocr_confidence", "language", "russian_share", "numbers", "valid_from", "valid_until",
                "regulations", "markers", "codes", "notes", "document_type", "type_evidence", "register", "copy_of"]
KYC_COLUMNS = ["requirement", "met", "evidence", "note", "title"]


def write_sku_csv(result: ScanResult, path: Path, ctx: ReportContext | None = None, lang: str | None = None) -> None:
    """The per-SKU report (--out): one row per SKU, details in ctx's language (without a context:
    `lang`, English by default, with the scan's rules)."""
    ctx = context_of(ctx, result, lang)
    user_columns: list[str] = []
    for sku in result.skus:
        for column in sku.row:
            if header_field(column) not in ("sku", "category") and column not in user_columns:
                user_columns.append(column)
    header = SKU_COLUMNS + [c if c not in SKU_COLUMNS else f"input_{c}" for c in user_columns]

    def rows():   # made as they are written: memory holds one row, not the report
        for sku in result.skus:
            until = sku_valid_until(sku)
            # each counted manual with its language code, like the other machine values of this report
            # (chat_status, reasons): "not_read" when OCR was off, in every --lang
            manuals = [f"{m.path} ({m.analysis.language or 'not_read'})" for m in sku_manuals(sku) if m.counted]
            yield [
                sku.sku, sku.category_input, sku.category or "", sku.status.value,
                ";".join(c.code for c in sku.codes), "; ".join(sku_certificates(sku)),
                until.isoformat() if until else "", "; ".join(manuals),
                "; ".join(f.path for f in sku.files), sku_details(sku, ctx.tr, ctx.rules), sku.category_source,
            ] + [sku.row.get(c, "") for c in user_columns]
    # UTF-8 with BOM so that Excel opens Cyrillic and Chinese correctly.
    write_atomic(path, csv_lines(header, rows(), ctx.csv_delimiter, ctx.tr), encoding="utf-8-sig")


def file_row(f: FileResult, tr: "i18n.Translator | str" = i18n.DEFAULT_LANG) -> list[object]:
    """One row of the per-file report (FILE_COLUMNS); the copy notes in `tr`'s language."""
    tr = i18n.translator(tr)
    facts, analysis = f.facts, f.analysis
    ocr = facts.ocr_pages
    confidences = [p.ocr_confidence for p in ocr if p.ocr_confidence is not None]
    numbers = []
    for n in analysis.numbers:
        numbers.append(f"{n.official} ({n.doc_type}, {n.scheme}, {number_state(n)})")
    notes = list(facts.notes) + [f"page {p.number}: {p.note}" for p in facts.pages if p.note]
    if facts.problem:
        notes.insert(0, facts.problem)
    if f.copy_tool:
        notes.append(tr.t("files.copy_of", tool=f.copy_tool, original=f.copy_of) if f.copy_of
                     else tr.t("files.copy_alone", tool=f.copy_tool, original=f.copy_name))
    ocr_desc = "; ".join(f"p{p.number} {p.ocr_langs or '-'} rot {p.rotation} conf {p.ocr_confidence}"
                         + (f" {p.dpi} dpi" if p.dpi else "") for p in ocr)
    return [
        f.path, f.sku if f.group is Group.SKU else ("KYC" if f.group is Group.KYC else "unmapped"),
        analysis.role, facts.mime, facts.kind.value, facts.page_count if facts.page_count is not None else "",
        facts.pages_read, sum(1 for p in facts.pages if p.source == "text"), ocr_desc,
        round(sum(confidences) / len(confidences), 1) if confidences else "",
        analysis.language, f"{analysis.russian_share:.2f}" if facts.text else "",
        "; ".join(numbers),
        analysis.valid_from.isoformat() if analysis.valid_from else "",
        analysis.valid_until.isoformat() if analysis.valid_until else "",
        "; ".join(analysis.regulations), "; ".join(analysis.markers),
        ";".join(c.code for c in f.codes), "; ".join(notes),
        analysis.document_type or "", analysis.type_evidence,
        "; ".join(f"{c.number}: {register_note(f, c, tr)}" for c in f.register), f.copy_of or "",
    ]


def number_state(n) -> str:
    """"well-formed", "malformed: …" or "unverified: …", with OCR's confidence and the repairs made."""
    state = {"well_formed": "well-formed", "malformed": f"malformed: {n.problem}",
             "unverified": f"unverified: {n.problem}" if n.problem else "unverified"}[n.status]
    if n.source == "ocr":
        state += f"; OCR confidence {n.confidence:.0f}" if n.confidence is not None else "; OCR"
    if n.repairs:
        state += "; repaired: " + ", ".join(n.repairs)
    return state


def write_files_csv(result: ScanResult, path: Path, ctx: ReportContext | None = None, lang: str | None = None) -> None:
    """The per-file report (--files-out): every file read, then every entry skipped."""
    ctx = context_of(ctx, result, lang)
    reason_at = FILE_COLUMNS.index("notes")   # a skipped entry's reason stands in the notes column
    before, after = [""] * (reason_at - 2), [""] * (len(FILE_COLUMNS) - reason_at - 1)
    rows = itertools.chain((file_row(f, ctx.tr) for f in result.files),
                           ([s.path, "skipped", *before, s.reason, *after] for s in result.skipped))
    write_atomic(path, csv_lines(FILE_COLUMNS, rows, ctx.csv_delimiter, ctx.tr), encoding="utf-8-sig")


def write_kyc_csv(result: ScanResult, path: Path, ctx: ReportContext | None = None, lang: str | None = None) -> None:
    """The KYC checklist (--kyc-out): one row per requirement, its note and title in ctx's language."""
    ctx = context_of(ctx, result, lang)
    rows = [[r.key, "yes" if r.met else "no", "; ".join(r.evidence), i18n.kyc_note(r, ctx.tr),
             i18n.kyc_title(r.key, r.title, ctx.tr)]
            for r in result.kyc.requirements]
    write_atomic(path, csv_text(KYC_COLUMNS, rows, ctx.csv_delimiter, ctx.tr), encoding="utf-8-sig")
