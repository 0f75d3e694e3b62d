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
    from .process.cluster import ClusterError, attach

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


def with_options(*options):
    """A decorator applying click `options` in the order given (as --help lists them)."""
    def apply(func):
        for option in reversed(options):
            func = option(func)
        return func
    return apply
SELLER_TYPE_HELP = "KYC profile: company or individual, or any alias rules/kyc.yaml lists (юрлицо, ИП, 个体户…)."
TODAY_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]   # ISO, and the Russian way of writing a date
CSV_DELIMITERS = {",": ",", ";": ";", "tab": "\t"}


def scan_options(func):
    """The options every scanning command shares (scan, watch, audit), report writers included."""
    from .report import WRITERS, param_name

    options = [
        click.option("--skus", "skus_csv", type=click.Path(path_type=Path, allow_dash=False),
                     help="SKU list: CSV/text (UTF-8, cp1251, UTF-16) or .xlsx with a SKU column (sku, артикул, offer_id, 货号…); "
                          "default: FOLDER/skus.csv when there is one; see docs/inputs.md."),
        click.option("--skus-sheet", "skus_sheet", metavar="NAME", help="The worksheet of an .xlsx SKU list to read (default: the first)."),
        *[click.option(w.option, param_name(w), type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
                       default=None, help=w.help + (" '-': standard output." if w.option != "--html" else "")
                       + (f" Written as {w.default} when no report at all is asked for." if w.default else ""))
          for w in WRITERS],
        click.option("--no-reports", is_flag=True,
                     help="Write no report file: the terminal and the exit status only (CI gates, the pre-commit hook)."),
        click.option("--csv-delimiter", type=click.Choice(list(CSV_DELIMITERS)), default=",", show_default=True,
                     help="Separator of the CSV reports: ';' for Excel with a Russian (or other comma-decimal) locale, tab for a TSV."),
        click.option("--seller-type", default="company", show_default=True, help=SELLER_TYPE_HELP),
        click.option("--today", type=click.DateTime(formats=TODAY_FORMATS), help="Date used for expiry, YYYY-MM-DD or DD.MM.YYYY (default: today)."),
        click.option("--fail-on", type=click.Choice(["disabled", "at_risk"]), default="disabled", show_default=True,
                     help="Exit 1 when a SKU is disabled, or (at_risk) also when one is at risk: the gate for CI and pre-commit."),
        click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Use rule files from DIR instead of the built-in ones."),
        click.option("--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Settings file (TOML) instead of FOLDER/doccheck.toml; options given here win over it."),
        click.option("--no-ocr", is_flag=True, help="Do not OCR scans and images; such files are marked as not read."),
        click.option("--jobs", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="number of cores", help="Worker processes, and pages OCR'd at once."),
        click.option("--file-timeout", type=click.FloatRange(1, 86400), default=300.0, show_default=True, help="Seconds one file may take before it is reported as unreadable."),
        click.option("--max-memory", "memory_mb", type=click.IntRange(256, 1 << 20), default=2048, show_default=True, help="Memory cap per worker, MB."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the cache (default: the user cache folder)."),
        click.option("--no-cache", is_flag=True, help="Read every file afresh and remember nothing."),
        click.option("--lang", type=click.Choice(["en", "ru", "zh"]), default=None, help="Language of messages a person reads (default: from the locale, else English)."),
        *CLUSTER_OPTIONS,
        *REGISTER_OPTIONS,
        click.option("--color", "--colour", "color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
                     help="Colours in the terminal; auto: only on a terminal and when NO_COLOR is not set."),
        click.option("-q", "--quiet", is_flag=True, help="Print only errors, the disabled SKUs and the summary line."),
        click.option("-v", "--verbose", is_flag=True, help="Also print each SKU's files and what was found in each."),
    ]
    return with_options(*options)(func)


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


def seller_profile(rules, value: str, tr=None) -> str:
    """A profile name from --seller-type or a config file: its key or any alias kyc.yaml lists;
    InputError (in `tr`'s language, a checker.i18n.Translator; None: English) when none."""
    from . import i18n

    try:
        return rules.kyc.profile(value).name
    except ValueError:
        known = "; ".join(f"{name} ({', '.join(p.aliases)})" if p.aliases else name
                          for name, p in rules.kyc.profiles.items())
        raise InputError(i18n.translator(tr).t("cli.seller_type_unknown", value=value, known=known)) from None


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
    outputs: dict[str, Path]          # writer option -> path ("-": standard output)
    quiet: bool
    verbose: bool = False
    fail_on: str = "disabled"         # "disabled" | "at_risk": what makes the exit status 1
    csv_delimiter: str = ","
    skus_csv: Path | None = None      # the SKU list read (--skus, or FOLDER/skus.csv found there)

    def context(self, result=None):
        """The writers' context: the rules in use, --lang's translator over them, --csv-delimiter."""
        from .report import report_context

        return report_context(result, self.options.lang, self.csv_delimiter, frozenset(self.outputs),
                              rules=self.options.rules)

    @property
    def to_stdout(self) -> bool:
        """A report goes to standard output: the terminal summary then goes to stderr."""
        return any(str(p) == "-" for p in self.outputs.values())


def prepare_scan(folder: Path, params: dict) -> ScanRequest:
    """Validate options and inputs (exit 2 on anything wrong) and build the scan's options."""
    from .pipeline import ScanOptions
    from .report import WRITERS, param_name
    from .report.output import is_inside
    from .mapping.skus import SkuFileError, read_sku_csv

    from . import i18n
    from .config import apply_config

    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        apply_config(ctx, folder, params, params.get("config"))   # doccheck.toml, under the command line
    apply_colour(params.get("color", "auto"))
    lang = params["lang"] or default_lang()
    tr = i18n.Translator(lang)
    outputs = {w.option: params[param_name(w)] for w in WRITERS if params.get(param_name(w)) is not None}
    if params.get("no_reports"):
        if outputs:
            raise InputError(f"--no-reports and {', '.join(outputs)} contradict each other")
    elif not outputs:     # no report asked for: the per-SKU CSV, as before
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
    cache_dir = None
    if not params["no_cache"]:
        from .cache import default_cache_dir

        cache_dir = params["cache_dir"] or default_cache_dir()
        if is_inside(cache_dir, folder):
            raise InputError(f"cache folder {cache_dir} is inside the scanned folder {folder}; doccheck never writes there")
    rules = _load_rules(params["rules_dir"])
    tr = i18n.Translator(lang, rules.messages)
    seller_type = seller_profile(rules, params["seller_type"], tr)
    skus = None
    warnings: list[str] = []
    skus_csv = params["skus_csv"]
    if skus_csv is None:
        from .commands.audit import DEFAULT_SKUS

        found = folder / DEFAULT_SKUS
        if found.is_file():
            skus_csv = found
            click.echo(tr.t("cli.skus_default", path=str(found)), err=True)
        else:
            warnings.append(i18n.said("cli.skus_none", file=DEFAULT_SKUS))
    if skus_csv is not None:
        try:
            skus = read_sku_csv(skus_csv, params.get("skus_sheet"))
        except SkuFileError as exc:
            raise InputError(i18n.render(exc, tr)) from None
        warnings.extend(skus.warnings)
    ocr = not params["no_ocr"]
    cluster, engine = attach_cluster(params, ocr)
    if cluster is None and ocr:
        from .reading.preflight import check_ocr_available

        problem, engine = check_ocr_available(folder, rules)
        if problem:
            click.echo(f"doccheck: {problem}", err=True)
            sys.exit(ExitCode.MISSING_DEPENDENCY)
    register = register_settings(params)
    today = params["today"]
    options = ScanOptions(root=folder, rules=rules, today=today.date() if today else date.today(), skus=skus,
                          seller_type=seller_type, ocr=ocr, jobs=params["jobs"],
                          file_timeout=params["file_timeout"], memory_mb=params["memory_mb"], cache_dir=cache_dir,
                          engine=engine or "", lang=lang, progress=not params["quiet"], warnings=warnings,
                          cluster=cluster, shared_fs=params["shared_fs"], register=register)
    return ScanRequest(options, outputs, params["quiet"], verbose=params.get("verbose", False),
                       fail_on=params.get("fail_on", "disabled"), csv_delimiter=CSV_DELIMITERS[params.get("csv_delimiter") or ","],
                       skus_csv=skus_csv)


def write_reports(result, outputs: dict[str, Path], ctx) -> None:
    """Every asked-for report, in the registry's order, with the writers' context `ctx`
    (report.ReportContext: rules, translator, CSV separator); a report that cannot be written: exit 2."""
    from .report import write_all

    try:
        write_all(result, outputs, ctx)
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror} ({exc.filename})") from None


FAIL_ON = {"disabled": (codes.ChatStatus.DISABLED,), "at_risk": (codes.ChatStatus.DISABLED, codes.ChatStatus.AT_RISK)}


def exit_code_for(result, fail_on: str = "disabled") -> ExitCode:
    """1 when a SKU's status is one --fail-on names (disabled; at_risk: disabled or at risk), else 0."""
    failing = FAIL_ON[fail_on]
    return ExitCode.SKU_DISABLED if any(s.status in failing for s in result.skus) else ExitCode.OK


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
    ctx = request.context(result)
    write_reports(result, request.outputs, ctx)
    # A report on standard output (--json -) keeps stdout to itself: the words go to stderr.
    echo = (lambda *a, **k: click.echo(*a, **{**k, "err": True})) if request.to_stdout else click.echo
    print_summary(result, detailed=not request.quiet, verbose=request.verbose, echo=echo, ctx=ctx)
    files = [str(p) for p in request.outputs.values() if str(p) != "-"]
    if files:
        echo(ctx.tr.t("term.reports", paths=", ".join(files)))
    if not request.quiet:
        print_chat_settings(echo=echo, tr=ctx.tr)   # what no document can show, once, at the end
    sys.exit(exit_code_for(result, request.fail_on))


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
    tr = i18n.Translator(lang, rules.messages)
    if unmapped is not None:
        _list_unmapped(rules, unmapped, tr)
        return
    if category is not None:
        _describe_category(rules, category, tr)
        return
    t = tr.t
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


def _list_unmapped(rules, path: Path, tr) -> None:
    from . import i18n
    from .ozon.products import unmapped_types
    from .mapping.skus import SkuFileError, read_sku_csv

    try:
        rows = [r.row for r in read_sku_csv(path).rows]
    except SkuFileError as exc:
        raise InputError(i18n.render(exc, tr)) from None
    found = unmapped_types(rows, rules)
    if not found:
        click.echo(tr.t("ozon.unmapped.none", path=str(path)))
        return
    click.echo(tr.t("ozon.unmapped.heading", path=str(path)))
    for name, count in found:
        click.echo(f"  {name}\t{count}")


def _describe_category(rules, name: str, tr) -> None:
    t, lang = tr.t, tr.lang
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
    t = i18n.Translator(lang, rules.messages).t
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
@click.option("--seller-type", default="company", show_default=True,
              help="KYC profile of clients whose doccheck.toml does not say: " + SELLER_TYPE_HELP)
@click.option("--today", type=click.DateTime(formats=TODAY_FORMATS), help="Date used for expiry, YYYY-MM-DD or DD.MM.YYYY (default: today; a client's doccheck.toml may set its own).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Use rule files from DIR instead of the built-in ones.")
@click.option("--no-ocr", is_flag=True, help="Do not OCR scans and images for any client.")
@click.option("--jobs", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="number of cores", help="Worker processes, and pages OCR'd at once.")
@click.option("--file-timeout", type=click.FloatRange(1, 86400), default=300.0, show_default=True, help="Seconds one file may take before it is reported as unreadable.")
@click.option("--max-memory", "memory_mb", type=click.IntRange(256, 1 << 20), default=2048, show_default=True, help="Memory cap per worker, MB.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the cache (default: the user cache folder).")
@click.option("--no-cache", is_flag=True, help="Read every file afresh and remember nothing.")
@_LANG_OPTION
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write one Excel workbook: a summary sheet and a sheet of SKUs per client.")
@click.option("--fail-on", type=click.Choice(["disabled", "at_risk"]), default="disabled", show_default=True,
              help="Exit 1 when a client's SKU is disabled, or (at_risk) also when one is at risk.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an index page: every client with its counts, linking to its own report.html.")
@click.option("--csv-delimiter", type=click.Choice(list(CSV_DELIMITERS)), default=",", show_default=True,
              help="Separator of the CSV reports: ';' for Excel with a Russian locale.")
@click.option("--color", "--colour", "color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colours in the terminal; auto: only on a terminal and when NO_COLOR is not set.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary table.")
@with_options(*CLUSTER_OPTIONS, *REGISTER_OPTIONS)
def audit(clients: Path, **params) -> None:
    """Audit many clients at once: each subfolder of CLIENTS is one client's batch (its papers,
    skus.csv, KYC folder and an optional doccheck.toml). Writes OUT-DIR/summary.csv and
    OUT-DIR/<client>/ reports; one client's broken batch is reported and the others go on."""
    from . import i18n
    from .commands.audit import AuditSettings, find_clients, looks_like_one_batch, print_table, run_audit
    from .report.output import is_inside
    from .report.terminal import print_chat_settings

    apply_colour(params["color"])
    lang = params["lang"] or default_lang()
    rules = _load_rules(params["rules_dir"])
    tr = i18n.Translator(lang, rules.messages)
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
    cache_dir = None
    if not params["no_cache"]:
        from .cache import default_cache_dir

        cache_dir = params["cache_dir"] or default_cache_dir()
        if is_inside(cache_dir, clients):
            raise InputError(tr.t("audit.cache_inside", cache=str(cache_dir), path=str(clients)))
    today = params["today"]
    cluster, cluster_engine = attach_cluster(params, not params["no_ocr"])
    settings = AuditSettings(clients_dir=clients, out_dir=out_dir, rules=rules, today=today.date() if today else date.today(),
                             lang=lang, seller_type=seller_profile(rules, params["seller_type"], tr), ocr=not params["no_ocr"], jobs=params["jobs"],
                             file_timeout=params["file_timeout"], memory_mb=params["memory_mb"], cache_dir=cache_dir,
                             quiet=params["quiet"], cluster=cluster, cluster_engine=cluster_engine, shared_fs=params["shared_fs"],
                             register=register_settings(params), fail_on=params["fail_on"],
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
            from .report.xlsx import write_audit_workbook

            write_audit_workbook([(r, r.result) for r in rows], xlsx, lang)
        if index is not None:
            from .report.html import write_index

            write_index(rows, index, out_dir, lang, settings.today)
    except OSError as exc:
        raise InputError(tr.t("audit.cannot_write", out=str(out_dir), problem=exc.strerror or str(exc))) from None
    print_table(rows, click.echo, lang)
    click.echo(tr.t("audit.reports", path=str(out_dir)))
    if not params["quiet"]:
        print_chat_settings(tr=tr)
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
    from .commands.watch import run_watch

    sys.exit(run_watch(folder, params, settle=settle, polling=polling, poll_interval=poll_interval))


@cli.command("config")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@scan_options
def show_config(folder: Path, **params) -> None:
    """Print the settings a scan of FOLDER would use and where each comes from: the command line,
    FOLDER/doccheck.toml (or --config FILE) with its line, or the default. Nothing is scanned."""
    from .commands.audit import DEFAULT_SKUS
    from .config import SETTINGS, apply_config

    ctx = click.get_current_context()
    sources = apply_config(ctx, folder, params, params.get("config"))
    if params.get("skus_csv") is None and (folder / DEFAULT_SKUS).is_file():
        params["skus_csv"], sources["skus_csv"].where = folder / DEFAULT_SKUS, "found in the folder"
    rows = []
    for setting in SETTINGS:
        value = params.get(setting.param)
        if hasattr(value, "date") and callable(value.date):
            value = value.date().isoformat()
        shown = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        rows.append((setting.key, shown or "-", sources[setting.param].where))
    key_width = max(len(k) for k, _, _ in rows)
    value_width = max(len(v) for _, v, _ in rows)
    for key, value, where in rows:
        click.echo(f"{key:<{key_width}} = {value:<{value_width}}  # {where}")


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
        from .process.cluster import ClusterError   # only on this path: importing it loads the reader

        if not isinstance(exc, ClusterError):
            raise
        click.echo(f"doccheck: error: {exc}", err=True)   # the cluster went away mid-scan
        return ExitCode.BAD_INPUT
    return 0


from .ozon.commands import register as _register_ozon   # noqa: E402  (doccheck ozon …, doccheck export)

_register_ozon(cli, scan_options, prepare_scan, write_reports, _LANG_OPTION, _load_rules, default_lang)
