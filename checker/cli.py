"""The doccheck command line: click's declarations (commands, options, help, choices) and main(),
the entry point that turns every error into one line and an ExitCode. Each command calls
checker.commands.* (which build their scan and outcome through checker.app). Bad usage or input:
one line on stderr, exit 2, never a traceback. docs/cli.md describes every option."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from . import __version__, i18n
from .app.errors import InputError  # noqa: F401  (the commands' error type, importable from here as before)
from .app.language import default_lang  # noqa: F401  (as before)
from .app.outcome import FAIL_ON
from .app.setup import CSV_DELIMITERS
from .codes import ExitCode
from .process import stopping
from .ozon import DEFAULT_API_URL


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="doccheck")
def cli() -> None:
    """Audit compliance papers before they reach Ozon: per SKU, will buyer chat be disabled, and why."""


def with_options(*options):
    """A decorator applying click `options` in the order given (as --help lists them)."""
    def apply(func):
        for option in reversed(options):
            func = option(func)
        return func
    return apply


# --- options shared by several commands ---------------------------------------------------------

TODAY_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]   # ISO, and the Russian way of writing a date
LANG_HELP = "Language of messages a person reads (default: from the locale, else English)."
COLOR_HELP = "Colours in the terminal; auto: only on a terminal and when NO_COLOR is not set."
CSV_DELIMITER_HELP = "Separator of the CSV reports: ';' for Excel with a Russian (or other comma-decimal) locale, tab for a TSV."


def lang_option(help: str = LANG_HELP):
    """--lang: the choices are i18n.LANGS, the languages every message exists in."""
    return click.option("--lang", type=click.Choice(list(i18n.LANGS)), default=None, help=help)


def seller_type_help() -> str:
    """--seller-type's help from the built-in rules/kyc.yaml: its profiles and their aliases."""
    from .kyc.loader import KycRules
    from .rules_location import default_rules_dir

    try:
        kyc = KycRules.load(default_rules_dir() / "kyc.yaml")
    except Exception:      # help must never fail; the command itself reports a broken rules folder
        return "KYC profile, or any alias rules/kyc.yaml lists."
    names = " or ".join(kyc.profiles)
    aliases = ", ".join(a for p in kyc.profiles.values() for a in p.aliases)
    return (f"KYC profile: {names}, or any alias rules/kyc.yaml lists ({aliases}). "
            "With --rules DIR, DIR/kyc.yaml's profiles and aliases (checked once the rules are loaded).")


class SellerTypeOption(click.Option):
    """--seller-type: free text checked against the kyc.yaml of the rules folder in use (a custom
    --rules folder may name its own profiles), so its help is read from the data, when shown."""

    def __init__(self, *args, help_prefix: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.help_prefix = help_prefix

    def get_help_record(self, ctx):
        """click's (option, help) record, the help read from the rules' kyc.yaml now, after `help_prefix`."""
        self.help = self.help_prefix + seller_type_help()
        return super().get_help_record(ctx)


def seller_type_option(help_prefix: str = ""):
    """--seller-type company|individual|an alias (default company), checked after the rules load."""
    return click.option("--seller-type", cls=SellerTypeOption, help_prefix=help_prefix, default="company",
                        show_default=True, metavar="PROFILE")


def rules_option(help: str = "Use rule files from DIR instead of the built-in ones."):
    """--rules DIR: another rules folder (the same files as rules/)."""
    return click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help=help)


def color_option():
    """--color/--colour auto|always|never (NO_COLOR is honoured by app.setup.colour_setting)."""
    return click.option("--color", "--colour", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                        show_default=True, help=COLOR_HELP)


def fail_on_option(help: str):
    """--fail-on: the choices are app.outcome.FAIL_ON's keys."""
    return click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="disabled", show_default=True, help=help)


READING_OPTIONS = (
    click.option("--jobs", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="number of cores", help="Worker processes, and pages OCR'd at once."),
    click.option("--file-timeout", type=click.FloatRange(1, 86400), default=300.0, show_default=True, help="Seconds one file may take before it is reported as unreadable."),
    click.option("--max-memory", "memory_mb", type=click.IntRange(256, 1 << 20), default=2048, show_default=True, help="Memory cap per worker, MB."),
    click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the cache (default: the user cache folder)."),
    click.option("--no-cache", is_flag=True, help="Read every file afresh and remember nothing."),
)
CLUSTER_OPTIONS = (
    click.option("--scheduler", metavar="ADDRESS", help="Read files on this Dask scheduler's workers (tcp://HOST:8786) instead of local processes; needs doccheck[dask]."),
    click.option("--shared-fs", is_flag=True, help="With --scheduler: workers see the files at the same paths, so send paths instead of bytes."),
    click.option("--scheduler-timeout", type=click.FloatRange(1, 3600), default=10.0, show_default=True, metavar="SECONDS",
                 help="With --scheduler: how long to wait for the scheduler and its first worker before giving up (exit 2)."),
)
REGISTER_OPTIONS = (
    click.option("--register", "register", type=click.Choice(["eaeu"]), default=None,
                 help="Look every conformity number up in the EAEU unified register (sends only the numbers; docs/register.md). "
                      "Without it doccheck makes no network request."),
    click.option("--register-url", default=None, metavar="URL",
                 help="Base URL of the register's OData service (default: https://tech.eaeunion.org/odata)."),
    click.option("--register-max-age", type=click.FloatRange(0, 24 * 365), default=24.0, show_default=True, metavar="HOURS",
                 help="Re-use a cached register answer this young; 0 asks again."),
)


def scan_options(func):
    """The options every scanning command shares (scan, watch, export, ozon upload), report writers included."""
    from .report import WRITERS, param_name

    options = [
        click.option("--skus", "skus_csv", type=click.Path(path_type=Path, allow_dash=False),
                     help="SKU list: CSV/text (UTF-8, cp1251, UTF-16) or .xlsx with a SKU column (sku, артикул, offer_id, 货号…); "
                          "default: FOLDER/skus.csv when there is one; see docs/inputs.md."),
        click.option("--skus-sheet", "skus_sheet", metavar="NAME", help="The worksheet of an .xlsx SKU list to read (default: the first)."),
        *[click.option(w.option, param_name(w), type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
                       default=None, help=w.help + " '-': standard output."
                       + (f" Written as {w.default} when no report at all is asked for (not by export)." if w.default else ""))
          for w in WRITERS],
        click.option("--no-reports", is_flag=True,
                     help="Write no report file: the terminal and the exit status only (CI gates, the pre-commit hook)."),
        click.option("--csv-delimiter", type=click.Choice(list(CSV_DELIMITERS)), default=",", show_default=True,
                     help=CSV_DELIMITER_HELP),
        seller_type_option(),
        click.option("--today", type=click.DateTime(formats=TODAY_FORMATS), help="Date used for expiry, YYYY-MM-DD or DD.MM.YYYY (default: today)."),
        fail_on_option("Exit 1 when a SKU is disabled, or (at_risk) also when one is at risk: the gate for CI and pre-commit."),
        rules_option(),
        click.option("--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Settings file (TOML) instead of FOLDER/doccheck.toml; options given here win over it."),
        click.option("--no-ocr", is_flag=True, help="Do not OCR scans and images; such files are marked as not read."),
        *READING_OPTIONS,
        lang_option(),
        *CLUSTER_OPTIONS,
        *REGISTER_OPTIONS,
        color_option(),
        click.option("-q", "--quiet", is_flag=True, help="Print only errors, the disabled SKUs and the summary line."),
        click.option("-v", "--verbose", is_flag=True, help="Also print each SKU's files and what was found in each."),
    ]
    return with_options(*options)(func)


FOLDER = click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))


# --- the commands -------------------------------------------------------------------------------

@cli.command()
@FOLDER
@scan_options
@click.option("--ozon", "with_ozon", is_flag=True, help="Fetch Ozon's moderation verdicts for the SKUs (needs OZON_CLIENT_ID, OZON_API_KEY).")
@click.option("--api-url", default=None, metavar="URL", help="Seller API base URL for --ozon (default: Ozon's production API).")
def scan(folder: Path, with_ozon: bool = False, api_url: str | None = None, **params) -> None:
    """Scan FOLDER of SKU papers and KYC scans and report per SKU."""
    from .commands.scan import run_scan

    sys.exit(run_scan(folder, params, with_ozon=with_ozon, api_url=api_url))


@cli.command("rules")
@click.argument("category", required=False)
@rules_option("Rule folder to list.")
@click.option("--unmapped-ozon-types", "unmapped", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="List the Ozon types of a products list (doccheck ozon products) that map to no category.")
@lang_option()
def list_rules(category, rules_dir, lang, unmapped=None) -> None:
    """List the categories with what they need, and the reason codes; with CATEGORY (a rule key or
    any Ozon category name, e.g. "Смарт-часы"), what that one category needs, in plain words."""
    from .commands.listing import list_rules as run

    run(category, rules_dir, lang, unmapped)


@cli.command()
@click.argument("code", required=False)
@rules_option("Rule folder to read the texts from.")
@lang_option()
def explain(code, rules_dir, lang) -> None:
    """What reason CODE means, why Ozon cares and how to fix it (without CODE: every code)."""
    from .commands.explain import explain as run

    run(code, rules_dir, lang)


@cli.command()
@click.argument("clients", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out-dir", type=click.Path(path_type=Path), default=Path("doccheck-audit"), show_default=True,
              help="Where summary.csv and one folder of reports per client go (never inside CLIENTS).")
@seller_type_option("KYC profile of clients whose doccheck.toml does not say: ")
@click.option("--today", type=click.DateTime(formats=TODAY_FORMATS), help="Date used for expiry, YYYY-MM-DD or DD.MM.YYYY (default: today; a client's doccheck.toml may set its own).")
@rules_option()
@click.option("--no-ocr", is_flag=True, help="Do not OCR scans and images for any client.")
@with_options(*READING_OPTIONS)
@lang_option()
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write one Excel workbook: a summary sheet and a sheet of SKUs per client.")
@fail_on_option("Exit 1 when a client's SKU is disabled, or (at_risk) also when one is at risk.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an index page: every client with its counts, linking to its own report.html.")
@click.option("--csv-delimiter", type=click.Choice(list(CSV_DELIMITERS)), default=",", show_default=True,
              help="Separator of the CSV reports: ';' for Excel with a Russian locale.")
@color_option()
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary table.")
@with_options(*CLUSTER_OPTIONS, *REGISTER_OPTIONS)
def audit(clients: Path, **params) -> None:
    """Audit many clients at once: each subfolder of CLIENTS is one client's batch (its papers,
    skus.csv, KYC folder and an optional doccheck.toml). Writes OUT-DIR/summary.csv and
    OUT-DIR/<client>/ reports; one client's broken batch is reported and the others go on."""
    from .commands.audit import run_audit_command

    sys.exit(run_audit_command(clients, params))


@cli.command()
@FOLDER
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
@FOLDER
@scan_options
def show_config(folder: Path, **params) -> None:
    """Print the settings a scan of FOLDER would use and where each comes from: the command line,
    FOLDER/doccheck.toml (or --config FILE) with its line, or the default. Nothing is scanned."""
    from .commands.show_config import show_config as run

    run(folder, params)


@cli.command("export")
@FOLDER
@click.option("--to", "to", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new or empty folder for the upload-ready copy (never inside FOLDER).")
@scan_options
def export_cmd(folder: Path, to: Path, **params) -> None:
    """Scan FOLDER, then write an upload-ready copy into OUT: per SKU, only the papers that
    count, named as Ozon needs them, each paper once; OUT/README.txt is every SKU's checklist in
    --lang. Writes no report unless one is asked for (--out, --json, …)."""
    from .commands.export import run_export

    run_export(folder, to, params)


@cli.group()
def ozon() -> None:
    """Ozon's Seller API: the product list, moderation's verdicts, uploading the papers that pass.
    Needs OZON_CLIENT_ID and OZON_API_KEY in the environment (docs/ozon-api.md)."""


API_URL_OPTION = click.option("--api-url", default=DEFAULT_API_URL, show_default=True, metavar="URL",
                              help="Seller API base URL (for tests and sandboxes).")


@ozon.command("products")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the list: .csv (a valid --skus list) or .xlsx.")
@API_URL_OPTION
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where the category tree is cached for a day.")
@click.option("--no-cache", is_flag=True, help="Fetch the category tree afresh and keep no copy.")
@lang_option()
def ozon_products(out: Path, api_url: str, cache_dir, no_cache, lang) -> None:
    """Every product of the account: sku (offer_id), ozon_sku, product_id, name, brand, category
    (Ozon's type name in Russian) and category_path."""
    from .ozon.commands import products

    products(out, api_url, cache_dir, no_cache, lang)


@ozon.command("certificates")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV to write.")
@API_URL_OPTION
@rules_option("Use rule files from DIR.")
@lang_option()
def ozon_certificates(out: Path, api_url: str, rules_dir, lang) -> None:
    """The account's certificates: number, type, status, moderation's verdict, rejection reasons
    and the SKUs each is bound to."""
    from .ozon.commands import certificates

    certificates(out, api_url, rules_dir, lang)


@ozon.command("upload")
@FOLDER
@scan_options
@API_URL_OPTION
@click.option("--yes", is_flag=True, help="Send to Ozon. Without it: a dry run that only shows what would be sent.")
@click.option("--upload-out", type=click.Path(dir_okay=False, path_type=Path), default=Path("doccheck-upload.csv"),
              show_default=True, help="CSV of what is (or would be) sent, request by request, without the files' bytes.")
def ozon_upload(folder: Path, api_url: str, yes: bool, upload_out: Path, **params) -> None:
    """Scan FOLDER, then create each passing paper as an Ozon certificate (v2 create) and bind it
    to its SKUs. A dry run unless --yes; a number already on the account is bound, not created again."""
    from .ozon.commands import upload

    sys.exit(upload(folder, api_url, yes, upload_out, params))


# --- running it ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """Run doccheck with `argv` (default: sys.argv[1:]) and return its exit status (ExitCode):
    errors become one line on stderr, Ctrl-C 130, SIGTERM 143 (also when the signal's first raise
    was swallowed and the command ran on: process/stopping.py)."""
    try:
        with stopping.handled():
            status = _main(argv)
        late = stopping.stopped_by()
        if late is not None and status not in (ExitCode.INTERRUPTED, ExitCode.TERMINATED):
            click.echo("doccheck: stopped (SIGTERM)" if late == signal.SIGTERM else "doccheck: interrupted", err=True)
            status = ExitCode.for_signal(late)
        return status
    finally:
        stopping.reset()


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
    except (stopping.Terminated, click.exceptions.Abort) as exc:
        # click turns a KeyboardInterrupt (and so our Terminated) into Abort; the cause tells them apart
        if isinstance(exc, stopping.Terminated) or isinstance(exc.__context__, stopping.Terminated):
            click.echo("doccheck: stopped (SIGTERM)", err=True)
            return ExitCode.TERMINATED
        click.echo("doccheck: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        click.echo("doccheck: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except SystemExit as exc:
        return int(exc.code or ExitCode.OK)
    except Exception as exc:
        from .process.cluster import ClusterError   # only on this path: importing it loads the reader

        if not isinstance(exc, ClusterError):
            raise
        click.echo(f"doccheck: error: {exc}", err=True)   # the cluster went away mid-scan
        return ExitCode.BAD_INPUT
    return ExitCode.OK
