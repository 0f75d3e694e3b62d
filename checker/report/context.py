"""The explicit context every writer is handed: the rules the scan used, the reader's translator and
the CSV separator. Nothing a writer says depends on module state; two reports in two languages can be
written one after the other (or at once) in one process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..i18n import Translator
from ..phrases import builtin_rules

CSV_DELIMITERS: tuple[str, ...] = (",", ";", "\t")


@dataclass(frozen=True)
class ReportContext:
    """What a writer needs besides the ScanResult.

    rules: the checker.rules.Rules in use (reason titles, fixes, details, category and paper names);
    tr: the checker.i18n.Translator of the reader's language, over those rules' messages;
    csv_delimiter: "," (default), ";" or "\\t" (--csv-delimiter); anything else raises ValueError;
    asked: the options of every report of the run (--xlsx adds the Ozon sheet when --ozon-sheet is asked)."""
    rules: Any
    tr: Translator
    csv_delimiter: str = ","
    asked: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.csv_delimiter not in CSV_DELIMITERS:
            raise ValueError(f"CSV delimiter must be ',', ';' or a tab, not {self.csv_delimiter!r}")

    @property
    def lang(self) -> str:
        """The reader's language: one of checker.i18n.LANGS."""
        return self.tr.lang


def report_context(result: Any = None, lang: str | None = None, csv_delimiter: str = ",",
                   asked: frozenset[str] = frozenset(), rules: Any = None) -> ReportContext:
    """The context for writing `result` in `lang` (not one of LANGS: English): the rules given, else
    the ones the scan used (ScanResult.rules), else the built-in ones; the translator speaks over
    those rules' messages.yaml."""
    if rules is None:
        rules = getattr(result, "rules", None)
    if rules is None:
        rules = builtin_rules()
    return ReportContext(rules, Translator(lang, getattr(rules, "messages", None)), csv_delimiter, asked)


def context_of(ctx: ReportContext | None, result: Any = None, lang: str | None = None) -> ReportContext:
    """`ctx` itself, or (a writer called without one, as a library) report_context(result, lang)."""
    return ctx if ctx is not None else report_context(result, lang)
