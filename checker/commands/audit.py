"""doccheck audit CLIENTS: one run over many clients' batches, for an agency.

Each subfolder of CLIENTS is one client's batch: its papers, its skus.csv, its KYC folder and an
optional doccheck.toml (seller type, SKU list, date, report language, OCR). Every client is scanned
on its own and gets its own reports in OUT/<client>/; OUT/summary.csv and the terminal table sum
them up. A client whose batch cannot be audited (bad config, unusable skus.csv, …) gets a row that
says why, and the others go on.

Nothing is ever written inside CLIENTS; a client's name (its folder name) is made safe before it
names an output folder, so no name can reach outside OUT.
"""

from __future__ import annotations

import os
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .. import i18n
from ..codes import ChatStatus, ExitCode
from ..names import display_name
from ..report.output import csv_text, is_inside, write_atomic
from ..rules import Rules

CONFIG_FILE = "doccheck.toml"
DEFAULT_SKUS = "skus.csv"
SUMMARY_FILE = "summary.csv"
CONFIG_KEYS = ("seller_type", "skus", "today", "lang", "no_ocr")
SUMMARY_COLUMNS = ["client", "status", "skus", "ok", "at_risk", "disabled", "kyc_complete", "files", "seconds",
                   "seller_type", "lang", "reports", "error"]
# Report file names inside OUT/<client>/, by writer option. A writer added to the registry later
# gets a name from its option (see report_file_name).
REPORT_FILES = {"--out": "report.csv", "--files-out": "files.csv", "--kyc-out": "kyc.csv",
                "--ozon-sheet": "ozon-sheet.csv", "--html": "report.html", "--json": "report.json",
                "--xlsx": "report.xlsx"}
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


class ClientError(Exception):
    """This client's batch cannot be audited; the message is one line a person reads."""

    def __init__(self, message: str, exit_code: int = ExitCode.SKU_DISABLED):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class AuditSettings:
    """What the command line says, for every client (a client's doccheck.toml may override some)."""
    clients_dir: Path
    out_dir: Path
    rules: Rules
    today: date
    lang: str                       # the terminal and summary.csv; a client's reports default to it
    seller_type: str = "company"
    ocr: bool = True
    jobs: int = 1
    file_timeout: float = 300.0
    memory_mb: int = 2048
    cache_dir: Path | None = None
    quiet: bool = False
    cluster: object | None = None        # a connected distributed.Client (--scheduler)
    cluster_engine: str | None = None    # the workers' OCR engine id, checked once for every client
    shared_fs: bool = False
    register: object = None          # register.lookup.RegisterSettings (--register eaeu), or None
    fail_on: str = "disabled"       # "disabled" | "at_risk": what makes the exit status 1


@dataclass
class ClientConfig:
    seller_type: str
    skus: Path | None
    today: date
    lang: str
    ocr: bool
    warnings: list[str] = field(default_factory=list)


@dataclass
class ClientRow:
    client: str                     # the folder name, as it is
    folder: str = ""                # its reports' folder under OUT ("" when none was written)
    error: str = ""
    exit_code: int = ExitCode.OK
    skus: int = 0
    counts: dict[ChatStatus, int] = field(default_factory=lambda: {s: 0 for s in ChatStatus})
    kyc: str = ""                   # "yes", "no", "not_judged"; "" when not audited
    files: int = 0
    seconds: float = 0.0
    seller_type: str = ""
    lang: str = ""
    result: object = None           # the client's ScanResult (for the agency workbook); None when not audited

    @property
    def failed(self) -> bool:
        return bool(self.error)


# --- finding the clients --------------------------------------------------------------------------

def looks_like_one_batch(clients_dir: Path) -> str | None:
    """A folder with a skus.csv or doccheck.toml of its own is one client's batch, not a folder of
    clients: the name of that file, else None."""
    return next((name for name in (DEFAULT_SKUS, CONFIG_FILE) if (clients_dir / name).is_file()), None)


def find_clients(clients_dir: Path, rules: Rules) -> list[tuple[str, Path, str]]:
    """(name, folder, problem) per client folder, sorted by name; problem is "" for a usable folder.

    Hidden folders and sync debris folders are not clients; neither are loose files."""
    clients = []
    debris = {d.casefold() for d in rules.debris_dirs}
    for entry in sorted(os.scandir(clients_dir), key=lambda e: (e.name.casefold(), e.name)):
        if entry.name.startswith(".") or entry.name.casefold() in debris:
            continue
        path = Path(entry.path)
        try:
            if not entry.is_dir(follow_symlinks=True):
                continue
        except OSError:
            continue
        problem = ""
        if entry.is_symlink() and not is_inside(path, clients_dir):
            problem = i18n.t("audit.err.link_outside", path=str(clients_dir))
        clients.append((entry.name, path, problem))
    return clients


def safe_folder_name(name: str) -> str:
    """A folder name that stays one plain folder inside OUT on any system: no separators, no
    control or Windows-reserved characters, not hidden, not '.' or '..'."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip().rstrip(". ")
    if cleaned.startswith("."):
        cleaned = "_" + cleaned.lstrip(".")
    return cleaned or "client"


def allocate_folder(name: str, out_dir: Path, clients_dir: Path, taken: set[str]) -> Path:
    """OUT/<safe name>, unique (case-insensitively, for macOS and Windows), never inside CLIENTS."""
    base = safe_folder_name(name)
    candidate, n = base, 1
    while True:
        target = out_dir / candidate
        key = candidate.casefold()
        inside_out = os.path.realpath(target).startswith(os.path.realpath(out_dir) + os.sep)
        if key not in taken and key != SUMMARY_FILE and inside_out and not is_inside(target, clients_dir):
            taken.add(key)
            return target
        n += 1
        candidate = f"{base}-{n}"


def report_file_name(option: str) -> str:
    known = REPORT_FILES.get(option)
    if known:
        return known
    stem = option.lstrip("-")
    return re.sub(r"-out$", "", stem) + ".csv"


# --- one client -------------------------------------------------------------------------------------

def read_config(folder: Path, settings: AuditSettings) -> ClientConfig:
    """The client's doccheck.toml over the command line's defaults; ClientError when it is wrong."""
    path = folder / CONFIG_FILE
    data: dict = {}
    if os.path.lexists(path):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ClientError(i18n.t("audit.err.config_syntax", file=CONFIG_FILE, problem=str(exc))) from None
        except UnicodeDecodeError:
            raise ClientError(i18n.t("audit.err.config_syntax", file=CONFIG_FILE, problem="not UTF-8")) from None
        except OSError as exc:
            raise ClientError(i18n.t("audit.err.config_unreadable", file=CONFIG_FILE, problem=exc.strerror or str(exc))) from None
    from ..config import BY_KEY, flatten, key_lines

    warnings: list[str] = []
    lines = key_lines(path.read_text(encoding="utf-8")) if data else {}
    for key in flatten(data):
        if key not in CONFIG_KEYS:
            if key in BY_KEY:       # a scan setting that the audit's command line sets for every client
                warnings.append(i18n.t("audit.warn.config_run_wide", file=f"{CONFIG_FILE}:{lines.get(key, 1)}", key=key))
                continue
            raise ClientError(i18n.t("audit.err.config_key", file=f"{CONFIG_FILE}:{lines.get(key.split('.')[0], 1)}",
                                     key=key, known=", ".join(CONFIG_KEYS)))

    def bad(key: str, expected: str) -> ClientError:
        return ClientError(i18n.t("audit.err.config_value", file=CONFIG_FILE, key=key, expected=expected, value=repr(data[key])))

    seller_type = settings.seller_type
    if "seller_type" in data:
        try:
            if not isinstance(data["seller_type"], str):
                raise ValueError
            seller_type = settings.rules.kyc.profile(data["seller_type"]).name   # aliases too: "ИП", "个体户"
        except ValueError:
            raise bad("seller_type", " | ".join(settings.rules.kyc.profiles)) from None
    today = settings.today
    if "today" in data:
        value = data["today"]
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value) if "-" in value else datetime.strptime(value, "%d.%m.%Y").date()
            except ValueError:
                raise bad("today", "YYYY-MM-DD") from None
        if isinstance(value, datetime) or not isinstance(value, date):
            raise bad("today", "YYYY-MM-DD")
        today = value
    lang = settings.lang
    if "lang" in data:
        if data["lang"] not in i18n.LANGS:
            raise bad("lang", " | ".join(i18n.LANGS))
        lang = data["lang"]
    ocr = settings.ocr
    if "no_ocr" in data:
        if not isinstance(data["no_ocr"], bool):
            raise bad("no_ocr", "true | false")
        ocr = ocr and not data["no_ocr"]
    if "skus" in data:
        value = data["skus"]
        if not isinstance(value, str) or not value.strip():
            raise bad("skus", "a file name")
        skus = folder / value
        if Path(value).is_absolute() or not is_inside(skus, folder):
            raise ClientError(i18n.t("audit.err.skus_outside", file=CONFIG_FILE, value=repr(value)))
        if not skus.is_file():
            raise ClientError(i18n.t("audit.err.skus_missing", path=value))
    else:
        skus = folder / DEFAULT_SKUS
        if not skus.is_file():
            skus = None
            warnings.append(i18n.t("audit.warn.no_skus", file=DEFAULT_SKUS))
    return ClientConfig(seller_type, skus, today, lang, ocr, warnings)


def audit_client(name: str, folder: Path, out_folder: Path, settings: AuditSettings,
                 warn: Callable[[str], None]) -> ClientRow:
    """Scan one client and write its reports; never raises for a problem of the client's own."""
    from ..pipeline import ScanOptions, scan
    from ..report import WRITERS
    from ..mapping.skus import SkuFileError, read_sku_csv

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
            raise ClientError(str(exc)) from None
        engine = (settings.cluster_engine or "") if config.ocr else ""
        if config.ocr and settings.cluster is None:
            from ..reading.preflight import check_ocr_available

            problem, engine = check_ocr_available(folder, settings.rules)
            if problem:
                raise ClientError(problem + f" (or set no_ocr = true in {CONFIG_FILE})", ExitCode.MISSING_DEPENDENCY)
        options = ScanOptions(root=folder, rules=settings.rules, today=config.today, skus=skus,
                              seller_type=config.seller_type, ocr=config.ocr, engine=engine, jobs=settings.jobs,
                              file_timeout=settings.file_timeout, memory_mb=settings.memory_mb, lang=config.lang,
                              cache_dir=settings.cache_dir, progress=not settings.quiet, register=settings.register,
                              cluster=settings.cluster, shared_fs=settings.shared_fs,
                              warnings=list(skus.warnings) if skus else [])
        with i18n.use_lang(config.lang):
            result = scan(options)
            out_folder.mkdir(parents=True, exist_ok=True)
            asked = frozenset(w.option for w in WRITERS)
            for writer in WRITERS:
                target = out_folder / report_file_name(writer.option)
                if is_inside(target, settings.clients_dir):     # allocate_folder makes this impossible
                    raise ClientError(f"refusing to write {target} inside {settings.clients_dir}")
                writer.write(result, target, asked=asked)
        for warning in result.warnings:
            warn(warning)
        row.folder = out_folder.name
        row.result = result
        row.skus = len(result.skus)
        for sku in result.skus:
            row.counts[sku.status] += 1
        row.kyc = ("yes" if result.kyc.complete else "no") if result.kyc.judged else "not_judged"
        row.files = result.stats.files
        row.exit_code = ExitCode.SKU_DISABLED if row.counts[ChatStatus.DISABLED] else ExitCode.OK
    except ClientError as exc:
        row.error, row.exit_code = str(exc), exc.exit_code
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        row.error, row.exit_code = f"{exc.strerror or exc}{where}", ExitCode.SKU_DISABLED
    except Exception as exc:    # one client's surprise never stops the others, nor shows a traceback
        problem = f"{type(exc).__name__}: {exc}".splitlines()[0]
        row.error, row.exit_code = i18n.t("audit.err.unexpected", problem=problem), ExitCode.SKU_DISABLED
    row.seconds = round(time.monotonic() - started, 1)
    return row


# --- the whole run ----------------------------------------------------------------------------------

def run_audit(settings: AuditSettings, echo=None, echo_err=None) -> tuple[list[ClientRow], int]:
    """Audit every client folder; write OUT/summary.csv. Returns the rows and the exit status:
    3 when a client needed OCR and tesseract is missing, 1 when any SKU is disabled or any client
    could not be audited, else 0. (Bad usage, exit 2, is refused before this runs.)"""
    echo_err = echo_err or (lambda text: None)
    clients = find_clients(settings.clients_dir, settings.rules)
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    rows: list[ClientRow] = []
    for n, (name, folder, problem) in enumerate(clients, 1):
        shown = display_name(name)
        if not settings.quiet:
            echo_err(i18n.t("audit.progress", n=n, total=len(clients), client=shown))
        if problem:
            rows.append(ClientRow(name, error=problem, exit_code=ExitCode.SKU_DISABLED))
            continue
        out_folder = allocate_folder(name, settings.out_dir, settings.clients_dir, taken)

        def warn(text: str, shown=shown) -> None:
            echo_err(i18n.t("term.warning") + ": " + i18n.t("audit.warning", client=shown, warning=display_name(text)))

        rows.append(audit_client(name, folder, out_folder, settings, warn))
    write_summary(rows, settings.out_dir / SUMMARY_FILE)
    return rows, exit_code_for(rows, settings.fail_on)


def exit_code_for(rows: list[ClientRow], fail_on: str = "disabled") -> int:
    """3 when OCR was missing for a client, 1 when a client failed or a SKU is disabled (with
    fail_on="at_risk": or at risk), else 0."""
    if any(r.exit_code == ExitCode.MISSING_DEPENDENCY for r in rows):
        return ExitCode.MISSING_DEPENDENCY
    failing = (ChatStatus.DISABLED, ChatStatus.AT_RISK) if fail_on == "at_risk" else (ChatStatus.DISABLED,)
    if any(r.failed or any(r.counts[s] for s in failing) for r in rows):
        return ExitCode.SKU_DISABLED
    return ExitCode.OK


def summary_rows(rows: list[ClientRow]) -> list[list[object]]:
    out = []
    for r in rows:
        client = display_name(r.client)     # a control character in a folder name never reaches a terminal via cat
        if r.failed:
            out.append([client, "error", "", "", "", "", "", "", r.seconds, r.seller_type, r.lang,
                        f"{r.folder}/" if r.folder else "", display_name(r.error)])
        else:
            out.append([client, "audited", r.skus, r.counts[ChatStatus.OK], r.counts[ChatStatus.AT_RISK],
                        r.counts[ChatStatus.DISABLED], r.kyc, r.files, r.seconds, r.seller_type, r.lang,
                        f"{r.folder}/", ""])
    return out


def write_summary(rows: list[ClientRow], path: Path) -> None:
    # UTF-8 with BOM so that Excel opens Cyrillic and Chinese client names correctly; every cell
    # defused (a folder named "=cmd|…" stays text).
    write_atomic(path, csv_text(SUMMARY_COLUMNS, summary_rows(rows)), encoding="utf-8-sig")


def print_table(rows: list[ClientRow], echo, lang: str | None = None, colour: bool | None = None) -> None:
    """The summary table: client, SKUs ok / at risk / disabled, KYC, files, time."""
    import click

    lang = lang or i18n.current_lang()
    head = [i18n.t(f"audit.col.{c}", lang) for c in ("client", "skus", "ok", "at_risk", "disabled", "kyc", "files", "time")]
    kyc_text = {k: i18n.t(f"audit.kyc.{v}", lang) for k, v in (("yes", "complete"), ("no", "incomplete"), ("not_judged", "not_judged"))}
    body: list[list[str]] = []
    for r in rows:
        if r.failed:
            body.append([display_name(r.client), i18n.t("audit.error", lang, message=display_name(r.error))])
        else:
            body.append([display_name(r.client), str(r.skus), str(r.counts[ChatStatus.OK]), str(r.counts[ChatStatus.AT_RISK]),
                         str(r.counts[ChatStatus.DISABLED]), kyc_text.get(r.kyc, r.kyc), str(r.files), f"{r.seconds:.1f}"])
    widths = [i18n.width(h) for h in head]
    for cells in body:
        if len(cells) == len(head):
            widths = [max(w, i18n.width(c)) for w, c in zip(widths, cells)]
        else:
            widths[0] = max(widths[0], i18n.width(cells[0]))
    numeric = {1, 2, 3, 4, 6, 7}

    def fmt(cells: list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            gap = " " * (widths[i] - i18n.width(cell))
            out.append(gap + cell if i in numeric else cell + gap)
        return "  ".join(out).rstrip()

    echo(fmt(head), color=colour)
    echo("  ".join("-" * w for w in widths), color=colour)
    for r, cells in zip(rows, body):
        if r.failed:
            echo(i18n.pad(cells[0], widths[0]) + "  " + click.style(cells[1], fg="red"), color=colour)
            continue
        line = fmt(cells)
        if r.counts[ChatStatus.DISABLED] or r.kyc == "no":
            line = click.style(line, fg="red")
        elif r.counts[ChatStatus.AT_RISK]:
            line = click.style(line, fg="yellow")
        echo(line, color=colour)
    total = {s: sum(r.counts[s] for r in rows) for s in ChatStatus}
    echo("", color=colour)
    echo(i18n.t("audit.total", lang, clients=len(rows), failed=sum(r.failed for r in rows), skus=sum(r.skus for r in rows),
                ok=total[ChatStatus.OK], at_risk=total[ChatStatus.AT_RISK], disabled=total[ChatStatus.DISABLED],
                seconds=f"{sum(r.seconds for r in rows):.1f}"), color=colour)
