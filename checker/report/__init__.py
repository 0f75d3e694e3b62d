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


WRITERS: tuple[Writer, ...] = (
    Writer("--out", "Per-SKU report (CSV, UTF-8 with BOM).", _sku_csv, default="doccheck-report.csv"),
    Writer("--files-out", "Per-file report (CSV).", _files_csv),
    Writer("--kyc-out", "KYC checklist, one row per requirement (CSV).", _kyc_csv),
)


def param_name(writer: Writer) -> str:
    return writer.option.lstrip("-").replace("-", "_")
