"""Stage 7b: add up each SKU's files against its category's requirements and the account's KYC.

judge_sku is a pure function: it returns a SkuVerdict (language-free findings and notes, the chat
status, and the findings its manuals get) and changes nothing; the pipeline applies it. The
derived views it uses (valid conformity papers, manuals, …) live in judging/views.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import codes, i18n
from ..codes import ChatStatus
from ..i18n import Message
from ..models import FileResult, Finding, KycResult, SkuResult
from ..phrases import AcceptedNames, CategoryName, Joined, KycTitle, PaperName, finding_text, say
from ..rules import Rules
from .file import manual_is_russian
from .paper_checks import judge_fit
from .views import (accepted, counted_files, manual_pdfs, own_papers, sku_certificates, sku_manuals,
                    sku_valid_until, type_known, usable_numbers, valid_conformity, valid_papers)

__all__ = ["SkuVerdict", "judge_sku", "sku_details", "sku_notes", "own_papers", "sku_certificates",
           "sku_manuals", "sku_valid_until", "valid_papers"]


@dataclass
class SkuVerdict:
    """What judging one SKU found, language-free.

    findings: the SKU's reasons in codes.ORDER (its own papers' findings included); notes: what was
    read unlike it is written (i18n.Message values); status: the chat status the findings give;
    set_aside: path -> findings to add to that file of the SKU, which then no longer counts (a
    foreign-language manual when no manual is Russian)."""
    findings: list[Finding] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)
    status: ChatStatus = ChatStatus.OK
    set_aside: dict[str, list[Finding]] = field(default_factory=dict)


def judge_sku(sku: SkuResult, rules: Rules, kyc: KycResult, today: date) -> SkuVerdict:
    """The SKU's verdict: its papers' findings, then its category's requirements (a valid
    conformity paper of an accepted type, a Russian manual for high-risk goods; rules/categories.yaml),
    the papers' fit (paper_checks.judge_fit), and the account's KYC when judged and incomplete.
    `today` is unused here (files were judged against it) and kept for the verdict's signature."""
    findings: list[Finding] = []
    papers = own_papers(sku)
    for f in papers:
        findings.extend(f.findings)
    category = rules.categories.get(sku.category) if sku.category else None
    # The category as the seller knows it: an Ozon name rather than a rule key such as power_bank.
    label = (CategoryName(category.key) if category and sku.category_input in ("", category.key)   # "": inferred
             else sku.category_input or sku.category or Message.of("value.unknown_category"))

    def add(code: codes.ReasonCode, **values) -> None:
        findings.append(Finding.of(code, **values))

    counted = counted_files(sku)
    set_aside = _judge_manual_language(counted)
    findings.extend(f for found in set_aside.values() for f in found)
    counted = [f for f in counted if f.path not in set_aside]
    fit = judge_fit(sku, category, counted, rules, label)   # certificate_mismatch / _product_mismatch
    findings.extend(fit.findings)
    counted = [f for f in counted if id(f) not in fit.misfits]
    if category is None:
        add(codes.UNKNOWN_CATEGORY, category=label)
    elif category.restricted:
        # One cause, one code: an expired or malformed certificate already says why there is no valid one.
        explained = any(f.analysis.role == "conformity" and f.blocked for f in papers) or bool(fit.misfits)
        if not valid_conformity(counted, category, rules):
            wrong = [f for f in counted if f.analysis.role == "conformity" and not accepted(f, category)
                     and type_known(f)]
            for f in wrong:
                add(codes.WRONG_DOCUMENT_TYPE, file=f.path, paper=paper_name(f), category=label,
                    needs=AcceptedNames(category.key))
            if not wrong and not explained:
                add(codes.NO_CERTIFICATE, category=label,
                    regulations=", ".join(category.regulations) or Message.of("value.regulations_default"))
        if category.high_risk:
            # one cause, one code: a manual blocked for its own reason, or set aside as not Russian
            # (manual_not_russian), already says why there is no Russian manual
            explained = any(f.analysis.role == "manual" and f.blocked for f in papers) or bool(set_aside)
            if not manual_pdfs(counted) and not explained:
                add(codes.NO_RU_MANUAL, category=label)
    if kyc.judged and not kyc.complete:
        add(codes.KYC_INCOMPLETE, missing=Joined(tuple(KycTitle(r.key, r.title) for r in kyc.requirements if not r.met),
                                                 "; ", "；"))
    findings.sort(key=lambda f: codes.ORDER[f.code.code])
    return SkuVerdict(findings, sku_notes(sku, rules), codes.status_for([f.code for f in findings]), set_aside)


def paper_name(f: FileResult) -> PaperName:
    """What the paper is, for a sentence: "a test report", "a national declaration (BY)"."""
    number = next(iter(usable_numbers(f.analysis)), None)
    state = number.official[:2] if number is not None and number.scheme == "national" else ""
    return PaperName(f.analysis.paper or "", f.analysis.document_type or "", state)


def sku_notes(sku: SkuResult, rules: Rules) -> list[Message]:
    """What was read differently from how it is written, so nobody wonders: the nearest categories
    to an unknown one, a category read as the nearest one or taken from the product name, copies
    set aside beside their originals. Language-free (i18n.Message values)."""
    notes = []
    if sku.category is None and sku.category_suggestions:
        names = tuple(CategoryName(key) for key in sku.category_suggestions if key in rules.categories)
        notes.append(Message.of("details.did_you_mean", categories=Joined(names, " / ", "／")))
    category = rules.categories.get(sku.category) if sku.category else None
    shown = CategoryName(category.key) if category else (sku.category or "")
    if sku.category_match == "close":
        notes.append(Message.of("details.category_read_as", written=sku.category_input, category=shown))
    elif sku.category_source == "inferred":
        notes.append(Message.of("details.category_inferred", category=shown, name=sku.name))
    for f in sku.files:
        if f.copy_of:
            notes.append(Message.of("details.copy_set_aside", file=f.path, tool=f.copy_tool, original=f.copy_of))
    return notes


def _judge_manual_language(counted: list[FileResult]) -> dict[str, list[Finding]]:
    """A SKU's manuals must be Russian. A foreign-language manual beside a Russian one is harmless
    (bilingual sets are common); only when no manual is Russian are the foreign ones flagged:
    path -> [manual_not_russian] for each, which then no longer counts."""
    manuals = manual_pdfs(counted)
    verdicts = {id(m): manual_is_russian(m) for m in manuals}
    if not manuals or any(v is True for v in verdicts.values()):
        return {}
    flagged: dict[str, list[Finding]] = {}
    for manual in manuals:
        if verdicts[id(manual)] is False:   # None: not read (OCR off), nothing to judge the language on
            flagged[manual.path] = [Finding.of(
                codes.MANUAL_NOT_RUSSIAN, file=manual.path, language=language_name(manual.analysis.language),
                share=f"{manual.analysis.russian_share:.0%}")]
    return flagged


def language_name(code: str) -> Message:
    """A language detector's code as a name ("Chinese"), the code itself when we have no name for it."""
    return Message.of(f"language.{code or 'unknown'}", default=code)


def sku_details(sku: SkuResult, speaker: "i18n.Translator | str", rules: Rules | None = None) -> str:
    """One or a few sentences a seller understands: what is wrong and with which file, or what is
    in order; then what was read differently from how it is written (sku_notes).

    In `speaker`'s language (a checker.i18n.Translator, or a language code: the built-in messages),
    with `rules` (the rules in use; None: the built-in ones)."""
    tr = i18n.translator(speaker)
    main = _main_details(sku, tr, rules)
    notes = [i18n.sentence(say(n, tr, rules), tr.lang) for n in sku.notes]
    return (("" if tr.lang == "zh" else " ").join([main, *notes])) if notes else main


def _main_details(sku: SkuResult, tr: i18n.Translator, rules: Rules | None) -> str:
    lang = tr.lang
    if sku.findings:
        seen: list[str] = []
        for f in sku.findings:
            detail = finding_text(f, tr, rules)
            if detail and detail not in seen:
                seen.append(detail)
        text = ("；" if lang == "zh" else "; ").join(seen)
        return i18n.sentence(text, lang)
    parts = []
    certs = sku_certificates(sku)
    until = sku_valid_until(sku)
    if certs:
        parts.append(tr.t("details.conformity_until", numbers=", ".join(certs), date=until.isoformat()) if until
                     else tr.t("details.conformity", numbers=", ".join(certs)))
    manuals = [m.path for m in sku_manuals(sku) if m.counted]
    if manuals:
        parts.append(tr.t("details.manual", files=", ".join(manuals)))
    if not parts:
        return tr.t("details.no_papers") if not sku.files else tr.t("details.in_order_plain")
    return tr.t("details.in_order", parts="; ".join(parts))
