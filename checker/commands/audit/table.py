"""The audit's terminal table: one line per client, then the totals."""

from __future__ import annotations

import click

from ... import i18n
from ...codes import ChatStatus
from ...names import terminal_text
from ...judging.views import KYC_STATES
from .model import ClientRow


def print_table(rows: list[ClientRow], echo, lang: str | i18n.Translator | None = None, colour: bool | None = None) -> None:
    """The summary table: client, SKUs ok / at risk / disabled, KYC, files, time; red for a client
    with a disabled SKU or incomplete KYC, yellow for one at risk. `lang`: a Translator, or a
    language with the built-in messages."""
    tr = lang if isinstance(lang, i18n.Translator) else i18n.Translator(lang)
    t = tr.t
    head = [t(f"audit.col.{c}") for c in ("client", "skus", "ok", "at_risk", "disabled", "kyc", "files", "time")]
    kyc_text = {state: t(f"audit.kyc.{state}") for state in KYC_STATES}
    body: list[list[str]] = []
    for r in rows:
        if r.failed:
            body.append([terminal_text(r.client), t("audit.error", message=terminal_text(r.error))])
        else:
            body.append([terminal_text(r.client), str(r.skus), str(r.counts[ChatStatus.OK]), str(r.counts[ChatStatus.AT_RISK]),
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
        if r.counts[ChatStatus.DISABLED] or r.kyc == "incomplete":
            line = click.style(line, fg="red")
        elif r.counts[ChatStatus.AT_RISK]:
            line = click.style(line, fg="yellow")
        echo(line, color=colour)
    total = {s: sum(r.counts[s] for r in rows) for s in ChatStatus}
    echo("", color=colour)
    echo(t("audit.total", clients=len(rows), failed=sum(r.failed for r in rows), skus=sum(r.skus for r in rows),
           ok=total[ChatStatus.OK], at_risk=total[ChatStatus.AT_RISK], disabled=total[ChatStatus.DISABLED],
           seconds=f"{sum(r.seconds for r in rows):.1f}"), color=colour)
