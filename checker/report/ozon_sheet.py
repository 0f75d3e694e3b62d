"""--ozon-sheet: what Ozon's certificate upload form asks for, per SKU and valid conformity document,
already read off the papers: document type, accordance type, the number in its official Cyrillic
form, issue and expiry dates, and the file to attach.

Only documents that count are listed: a SKU's counted conformity file (named RU_…, readable, of a
type Ozon takes) with a well-formed number that has not expired on the scan's date. Column names
and codes are stable English; `description` says the same in the run's language (--lang).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import i18n
from ..models import FileResult, ScanResult, SkuResult
from .output import csv_text, write_atomic

OZON_COLUMNS = ["sku", "document_type", "accordance_type", "number", "issue_date", "expiry_date", "regulations",
                "file", "description"]

DOCUMENT_TYPES = {"certificate": "certificate_of_conformity", "declaration": "declaration_of_conformity"}
# conformity.SCHEMES -> what the number says the document was issued under
ACCORDANCE_TYPES = {
    "eaeu": "eaeu_technical_regulation",                  # ЕАЭС …: EAEU (TR TS / TR EAEU) regulations
    "customs_union": "customs_union",                     # ТС …: Customs Union forms issued before the EAEU ones
    "gost_r": "gost_r",                                   # РОСС …: GOST R system
    "ru_technical_regulation": "ru_technical_regulation",  # bare RU С-…/RU Д-…: Russian technical regulations
}


@dataclass(frozen=True)
class OzonDocument:
    sku: str
    document_type: str
    accordance_type: str
    number: str
    issue_date: date | None
    expiry_date: date | None
    regulations: tuple[str, ...]
    file: str            # relative to the scanned folder, '/' separated: the file to attach
    title: str | None = None   # what the form's title says it is ("certificate"/"declaration"), when read

    @property
    def title_disagrees(self) -> bool:
        """The number's type (С/Д, a Belarus type code) and the printed title name different documents."""
        return bool(self.title) and DOCUMENT_TYPES.get(self.title or "") != self.document_type

    def description(self, lang: str | None = None) -> str:
        missing = i18n.t("ozon.no_date", lang)
        text = i18n.t("ozon.row", lang,
                      document_type=i18n.t(f"ozon.doc.{self.document_type}", lang, default=self.document_type),
                      accordance_type=i18n.t(f"ozon.acc.{self.accordance_type}", lang, default=self.accordance_type),
                      number=self.number,
                      issue_date=self.issue_date.isoformat() if self.issue_date else missing,
                      expiry_date=self.expiry_date.isoformat() if self.expiry_date else missing,
                      file=self.file)
        if self.title_disagrees:
            text += " · " + i18n.t("ozon.type_conflict", lang,
                                   title=i18n.t(f"ozon.doc.{DOCUMENT_TYPES[self.title]}", lang),
                                   number_type=i18n.t(f"ozon.doc.{self.document_type}", lang, default=self.document_type))
        return text


def _documents_of(sku: SkuResult, today: date) -> list[OzonDocument]:
    docs: list[OzonDocument] = []
    seen: set[str] = set()
    for f in sku.files:
        doc = _document(sku.sku, f, today)
        if doc is not None and doc.number not in seen:   # the same document twice: upload it once
            seen.add(doc.number)
            docs.append(doc)
    return docs


def _document(sku: str, f: FileResult, today: date) -> OzonDocument | None:
    """The document type comes from the number (its С/Д letter, a Belarus type code): that is what
    the register, and so Ozon's check, knows; a printed title that says otherwise is flagged."""
    analysis = f.analysis
    if not f.counted or f.blocked or analysis.role != "conformity":
        return None
    good = [n for n in analysis.numbers if n.well_formed]
    if not good:
        return None
    if analysis.valid_until is not None and analysis.valid_until < today:
        return None
    number = good[0]    # the document's own number (as the judge reads it); later ones are quoted
    return OzonDocument(
        sku=sku,
        document_type=DOCUMENT_TYPES.get(number.doc_type, number.doc_type),
        accordance_type=ACCORDANCE_TYPES.get(number.scheme, number.scheme),
        number=number.official,
        issue_date=analysis.valid_from or analysis.registered,
        expiry_date=analysis.valid_until,
        regulations=tuple(analysis.regulations),
        file=f.path,
        title=analysis.title,
    )


def ozon_documents(result: ScanResult) -> list[OzonDocument]:
    """Every SKU's valid conformity documents, in SKU order then file order."""
    return [doc for sku in result.skus for doc in _documents_of(sku, result.today)]


def write_ozon_sheet(result: ScanResult, path: Path, lang: str | None = None) -> None:
    rows = [[d.sku, d.document_type, d.accordance_type, d.number,
             d.issue_date.isoformat() if d.issue_date else "", d.expiry_date.isoformat() if d.expiry_date else "",
             "; ".join(d.regulations), d.file, d.description(lang)] for d in ozon_documents(result)]
    # UTF-8 with BOM so that Excel opens the Cyrillic numbers correctly.
    write_atomic(path, csv_text(OZON_COLUMNS, rows), encoding="utf-8-sig")
