"""One scan built from options, for every command that scans (scan, watch, audit, export,
ozon upload): the rules, the SKU list, the cache folder, the OCR preflight, the outputs check.

prepare_scan(folder, params) takes the parsed options of one scanning command (cli.scan_options)
and returns a ScanRequest, or raises InputError (exit 2) naming what is wrong; a missing OCR
engine exits 3. The pieces (load_rules, seller_profile, run_settings, build_scan_options, …) are what
audit uses per client, so a client's scan is set up exactly as `scan` sets up its own."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import i18n
from ..codes import ExitCode
from ..paths import is_inside
from ..rulefile import RuleError
from .errors import InputError
from .language import translator

if TYPE_CHECKING:
    from ..pipeline import ScanOptions

DEFAULT_SKUS = "skus.csv"          # FOLDER/skus.csv is the SKU list when --skus is not given
CSV_DELIMITERS = {",": ",", ";": ";", "tab": "\t"}   # --csv-delimiter choice -> separator
FAIL_ON_CHOICES = ("disabled", "at_risk")


def load_rules(rules_dir: Path | None, cache_dir: Path | None = None):
    """The rules of `rules_dir` (None: the built-in ones), validated; InputError naming file and line.

    With ``cache_dir``: when the cache there says these very rule files and analysing code loaded
    before (cache.rules_loaded_before), numbers.yaml's patterns are compiled on first use, which a
    warm scan never makes (0.1 s); otherwise they are compiled and checked now."""
    from ..rules import load_rules as load

    with rule_errors_as_input_errors():
        rules = load(rules_dir, defer_numbers=cache_dir is not None)
        if not rules.numbers.compiled:
            from ..cache import rules_loaded_before
            from ..judging.file import analysis_key

            if not rules_loaded_before(cache_dir, analysis_key(rules)):
                rules.numbers.check()
        return rules


@contextlib.contextmanager
def rule_errors_as_input_errors() -> Iterator[None]:
    """A RuleError raised inside the block (loading the rules, or numbers.yaml compiled on first
    use mid-scan, see load_rules) as an InputError (exit 2, one line), never a traceback."""
    try:
        yield
    except RuleError as exc:
        raise InputError(f"rules: {exc}") from None


def profile_choices(kyc) -> str:
    """The profiles of a loaded kyc.yaml with their aliases: `company (legal_entity, …); individual (…)`."""
    return "; ".join(f"{name} ({', '.join(p.aliases)})" if p.aliases else name for name, p in kyc.profiles.items())


def seller_profile(rules, value: str, tr: i18n.Translator | None = None) -> str:
    """A profile name from --seller-type or a config file: its key or any alias the rules folder's
    kyc.yaml lists (so a custom --rules folder's own profiles are accepted). InputError otherwise,
    listing the profiles with their aliases."""
    try:
        return rules.kyc.profile(value).name
    except ValueError:
        tr = tr or translator(None, rules)
        raise InputError(tr.t("cli.seller_type_unknown", value=value, known=profile_choices(rules.kyc))) from None


def colour_setting(choice: str) -> bool | None:
    """--color auto|always|never and NO_COLOR (https://no-color.org) -> click's colour flag:
    True/False force it, None lets click decide (colours only on a terminal)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return None


def apply_colour(choice: str) -> None:
    """Every click.echo/secho of this command follows --color and NO_COLOR."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:      # click reads the innermost context's flag, copied from its parent's
        ctx.color = colour_setting(choice)
        ctx = ctx.parent


def attach_cluster(params: dict, ocr: bool):
    """(client, engine id) for --scheduler, (None, None) without it; InputError when the cluster
    cannot be used."""
    if not params.get("scheduler"):
        if params.get("shared_fs"):
            raise InputError("--shared-fs goes with --scheduler")
        return None, None
    from ..process.cluster import CONNECT_TIMEOUT_S, ClusterError, attach

    try:
        return attach(params["scheduler"], ocr, params.get("scheduler_timeout") or CONNECT_TIMEOUT_S)
    except ClusterError as exc:
        raise InputError(str(exc)) from None


def register_settings(params: dict):
    """--register and its options -> RegisterSettings, or None when the register is not asked."""
    if not params.get("register"):
        if params.get("register_url"):
            raise InputError("--register-url needs --register eaeu")
        return None
    from urllib.parse import urlsplit

    from ..register.lookup import RegisterSettings

    url = params.get("register_url") or RegisterSettings.url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InputError(f"--register-url {url}: expected an http(s) URL without query, e.g. https://tech.eaeunion.org/odata")
    return RegisterSettings(register=params["register"], url=url, max_age_hours=params["register_max_age"])


def cache_folder(params: dict) -> Path | None:
    """--cache-dir, else the user cache folder; None with --no-cache."""
    if params.get("no_cache"):
        return None
    from ..cache import default_cache_dir

    return params.get("cache_dir") or default_cache_dir()


def today_from(value) -> date:
    """--today (a datetime from click, or None) -> the date used for expiry."""
    return value.date() if value else date.today()


@dataclass(frozen=True)
class RunSettings:
    """What one run sets for every folder it scans (scan and watch: one folder; audit: each client)."""
    rules: object                       # checker.rules.Rules
    jobs: int = 1
    file_timeout: float = 300.0         # seconds per file
    memory_mb: int = 2048               # per worker
    cache_dir: Path | None = None       # None: no cache
    cluster: object | None = None       # a connected distributed.Client (--scheduler)
    cluster_engine: str | None = None   # the workers' OCR engine id, checked once
    shared_fs: bool = False
    register: object = None             # register.lookup.RegisterSettings, or None: no network request
    progress: bool = False              # a progress bar on stderr


class OcrMissing(Exception):
    """OCR is needed for a folder and tesseract or a language pack is missing; the message says what to install."""


def ocr_engine(folder: Path, run: RunSettings, ocr: bool) -> str:
    """The OCR engine id for the facts' cache key ("" without OCR); checks once, before the scan,
    that tesseract can read what the folder needs. Raises OcrMissing."""
    if not ocr:
        return ""
    if run.cluster is not None:
        return run.cluster_engine or ""
    from ..reading.preflight import check_ocr_available

    problem, engine = check_ocr_available(folder, run.rules)
    if problem:
        raise OcrMissing(problem)
    return engine


def build_scan_options(folder: Path, run: RunSettings, *, today: date, skus, seller_type: str, ocr: bool,
                 lang: str, warnings: list[str], engine: str | None = None):
    """The pipeline's ScanOptions for one folder: the one place they are built. `engine` None:
    ocr_engine() checks OCR now (OcrMissing when it cannot run)."""
    from ..pipeline import ScanOptions

    if engine is None:
        engine = ocr_engine(folder, run, ocr)
    return ScanOptions(root=folder, rules=run.rules, today=today, skus=skus, seller_type=seller_type, ocr=ocr,
                       jobs=run.jobs, file_timeout=run.file_timeout, memory_mb=run.memory_mb, cache_dir=run.cache_dir,
                       engine=engine, lang=lang, progress=run.progress, warnings=warnings, cluster=run.cluster,
                       shared_fs=run.shared_fs, register=run.register)


def run_settings(params: dict, rules, *, cache_dir: Path | None, cluster, cluster_engine) -> RunSettings:
    """The run-wide settings of a scanning command's options (jobs, limits, cache, cluster, register)."""
    return RunSettings(rules=rules, jobs=params["jobs"], file_timeout=params["file_timeout"],
                       memory_mb=params["memory_mb"], cache_dir=cache_dir, cluster=cluster,
                       cluster_engine=cluster_engine, shared_fs=bool(params.get("shared_fs")),
                       register=register_settings(params), progress=not params.get("quiet"))


@dataclass
class ScanRequest:
    """A scanning command's parsed options: what to scan, how, and which reports to write."""
    options: "ScanOptions"
    outputs: dict[str, Path]          # writer option -> path ("-": standard output)
    quiet: bool
    verbose: bool = False
    fail_on: str = "disabled"         # "disabled" | "at_risk": what makes the exit status 1
    csv_delimiter: str = ","
    skus_csv: Path | None = None      # the SKU list read (--skus, or FOLDER/skus.csv found there)
    translator: i18n.Translator | None = None   # the reader's language, with the rules folder's messages

    def context(self, result=None):
        """The writers' context (report.ReportContext): the rules in use, the reader's translator
        over their messages, --csv-delimiter, the reports asked."""
        from ..report import ReportContext

        tr = self.translator or translator(self.options.lang, self.options.rules)
        return ReportContext(self.options.rules, tr, self.csv_delimiter, frozenset(self.outputs))

    @property
    def to_stdout(self) -> bool:
        """A report goes to standard output: the terminal summary then goes to stderr."""
        return any(str(p) == "-" for p in self.outputs.values())


def asked_outputs(folder: Path, params: dict, tr: i18n.Translator, default_report: bool = True) -> dict[str, Path]:
    """The reports asked for (writer option -> path; the per-SKU CSV when none is and
    `default_report`), checked: never inside the scanned folder, their folder exists, at most one on
    standard output."""
    from ..report import WRITERS, param_name

    outputs = {w.option: params[param_name(w)] for w in WRITERS if params.get(param_name(w)) is not None}
    if params.get("no_reports"):
        if outputs:
            raise InputError(f"--no-reports and {', '.join(outputs)} contradict each other")
    elif not outputs and default_report:     # no report asked for: the per-SKU CSV, as before
        outputs = {w.option: Path(w.default) for w in WRITERS if w.default}
    dashes = [option for option, path in outputs.items() if str(path) == "-"]
    if len(dashes) > 1:
        raise InputError(tr.t("cli.stdout_twice", options=", ".join(dashes)))
    for path in outputs.values():
        if str(path) == "-":
            continue
        if is_inside(path, folder):
            raise InputError(f"report {path} would be written inside the scanned folder {folder}; doccheck never writes there (choose another path)")
        if not path.parent.resolve().is_dir():
            raise InputError(f"cannot write {path}: folder {path.parent} does not exist")
    return outputs


def read_skus(path: Path, sheet: str | None = None, tr: i18n.Translator | None = None):
    """The SKU list at `path` (CSV, text or .xlsx; `sheet` of a workbook); InputError when unusable,
    its message in `tr`'s language (None: English)."""
    from ..mapping.skus import SkuFileError, read_sku_csv

    try:
        return read_sku_csv(path, sheet)
    except SkuFileError as exc:
        raise InputError(i18n.render(exc, tr or i18n.DEFAULT_LANG)) from None


def _scan_of(folder: Path, params: dict, rules, cache_dir: Path | None, tr: i18n.Translator):
    """prepare_scan's second half, once the rules and the language are known: (ScanOptions, SKU list path)."""
    seller_type = seller_profile(rules, params["seller_type"], tr)
    skus = None
    warnings: list[str] = []
    skus_csv = params["skus_csv"]
    if skus_csv is None:
        found = folder / DEFAULT_SKUS
        if found.is_file():
            skus_csv = found
            click.echo(tr.t("cli.skus_default", path=str(found)), err=True)
        else:
            warnings.append(i18n.said("cli.skus_none", file=DEFAULT_SKUS))
    if skus_csv is not None:
        skus = read_skus(skus_csv, params.get("skus_sheet"), tr)
        warnings.extend(skus.warnings)
    ocr = not params["no_ocr"]
    cluster, cluster_engine = attach_cluster(params, ocr)
    try:
        engine = ocr_engine(folder, RunSettings(rules, cluster=cluster, cluster_engine=cluster_engine), ocr)
    except OcrMissing as exc:
        click.echo(f"doccheck: {exc}", err=True)
        sys.exit(ExitCode.MISSING_DEPENDENCY)
    run = run_settings(params, rules, cache_dir=cache_dir, cluster=cluster, cluster_engine=cluster_engine)
    options = build_scan_options(folder, run, today=today_from(params["today"]), skus=skus, seller_type=seller_type,
                           ocr=ocr, lang=tr.lang, warnings=warnings, engine=engine)
    return options, skus_csv


def prepare_scan(folder: Path, params: dict, *, default_report: bool = True) -> ScanRequest:
    """Validate options and inputs and build the scan: doccheck.toml under the command line, the
    outputs, the cache folder, the rules, the seller profile, the SKU list (--skus, else
    FOLDER/skus.csv), the cluster, the OCR preflight. InputError (exit 2) on anything wrong;
    exits 3 when OCR is needed and cannot run. `default_report` False: no report unless one is
    asked for (export), where scan writes doccheck-report.csv."""
    from ..config import apply_config

    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        apply_config(ctx, folder, params, params.get("config"))   # doccheck.toml, under the command line
    apply_colour(params.get("color", "auto"))
    tr = translator(params.get("lang"))
    outputs = asked_outputs(folder, params, tr, default_report)
    cache_dir = cache_folder(params)
    if cache_dir is not None and is_inside(cache_dir, folder):
        raise InputError(f"cache folder {cache_dir} is inside the scanned folder {folder}; doccheck never writes there")
    rules = load_rules(params["rules_dir"], cache_dir)
    tr = translator(tr.lang, rules)
    options, skus_csv = _scan_of(folder, params, rules, cache_dir, tr)
    delimiter = CSV_DELIMITERS[params.get("csv_delimiter") or ","]
    return ScanRequest(options, outputs, params["quiet"], verbose=params.get("verbose", False),
                       fail_on=params.get("fail_on", "disabled"), csv_delimiter=delimiter, skus_csv=skus_csv,
                       translator=tr)
