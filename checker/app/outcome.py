"""The one place a scan's outcome leaves the program: the reports written, the summary printed,
the exit status computed. scan, watch, audit (per client), export and ozon upload all write
their reports through write_reports, and take their status from exit_code_for."""

from __future__ import annotations

from pathlib import Path

import click

from ..codes import ChatStatus, ExitCode
from .errors import InputError

# --fail-on: the SKU statuses that make the exit status 1
FAIL_ON: dict[str, tuple[ChatStatus, ...]] = {
    "disabled": (ChatStatus.DISABLED,),
    "at_risk": (ChatStatus.DISABLED, ChatStatus.AT_RISK),
}


def failing(status: ChatStatus, fail_on: str = "disabled") -> bool:
    """True when a SKU with `status` fails the run under --fail-on `fail_on`."""
    return status in FAIL_ON[fail_on]


def exit_code_for(result, fail_on: str = "disabled") -> ExitCode:
    """SKU_DISABLED (1) when a SKU's status is one --fail-on names (disabled; at_risk: disabled or
    at risk), else OK (0)."""
    return ExitCode.SKU_DISABLED if any(failing(s.status, fail_on) for s in result.skus) else ExitCode.OK


def write_reports(result, outputs: dict[str, Path], ctx) -> None:
    """Every asked-for report (writer option -> path, "-": standard output), in the writer
    registry's order, with the writers' context `ctx` (report.ReportContext: the rules in use, the
    reader's translator, the CSV separator). OSError propagates (the caller says whose it is)."""
    from ..report import write_all

    write_all(result, outputs, ctx)


def write_reports_or_fail(result, outputs: dict[str, Path], ctx) -> None:
    """write_reports for a command line run: a report that cannot be written is InputError (exit 2)."""
    try:
        write_reports(result, outputs, ctx)
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror} ({exc.filename})") from None


def finish_scan(result, request) -> ExitCode:
    """After a scan: write the reports, print the summary (to stderr when a report goes to
    standard output), name the report files, print the chat-settings checklist unless -q, and
    return the exit status."""
    from ..report.terminal import print_chat_settings, print_summary

    ctx = request.context(result)
    tr = ctx.tr
    write_reports_or_fail(result, request.outputs, ctx)
    # A report on standard output (--json -) keeps stdout to itself: the words go to stderr.
    echo = (lambda *a, **k: click.echo(*a, **{**k, "err": True})) if request.to_stdout else click.echo
    print_summary(result, detailed=not request.quiet, verbose=request.verbose, echo=echo, ctx=ctx)
    files = [str(p) for p in request.outputs.values() if str(p) != "-"]
    if files:
        echo(tr.t("term.reports", paths=", ".join(files)))
    if not request.quiet:
        print_chat_settings(echo=echo, tr=tr)   # what no document can show, once, at the end
    return exit_code_for(result, request.fail_on)
