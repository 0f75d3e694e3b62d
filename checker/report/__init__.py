"""Pluggable report writers: each is declared once here, with its CLI option and help.

A writer takes the ScanResult and a path and writes atomically (see output.write_atomic).
`doccheck scan`, `watch` and `audit` offer every writer listed here as an option.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..models import ScanResult


@dataclass(frozen=True)
class Writer:
    option: str                   # the CLI option, e.g. "--files-out"
    help: str
    write: Callable[[ScanResult, Path], None]
    default: str | None = None    # file name written when the option is not given (only --out has one)


def _sku_csv(result: ScanResult, path: Path) -> None:
    from .csv_reports import write_sku_csv

    write_sku_csv(result, path)


def _files_csv(result: ScanResult, path: Path) -> None:
    from .csv_reports import write_files_csv

    write_files_csv(result, path)


def _kyc_csv(result: ScanResult, path: Path) -> None:
    from .csv_reports import write_kyc_csv

    write_kyc_csv(result, path)


def _html(result: ScanResult, path: Path) -> None:
    from .html import write_html

    write_html(result, path)


def _json(result: ScanResult, path: Path) -> None:
    from .json_report import write_json

    write_json(result, path)


def _ozon_sheet(result: ScanResult, path: Path) -> None:
    from .ozon_sheet import write_ozon_sheet

    write_ozon_sheet(result, path)


WRITERS: tuple[Writer, ...] = (
    Writer("--out", "Per-SKU report (CSV, UTF-8 with BOM).", _sku_csv, default="doccheck-report.csv"),
    Writer("--files-out", "Per-file report (CSV).", _files_csv),
    Writer("--kyc-out", "KYC checklist, one row per requirement (CSV).", _kyc_csv),
    Writer("--ozon-sheet", "What Ozon's certificate upload form asks for, per SKU and valid conformity document (CSV).", _ozon_sheet),
    Writer("--html", "Report a person reads: one self-contained HTML page (no network, no external files).", _html),
    Writer("--json", "Machine-readable report (JSON; schema/doccheck-report.schema.json).", _json),
)


def param_name(writer: Writer) -> str:
    return writer.option.lstrip("-").replace("-", "_")
