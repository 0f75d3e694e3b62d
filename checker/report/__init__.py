"""Pluggable report writers: each is declared once here, with its CLI option and help.

A writer takes the ScanResult and a path and writes atomically (see output.write_atomic).
`doccheck scan`, `watch` and `audit` offer every writer listed here as an option.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from ..models import ScanResult


@dataclass(frozen=True)
class Writer:
    option: str                   # the CLI option, e.g. "--files-out"
    help: str
    target: str                   # "module:function" in checker.report, imported on first use (HTML, JSON stay unloaded otherwise)
    default: str | None = None    # file name written when no report at all was asked for (only --out has one)
    sees_others: bool = False     # the function takes `asked`: the options of every report of the run

    def write(self, result: ScanResult, path: Path, asked: frozenset[str] = frozenset()) -> None:
        """Write the report to `path` ("-": standard output)."""
        module, function = self.target.split(":")
        func = getattr(import_module(f"{__name__}.{module}"), function)
        if self.sees_others:
            func(result, path, asked=asked)
        else:
            func(result, path)


WRITERS: tuple[Writer, ...] = (
    Writer("--out", "Per-SKU report (CSV, UTF-8 with BOM).", "csv_reports:write_sku_csv", default="doccheck-report.csv"),
    Writer("--files-out", "Per-file report (CSV).", "csv_reports:write_files_csv"),
    Writer("--kyc-out", "KYC checklist, one row per requirement (CSV).", "csv_reports:write_kyc_csv"),
    Writer("--ozon-sheet", "What Ozon's certificate upload form asks for, per SKU and valid conformity document (CSV).", "ozon_sheet:write_ozon_sheet"),
    Writer("--html", "Report a person reads: one self-contained HTML page (no network, no external files).", "html:write_html"),
    Writer("--json", "Machine-readable report (JSON; schema/doccheck-report.schema.json).", "json_report:write_json"),
    Writer("--xlsx", "Excel workbook: SKUs, files, KYC (and the Ozon form with --ozon-sheet), in --lang.",
           "xlsx:write_xlsx", sees_others=True),
)
STDOUT = "-"   # a report path meaning standard output


def param_name(writer: Writer) -> str:
    return writer.option.lstrip("-").replace("-", "_")
