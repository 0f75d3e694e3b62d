"""--ozon-sheet: what Ozon's certificate form asks for, per SKU and paper that would pass, already
read off the papers, in the codes of Ozon Seller API's POST /v2/product/certificate/create
(rules/ozon.yaml, checker/ozon_codes.py): certificate_type, accordance_type, certificate_country,
number (official Cyrillic form), name, issue_date, expired_date (a date, "infinite", or empty when
not read), product_type, and the file to attach.

Only papers that would pass are listed: a SKU's counted conformity file (named RU_…, readable, of a
type Ozon takes) of a type the SKU's category accepts, with a usable number, not expired on the
scan's date. A number read by OCR that a person must check is marked in `number_check`
("unverified"). Codes are Ozon's; `description` says the same in the run's language (--lang).
Column `offer_id` is the seller's SKU (Ozon's offer_id); the API's `skus` are Ozon's own product
ids, which an upload looks up, so the sheet does not carry them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import i18n
from ..judging.file import unverified_reason
from ..models import DocumentNumber, FileResult, ScanResult, SkuResult
from ..judging.views import papers_in_force, usable_numbers
from .context import ReportContext, context_of
from .output import csv_text, write_atomic

OZON_COLUMNS = ["offer_id", "certificate_type", "accordance_type", "certificate_country", "number", "name",
                "issue_date", "expired_date", "product_type", "link_to_registry", "file", "number_check",
                "regulations", "description"]
INFINITE = "infinite"


@dataclass(frozen=True)
class OzonDocument:
    """One paper that would pass, in the codes of POST /v2/product/certificate/create (rules/ozon.yaml):
    the row --ozon-sheet writes and the request `doccheck ozon upload` sends (ozon/upload.py
    create_params), so both always say the same for the same paper."""
    offer_id: str
    certificate_type: str
    accordance_type: str
    certificate_country: str
    number: str
    name: str
    issue_date: date | None
    expired_date: date | str | None      # a date, "infinite", or None when not read
    product_type: str
    regulations: tuple[str, ...]
    file: str                            # relative to the scanned folder, '/' separated: the file to attach
    evidence: DocumentNumber | None = None   # the number as read (status, source, confidence, repairs)
    title: str | None = None             # what the form's title says it is ("certificate"/"declaration"), when read
    number_kind: str = ""                # the number's own С/Д type ("certificate"/"declaration")
    sha256: str = ""                     # the file's content hash, to find its bytes again (ozon upload)

    @property
    def title_disagrees(self) -> bool:
        """The number's type (С/Д, a Belarus type code) and the printed title name different documents."""
        return bool(self.title) and bool(self.number_kind) and self.title != self.number_kind

    @property
    def unverified(self) -> bool:
        """The number was read by OCR and a person must check it against the paper."""
        return self.evidence is not None and self.evidence.status == "unverified"

    @property
    def expired_text(self) -> str:
        """The expiry date as ISO text, "infinite" as it is, "" when not read."""
        if isinstance(self.expired_date, date):
            return self.expired_date.isoformat()
        return self.expired_date or ""

    def description(self, speaker: "i18n.Translator | str" = i18n.DEFAULT_LANG) -> str:
        """The row in words, in `speaker`'s language (a Translator, or a language code: built-in messages)."""
        tr = i18n.translator(speaker)
        missing = tr.t("ozon.no_date")
        expiry = (tr.t("ozon.infinite") if self.expired_date == INFINITE
                  else self.expired_text or missing)
        text = tr.t("ozon.row",
                    document_type=tr.t(f"ozon.doc.{self.certificate_type}", default=self.certificate_type),
                    accordance_type=tr.t(f"ozon.acc.{self.accordance_type}", default=self.accordance_type),
                    number=self.number,
                    issue_date=self.issue_date.isoformat() if self.issue_date else missing,
                    expiry_date=expiry, file=self.file)
        if self.title_disagrees:
            text += " · " + tr.t("ozon.type_conflict",
                                 title=tr.t(f"html.doc_type.{self.title}"),
                                 number_type=tr.t(f"html.doc_type.{self.number_kind}"))
        if self.unverified:
            text += " · " + tr.t("ozon.unverified", why=unverified_reason(self.evidence, tr))
        return text


def _documents_of(sku: SkuResult, result: ScanResult) -> list[OzonDocument]:
    docs: list[OzonDocument] = []
    seen: set[str] = set()
    for f in papers_in_force(sku, result.rules, result.today):
        doc = _document(sku.sku, f, result)
        if doc is not None and doc.number not in seen:   # the same document twice: upload it once
            seen.add(doc.number)
            docs.append(doc)
    return docs


def _document(sku: str, f: FileResult, result: ScanResult) -> OzonDocument | None:
    """The document type is the paper's (checker/doctypes.py); its codes come from rules/ozon.yaml.
    `f` is one of judging.views.papers_in_force."""
    analysis, rules = f.analysis, result.rules
    number = next(iter(usable_numbers(analysis)), None)
    kind = analysis.document_type or (rules.document_types.papers[
        rules.document_types.paper_of_number(number.scheme, number.doc_type)].type if number else None)
    if kind is None:
        return None
    official = number.official if number else ""
    codes = rules.ozon.for_paper(kind, number.scheme if number else "", official, number.registered_in if number else "")
    if codes is None:
        return None
    expired: date | str | None = analysis.valid_until
    if expired is None and kind in rules.ozon.infinite_unless_dated:
        expired = INFINITE
    return OzonDocument(
        offer_id=sku, certificate_type=codes["certificate_type"], accordance_type=codes["accordance_type"],
        certificate_country=codes["certificate_country"], number=official, name=codes["name"],
        issue_date=analysis.valid_from or analysis.registered, expired_date=expired,
        product_type=codes["product_type"], regulations=tuple(analysis.regulations), file=f.path,
        evidence=number, title=analysis.title, number_kind=number.doc_type if number else "", sha256=f.facts.sha256)


def ozon_documents(result: ScanResult) -> list[OzonDocument]:
    """Every SKU's papers that would pass, in SKU order then file order."""
    return [doc for sku in result.skus for doc in _documents_of(sku, result)]


def write_ozon_sheet(result: ScanResult, path: Path, ctx: ReportContext | None = None, lang: str | None = None) -> None:
    """The Ozon certificate-form sheet (--ozon-sheet): one row per SKU and valid paper, codes as
    Ozon's API takes them, the description in ctx's language."""
    ctx = context_of(ctx, result, lang)
    rows = [[d.offer_id, d.certificate_type, d.accordance_type, d.certificate_country, d.number, d.name,
             d.issue_date.isoformat() if d.issue_date else "", d.expired_text, d.product_type, "",
             d.file, "unverified" if d.unverified else "", "; ".join(d.regulations), d.description(ctx.tr)]
            for d in ozon_documents(result)]
    # UTF-8 with BOM so that Excel opens the Cyrillic numbers correctly.
    write_atomic(path, csv_text(OZON_COLUMNS, rows, ctx.csv_delimiter, ctx.tr), encoding="utf-8-sig")
