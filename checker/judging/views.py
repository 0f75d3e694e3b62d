"""Derived views of a judged SKU and of the account's KYC, defined once: the verdict (judging/sku.py),
every writer (CSV, JSON, HTML, workbook, Ozon sheet, export) and the Ozon upload use these and
nothing else, so "a valid conformity document" means the same everywhere.

Pure functions of the results: nothing here changes what it is given.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..models import DocumentNumber, FileAnalysis, FileResult, KycResult, SkuResult

PDF_MIME = "application/pdf"


def usable_numbers(analysis: FileAnalysis) -> list[DocumentNumber]:
    """The paper's numbers that can be relied on: well formed, or read by OCR and to be checked
    against the paper (DocumentNumber.usable)."""
    return [n for n in analysis.numbers if n.usable]


def number_required(analysis: FileAnalysis, rules: Any) -> bool:
    """A paper judged on its registration number: one of a numbered kind, or one the content
    could not tell (a file named "certificate" with no title and no number). Source:
    rules/document_types.yaml `number_required`."""
    paper = rules.document_types.papers.get(analysis.paper or "")
    return paper is None or paper.number_required


def own_papers(sku: SkuResult) -> list[FileResult]:
    """The SKU's files without the copies set aside beside their originals (rules/copies.yaml)."""
    return [f for f in sku.files if not f.copy_of]


def counted_files(sku: SkuResult) -> list[FileResult]:
    """The SKU's files that count toward its requirements (FileResult.counted, as the pipeline set it)."""
    return [f for f in sku.files if f.counted]


def type_known(f: FileResult) -> bool:
    """The content said what the paper is (a title, a number's shape or wording), not only its name."""
    return f.analysis.document_type is not None


def accepted(f: FileResult, category: Any) -> bool:
    """The paper is of a type the category accepts (rules/categories.yaml `accepts`). A paper whose
    kind the content did not tell is judged by its number (certificate_number_invalid says what is
    wrong); a national (BY/KZ/KG/AM without ЕАЭС) number never satisfies: Ozon takes only documents
    valid in Russia (Decision 293 of the EAEU Commission; Ozon's certificate rules)."""
    kind = f.analysis.document_type
    if kind is None:
        return True
    if kind not in category.accepts:
        return False
    number = next(iter(usable_numbers(f.analysis)), None)
    return number is None or number.scheme != "national"


def valid_conformity(files: list[FileResult], category: Any = None, rules: Any = None) -> list[FileResult]:
    """Of `files`, the conformity papers with a usable number (or, with `rules`, of a kind judged
    without one); with a category, only papers of a type it accepts."""
    return [f for f in files if f.analysis.role == "conformity"
            and (usable_numbers(f.analysis) or (rules is not None and not number_required(f.analysis, rules)))
            and (category is None or accepted(f, category))]


def valid_papers(sku: SkuResult, rules: Any) -> list[FileResult]:
    """The SKU's counted papers that satisfy its category (any conformity paper with a usable
    number when the category is unknown or needs none)."""
    category = rules.categories.get(sku.category) if sku.category else None
    return valid_conformity(counted_files(sku), category if category and category.restricted else None, rules)


def papers_in_force(sku: SkuResult, rules: Any, today: date) -> list[FileResult]:
    """valid_papers that are not blocked and not expired on `today`: what Ozon's form can take."""
    return [f for f in valid_papers(sku, rules)
            if not f.blocked and not (f.analysis.valid_until is not None and f.analysis.valid_until < today)]


def sku_certificates(sku: SkuResult) -> list[str]:
    """The distinct usable numbers of the SKU's own papers, in file order."""
    numbers: list[str] = []
    for f in own_papers(sku):
        for n in usable_numbers(f.analysis):
            if n.official not in numbers:
                numbers.append(n.official)
    return numbers


def sku_valid_until(sku: SkuResult) -> date | None:
    """The latest end date of the SKU's counted conformity papers with a usable number; None when none says."""
    dates = [f.analysis.valid_until for f in valid_conformity(counted_files(sku)) if f.analysis.valid_until]
    return max(dates) if dates else None


def sku_manuals(sku: SkuResult) -> list[FileResult]:
    """The SKU's own papers read as manuals (counted or not)."""
    return [f for f in own_papers(sku) if f.analysis.role == "manual"]


def manual_pdfs(files: list[FileResult]) -> list[FileResult]:
    """Of `files`, the manuals that are PDFs (what Ozon's manual upload takes)."""
    return [f for f in files if f.analysis.role == "manual" and f.facts.mime == PDF_MIME]


KYC_STATES = ("complete", "incomplete", "not_judged")


def kyc_state(kyc: KycResult) -> str:
    """The account's KYC in one word, the one encoding every writer uses: "complete",
    "incomplete" or "not_judged" (no KYC folder, or --no-ocr left its scans unread)."""
    if not kyc.judged:
        return "not_judged"
    return "complete" if kyc.complete else "incomplete"
