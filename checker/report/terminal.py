"""What a person sees in the terminal after a scan: per-SKU verdicts, the KYC checklist, a summary,
and the chat settings no document can show. Every sentence comes from rules/messages.yaml in the
run's language (--lang); codes stay as they are."""

from __future__ import annotations

import click

from .. import i18n
from ..codes import ORDER, ChatStatus, ReasonCode
from ..models import ScanResult, SkuResult
from ..names import terminal_text as tt   # every value from the seller's files or lists: no escape sequence reaches the terminal
from ..phrases import say
from .context import ReportContext, context_of

_COLOURS = {ChatStatus.OK: "green", ChatStatus.AT_RISK: "yellow", ChatStatus.DISABLED: "red"}
_LABELS = {ChatStatus.OK: "term.status.ok", ChatStatus.AT_RISK: "term.status.at_risk", ChatStatus.DISABLED: "term.status.disabled"}


def status_label(status: ChatStatus, speaker: "i18n.Translator | str") -> str:
    """The status as the terminal shows it ("DISABLED"), in `speaker`'s language."""
    return i18n.translator(speaker).t(_LABELS[status])


def print_summary(result: ScanResult, detailed: bool = True, echo=click.echo, colour: bool | None = None,
                  lang: str | None = None, verbose: bool = False, ctx: ReportContext | None = None) -> None:
    """The verdicts, worst first, then warnings and the summary line. detailed=False (-q): only the
    disabled SKUs with their reasons; verbose (-v): each SKU's files and what was found in each.
    Words from ctx (the rules in use and the reader's translator); without one, the scan's rules in
    `lang` (English by default)."""
    ctx = context_of(ctx, result, lang)
    tr = ctx.tr
    if detailed:
        _print_details(result, echo, colour, ctx, verbose)
    else:
        _print_skus(result, echo, colour, ctx, only=(ChatStatus.DISABLED,), verbose=False)
        if result.kyc.not_read:     # even with -q: why no SKU is held back by KYC
            echo(tr.t("term.kyc.not_read", count=len(result.kyc.not_read)), color=colour)
    for warning in result.warnings:
        echo(click.style(tr.t("term.warning") + ": ", fg="yellow") + tt(say(warning, tr, ctx.rules)), err=True, color=colour)
    counts = {s: sum(1 for k in result.skus if k.status is s) for s in ChatStatus}
    st = result.stats
    echo(tr.t("term.summary", skus=len(result.skus), ok=counts[ChatStatus.OK], at_risk=counts[ChatStatus.AT_RISK],
                disabled=counts[ChatStatus.DISABLED], files=st.files, pages=st.pages_ocr, hits=st.cache_hits,
                seconds=f"{st.seconds:.1f}"), color=colour)
    if result.register is not None:
        reg = result.register
        echo(tr.t("term.register", numbers=reg.numbers, checked=reg.checked, found=reg.found,
                    not_found=reg.not_found, not_checked=reg.not_checked), color=colour)


def print_chat_settings(echo=click.echo, colour: bool | None = None, lang: str | None = None,
                        tr: i18n.Translator | None = None) -> None:
    """The footer: account settings the chat depends on, as a checklist for the Seller Dashboard,
    in `tr`'s language (without one: `lang` over the built-in messages)."""
    heading, settings = i18n.chat_settings(tr if tr is not None else i18n.Translator(lang))
    echo("", color=colour)
    echo(heading, color=colour)
    for setting in settings:
        echo(f"  [ ] {setting}", color=colour)


_WORST_FIRST = {ChatStatus.DISABLED: 0, ChatStatus.AT_RISK: 1, ChatStatus.OK: 2}


def sku_reasons(sku: SkuResult) -> list[tuple[ReasonCode, str]]:
    """(reason, file concerned or "") per distinct finding of the SKU, blocking reasons first, then
    in codes.ORDER. A finding of one of its files names that file; a SKU-wide one names none."""
    by_file: dict[tuple[str, str], None] = {}
    for f in sku.files:
        for finding in f.findings:
            by_file[(finding.code.code, f.path)] = None
    out: list[tuple[ReasonCode, str]] = []
    seen: set[tuple[str, str]] = set()
    for finding in sku.findings:
        files = [path for (code, path) in by_file if code == finding.code.code] or [""]
        for path in files:
            if (finding.code.code, path) not in seen:
                seen.add((finding.code.code, path))
                out.append((finding.code, path))
    return sorted(out, key=lambda item: (not item[0].blocking, ORDER[item[0].code]))


def _print_skus(result: ScanResult, echo, colour: bool | None, ctx: ReportContext, only: tuple[ChatStatus, ...],
                verbose: bool) -> None:
    shown = sorted((s for s in result.skus if s.status in only), key=lambda s: _WORST_FIRST[s.status])
    if not shown:
        return
    rules, tr, lang = ctx.rules, ctx.tr, ctx.lang
    width = max([i18n.width(tt(s.sku)) for s in shown] + [8])
    label_width = max(i18n.width(status_label(s, tr)) for s in ChatStatus)
    for sku in shown:
        label = click.style(i18n.pad(status_label(sku.status, tr), label_width), fg=_COLOURS[sku.status],
                            bold=sku.status is ChatStatus.DISABLED)
        reasons = sku_reasons(sku)
        first = ""
        if reasons:
            code, path = reasons[0]
            first = _reason_text(rules, code, path, tr)
        echo(f"  {label} {i18n.pad(tt(sku.sku), width)}  {first}".rstrip(), color=colour)
        indent = " " * (2 + label_width + 1 + width + 2)
        for code, path in reasons[1:]:
            echo(indent + _reason_text(rules, code, path, tr), color=colour)
        for note in sku.notes:     # a category read as another, "did you mean …?", a copy set aside
            echo(indent + click.style(tt(i18n.sentence(say(note, tr, rules), lang)), dim=True), color=colour)
        if verbose:
            for f in sku.files:
                found = ", ".join(c.code for c in f.codes) or tr.t("term.file.counted" if f.counted else "term.file.not_counted")
                echo(f"{indent}  {click.style(tt(f.path), dim=True)}: {found}", color=colour)


def _reason_text(rules, code: ReasonCode, path: str, tr: i18n.Translator) -> str:
    title = rules.reason_text(code, tr.lang).title
    return tr.t("term.reason_file", title=title, file=tt(path)) if path else title


def _print_details(result: ScanResult, echo, colour: bool | None, ctx: ReportContext, verbose: bool = False) -> None:
    tr = ctx.tr
    _print_skus(result, echo, colour, ctx, only=tuple(ChatStatus), verbose=verbose)
    if result.kyc.judged:
        state = (click.style(tr.t("term.kyc.complete"), fg="green") if result.kyc.complete
                 else click.style(tr.t("term.kyc.incomplete"), fg="red", bold=True))
        profile = tr.t(f"kyc.profile.{result.kyc.profile}", default=result.kyc.profile)
        echo("\n" + tr.t("term.kyc", profile=profile, folders=", ".join(tt(f) for f in result.kyc.folders), state=state), color=colour)
        for req in result.kyc.requirements:
            mark = click.style("[x]", fg="green") if req.met else click.style("[ ]", fg="red")
            tail = (f"  ({', '.join(tt(e) for e in req.evidence)})" if req.met and req.evidence
                    else (f"  {tt(i18n.kyc_note(req, tr))}" if req.note else ""))
            echo(f"  {mark} {tt(i18n.kyc_title(req.key, req.title, tr))}{tail}", color=colour)
    elif result.kyc.not_read:
        echo("\n" + click.style(tr.t("term.kyc.not_read", count=len(result.kyc.not_read)), fg="yellow"), color=colour)
    else:
        echo("\n" + tr.t("term.kyc.not_judged"), color=colour)
    if result.skipped:
        echo("\n" + tr.t("term.skipped", count=len(result.skipped)), color=colour)
    echo("")
