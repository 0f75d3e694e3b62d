"""Stages 4-5: derive a file's cheap facts (language, numbers, dates, markers) from its text,
then judge it on its own: name, type, readability, its conformity number and dates."""

from __future__ import annotations

import re
from datetime import date

from .. import cache_keys, codes, i18n
from ..i18n import Message
from ..phrases import Reading, TypeName
from ..analysis.numbers import document_title, find_numbers, find_regulations, find_validity
from ..analysis.language import detect_language, is_russian
from ..names import fold_name
from ..models import OCR_OFF_NOTES, DocumentNumber, FileAnalysis, FileFacts, FileKind, FileResult, Finding, Group
from ..rules import Rules
from .views import PDF_MIME, number_required, usable_numbers

RU_PREFIX = "RU_"


_WORD_BREAK = re.compile(r"[\W_]+")


def name_hint(name: str, rules: Rules) -> str | None:
    """What the file name says the seller meant it to be: a hint, the content decides first."""
    folded = fold_name(name)   # a name as macOS writes it (NFD) is the same name
    words = set(_WORD_BREAK.split(folded))
    for use in ("conformity", "manual"):
        for hint in rules.use_hints.get(use, ()):
            if hint in words or (not hint.isascii() and hint in folded):
                return use
    return None


def analysis_key(rules: Rules) -> str:
    """Everything a cached text analysis depends on besides the file and its facts: the rule files
    as read and the code that analyses (cache_keys.analysis_key; the report writers are not part of it)."""
    return cache_keys.analysis_key(rules.digest)


def analyse_text(facts: FileFacts, rules: Rules) -> FileAnalysis:
    """What the text says: language, numbers, title, dates, regulations. A pure function of the
    facts and the rules, so the scan caches it next to the facts."""
    text = facts.text
    guess = detect_language(text, rules.limits.language_min_letters, facts.language_probs)
    analysis = FileAnalysis(language=guess.language, russian_share=guess.russian_share,
                            russian=is_russian(guess, rules.limits.russian_min_share))
    if text:
        numbers = find_numbers(text, rules.numbers)
        analysis.numbers = [_with_evidence(n, facts, rules) for n in numbers]
        analysis.title = document_title(text, rules.numbers)
        kind = rules.document_types.classify(rules.numbers.fold(text), numbers)
        if kind is not None:
            analysis.document_type, analysis.paper, analysis.type_evidence = kind.type, kind.paper, kind.evidence
        validity = find_validity(text, rules.numbers)
        analysis.valid_from, analysis.valid_until, analysis.registered = validity.valid_from, validity.valid_until, validity.registered
        analysis.regulations = find_regulations(text, rules.numbers)
        analysis.pages_stated = rules.sheets.stated_pages(text) if rules.sheets else None
    return analysis


def _with_evidence(n, facts: FileFacts, rules: Rules) -> DocumentNumber:
    """The number as reported, with where it was read and how sure OCR was of it (PageText.word_boxes).

    A number read by OCR is unverified when it failed a structural check, lost the /year it should
    carry, or its lowest word confidence is under numbers.yaml evidence.min_confidence; structural
    repairs (an N mark or a state code read as look-alike letters) are listed, not doubted. From a
    text layer it is well formed or malformed."""
    source, confidence = _span_evidence(facts, max(n.position, n.core), n.position + len(n.raw))
    problem = n.problem
    if source != "ocr":
        status = "well_formed" if n.well_formed else "malformed"
    elif not n.well_formed or (confidence is not None and confidence < rules.numbers.min_confidence):
        status = "unverified"
    elif "year" in n.absent and n.scheme in rules.numbers.year_expected:
        status = "unverified"
        problem = i18n.said("read.number.year_hidden")
    else:
        status = "well_formed"
    return DocumentNumber(n.official, n.scheme, n.doc_type, status == "well_formed", problem, status=status,
                          source=source, confidence=confidence, repairs=list(n.repairs), registered_in=n.registered_in)


def _span_evidence(facts: FileFacts, start: int, end: int) -> tuple[str, float | None]:
    """("text" | "ocr", lowest OCR word confidence over [start, end) of facts.text, or None)."""
    offset = 0
    for page in facts.pages:
        if not page.text:
            continue
        page_end = offset + len(page.text)
        if start < page_end + 1:
            if page.source != "ocr":
                return "text", None
            lo, hi = start - offset, end - offset
            boxes = page.word_boxes
            confs = [boxes[i + 2] for i in range(0, len(boxes) - 2, 3) if boxes[i] < hi and boxes[i + 1] > lo]
            return "ocr", float(min(confs)) if confs else None
        offset = page_end + 1          # the "\n" FileFacts.text joins pages with
    return "text", None


def analyse(result: FileResult, rules: Rules, text_analysis: FileAnalysis) -> FileAnalysis:
    """The text analysis (cached or just made by analyse_text) plus what the file is for, which
    also depends on where it lies and what it is called."""
    # A shallow copy (fields are replaced below, never changed in place): the cached analysis
    # stays as it is. Made by hand: dataclasses.replace and copy.copy cost 15-20 us a file.
    analysis = object.__new__(FileAnalysis)
    analysis.__dict__.update(text_analysis.__dict__)
    hint = name_hint(result.name, rules)
    paper = rules.document_types.papers.get(analysis.paper or "")
    by_number_only = analysis.type_evidence.startswith("number:")
    if result.group is Group.KYC:
        analysis.role = "kyc"
    elif paper is not None and not paper.conformity:
        analysis.role = "other"        # an invoice or a contract: there, but nobody offers it as a certificate
    elif analysis.title or (paper is not None and not (by_number_only and hint == "manual")) \
            or (analysis.numbers and hint != "manual"):
        # A manual often quotes its declaration's number; its name says it is the manual.
        analysis.role = "conformity"
    elif result.group is Group.UNMAPPED:
        analysis.role = "other"
    else:
        if hint:
            analysis.role = hint
            if hint == "conformity" and analysis.document_type is None:
                analysis.type_evidence = "name:" + result.name
        elif result.facts.mime == PDF_MIME:
            analysis.role = "manual"   # a SKU's PDF that is not a conformity document
        else:
            analysis.role = "other"
    if analysis.role == "manual" and by_number_only:
        # a manual quoting its declaration's number is a manual, not a declaration
        analysis.document_type, analysis.paper, analysis.type_evidence = None, None, ""
    return analysis


def illegible(facts: FileFacts) -> object | None:
    """Why a paper that reading tried to read holds no legible text at all, language-free (the render
    failure or page note that says it, else value.no_legible_text); None when it has text, or when
    its pages went unread only because OCR was off (--no-ocr: not read is not blank). A blank scan,
    a PDF whose pages cannot be rendered or OCR that finds nothing on any page read shows Ozon's
    moderator nothing: such a manual or conformity paper cannot count (unreadable_file)."""
    if facts.text.strip() or not facts.pages or any(i18n.said_ids(p.note) & OCR_OFF_NOTES for p in facts.pages):
        return None
    failed = next((n for n in facts.notes if "read.render_failed" in i18n.said_ids(n)), None)
    if failed is not None:
        return Reading(failed)
    noted = next((p.note for p in facts.pages if p.note), None)
    if noted:
        return Reading(noted)
    return Message.of("value.no_legible_text", pages=len(facts.pages))


def manual_is_russian(result: FileResult) -> bool | None:
    """None when the manual has no text to judge (not read)."""
    if not result.facts.text.strip():
        return None
    return result.analysis.russian


def judge_file(result: FileResult, rules: Rules, today: date) -> list[Finding]:
    """File-level reason codes for a SKU's file, language-free (Finding codes and arguments): name,
    type, readability, then a conformity paper's number, dates and pages. KYC and unmapped files
    are not judged here ([]). A pure function: `result` is not changed; the pipeline applies the
    verdict. `today`: the date expiry is judged against."""
    if result.group is not Group.SKU:
        return []
    facts, analysis, name = result.facts, result.analysis, result.name
    findings: list[Finding] = []

    def add(code: codes.ReasonCode, **values) -> None:
        findings.append(Finding.of(code, file=result.path, **values))

    if not name.startswith(RU_PREFIX):
        # A copy alone counts; the name to suggest is the original's ("Copy of RU_manual.pdf" -> RU_manual.pdf).
        stripped = re.sub(r"^ru[_\-\s]*", "", result.copy_name or name, flags=re.IGNORECASE)
        add(codes.MISSING_RU_PREFIX, suggestion=RU_PREFIX + stripped)
    claims_pdf = name.casefold().endswith(".pdf")
    if facts.problem and not facts.mime:
        # Never read (changed while read, over the read limit, timed out): what it is is unknown.
        add(codes.UNREADABLE_FILE, problem=Reading(facts.problem))
    elif claims_pdf and facts.mime != PDF_MIME and facts.kind is not FileKind.EMPTY:
        add(codes.NOT_A_PDF, actual=TypeName(facts.mime))
    elif facts.problem:
        add(codes.UNREADABLE_FILE, problem=Reading(facts.problem))
    elif analysis.role in ("conformity", "manual"):
        if facts.mime not in rules.accepted_types[analysis.role]:
            use = Message.of("value.use.conformity" if analysis.role == "conformity" else "value.use.manual")
            add(codes.UNSUPPORTED_TYPE, actual=TypeName(facts.mime), use=use)
        elif (why := illegible(facts)) is not None:
            add(codes.UNREADABLE_FILE, problem=why)
    elif facts.kind in (FileKind.DOCUMENT, FileKind.ARCHIVE, FileKind.OTHER):
        accepted = {m for types in rules.accepted_types.values() for m in types}
        if facts.mime not in accepted:
            add(codes.UNSUPPORTED_TYPE, actual=TypeName(facts.mime), use=Message.of("value.use.any"))
    if analysis.role == "conformity" and not facts.problem and facts.mime in rules.accepted_types["conformity"]:
        findings.extend(_judge_conformity(result, rules, today))
        if analysis.pages_stated and facts.page_count is not None and facts.page_count < analysis.pages_stated:
            add(codes.DOCUMENT_INCOMPLETE, stated=analysis.pages_stated, pages=facts.page_count)
    return findings


def unverified_why(number: DocumentNumber) -> object:
    """Why a number is unverified, language-free: the repair or problem the reading wrote, or the
    OCR confidence (value.ocr_confidence)."""
    if number.problem:
        return Reading(number.problem)
    return Message.of("value.ocr_confidence", confidence=f"{number.confidence:.0f}")


def unverified_reason(number: DocumentNumber, speaker: "i18n.Translator | str") -> str:
    """unverified_why in `speaker`'s language (a Translator or a language code)."""
    return i18n.render(unverified_why(number), i18n.translator(speaker))


def _judge_conformity(result: FileResult, rules: Rules, today: date) -> list[Finding]:
    analysis = result.analysis
    findings: list[Finding] = []
    if not result.facts.text.strip():
        return findings   # not read (OCR off, or nothing legible): no number to call malformed; it simply does not count
    if not number_required(analysis, rules):
        return findings   # a test report, a refusal letter…: judged by its kind at the SKU, not by a number
    good = usable_numbers(analysis)
    number = good[0].official if good else ""
    if good and good[0].status == "unverified":
        findings.append(Finding.of(codes.CERTIFICATE_NUMBER_UNVERIFIED, file=result.path, number=number,
                                   why=unverified_why(good[0])))
    if not good:
        bad = next((n for n in analysis.numbers if not n.well_formed), None)
        shown = bad.official if bad else "—"
        problem = Reading(bad.problem) if bad and bad.problem else Message.of("value.no_number")
        findings.append(Finding.of(codes.CERTIFICATE_NUMBER_INVALID, file=result.path, number=shown, problem=problem))
    until = analysis.valid_until
    if until is not None:
        days = (until - today).days
        named = number or Message.of("value.the_document")
        if days < 0:
            findings.append(Finding.of(codes.CERTIFICATE_EXPIRED, file=result.path, number=named, valid_until=until.isoformat()))
        elif days <= rules.limits.expiring_within_days:
            findings.append(Finding.of(codes.CERTIFICATE_EXPIRING, file=result.path, number=named,
                                       valid_until=until.isoformat(), days=days))
    return findings
