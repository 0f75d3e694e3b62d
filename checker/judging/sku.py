"""Stage 7b: add up each SKU's files against its category's requirements and the account's KYC."""

from __future__ import annotations

from datetime import date

from .. import codes, i18n
from .file import PDF_MIME, manual_is_russian, number_required, render_detail
from ..models import FileResult, Finding, KycResult, SkuResult
from .paper_checks import judge_fit
from ..rules import Category, Rules


def judge_sku(sku: SkuResult, rules: Rules, kyc: KycResult, today: date, lang: str = "en") -> None:
    findings: list[Finding] = []
    papers = own_papers(sku)
    for f in papers:
        findings.extend(f.findings)
    category = rules.categories.get(sku.category) if sku.category else None
    # The category as the seller knows it: an Ozon name rather than a rule key such as power_bank.
    label = (category.name(lang) if category and sku.category_input in ("", category.key)   # "": inferred
             else sku.category_input or sku.category or i18n.t("value.unknown_category", lang))

    def add(code: codes.ReasonCode, **values) -> None:
        findings.append(Finding(code, render_detail(rules, code, lang, **values)))

    counted = [f for f in sku.files if f.counted]
    findings.extend(_judge_manual_language(counted, rules, lang))
    counted = [f for f in counted if f.counted]
    fit = judge_fit(sku, category, counted, rules, label, lang)   # certificate_mismatch / _product_mismatch
    findings.extend(fit.findings)
    counted = [f for f in counted if id(f) not in fit.misfits]
    if category is None:
        add(codes.UNKNOWN_CATEGORY, category=label)
    elif category.restricted:
        # One cause, one code: an expired or malformed certificate already says why there is no valid one.
        explained = any(f.analysis.role == "conformity" and f.blocked for f in papers) or bool(fit.misfits)
        if not _valid_conformity(counted, category, rules):
            wrong = [f for f in counted if f.analysis.role == "conformity" and not _accepted(f, category, rules)
                     and _type_known(f)]
            for f in wrong:
                add(codes.WRONG_DOCUMENT_TYPE, file=f.path, paper=paper_name(f, rules, lang), category=label,
                    needs=accepted_names(category, rules, lang))
            if not wrong and not explained:
                add(codes.NO_CERTIFICATE, category=label, regulations=", ".join(category.regulations) or i18n.t("value.regulations_default", lang))
        if category.high_risk:
            explained = any(f.analysis.role == "manual" and f.blocked for f in papers)
            if not _manual_pdfs(counted) and not explained:
                add(codes.NO_RU_MANUAL, category=label)
    if kyc.judged and not kyc.complete:
        missing = ("；" if lang == "zh" else "; ").join(i18n.kyc_title(r.key, r.title, lang) for r in kyc.requirements if not r.met)
        add(codes.KYC_INCOMPLETE, missing=missing)
    findings.sort(key=lambda f: codes.ORDER[f.code.code])
    sku.findings = findings
    sku.notes = sku_notes(sku, rules, lang)
    sku.status = codes.status_for([f.code for f in findings])


def _valid_conformity(files: list[FileResult], category: Category | None = None, rules: Rules | None = None) -> list[FileResult]:
    """Counted conformity papers with a usable number (or of a kind judged without one); with a
    category, only papers of a type it accepts."""
    return [f for f in files if f.analysis.role == "conformity"
            and (any(n.usable for n in f.analysis.numbers) or (rules is not None and not number_required(f.analysis, rules)))
            and (category is None or _accepted(f, category, rules))]


def valid_papers(sku: SkuResult, rules: Rules) -> list[FileResult]:
    """The SKU's counted papers that satisfy its category (any conformity paper with a usable
    number when the category is unknown or needs none)."""
    category = rules.categories.get(sku.category) if sku.category else None
    counted = [f for f in sku.files if f.counted]
    return _valid_conformity(counted, category if category and category.restricted else None, rules)


def _type_known(f: FileResult) -> bool:
    """The content said what the paper is (a title, a number's shape or wording), not only its name."""
    return f.analysis.document_type is not None


def _accepted(f: FileResult, category: Category, rules: Rules | None) -> bool:
    """The paper is of a type the category accepts. A paper whose kind the content did not tell is
    judged by its number as before (certificate_number_invalid says what is wrong); a national
    (BY/KZ/KG/AM without ЕАЭС) number never satisfies: Ozon takes only documents valid in Russia."""
    kind = f.analysis.document_type
    if kind is None:
        return True
    if kind not in category.accepts:
        return False
    number = next((n for n in f.analysis.numbers if n.usable), None)
    return number is None or number.scheme != "national"


def paper_name(f: FileResult, rules: Rules, lang: str) -> str:
    """What the paper is, for a sentence: "a test report", "a national declaration (BY)"."""
    paper = rules.document_types.papers.get(f.analysis.paper or "")
    name = paper.name(lang) if paper else (f.analysis.document_type or "")
    number = next((n for n in f.analysis.numbers if n.usable), None)
    if number is not None and number.scheme == "national":
        name = i18n.t("doctype.national", lang, paper=name, state=number.official[:2])
    return name


def accepted_names(category: Category, rules: Rules, lang: str) -> str:
    """The types a category accepts, named for a sentence ("a certificate of conformity or a declaration…")."""
    names = [rules.document_types.papers[t].name(lang) for t in category.accepts if t in rules.document_types.papers]
    return i18n.t("doctype.or", lang, first=", ".join(names[:-1]), last=names[-1]) if len(names) > 1 else "".join(names)
def own_papers(sku: SkuResult) -> list[FileResult]:
    """The SKU's files without the copies set aside beside their originals (rules/copies.yaml)."""
    return [f for f in sku.files if not f.copy_of]


def did_you_mean(sku: SkuResult, rules: Rules, lang: str) -> str:
    """"did you mean Power banks?" for an unknown category, naming the nearest ones in `lang`."""
    names = [rules.categories[key].name(lang) for key in sku.category_suggestions if key in rules.categories]
    return i18n.t("details.did_you_mean", lang, categories=(" / " if lang != "zh" else "／").join(names))


def sku_notes(sku: SkuResult, rules: Rules, lang: str) -> list[str]:
    """What was read differently from how it is written, so nobody wonders: the nearest categories
    to an unknown one, a category read as the nearest one or taken from the product name, copies
    set aside beside their originals. Sentences in `lang`."""
    notes = []
    if sku.category is None and sku.category_suggestions:
        notes.append(did_you_mean(sku, rules, lang))
    category = rules.categories.get(sku.category) if sku.category else None
    shown = category.name(lang) if category else (sku.category or "")
    if sku.category_match == "close":
        notes.append(i18n.t("details.category_read_as", lang, written=sku.category_input, category=shown))
    elif sku.category_source == "inferred":
        notes.append(i18n.t("details.category_inferred", lang, category=shown, name=sku.name))
    for f in sku.files:
        if f.copy_of:
            notes.append(i18n.t("details.copy_set_aside", lang, file=f.path, tool=f.copy_tool, original=f.copy_of))
    return notes



def _manual_pdfs(files: list[FileResult]) -> list[FileResult]:
    return [f for f in files if f.analysis.role == "manual" and f.facts.mime == PDF_MIME]


def _judge_manual_language(counted: list[FileResult], rules: Rules, lang: str) -> list[Finding]:
    """A SKU's manuals must be Russian. A foreign-language manual beside a Russian one is harmless
    (bilingual sets are common); only when no manual is Russian are the foreign ones flagged."""
    manuals = _manual_pdfs(counted)
    verdicts = {id(m): manual_is_russian(m) for m in manuals}
    if not manuals or any(v is True for v in verdicts.values()):
        return []
    findings = []
    for manual in manuals:
        if verdicts[id(manual)] is False:   # None: not read (OCR off), nothing to judge the language on
            finding = Finding(codes.MANUAL_NOT_RUSSIAN, render_detail(
                rules, codes.MANUAL_NOT_RUSSIAN, lang, file=manual.path,
                language=_language_name(manual.analysis.language, lang), share=f"{manual.analysis.russian_share:.0%}"))
            manual.findings.append(finding)
            manual.counted = False
            findings.append(finding)
    return findings


def _language_name(code: str, lang: str = "en") -> str:
    return i18n.t(f"language.{code or 'unknown'}", lang, default=code)


def sku_certificates(sku: SkuResult) -> list[str]:
    numbers: list[str] = []
    for f in own_papers(sku):
        for n in f.analysis.numbers:
            if n.usable and n.official not in numbers:
                numbers.append(n.official)
    return numbers


def sku_valid_until(sku: SkuResult) -> date | None:
    dates = [f.analysis.valid_until for f in _valid_conformity([f for f in sku.files if f.counted]) if f.analysis.valid_until]
    return max(dates) if dates else None


def sku_manuals(sku: SkuResult) -> list[FileResult]:
    return [f for f in own_papers(sku) if f.analysis.role == "manual"]


def sku_details(sku: SkuResult, speaker: "i18n.Translator | str") -> str:
    """One or a few sentences a seller understands: what is wrong and with which file, or what is
    in order; then what was read differently from how it is written (sku_notes).

    In `speaker`'s language: a checker.i18n.Translator, or a language code (built-in messages)."""
    tr = i18n.translator(speaker)
    main = _main_details(sku, tr)
    notes = [i18n.sentence(n, tr.lang) for n in sku.notes]
    return (("" if tr.lang == "zh" else " ").join([main, *notes])) if notes else main


def _main_details(sku: SkuResult, tr: i18n.Translator) -> str:
    lang = tr.lang
    if sku.findings:
        seen: list[str] = []
        for f in sku.findings:
            if f.detail and f.detail not in seen:
                seen.append(f.detail)
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
