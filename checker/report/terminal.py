"""What a person sees in the terminal after a scan: per-SKU verdicts, the KYC checklist, a summary,
and the chat settings no document can show. Every sentence comes from rules/messages.yaml in the
run's language (--lang); codes stay as they are."""

from __future__ import annotations

import click

from .. import i18n
from ..codes import ChatStatus
from ..models import ScanResult
from ..names import terminal_text as tt   # every value from the seller's files or lists: no escape sequence reaches the terminal

_COLOURS = {ChatStatus.OK: "green", ChatStatus.AT_RISK: "yellow", ChatStatus.DISABLED: "red"}
_LABELS = {ChatStatus.OK: "term.status.ok", ChatStatus.AT_RISK: "term.status.at_risk", ChatStatus.DISABLED: "term.status.disabled"}


def status_label(status: ChatStatus, lang: str | None = None) -> str:
    return i18n.t(_LABELS[status], lang)


def print_summary(result: ScanResult, detailed: bool = True, echo=click.echo, colour: bool | None = None,
                  lang: str | None = None) -> None:
    lang = lang or i18n.current_lang()
    if detailed:
        _print_details(result, echo, colour, lang)
    elif result.kyc.not_read:     # even with -q: why no SKU is held back by KYC
        echo(i18n.t("term.kyc.not_read", lang, count=len(result.kyc.not_read)), color=colour)
    for warning in result.warnings:
        echo(click.style(i18n.t("term.warning", lang) + ": ", fg="yellow") + tt(warning), err=True, color=colour)
    counts = {s: sum(1 for k in result.skus if k.status is s) for s in ChatStatus}
    st = result.stats
    echo(i18n.t("term.summary", lang, skus=len(result.skus), ok=counts[ChatStatus.OK], at_risk=counts[ChatStatus.AT_RISK],
                disabled=counts[ChatStatus.DISABLED], files=st.files, pages=st.pages_ocr, hits=st.cache_hits,
                seconds=f"{st.seconds:.1f}"), color=colour)
    if result.register is not None:
        reg = result.register
        echo(i18n.t("term.register", lang, numbers=reg.numbers, checked=reg.checked, found=reg.found,
                    not_found=reg.not_found, not_checked=reg.not_checked), color=colour)


def print_chat_settings(echo=click.echo, colour: bool | None = None, lang: str | None = None) -> None:
    """The footer: account settings the chat depends on, as a checklist for the Seller Dashboard."""
    heading, settings = i18n.chat_settings(lang)
    echo("", color=colour)
    echo(heading, color=colour)
    for setting in settings:
        echo(f"  [ ] {setting}", color=colour)


def _print_details(result: ScanResult, echo, colour: bool | None, lang: str) -> None:
    width = max([len(tt(s.sku)) for s in result.skus] + [8])
    label_width = max(i18n.width(status_label(s, lang)) for s in ChatStatus)
    for sku in result.skus:
        label = click.style(i18n.pad(status_label(sku.status, lang), label_width), fg=_COLOURS[sku.status],
                            bold=sku.status is ChatStatus.DISABLED)
        codes = ", ".join(c.code for c in sku.codes) or "-"
        echo(f"  {label} {tt(sku.sku):<{width}}  {codes}", color=colour)
        for note in sku.notes:     # a category read as another, "did you mean …?", a copy set aside
            echo(" " * (label_width + width + 5) + click.style(tt(i18n.sentence(note, lang)), dim=True), color=colour)
    if result.kyc.judged:
        state = (click.style(i18n.t("term.kyc.complete", lang), fg="green") if result.kyc.complete
                 else click.style(i18n.t("term.kyc.incomplete", lang), fg="red", bold=True))
        profile = i18n.t(f"kyc.profile.{result.kyc.profile}", lang, default=result.kyc.profile)
        echo("\n" + i18n.t("term.kyc", lang, profile=profile, folders=", ".join(tt(f) for f in result.kyc.folders), state=state), color=colour)
        for req in result.kyc.requirements:
            mark = click.style("[x]", fg="green") if req.met else click.style("[ ]", fg="red")
            tail = (f"  ({', '.join(tt(e) for e in req.evidence)})" if req.met and req.evidence
                    else (f"  {tt(i18n.kyc_note(req, lang))}" if req.note else ""))
            echo(f"  {mark} {tt(i18n.kyc_title(req.key, req.title, lang))}{tail}", color=colour)
    elif result.kyc.not_read:
        echo("\n" + click.style(i18n.t("term.kyc.not_read", lang, count=len(result.kyc.not_read)), fg="yellow"), color=colour)
    else:
        echo("\n" + i18n.t("term.kyc.not_judged", lang), color=colour)
    if result.skipped:
        echo("\n" + i18n.t("term.skipped", lang, count=len(result.skipped)), color=colour)
    echo("")
