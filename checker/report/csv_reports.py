"""The CSV writers: per SKU (--out), per file (--files-out), per KYC requirement (--kyc-out)."""

from __future__ import annotations

import itertools
from pathlib import Path

from ..models import FileResult, Group, ScanResult
from ..verdict import sku_certificates, sku_details, sku_manuals, sku_valid_until
from .output import csv_lines, csv_text, write_atomic

SKU_COLUMNS = ["sku", "category", "category_rule", "chat_status", "reasons", "certificates", "valid_until",
               "manual", "files", "details"]
FILE_COLUMNS = ["path", "sku", "role", "mime", "kind", "page_count", "pages_read", "text_pages", "ocr_pages",
                "ocr_confidence", "language", "russian_share", "numbers", "valid_from", "valid_until",
                "regulations", "markers", "codes", "notes"]
KYC_COLUMNS = ["requirement", "met", "evidence", "note", "title"]


def write_sku_csv(result: ScanResult, path: Path) -> None:
    user_columns: list[str] = []
    for sku in result.skus:
        for column in sku.row:
            if column.casefold() not in ("sku", "category") and column not in user_columns:
                user_columns.append(column)
    header = SKU_COLUMNS + [c if c not in SKU_COLUMNS else f"input_{c}" for c in user_columns]

    def rows():   # made as they are written: memory holds one row, not the report
        for sku in result.skus:
            until = sku_valid_until(sku)
            manuals = [f"{m.path} ({m.analysis.language or 'not read'})" for m in sku_manuals(sku) if m.counted]
            yield [
                sku.sku, sku.category_input, sku.category or "", sku.status.value,
                ";".join(c.code for c in sku.codes), "; ".join(sku_certificates(sku)),
                until.isoformat() if until else "", "; ".join(manuals),
                "; ".join(f.path for f in sku.files), sku_details(sku),
            ] + [sku.row.get(c, "") for c in user_columns]
    # UTF-8 with BOM so that Excel opens Cyrillic and Chinese correctly.
    write_atomic(path, csv_lines(header, rows()), encoding="utf-8-sig")


def file_row(f: FileResult) -> list[object]:
    facts, analysis = f.facts, f.analysis
    ocr = facts.ocr_pages
    confidences = [p.ocr_confidence for p in ocr if p.ocr_confidence is not None]
    numbers = []
    for n in analysis.numbers:
        state = "well-formed" if n.well_formed else f"malformed: {n.problem}"
        numbers.append(f"{n.official} ({n.doc_type}, {n.scheme}, {state})")
    notes = list(facts.notes) + [f"page {p.number}: {p.note}" for p in facts.pages if p.note]
    if facts.problem:
        notes.insert(0, facts.problem)
    ocr_desc = "; ".join(f"p{p.number} {p.ocr_langs or '-'} rot {p.rotation} conf {p.ocr_confidence}" for p in ocr)
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
    ]


def write_files_csv(result: ScanResult, path: Path) -> None:
    blank = [""] * (len(FILE_COLUMNS) - 3)
    rows = itertools.chain((file_row(f) for f in result.files),
                           ([s.path, "skipped", *blank, s.reason] for s in result.skipped))
    write_atomic(path, csv_lines(FILE_COLUMNS, rows), encoding="utf-8-sig")


def write_kyc_csv(result: ScanResult, path: Path) -> None:
    rows = [[r.key, "yes" if r.met else "no", "; ".join(r.evidence), r.note, r.title] for r in result.kyc.requirements]
    write_atomic(path, csv_text(KYC_COLUMNS, rows), encoding="utf-8-sig")
