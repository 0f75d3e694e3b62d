"""What a person sees in the terminal after a scan: per-SKU verdicts, the KYC checklist, a summary."""

from __future__ import annotations

import click

from ..codes import ChatStatus
from ..models import ScanResult

_COLOURS = {ChatStatus.OK: "green", ChatStatus.AT_RISK: "yellow", ChatStatus.DISABLED: "red"}
_LABELS = {ChatStatus.OK: "ok", ChatStatus.AT_RISK: "at risk", ChatStatus.DISABLED: "DISABLED"}


def print_summary(result: ScanResult, detailed: bool = True, echo=click.echo, colour: bool | None = None) -> None:
    if detailed:
        _print_details(result, echo, colour)
    for warning in result.warnings:
        echo(click.style("warning: ", fg="yellow") + warning, err=True, color=colour)
    counts = {s: sum(1 for k in result.skus if k.status is s) for s in ChatStatus}
    st = result.stats
    echo(f"{len(result.skus)} SKUs: {counts[ChatStatus.OK]} ok, {counts[ChatStatus.AT_RISK]} at risk, "
         f"{counts[ChatStatus.DISABLED]} disabled · {st.files} files, {st.pages_ocr} pages OCR'd, "
         f"{st.cache_hits} cache hits · {st.seconds:.1f} s", color=colour)


def _print_details(result: ScanResult, echo, colour: bool | None) -> None:
    width = max([len(s.sku) for s in result.skus] + [8])
    for sku in result.skus:
        label = click.style(f"{_LABELS[sku.status]:<8}", fg=_COLOURS[sku.status], bold=sku.status is ChatStatus.DISABLED)
        codes = ", ".join(c.code for c in sku.codes) or "-"
        echo(f"  {label} {sku.sku:<{width}}  {codes}", color=colour)
    if result.kyc.judged:
        state = click.style("complete", fg="green") if result.kyc.complete else click.style("INCOMPLETE", fg="red", bold=True)
        echo(f"\nKYC ({result.kyc.profile}, {', '.join(result.kyc.folders)}): {state}", color=colour)
        for req in result.kyc.requirements:
            mark = click.style("[x]", fg="green") if req.met else click.style("[ ]", fg="red")
            tail = f"  ({', '.join(req.evidence)})" if req.met and req.evidence else (f"  {req.note}" if req.note else "")
            echo(f"  {mark} {req.title}{tail}", color=colour)
    else:
        echo("\nKYC: no KYC folder found, so the account's KYC set was not judged; SKUs are judged on their own papers.", color=colour)
    if result.skipped:
        echo(f"\nSkipped {len(result.skipped)} entries (debris, links, special files); see the files report.", color=colour)
    echo("")
