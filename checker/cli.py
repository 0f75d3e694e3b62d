"""The doccheck command line. Bad usage or input: one line on stderr, exit 2, never a traceback."""

from __future__ import annotations

import os
import signal
import sys
import threading
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
        rules = load_rules(rules_dir)
    except RuleError as exc:
        raise InputError(f"rules: {exc}") from None
    from . import i18n

    i18n.install(rules.messages)   # the UI strings of the rules folder in use
    return rules


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="doccheck")
def cli() -> None:
    """Audit compliance papers before they reach Ozon: per SKU, will buyer chat be disabled, and why."""


CLUSTER_OPTIONS = [
    click.option("--scheduler", metavar="ADDRESS", help="Read files on this Dask scheduler's workers (tcp://HOST:8786) instead of local processes; needs doccheck[dask]."),
    click.option("--shared-fs", is_flag=True, help="With --scheduler: workers see the files at the same paths, so send paths instead of bytes."),
]


def attach_cluster(params: dict, ocr: bool):
    """(client, engine id) for --scheduler, (None, None) without it; exit 2 with one line when
    the cluster cannot be used."""
    if not params.get("scheduler"):
        if params.get("shared_fs"):
            raise InputError("--shared-fs goes with --scheduler")
        return None, None
    from .cluster import ClusterError, attach

    try:
        return attach(params["scheduler"], ocr)
    except ClusterError as exc:
        raise InputError(str(exc)) from None
REGISTER_OPTIONS = (
    click.option("--register", "register", type=click.Choice(["eaeu"]), default=None,
                 help="Look every conformity number up in the EAEU unified register (sends only the numbers; docs/register.md). "
                      "Without it doccheck makes no network request."),
    click.option("--register-url", default=None, metavar="URL",
                 help="Base URL of the register's OData service (default: https://tech.eaeunion.org/odata)."),
    click.option("--register-max-age", type=click.FloatRange(0, 24 * 365), default=24.0, show_default=True, metavar="HOURS",
                 help="Re-use a cached register answer this young; 0 asks again."),
)


def register_settings(params: dict):
    """--register and its options -> RegisterSettings, or None when the register is not asked."""
    if not params.get("register"):
        if params.get("register_url"):
            raise InputError("--register-url needs --register eaeu")
        return None
    from urllib.parse import urlsplit

    from .register.lookup import RegisterSettings

    url = params.get("register_url") or RegisterSettings.url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InputError(f"--register-url {url}: expected an http(s) URL without query, e.g. https://tech.eaeunion.org/odata")
    return RegisterSettings(register=params["register"], url=url, max_age_hours=params["register_max_age"])


def with_register_options(func):
    for option in reversed(REGISTER_OPTIONS):
        func = option(func)
    return func


def scan_options(func):
    """The options every scanning command shares (scan, watch, audit), report writers included."""
    from .report import WRITERS, param_name

    options = [
        click.option("--skus", "skus_csv", type=click.Path(path_type=Path), help="SKU list: CSV/text (UTF-8, cp1251, UTF-16) or .xlsx with a SKU column (sku, артикул, offer_id, 货号…); see docs/inputs.md."),
        click.option("--skus-sheet", "skus_sheet", metavar="NAME", help="The worksheet of an .xlsx SKU list to read (default: the first)."),
        *[click.option(w.option, param_name(w), type=click.Path(dir_okay=False, path_type=Path),
                       default=Path(w.default) if w.default else None, show_default=bool(w.default), help=w.help) for w in WRITERS],
        click.option("--seller-type", type=click.Choice(["company", "individual"]), default="company", show_default=True, help="KYC profile."),
        click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date used for expiry (default: today)."),
        click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Use rule files from DIR instead of the built-in ones."),
        click.option("--no-ocr", is_flag=True, help="Do not OCR scans and images; such files are marked as not read."),
        click.option("--jobs", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="number of cores", help="Worker processes, and pages OCR'd at once."),
        click.option("--file-timeout", type=click.FloatRange(1, 86400), default=300.0, show_default=True, help="Seconds one file may take before it is reported as unreadable."),
        click.option("--max-memory", "memory_mb", type=click.IntRange(256, 1 << 20), default=2048, show_default=True, help="Memory cap per worker, MB."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the cache (default: the user cache folder)."),
        click.option("--no-cache", is_flag=True, help="Read every file afresh and remember nothing."),
        click.option("--lang", type=click.Choice(["en", "ru", "zh"]), default=None, help="Language of messages a person reads (default: from the locale, else English)."),
        click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary line."),
        *CLUSTER_OPTIONS,
        *REGISTER_OPTIONS,
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
    from . import i18n

    i18n.set_lang(params["lang"] or default_lang())   # the SKU list's messages are read in it too
    skus = None
    warnings: list[str] = []
    if params["skus_csv"] is not None:
        try:
            skus = read_sku_csv(params["skus_csv"], params.get("skus_sheet"))
        except SkuFileError as exc:
            raise InputError(str(exc)) from None
        warnings.extend(skus.warnings)
    ocr = not params["no_ocr"]
    cluster, engine = attach_cluster(params, ocr)
    if cluster is None and ocr:
        from .preflight import check_ocr_available

        problem, engine = check_ocr_available(folder, rules)
        if problem:
            click.echo(f"doccheck: {problem}", err=True)
            sys.exit(ExitCode.MISSING_DEPENDENCY)
    register = register_settings(params)
    today = params["today"]
    options = ScanOptions(root=folder, rules=rules, today=today.date() if today else date.today(), skus=skus,
                          seller_type=params["seller_type"], ocr=ocr, jobs=params["jobs"],
                          file_timeout=params["file_timeout"], memory_mb=params["memory_mb"], cache_dir=cache_dir,
                          engine=engine or "", lang=params["lang"] or default_lang(), progress=not params["quiet"], warnings=warnings,
                          cluster=cluster, shared_fs=params["shared_fs"], register=register)
    from . import i18n

    i18n.set_lang(options.lang)   # the terminal, the details column and every report a person reads
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
@click.option("--ozon", "with_ozon", is_flag=True, help="Fetch Ozon's moderation verdicts for the SKUs (needs OZON_CLIENT_ID, OZON_API_KEY).")
@click.option("--api-url", default=None, metavar="URL", help="Seller API base URL for --ozon (default: Ozon's production API).")
def scan(folder: Path, with_ozon: bool = False, api_url: str | None = None, **params) -> None:
    """Scan FOLDER of SKU papers and KYC scans and report per SKU."""
    from .pipeline import scan as run_scan
    from . import i18n
    from .report.terminal import print_chat_settings, print_summary

    request = prepare_scan(folder, params)
    result = run_scan(request.options)
    if with_ozon:
        from .ozon.client import DEFAULT_API_URL
        from .ozon.commands import fetch_moderation

        result = fetch_moderation(result, request.options.rules, api_url or DEFAULT_API_URL, request.options.lang)
    write_reports(result, request.outputs)
    print_summary(result, detailed=not request.quiet)
    click.echo(i18n.t("term.reports", paths=", ".join(str(p) for p in request.outputs.values())))
    if not request.quiet:
        print_chat_settings()   # what no document can show, once, at the end
    sys.exit(exit_code_for(result))


_LANG_OPTION = click.option("--lang", type=click.Choice(["en", "ru", "zh"]), default=None,
                            help="Language of messages a person reads (default: from the locale, else English).")


@cli.command("rules")
@click.argument("category", required=False)
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Rule folder to list.")
@click.option("--unmapped-ozon-types", "unmapped", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="List the Ozon types of a products list (doccheck ozon products) that map to no category.")
@_LANG_OPTION
def list_rules(category, rules_dir, lang, unmapped=None) -> None:
    """List the categories with what they need, and the reason codes; with CATEGORY (a rule key or
    any Ozon category name, e.g. "Смарт-часы"), what that one category needs, in plain words."""
    from . import i18n

    rules = _load_rules(rules_dir)
    lang = lang or default_lang()
    i18n.set_lang(lang)
    if unmapped is not None:
        _list_unmapped(rules, unmapped)
        return
    if category is not None:
        _describe_category(rules, category, lang)
        return
    t = i18n.t
    click.echo(t("rules.heading.categories"))
    for cat in sorted(rules.categories.values(), key=lambda c: (not c.restricted, c.key)):
        need = t("rules.need.high_risk") if cat.high_risk else t("rules.need.restricted") if cat.restricted else t("rules.need.none")
        regs = f"  [{', '.join(cat.regulations)}]" if cat.regulations else ""
        click.echo(f"  {cat.key:<30} {need}{regs}")
        if cat.accepts:
            click.echo(f"  {'':<30} {t('rules.accepts', types=', '.join(cat.accepts))}")
        click.echo(f"  {'':<30} {t('rules.aliases', aliases=', '.join(cat.aliases))}")
    click.echo("\n" + t("rules.heading.codes"))
    labels = {True: t("rules.blocks"), False: t("rules.at_risk")}
    label_width = max(i18n.width(v) for v in labels.values())
    for code in codes.ALL_CODES:
        text = rules.reason_text(code, lang)
        click.echo(f"  {code.code:<28} {i18n.pad(labels[code.blocking], label_width)}  {text.title}")
    click.echo("\n" + t("rules.more"))


def _list_unmapped(rules, path: Path) -> None:
    from . import i18n
    from .ozon.products import unmapped_types
    from .skus import SkuFileError, read_sku_csv

    try:
        rows = [r.row for r in read_sku_csv(path).rows]
    except SkuFileError as exc:
        raise InputError(str(exc)) from None
    found = unmapped_types(rows, rules)
    if not found:
        click.echo(i18n.t("ozon.unmapped.none", path=str(path)))
        return
    click.echo(i18n.t("ozon.unmapped.heading", path=str(path)))
    for name, count in found:
        click.echo(f"  {name}\t{count}")


def _describe_category(rules, name: str, lang: str) -> None:
    from . import i18n

    t = i18n.t
    match = rules.match_category(name)   # as a SKU list's category is read: folded, path, close match
    cat = match.category
    if cat is None:
        close = [f"{rules.categories[key].name(lang)} ({key})" for key in match.suggestions]
        hint = f"; {t('cat.did_you_mean', names=', '.join(close))}" if close else ""
        raise InputError(t("cat.unknown", name=name) + hint)
    click.echo(f"{cat.name(lang)} ({t('cat.key', key=cat.key)})")
    others = [a for a in cat.aliases if a != cat.name(lang)]
    if others:
        click.echo(t("cat.aliases", aliases=", ".join(others)))
    click.echo("")
    click.echo(t("cat.need.high_risk") if cat.high_risk else t("cat.need.restricted") if cat.restricted else t("cat.need.none"))
    if cat.restricted:
        if cat.regulations:
            click.echo(t("cat.regulations"))
            for reg in cat.regulations:
                title = rules.regulation_titles.get(reg, {}).get(lang, "")
                click.echo(f"  {reg}" + (f" — {title}" if title else ""))
        else:
            click.echo(t("cat.regulations.none"))
        papers = rules.document_types.papers
        click.echo(t("rules.accepts", types=""))
        for kind in cat.accepts:
            click.echo(f"  {kind}" + (f" — {papers[kind].name(lang)}" if kind in papers else ""))
        click.echo(t("cat.files"))
    source = dict(cat.source)
    click.echo(t("rules.source", text=source["text"], read=source["read"]) + (f" {source['url']}" if source.get("url") else ""))
    click.echo(t("cat.kyc"))


@cli.command()
@click.argument("code", required=False)
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Rule folder to read the texts from.")
@_LANG_OPTION
def explain(code, rules_dir, lang) -> None:
    """What reason CODE means, why Ozon cares and how to fix it (without CODE: every code)."""
    from . import i18n

    rules = _load_rules(rules_dir)
    lang = lang or default_lang()
    i18n.set_lang(lang)
    t = i18n.t
    if code is None:
        click.echo(t("explain.list"))
        for c in codes.ALL_CODES:
            click.echo(f"  {c.code:<28} {rules.reason_text(c, lang).title}")
        return
    key = code.strip().casefold().replace("-", "_")
    reason = codes.BY_NAME.get(key)
    if reason is None:
        raise InputError(t("explain.unknown", code=code, codes=", ".join(c.code for c in codes.ALL_CODES)))
    text = rules.reason_text(reason, lang)
    click.echo(f"{reason.code}: {text.title}")
    click.echo(t("explain.blocking.yes") if reason.blocking else t("explain.blocking.no"))
    click.echo(t(f"explain.scope.{reason.scope.value}"))
    click.echo("")
    click.echo(t("explain.why"))
    click.echo(f"  {text.why}")
    click.echo(t("explain.fix"))
    click.echo(f"  {text.fix}")


@cli.command()
@click.argument("clients", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out-dir", type=click.Path(path_type=Path), default=Path("doccheck-audit"), show_default=True,
              help="Where summary.csv and one folder of reports per client go (never inside CLIENTS).")
@click.option("--seller-type", type=click.Choice(["company", "individual"]), default="company", show_default=True,
              help="KYC profile of clients whose doccheck.toml does not say.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date used for expiry (default: today; a client's doccheck.toml may set its own).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Use rule files from DIR instead of the built-in ones.")
@click.option("--no-ocr", is_flag=True, help="Do not OCR scans and images for any client.")
@click.option("--jobs", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="number of cores", help="Worker processes, and pages OCR'd at once.")
@click.option("--file-timeout", type=click.FloatRange(1, 86400), default=300.0, show_default=True, help="Seconds one file may take before it is reported as unreadable.")
@click.option("--max-memory", "memory_mb", type=click.IntRange(256, 1 << 20), default=2048, show_default=True, help="Memory cap per worker, MB.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the cache (default: the user cache folder).")
@click.option("--no-cache", is_flag=True, help="Read every file afresh and remember nothing.")
@_LANG_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary table.")
@CLUSTER_OPTIONS[0]
@CLUSTER_OPTIONS[1]
@with_register_options
def audit(clients: Path, **params) -> None:
    """Audit many clients at once: each subfolder of CLIENTS is one client's batch (its papers,
    skus.csv, KYC folder and an optional doccheck.toml). Writes OUT-DIR/summary.csv and
    OUT-DIR/<client>/ reports; one client's broken batch is reported and the others go on."""
    from . import i18n
    from .audit import AuditSettings, find_clients, looks_like_one_batch, print_table, run_audit
    from .report.output import is_inside
    from .report.terminal import print_chat_settings

    lang = params["lang"] or default_lang()
    i18n.set_lang(lang)
    rules = _load_rules(params["rules_dir"])
    out_dir: Path = params["out_dir"]
    if is_inside(out_dir, clients):
        raise InputError(i18n.t("audit.out_inside", out=str(out_dir), path=str(clients)))
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(i18n.t("audit.out_not_folder", out=str(out_dir)))
    batch_file = looks_like_one_batch(clients)
    if batch_file:
        raise InputError(i18n.t("audit.looks_like_batch", path=str(clients), file=batch_file))
    cache_dir = None
    if not params["no_cache"]:
        from .cache import default_cache_dir

        cache_dir = params["cache_dir"] or default_cache_dir()
        if is_inside(cache_dir, clients):
            raise InputError(i18n.t("audit.cache_inside", cache=str(cache_dir), path=str(clients)))
    today = params["today"]
    cluster, cluster_engine = attach_cluster(params, not params["no_ocr"])
    settings = AuditSettings(clients_dir=clients, out_dir=out_dir, rules=rules, today=today.date() if today else date.today(),
                             lang=lang, seller_type=params["seller_type"], ocr=not params["no_ocr"], jobs=params["jobs"],
                             file_timeout=params["file_timeout"], memory_mb=params["memory_mb"], cache_dir=cache_dir,
                             quiet=params["quiet"], cluster=cluster, cluster_engine=cluster_engine, shared_fs=params["shared_fs"],
                             register=register_settings(params))
    try:
        found = find_clients(clients, rules)
    except OSError as exc:
        raise InputError(f"{clients}: {exc.strerror or exc}") from None
    if not found:
        raise InputError(i18n.t("audit.no_clients", path=str(clients)))
    try:
        rows, status = run_audit(settings, echo_err=lambda text: click.echo(text, err=True))
    except OSError as exc:
        raise InputError(i18n.t("audit.cannot_write", out=str(out_dir), problem=exc.strerror or str(exc))) from None
    print_table(rows, click.echo, lang)
    click.echo(i18n.t("audit.reports", path=str(out_dir)))
    if not params["quiet"]:
        print_chat_settings(lang=lang)
    sys.exit(status)


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@scan_options
@click.option("--settle", type=click.FloatRange(0.1, 3600), default=3.0, show_default=True,
              help="Seconds a file's size and time must stay the same (and it must open) before it is judged.")
@click.option("--polling/--native", "polling", default=None,
              help="Poll the folder instead of using the system's change events (network and FUSE drives). "
                   "Default: polling on nfs, cifs/smb, 9p, fuse.* and the like, native events elsewhere.")
@click.option("--poll-interval", type=click.FloatRange(0.2, 3600), default=2.0, show_default=True,
              help="Seconds between two looks at the folder when polling.")
def watch(folder: Path, settle: float, polling, poll_interval: float, **params) -> None:
    """Watch FOLDER (e.g. a shared-drive sync folder) and keep the verdicts fresh: each file is judged
    once it is complete, the reports are rewritten, and each SKU whose verdict changed is printed.
    Ctrl-C stops; the exit status is the last verdict's, as with scan."""
    from .watch import run_watch

    sys.exit(run_watch(folder, params, settle=settle, polling=polling, poll_interval=poll_interval))


from .ozon.commands import register as _register_ozon   # noqa: E402  (doccheck ozon …, doccheck export)

_register_ozon(cli, scan_options, prepare_scan, write_reports, _LANG_OPTION, _load_rules, default_lang)


class Terminated(KeyboardInterrupt):
    """SIGTERM (timeout, systemd, a CI cancel): unwound like Ctrl-C, so workers and tesseract are
    stopped and the private temp folder with its page images is removed."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> int:
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
    except (Terminated, click.exceptions.Abort) as exc:
        # click turns a KeyboardInterrupt (and so our Terminated) into Abort; the cause tells them apart
        if isinstance(exc, Terminated) or isinstance(exc.__context__, Terminated):
            click.echo("doccheck: stopped (SIGTERM)", err=True)
            return 128 + signal.SIGTERM
        click.echo("doccheck: interrupted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("doccheck: interrupted", err=True)
        return 130
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception as exc:
        from .cluster import ClusterError   # only on this path: importing it loads the reader

        if not isinstance(exc, ClusterError):
            raise
        click.echo(f"doccheck: error: {exc}", err=True)   # the cluster went away mid-scan
        return ExitCode.BAD_INPUT
    return 0
