"""Stages 5-6: derive a file's cheap facts (language, numbers, dates, markers) from its text,
then judge it on its own: name, type, readability, its conformity number and dates."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import sys
from datetime import date
from pathlib import Path

from . import codes, i18n
from .conformity import document_title, find_numbers, find_regulations, find_validity
from .language import detect_language, is_russian
from .models import DocumentNumber, FileAnalysis, FileFacts, FileKind, FileResult, Finding, Group
from .rules import Rules

RU_PREFIX = "RU_"
PDF_MIME = "application/pdf"


def render_detail(rules: Rules, code: codes.ReasonCode, lang: str = "en", **values) -> str:
    """The code's detail sentence in `lang` with `values` filled in. Interned: the same sentence
    (the account's KYC gap, a category's missing certificate) on a million SKUs is stored once."""
    template = rules.reason_text(code, lang).detail
    try:
        return sys.intern(template.format(**values))
    except (KeyError, IndexError, ValueError):
        return rules.reason_text(code, lang).title


def name_hint(name: str, rules: Rules) -> str | None:
    """What the file name says the seller meant it to be: a hint, the content decides first."""
    words = set(re.split(r"[\W_]+", name.casefold()))
    folded = name.casefold()
    for use in ("conformity", "manual"):
        for hint in rules.use_hints.get(use, ()):
            if hint in words or (not hint.isascii() and hint in folded):
                return use
    return None


def analysis_key(rules: Rules) -> str:
    """Everything a cached text analysis depends on besides the file: the rule files as read and
    the code that analyses (any edit to the package, so a fix never meets a stale entry)."""
    return hashlib.sha256(f"{rules.digest}\0{_code_digest()}".encode()).hexdigest()[:32]


@functools.cache
def _code_digest() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def analyse_text(facts: FileFacts, rules: Rules) -> FileAnalysis:
    """What the text says: language, numbers, title, dates, regulations. A pure function of the
    facts and the rules, so the scan caches it next to the facts."""
    text = facts.text
    guess = detect_language(text, rules.limits.language_min_letters, facts.language_probs)
    analysis = FileAnalysis(language=guess.language, russian_share=guess.russian_share,
                            russian=is_russian(guess, rules.limits.russian_min_share))
    if text:
        numbers = find_numbers(text, rules.numbers)
        analysis.numbers = [DocumentNumber(n.official, n.scheme, n.doc_type, n.well_formed, n.problem) for n in numbers]
        analysis.title = document_title(text, rules.numbers)
        validity = find_validity(text, rules.numbers)
        analysis.valid_from, analysis.valid_until, analysis.registered = validity.valid_from, validity.valid_until, validity.registered
        analysis.regulations = find_regulations(text, rules.numbers)
    return analysis


def analyse(result: FileResult, rules: Rules, text_analysis: FileAnalysis) -> FileAnalysis:
    """The text analysis (cached or just made by analyse_text) plus what the file is for, which
    also depends on where it lies and what it is called."""
    analysis = dataclasses.replace(text_analysis)
    hint = name_hint(result.name, rules)
    if result.group is Group.KYC:
        analysis.role = "kyc"
    elif analysis.title or (analysis.numbers and hint != "manual"):
        # A manual often quotes its declaration's number; its name says it is the manual.
        analysis.role = "conformity"
    elif result.group is Group.UNMAPPED:
        analysis.role = "other"
    else:
        if hint:
            analysis.role = hint
        elif result.facts.mime == PDF_MIME:
            analysis.role = "manual"   # a SKU's PDF that is not a conformity document
        else:
            analysis.role = "other"
    return analysis


def manual_is_russian(result: FileResult) -> bool | None:
    """None when the manual has no text to judge (not read)."""
    if not result.facts.text.strip():
        return None
    return result.analysis.russian


def judge_file(result: FileResult, rules: Rules, today: date, lang: str = "en") -> list[Finding]:
    """File-level reason codes for a SKU's file. KYC and unmapped files are not judged here."""
    if result.group is not Group.SKU:
        return []
    facts, analysis, name = result.facts, result.analysis, result.name
    findings: list[Finding] = []

    def add(code: codes.ReasonCode, **values) -> None:
        findings.append(Finding(code, render_detail(rules, code, lang, file=result.path, **values)))

    if not name.startswith(RU_PREFIX):
        stripped = re.sub(r"^ru[_\-\s]*", "", name, flags=re.IGNORECASE)
        add(codes.MISSING_RU_PREFIX, suggestion=RU_PREFIX + stripped)
    claims_pdf = name.casefold().endswith(".pdf")
    if facts.problem and not facts.mime:
        # Never read (changed while read, over the read limit, timed out): what it is is unknown.
        add(codes.UNREADABLE_FILE, problem=i18n.reading_note(facts.problem, lang))
    elif claims_pdf and facts.mime != PDF_MIME and facts.kind is not FileKind.EMPTY:
        add(codes.NOT_A_PDF, actual=i18n.type_name(facts.mime, rules, lang))
    elif facts.problem:
        add(codes.UNREADABLE_FILE, problem=i18n.reading_note(facts.problem, lang))
    elif analysis.role in ("conformity", "manual"):
        if facts.mime not in rules.accepted_types[analysis.role]:
            use = i18n.t("value.use.conformity" if analysis.role == "conformity" else "value.use.manual", lang)
            add(codes.UNSUPPORTED_TYPE, actual=i18n.type_name(facts.mime, rules, lang), use=use)
    elif facts.kind in (FileKind.DOCUMENT, FileKind.ARCHIVE, FileKind.OTHER):
        accepted = {m for types in rules.accepted_types.values() for m in types}
        if facts.mime not in accepted:
            add(codes.UNSUPPORTED_TYPE, actual=i18n.type_name(facts.mime, rules, lang), use=i18n.t("value.use.any", lang))
    if analysis.role == "conformity" and not facts.problem and facts.mime in rules.accepted_types["conformity"]:
        findings.extend(_judge_conformity(result, rules, today, lang))
    return findings


def _judge_conformity(result: FileResult, rules: Rules, today: date, lang: str) -> list[Finding]:
    analysis = result.analysis
    findings: list[Finding] = []
    if not result.facts.text.strip():
        return findings   # not read (OCR off, or nothing legible): no number to call malformed; it simply does not count
    good = [n for n in analysis.numbers if n.well_formed]
    number = good[0].official if good else ""
    if not good:
        bad = next((n for n in analysis.numbers if not n.well_formed), None)
        shown = bad.official if bad else "—"
        problem = i18n.reading_note(bad.problem, lang) if bad and bad.problem else i18n.t("value.no_number", lang)
        findings.append(Finding(codes.CERTIFICATE_NUMBER_INVALID,
                                render_detail(rules, codes.CERTIFICATE_NUMBER_INVALID, lang, file=result.path, number=shown, problem=problem)))
    until = analysis.valid_until
    if until is not None:
        days = (until - today).days
        if days < 0:
            findings.append(Finding(codes.CERTIFICATE_EXPIRED, render_detail(
                rules, codes.CERTIFICATE_EXPIRED, lang, file=result.path, number=number or i18n.t("value.the_document", lang), valid_until=until.isoformat())))
        elif days <= rules.limits.expiring_within_days:
            findings.append(Finding(codes.CERTIFICATE_EXPIRING, render_detail(
                rules, codes.CERTIFICATE_EXPIRING, lang, file=result.path, number=number or i18n.t("value.the_document", lang), valid_until=until.isoformat(), days=days)))
    return findings
