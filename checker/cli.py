"""The doccheck command line. Bad usage or input: one line on stderr, exit 2, never a traceback."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
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


def scan_options(func):
    """The options every scanning command shares (scan, watch, audit), report writers included."""
    from .report import WRITERS, param_name

    options = [
        click.option("--skus", "skus_csv", type=click.Path(dir_okay=False, path_type=Path), help="CSV with at least 'sku' and 'category' columns."),
        *[click.option(w.option, param_name(w), type=click.Path(dir_okay=False, path_type=Path),
                       default=Path(w.default) if w.default else None, show_default=bool(w.default), help=w.help) for w in WRITERS],
        click.option("--seller-type", type=click.Choice(["company", "individual"]), default="company", show_default=True, help="KYC profile."),
        click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date used for expiry (default: today)."),
        click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Use rule files from DIR instead of the built-in ones."),
        click.option("--no-ocr", is_flag=True, help="Do not OCR scans and images; such files are marked as not read."),
        click.option("--jobs", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="number of cores", help="Worker processes."),
        click.option("--file-timeout", type=click.FloatRange(1, 86400), default=300.0, show_default=True, help="Seconds one file may take before it is reported as unreadable."),
        click.option("--max-memory", "memory_mb", type=click.IntRange(256, 1 << 20), default=2048, show_default=True, help="Memory cap per worker, MB."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the cache (default: the user cache folder)."),
        click.option("--no-cache", is_flag=True, help="Read every file afresh and remember nothing."),
        click.option("--lang", type=click.Choice(["en", "ru", "zh"]), default=None, help="Language of messages a person reads (default: from the locale, else English)."),
        click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary line."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def default_lang() -> str:
    import locale

    for value in (os.environ.get("LC_ALL"), os.environ.get("LC_MESSAGES"), os.environ.get("LANG"), locale.getlocale()[0]):
        if value:
            code = value.split("_")[0].split(".")[0].lower()
            if code in ("en", "ru", "zh"):
                return code
    return "en"


@dataclass
class ScanRequest:
    """A scanning command's parsed options: what to scan, how, and which reports to write."""
    options: "ScanOptions"
    outputs: dict[str, Path]          # writer option -> path
    quiet: bool


def prepare_scan(folder: Path, params: dict) -> ScanRequest:
    """Validate options and inputs (exit 2 on anything wrong) and build the scan's options."""
    from .pipeline import ScanOptions
    from .report import WRITERS, param_name
    from .report.output import is_inside
    from .skus import SkuFileError, read_sku_csv

    outputs = {w.option: params[param_name(w)] for w in WRITERS if params.get(param_name(w)) is not None}
    for path in outputs.values():
        if is_inside(path, folder):
            raise InputError(f"report {path} would be written inside the scanned folder {folder}; doccheck never writes there (choose another path)")
        if not path.parent.resolve().is_dir():
            raise InputError(f"cannot write {path}: folder {path.parent} does not exist")
    cache_dir = None
    if not params["no_cache"]:
        from .cache import default_cache_dir

        cache_dir = params["cache_dir"] or default_cache_dir()
        if is_inside(cache_dir, folder):
            raise InputError(f"cache folder {cache_dir} is inside the scanned folder {folder}; doccheck never writes there")
    rules = _load_rules(params["rules_dir"])
    skus = None
    warnings: list[str] = []
    if params["skus_csv"] is not None:
        try:
            skus = read_sku_csv(params["skus_csv"])
        except SkuFileError as exc:
            raise InputError(str(exc)) from None
        warnings.extend(skus.warnings)
    ocr = not params["no_ocr"]
    if ocr:
        from .preflight import check_ocr_available

        problem = check_ocr_available(folder, rules)
        if problem:
            click.echo(f"doccheck: {problem}", err=True)
            sys.exit(ExitCode.MISSING_DEPENDENCY)
    today = params["today"]
    options = ScanOptions(root=folder, rules=rules, today=today.date() if today else date.today(), skus=skus,
                          seller_type=params["seller_type"], ocr=ocr, jobs=params["jobs"],
                          file_timeout=params["file_timeout"], memory_mb=params["memory_mb"], cache_dir=cache_dir,
                          lang=params["lang"] or default_lang(), progress=not params["quiet"], warnings=warnings)
    return ScanRequest(options, outputs, params["quiet"])


def write_reports(result, outputs: dict[str, Path]) -> None:
    from .report import WRITERS

    try:
        for writer in WRITERS:
            if writer.option in outputs:
                writer.write(result, outputs[writer.option])
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror} ({exc.filename})") from None


def exit_code_for(result) -> ExitCode:
    disabled = any(s.status is codes.ChatStatus.DISABLED for s in result.skus)
    return ExitCode.SKU_DISABLED if disabled else ExitCode.OK


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@scan_options
def scan(folder: Path, **params) -> None:
    """Scan FOLDER of SKU papers and KYC scans and report per SKU."""
    from .pipeline import scan as run_scan
    from .report.terminal import print_summary

    request = prepare_scan(folder, params)
    result = run_scan(request.options)
    write_reports(result, request.outputs)
    print_summary(result, detailed=not request.quiet)
    click.echo("Reports: " + ", ".join(str(p) for p in request.outputs.values()))
    sys.exit(exit_code_for(result))


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
