"""Auditing: one client (its scan set up as `scan` sets up its own, its reports written through
the one report writer), then every client, the exit status, and the command itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click

from ...app.errors import InputError
from ... import i18n
from ...app.language import translator
from ...app.outcome import failing, write_reports
from ...codes import ChatStatus, ExitCode
from ...judging.views import kyc_state
from ...report.context import ReportContext
from ...names import terminal_text
from ...paths import is_inside
from .clients import allocate_folder, find_clients, looks_like_one_batch, report_file_name
from .config import CONFIG_FILE, read_config
from .model import AuditSettings, ClientError, ClientRow
from .summary import SUMMARY_FILE, write_summary
from .table import print_table


def audit_client(name: str, folder: Path, out_folder: Path, settings: AuditSettings,
                 warn: Callable[[str], None]) -> ClientRow:
    """Scan one client and write its reports; never raises for a problem of the client's own."""
    from ...app.setup import OcrMissing, build_scan_options
    from ...mapping.skus import SkuFileError, read_sku_csv
    from ...pipeline import scan
    from ...report import WRITERS

    row = ClientRow(name)
    started = time.monotonic()
    try:
        config = read_config(folder, settings)
        row.seller_type, row.lang = config.seller_type, config.lang
        for warning in config.warnings:
            warn(warning)
        try:
            skus = read_sku_csv(config.skus) if config.skus else None
        except SkuFileError as exc:
            raise ClientError(i18n.render(exc, settings.translator)) from None
        try:
            options = build_scan_options(folder, settings.run_settings(), today=config.today, skus=skus,
                                   seller_type=config.seller_type, ocr=config.ocr, lang=config.lang,
                                   warnings=list(skus.warnings) if skus else [])
        except OcrMissing as exc:
            raise ClientError(f"{exc} (or set no_ocr = true in {CONFIG_FILE})", ExitCode.MISSING_DEPENDENCY) from None
        result = scan(options)
        out_folder.mkdir(parents=True, exist_ok=True)
        outputs = {w.option: out_folder / report_file_name(w.option) for w in WRITERS}
        for target in outputs.values():
            if is_inside(target, settings.clients_dir):     # allocate_folder makes this impossible
                raise ClientError(f"refusing to write {target} inside {settings.clients_dir}")
        # the client's reports in the client's language (doccheck.toml lang), the run's separator
        write_reports(result, outputs, ReportContext(result.rules, translator(config.lang, result.rules),
                                                     settings.csv_delimiter, frozenset(outputs)))
        for warning in result.warnings:
            warn(warning)
        row.folder = out_folder.name
        row.result = result
        row.skus = len(result.skus)
        for sku in result.skus:
            row.counts[sku.status] += 1
        row.kyc = kyc_state(result.kyc)
        row.files = result.stats.files
        row.exit_code = ExitCode.SKU_DISABLED if row.counts[ChatStatus.DISABLED] else ExitCode.OK
    except ClientError as exc:
        row.error, row.exit_code = str(exc), exc.exit_code
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        row.error, row.exit_code = f"{exc.strerror or exc}{where}", ExitCode.SKU_DISABLED
    except Exception as exc:    # one client's surprise never stops the others, nor shows a traceback
        problem = f"{type(exc).__name__}: {exc}".splitlines()[0]
        row.error, row.exit_code = settings.translator.t("audit.err.unexpected", problem=problem), ExitCode.SKU_DISABLED
    row.seconds = round(time.monotonic() - started, 1)
    return row


def run_audit(settings: AuditSettings, echo=None, echo_err=None) -> tuple[list[ClientRow], int]:
    """Audit every client folder; write OUT/summary.csv. Returns the rows and the exit status:
    3 when a client needed OCR and tesseract is missing, 1 when any SKU is disabled or any client
    could not be audited, else 0. (Bad usage, exit 2, is refused before this runs.)"""
    echo_err = echo_err or (lambda text: None)
    tr = settings.translator
    clients = find_clients(settings.clients_dir, settings.rules, tr)
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    rows: list[ClientRow] = []
    for n, (name, folder, problem) in enumerate(clients, 1):
        shown = terminal_text(name)
        if not settings.quiet:
            echo_err(tr.t("audit.progress", n=n, total=len(clients), client=shown))
        if problem:
            rows.append(ClientRow(name, error=problem, exit_code=ExitCode.SKU_DISABLED))
            continue
        out_folder = allocate_folder(name, settings.out_dir, settings.clients_dir, taken)

        def warn(text: str, shown=shown) -> None:
            echo_err(tr.t("term.warning") + ": " + tr.t("audit.warning", client=shown, warning=terminal_text(i18n.render(text, tr))))

        rows.append(audit_client(name, folder, out_folder, settings, warn))
    write_summary(rows, settings.out_dir / SUMMARY_FILE, settings.csv_delimiter)
    return rows, exit_code_for(rows, settings.fail_on)


def exit_code_for(rows: list[ClientRow], fail_on: str = "disabled") -> ExitCode:
    """MISSING_DEPENDENCY (3) when OCR was missing for a client, SKU_DISABLED (1) when a client
    failed or a SKU is disabled (with fail_on="at_risk": or at risk), else OK (0)."""
    if any(r.exit_code == ExitCode.MISSING_DEPENDENCY for r in rows):
        return ExitCode.MISSING_DEPENDENCY
    if any(r.failed or any(n for s, n in r.counts.items() if failing(s, fail_on)) for r in rows):
        return ExitCode.SKU_DISABLED
    return ExitCode.OK


def run_audit_command(clients: Path, params: dict) -> ExitCode:
    """`doccheck audit CLIENTS`: check the options (InputError, exit 2, on anything wrong), audit
    every client, write the extra workbook and index page when asked, print the table; returns
    the exit status."""
    from ...app.setup import (CSV_DELIMITERS, apply_colour, attach_cluster, cache_folder, load_rules,
                              register_settings, seller_profile, today_from)
    from ...report.terminal import print_chat_settings

    apply_colour(params["color"])
    lang = translator(params["lang"]).lang
    rules = load_rules(params["rules_dir"])
    tr = translator(lang, rules)
    out_dir: Path = params["out_dir"]
    xlsx: Path | None = params["xlsx"]
    index: Path | None = params["html"]
    for extra in (xlsx, index):
        if extra is None:
            continue
        if is_inside(extra, clients):
            raise InputError(tr.t("audit.out_inside", out=str(extra), path=str(clients)))
        if not extra.parent.resolve().is_dir() and not is_inside(extra, out_dir):
            raise InputError(f"cannot write {extra}: folder {extra.parent} does not exist")
    if is_inside(out_dir, clients):
        raise InputError(tr.t("audit.out_inside", out=str(out_dir), path=str(clients)))
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(tr.t("audit.out_not_folder", out=str(out_dir)))
    batch_file = looks_like_one_batch(clients)
    if batch_file:
        raise InputError(tr.t("audit.looks_like_batch", path=str(clients), file=batch_file))
    cache_dir = cache_folder(params)
    if cache_dir is not None and is_inside(cache_dir, clients):
        raise InputError(tr.t("audit.cache_inside", cache=str(cache_dir), path=str(clients)))
    cluster, cluster_engine = attach_cluster(params, not params["no_ocr"])
    settings = AuditSettings(clients_dir=clients, out_dir=out_dir, rules=rules, today=today_from(params["today"]),
                             lang=lang, seller_type=seller_profile(rules, params["seller_type"], tr), ocr=not params["no_ocr"],
                             jobs=params["jobs"], file_timeout=params["file_timeout"], memory_mb=params["memory_mb"],
                             cache_dir=cache_dir, quiet=params["quiet"], cluster=cluster, cluster_engine=cluster_engine,
                             shared_fs=params["shared_fs"], register=register_settings(params), fail_on=params["fail_on"],
                             csv_delimiter=CSV_DELIMITERS[params["csv_delimiter"]])
    try:
        found = find_clients(clients, rules, tr)
    except OSError as exc:
        raise InputError(f"{clients}: {exc.strerror or exc}") from None
    if not found:
        raise InputError(tr.t("audit.no_clients", path=str(clients)))
    try:
        rows, status = run_audit(settings, echo_err=lambda text: click.echo(text, err=True))
        if xlsx is not None:
            from ...report.xlsx import write_audit_workbook

            write_audit_workbook([(r, r.result) for r in rows], xlsx, lang)
        if index is not None:
            from ...report.html import write_index

            write_index(rows, index, out_dir, lang, settings.today)
    except OSError as exc:
        raise InputError(tr.t("audit.cannot_write", out=str(out_dir), problem=exc.strerror or str(exc))) from None
    print_table(rows, click.echo, tr)
    click.echo(tr.t("audit.reports", path=str(out_dir)))
    if not params["quiet"]:
        print_chat_settings(tr=tr)
    return status
