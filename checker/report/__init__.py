"""Pluggable report writers: each is declared once here, with its CLI option and help.

A writer takes the ScanResult, a path and a ReportContext (report/context.py: the rules in use, the
reader's Translator, the CSV separator, the other reports asked) and writes atomically (see
output.write_atomic). Writers are the only code that turns codes and message ids into words.
`doccheck scan`, `watch` and `audit` offer every writer listed here as an option.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from ..models import ScanResult
from .context import ReportContext, report_context


@dataclass(frozen=True)
class Writer:
    """One report writer. option: its CLI option; help: the option's help; target: "module:function"
    under checker.report, imported on first use; default: the file written when no report at all is
    asked for."""
    option: str                   # the CLI option, e.g. "--files-out"
    help: str
    target: str                   # "module:function" in checker.report, imported on first use (HTML, JSON stay unloaded otherwise)
    default: str | None = None    # file name written when no report at all was asked for (only --out has one)

    def write(self, result: ScanResult, path: Path, ctx: ReportContext) -> None:
        """Write the report to `path` ("-": standard output) in ctx's language, with ctx's rules."""
        module, function = self.target.split(":")
        func = getattr(import_module(f"{__name__}.{module}"), function)
        func(result, path, ctx)


WRITERS: tuple[Writer, ...] = (
    Writer("--out", "Per-SKU report (CSV, UTF-8 with BOM).", "csv_reports:write_sku_csv", default="doccheck-report.csv"),
    Writer("--files-out", "Per-file report (CSV).", "csv_reports:write_files_csv"),
    Writer("--kyc-out", "KYC checklist, one row per requirement (CSV).", "csv_reports:write_kyc_csv"),
    Writer("--ozon-sheet", "What Ozon's certificate upload form asks for, per SKU and valid conformity document (CSV).", "ozon_sheet:write_ozon_sheet"),
    Writer("--html", "Report a person reads: one self-contained HTML page (no network, no external files).", "html:write_html"),
    Writer("--json", "Machine-readable report (JSON; schema/doccheck-report.schema.json).", "json_report:write_json"),
    Writer("--xlsx", "Excel workbook: SKUs, files, KYC (and the Ozon form with --ozon-sheet), in --lang.",
           "xlsx:write_xlsx"),
)
STDOUT = "-"   # a report path meaning standard output


def write_all(result: ScanResult, outputs: dict[str, Path], ctx: ReportContext) -> None:
    """Every report of `outputs` (writer option -> path), in the registry's order; OSError propagates.
    Python's cyclic garbage collector is paused meanwhile (process/collector.py)."""
    from ..process.collector import paused

    ctx = ReportContext(ctx.rules, ctx.tr, ctx.csv_delimiter, frozenset(outputs))
    with paused():
        for writer in WRITERS:
            if writer.option in outputs:
                writer.write(result, outputs[writer.option], ctx)


def param_name(writer: Writer) -> str:
    """The click parameter name of a writer's option: "--files-out" -> "files_out"."""
    return writer.option.lstrip("-").replace("-", "_")


__all__ = ["STDOUT", "WRITERS", "ReportContext", "Writer", "param_name", "report_context", "write_all"]
