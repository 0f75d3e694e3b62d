"""The audit's data: the command line's settings, one client's outcome, a client's own error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ... import i18n
from ...app.language import translator
from ...codes import ChatStatus, ExitCode
from ...rules import Rules


class ClientError(Exception):
    """This client's batch cannot be audited; the message is one line a person reads. `exit_code`
    is what it adds to the run's status (ExitCode.SKU_DISABLED, or MISSING_DEPENDENCY for OCR)."""

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
    csv_delimiter: str = ","         # --csv-delimiter: the CSV reports' and summary.csv's separator

    @property
    def translator(self) -> i18n.Translator:
        """The run's language (the terminal, summary.csv, a client's errors) with the rules' messages."""
        return translator(self.lang, self.rules)

    def run_settings(self):
        """The run-wide part every client's scan shares (app.setup.RunSettings)."""
        from ...app.setup import RunSettings

        return RunSettings(rules=self.rules, jobs=self.jobs, file_timeout=self.file_timeout, memory_mb=self.memory_mb,
                           cache_dir=self.cache_dir, cluster=self.cluster, cluster_engine=self.cluster_engine,
                           shared_fs=self.shared_fs, register=self.register, progress=not self.quiet)


@dataclass
class ClientRow:
    """One client's outcome: its counts, or the one-line error that stopped it."""
    client: str                     # the folder name, as it is
    folder: str = ""                # its reports' folder under OUT ("" when none was written)
    error: str = ""
    exit_code: int = ExitCode.OK
    skus: int = 0
    counts: dict[ChatStatus, int] = field(default_factory=lambda: {s: 0 for s in ChatStatus})
    kyc: str = ""                   # judging.views.kyc_state: "complete", "incomplete", "not_judged"; "" when not audited
    files: int = 0
    seconds: float = 0.0
    seller_type: str = ""
    lang: str = ""
    result: object = None           # the client's ScanResult (for the agency workbook); None when not audited

    @property
    def failed(self) -> bool:
        """The client could not be audited: an error stopped it (`error` holds it)."""
        return bool(self.error)
