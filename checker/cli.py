"""The doccheck command line. Bad usage or input: one line on stderr, exit 2, never a traceback."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from . import __version__, codes
from .codes import ExitCode
from .rulefile import RuleError


class InputError(click.ClickException):
    exit_code = ExitCode.BAD_INPUT


def _load_rules(rules_dir: Path | None):
    from .rules import load_rules

    try:
        return load_rules(rules_dir)
    except RuleError as exc:
        raise InputError(f"rules: {exc}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="doccheck")
def cli() -> None:
    """Audit compliance papers before they reach Ozon: per SKU, will buyer chat be disabled, and why."""


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--skus", "skus_csv", type=click.Path(dir_okay=False, path_type=Path), help="CSV with at least 'sku' and 'category' columns.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("doccheck-report.csv"), show_default=True, help="Per-SKU report (CSV, UTF-8 with BOM).")
@click.option("--files-out", type=click.Path(dir_okay=False, path_type=Path), help="Per-file report (CSV).")
@click.option("--kyc-out", type=click.Path(dir_okay=False, path_type=Path), help="KYC checklist (CSV).")
@click.option("--seller-type", type=click.Choice(["company", "individual"]), default="company", show_default=True, help="KYC profile.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date used for expiry (default: today).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Use rule files from DIR instead of the built-in ones.")
@click.option("--no-ocr", is_flag=True, help="Do not OCR scans and images; such files are marked as not read.")
@click.option("--jobs", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="number of cores", help="Worker processes.")
@click.option("--file-timeout", type=click.FloatRange(1, 86400), default=300.0, show_default=True, help="Seconds one file may take before it is reported as unreadable.")
@click.option("--max-memory", "memory_mb", type=click.IntRange(256, 1 << 20), default=2048, show_default=True, help="Memory cap per worker, MB.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the cache (default: the user cache folder).")
@click.option("--no-cache", is_flag=True, help="Read every file afresh and remember nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary line.")
def scan(folder: Path, skus_csv, out: Path, files_out, kyc_out, seller_type, today, rules_dir, no_ocr, jobs,
         file_timeout, memory_mb, cache_dir, no_cache, quiet) -> None:
    """Scan FOLDER of SKU papers and KYC scans and report per SKU."""
    from .pipeline import ScanOptions, scan as run_scan
    from .report.csv_reports import write_files_csv, write_kyc_csv, write_sku_csv
    from .report.output import is_inside
    from .report.terminal import print_summary
    from .skus import SkuFileError, read_sku_csv

    for path in (out, files_out, kyc_out):
        if path is not None and is_inside(path, folder):
            raise InputError(f"report {path} would be written inside the scanned folder {folder}; doccheck never writes there (choose another --out path)")
        if path is not None and not path.parent.resolve().is_dir():
            raise InputError(f"cannot write {path}: folder {path.parent} does not exist")
    if no_cache:
        cache_dir = None
    else:
        from .cache import default_cache_dir

        cache_dir = cache_dir or default_cache_dir()
        if is_inside(cache_dir, folder):
            raise InputError(f"cache folder {cache_dir} is inside the scanned folder {folder}; doccheck never writes there")
    rules = _load_rules(rules_dir)
    skus = None
    warnings: list[str] = []
    if skus_csv is not None:
        try:
            skus = read_sku_csv(skus_csv)
        except SkuFileError as exc:
            raise InputError(str(exc)) from None
        warnings.extend(skus.warnings)
    ocr = not no_ocr
    if ocr:
        from .preflight import check_ocr_available

        problem = check_ocr_available(folder, rules)
        if problem:
            click.echo(f"doccheck: {problem}", err=True)
            sys.exit(ExitCode.MISSING_DEPENDENCY)
    options = ScanOptions(root=folder, rules=rules, today=today.date() if today else date.today(), skus=skus,
                          seller_type=seller_type, ocr=ocr, jobs=jobs, file_timeout=file_timeout,
                          memory_mb=memory_mb, cache_dir=cache_dir, progress=not quiet, warnings=warnings)
    result = run_scan(options)
    try:
        write_sku_csv(result, out)
        if files_out:
            write_files_csv(result, files_out)
        if kyc_out:
            write_kyc_csv(result, kyc_out)
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror} ({exc.filename})") from None
    print_summary(result, detailed=not quiet)
    click.echo(f"Report: {out}" + (f", files: {files_out}" if files_out else "") + (f", KYC: {kyc_out}" if kyc_out else ""))
    disabled = any(s.status is codes.ChatStatus.DISABLED for s in result.skus)
    sys.exit(ExitCode.SKU_DISABLED if disabled else ExitCode.OK)


@cli.command("rules")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Rule folder to list.")
def list_rules(rules_dir) -> None:
    """List the categories with what they need, and the reason codes."""
    rules = _load_rules(rules_dir)
    click.echo("Categories (restricted need a conformity document; high-risk also a Russian manual PDF):")
    for cat in sorted(rules.categories.values(), key=lambda c: (not c.restricted, c.key)):
        need = "high-risk: certificate + Russian manual" if cat.high_risk else "restricted: certificate" if cat.restricted else "no papers needed"
        regs = f"  [{', '.join(cat.regulations)}]" if cat.regulations else ""
        click.echo(f"  {cat.key:<30} {need}{regs}")
        click.echo(f"  {'':<30} aliases: {', '.join(cat.aliases)}")
    click.echo("\nReason codes:")
    for code in codes.ALL_CODES:
        text = rules.reason_text(code)
        click.echo(f"  {code.code:<28} {'blocks chat' if code.blocking else 'at risk    '}  {text.title}")


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="doccheck", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        message = exc.format_message().splitlines()[0] if exc.format_message() else "bad usage"
        click.echo(f"doccheck: error: {message} (see doccheck --help)", err=True)
        return ExitCode.BAD_INPUT
    except click.ClickException as exc:
        click.echo(f"doccheck: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("doccheck: interrupted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("doccheck: interrupted", err=True)
        return 130
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
