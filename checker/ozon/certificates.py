"""Moderation's verdicts: the certificates already on the account, what Ozon decided about each
and which SKUs each is bound to; `scan --ozon` puts them next to doccheck's own findings.

Calls (Seller API, version noted beside each):
  POST /v1/product/certificate/list                    paged by page/page_count (v1Certificate items)
  POST /v1/product/certificate/products/list           per certificate, paged by last_id: the bound SKUs
  POST /v1/product/certificate/rejection_reasons/list  once: rejection reason code -> Ozon's wording (Russian)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import codes
from ..analysis.scripts import CYRILLIC_TO_LATIN
from ..models import Finding, ScanResult, SkuResult
from ..report.output import csv_text, write_atomic
from .client import OzonClient

PAGE_SIZE = 100
CERTIFICATE_COLUMNS = ["number", "certificate_id", "name", "type", "accordance_type", "status", "verdict",
                       "rejection_reasons", "rejection_reason_names", "verification_comment", "issue_date",
                       "expire_date", "skus", "ozon_skus"]


@dataclass(frozen=True)
class OzonCertificate:
    """One certificate on the account (v1Certificate) with its bound Ozon SKUs; verdict is
    "approved", "declined" or "pending" per rules/ozon_types.yaml `statuses`."""
    certificate_id: int
    number: str
    name: str
    type_code: str
    accordance_type_code: str
    status_code: str
    verdict: str
    rejection_codes: tuple[str, ...] = ()
    rejection_names: tuple[str, ...] = ()
    verification_comment: str = ""
    issue_date: str = ""
    expire_date: str = ""
    ozon_skus: tuple[int, ...] = ()


def number_key(number: str) -> str:
    """How two spellings of one registration number compare: case, spaces and Latin/Cyrillic
    look-alikes (ЕАЭС RU С-CN… typed with a Latin C) do not matter."""
    return re.sub(r"\s+", "", number.translate(CYRILLIC_TO_LATIN)).casefold()


def _reason_codes(cert: dict) -> tuple[str, ...]:
    """rejection_reason_code (one code, or several joined by , or ;) and, when Ozon sends it, the
    list rejection_reasons (codes or {code, name} objects); each code once, in order."""
    found: list[str] = []
    for code in re.split(r"[,;]\s*", str(cert.get("rejection_reason_code") or "")):
        if code.strip():
            found.append(code.strip())
    for item in cert.get("rejection_reasons") or []:
        code = item.get("code") if isinstance(item, dict) else item
        if code:
            found.append(str(code).strip())
    return tuple(dict.fromkeys(found))


def _bound_skus(client: OzonClient, certificate_id: int) -> tuple[int, ...]:
    skus: list[int] = []
    last_id, seen = "", set()
    while True:
        answer = client.post("/v1/product/certificate/products/list",
                             {"certificate_id": certificate_id, "last_id": last_id, "limit": PAGE_SIZE})
        result = answer.get("result") or {}
        items = result.get("items") or []
        skus.extend(int(i["sku"]) for i in items if i.get("sku"))
        last_id = str(result.get("last_id") or "")
        if not items or not last_id or last_id in seen:
            return tuple(dict.fromkeys(skus))
        seen.add(last_id)


def fetch_certificates(client: OzonClient, ozon_types) -> list[OzonCertificate]:
    """Every certificate of the account with its verdict, rejection reasons and bound Ozon SKUs."""
    raw: list[dict] = []
    page = 1
    while True:
        result = client.post("/v1/product/certificate/list", {"page": page, "page_size": PAGE_SIZE}).get("result") or {}
        raw.extend(result.get("certificates") or [])
        if page >= int(result.get("page_count") or 1) or not result.get("certificates"):
            break
        page += 1
    names: dict[str, str] = {}
    if any(_reason_codes(c) for c in raw):
        for item in client.post("/v1/product/certificate/rejection_reasons/list", {}).get("result") or []:
            names[str(item.get("code"))] = str(item.get("name") or "")
    certificates = []
    for c in raw:
        reasons = _reason_codes(c)
        for item in c.get("rejection_reasons") or []:
            if isinstance(item, dict) and item.get("name"):
                names.setdefault(str(item.get("code")), str(item["name"]))
        cert_id = int(c.get("certificate_id") or 0)
        bound = _bound_skus(client, cert_id) if int(c.get("products_count") or 0) > 0 else ()
        certificates.append(OzonCertificate(
            certificate_id=cert_id, number=str(c.get("certificate_number") or ""), name=str(c.get("certificate_name") or ""),
            type_code=str(c.get("type_code") or ""), accordance_type_code=str(c.get("accordance_type_code") or ""),
            status_code=str(c.get("status_code") or ""), verdict=ozon_types.verdict(str(c.get("status_code") or "")),
            rejection_codes=reasons, rejection_names=tuple(names.get(r, "") for r in reasons),
            verification_comment=str(c.get("verification_comment") or ""), issue_date=str(c.get("issue_date") or "")[:10],
            expire_date=str(c.get("expire_date") or "")[:10], ozon_skus=bound))
    return certificates


def write_certificates(certs: list[OzonCertificate], offer_of: dict[int, str], path: Path) -> None:
    """One row per certificate; `skus` are the seller's SKUs (offer_id) of the bound Ozon SKUs."""
    rows = [[c.number, c.certificate_id, c.name, c.type_code, c.accordance_type_code, c.status_code, c.verdict,
             ";".join(c.rejection_codes), "; ".join(n for n in c.rejection_names if n), c.verification_comment,
             c.issue_date, c.expire_date, "; ".join(offer_of.get(s, "") or str(s) for s in c.ozon_skus),
             "; ".join(str(s) for s in c.ozon_skus)] for c in certs]
    write_atomic(path, csv_text(CERTIFICATE_COLUMNS, rows), encoding="utf-8-sig")


# --- scan --ozon: Ozon's verdicts next to doccheck's findings --------------------------------------

@dataclass
class Moderation:
    """What Ozon decided, per seller SKU: the certificates bound to that SKU's Ozon SKU."""
    by_sku: dict[str, list[OzonCertificate]] = field(default_factory=dict)


def moderation_for(certs: list[OzonCertificate], ozon_sku_of: dict[str, int]) -> Moderation:
    """Ozon's decisions per seller SKU. `ozon_sku_of`: the seller's SKU (offer_id) -> its Ozon SKU; each
    SKU gets the certificates bound to that Ozon SKU ([] when none)."""
    by_ozon: dict[int, list[OzonCertificate]] = {}
    for c in certs:
        for s in c.ozon_skus:
            by_ozon.setdefault(s, []).append(c)
    return Moderation({sku: by_ozon.get(ozon_sku, []) for sku, ozon_sku in ozon_sku_of.items()})


def _describe(cert: OzonCertificate, tr) -> str:
    """The certificate and Ozon's verdict, in `tr`'s language (a checker.i18n.Translator)."""
    verdict = tr.t(f"ozon.verdict.{cert.verdict}")
    text = f"{cert.number}: {verdict}"
    if cert.rejection_codes:
        text += " (" + "; ".join(f"{n} [{c}]" if n else c for c, n in zip(cert.rejection_codes, cert.rejection_names)) + ")"
    return text


def annotate(result: ScanResult, moderation: Moderation, rules, lang: str) -> ScanResult:
    """A new ScanResult whose SKUs carry Ozon's verdicts: a column `ozon_certificates` (each bound
    certificate and what Ozon decided), an `ozon_declined` finding per declined certificate (its
    rejection reasons) and an `ozon_disagreement` finding per certificate Ozon approved whose paper
    doccheck blocks. The scan's own results are not changed."""
    from .. import i18n

    tr = i18n.Translator(lang, getattr(rules, "messages", None))   # the row's words; the findings stay language-free
    skus: list[SkuResult] = []
    for sku in result.skus:
        certs = moderation.by_sku.get(sku.sku)
        if certs is None:
            skus.append(sku)
            continue
        findings = list(sku.findings)
        for cert in certs:
            if cert.verdict == "declined":
                reasons = "; ".join(f"{n} ({c})" if n else c for c, n in zip(cert.rejection_codes, cert.rejection_names))
                findings.append(Finding.of(codes.OZON_DECLINED, number=cert.number,
                                           reasons=reasons or cert.verification_comment or cert.status_code))
            elif cert.verdict == "approved":
                key = number_key(cert.number)
                for f in sku.files:
                    if f.blocked and any(number_key(n.official) == key for n in f.analysis.numbers):
                        findings.append(Finding.of(codes.OZON_DISAGREEMENT, number=cert.number, file=f.path,
                                                   codes=", ".join(c.code for c in f.codes if c.blocking)))
        findings.sort(key=lambda f: codes.ORDER[f.code.code])
        row = dict(sku.row)
        row["ozon_certificates"] = "; ".join(_describe(c, tr) for c in certs) or tr.t("ozon.verdict.none")
        skus.append(replace(sku, findings=findings, row=row, status=codes.status_for([f.code for f in findings])))
    return replace(result, skus=skus)


