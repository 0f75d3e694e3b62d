"""OUT/summary.csv: one row per client, audited or not."""

from __future__ import annotations

from pathlib import Path

from ...codes import ChatStatus
from ...names import terminal_text
from ...report.output import csv_text, write_atomic
from .model import ClientRow

SUMMARY_FILE = "summary.csv"
SUMMARY_COLUMNS = ["client", "status", "skus", "ok", "at_risk", "disabled", "kyc_complete", "files", "seconds",
                   "seller_type", "lang", "reports", "error"]


# summary.csv's kyc_complete column: the KYC state (judging.views.kyc_state) as that column has always said it
KYC_COMPLETE_CELL = {"complete": "yes", "incomplete": "no", "not_judged": "not_judged"}


def summary_rows(rows: list[ClientRow]) -> list[list[object]]:
    """The cells of summary.csv, in SUMMARY_COLUMNS' order; names and errors made terminal-safe."""
    out = []
    for r in rows:
        client = terminal_text(r.client)     # a control character in a folder name never reaches a terminal via cat
        if r.failed:
            out.append([client, "error", "", "", "", "", "", "", r.seconds, r.seller_type, r.lang,
                        f"{r.folder}/" if r.folder else "", terminal_text(r.error)])
        else:
            out.append([client, "audited", r.skus, r.counts[ChatStatus.OK], r.counts[ChatStatus.AT_RISK],
                        r.counts[ChatStatus.DISABLED], KYC_COMPLETE_CELL.get(r.kyc, r.kyc), r.files, r.seconds, r.seller_type, r.lang,
                        f"{r.folder}/", ""])
    return out


def write_summary(rows: list[ClientRow], path: Path, delimiter: str = ",") -> None:
    """Write summary.csv atomically, `delimiter` between cells (--csv-delimiter): UTF-8 with BOM so
    that Excel opens Cyrillic and Chinese client names correctly; every cell defused (a folder
    named "=cmd|…" stays text)."""
    write_atomic(path, csv_text(SUMMARY_COLUMNS, summary_rows(rows), delimiter), encoding="utf-8-sig")
