"""`doccheck ozon upload`: create each passing paper as an Ozon certificate and bind it to the SKUs
it covers. A dry run (the default) prints and writes what it would send; `--yes` sends it.

Calls (Seller API, version noted beside each):
  POST /v3/product/list, /v3/product/info/list     offer_id -> Ozon SKU (products.ozon_skus_for)
  POST /v1/product/certificate/list (+ products/list) what is already on the account (certificates.fetch_certificates)
  POST /v2/product/certificate/create              {"params": {...}} -> {"certificate_id", "status": "COMPLETED"};
                                                   v1/product/certificate/create was switched off on 31 Aug 2026
  POST /v1/product/certificate/bind                {"certificate_id", "skus": [...]} (product_id is deprecated)

Idempotent and resumable: a number already on the account (and not declined) is bound to the SKUs
it lacks, or skipped when it has them all; nothing is created twice, so a re-run after a failure
continues where it stopped. One certificate's failure never stops the others; only a refused key does.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import i18n
from ..models import ScanResult
from ..report.output import csv_text, write_atomic
from ..report.ozon_sheet import INFINITE, OzonDocument, ozon_documents
from .certificates import OzonCertificate, number_key
from .client import OzonClient, OzonError

CREATE = "/v2/product/certificate/create"
BIND = "/v1/product/certificate/bind"
UPLOAD_COLUMNS = ["action", "result", "number", "skus", "ozon_skus", "certificate_id", "method", "file", "file_bytes",
                  "file_sha256", "request", "message"]


# --- a passing paper -> the v2 create request ------------------------------------------------------
# The codes (certificate_type, accordance_type, certificate_country, product_type, name, "infinite")
# are the paper's OzonDocument, made by report/ozon_sheet.py from rules/ozon.yaml (checker/ozon_codes.py):
# --ozon-sheet and upload send the same codes for the same paper. Here only the request's shape.


def create_params(doc: OzonDocument, ozon_skus: list[int], file_name: str, content: bytes | None) -> dict:
    """The `params` of POST /v2/product/certificate/create for one passing paper.

    Shape (Ozon Seller API, /v2/product/certificate/create): certificate_type, accordance_type,
    certificate_country, name, product_type as the paper's OzonDocument gives them (rules/ozon.yaml);
    number (official Cyrillic form), issue_date (RFC 3339, midnight UTC), expired_date
    ({"date": {day, month, year}} or {"infinite": true} for the types rules/ozon.yaml issues without
    an end date), skus (Ozon SKUs as strings), files ([{name, file_content}], base64).
    content=None leaves file_content out (the dry run's record).
    Raises ValueError (a sentence in the run's language) when the issue date, or the expiry date of
    a paper that has one, could not be read off the paper."""
    if doc.issue_date is None:
        raise ValueError(i18n.said("ozon.upload.no_issue_date"))
    if doc.expired_date is None:
        raise ValueError(i18n.said("ozon.upload.no_expiry_date"))
    if doc.expired_date == INFINITE:
        expired: dict = {"infinite": True}
    else:
        expired = {"date": {"day": doc.expired_date.day, "month": doc.expired_date.month, "year": doc.expired_date.year}}
    file_entry = {"name": file_name}
    if content is not None:
        file_entry["file_content"] = base64.b64encode(content).decode("ascii")
    return {
        "certificate_type": doc.certificate_type,
        "accordance_type": doc.accordance_type,
        "certificate_country": doc.certificate_country,
        "name": doc.name,
        "number": doc.number,
        "issue_date": f"{doc.issue_date.isoformat()}T00:00:00Z",
        "expired_date": expired,
        "product_type": doc.product_type,
        "skus": [str(s) for s in ozon_skus],
        "files": [file_entry],
    }


@dataclass
class Step:
    """One certificate's planned action: "create", "bind", "skip" (already there with every SKU)
    or "fail" (cannot be sent: a date not read, no SKU on the account); then its result."""
    action: str
    number: str
    doc: OzonDocument
    skus: list[str]                         # the seller's SKUs the paper covers
    ozon_skus: list[int]                    # the Ozon SKUs to send (create: all; bind: the missing ones)
    certificate_id: int | None = None
    message: str = ""
    result: str = ""                        # created, bound, skipped, refused, failed; "" in a dry run
    params: dict | None = None              # create: the params without file bytes


@dataclass
class Plan:
    """What `ozon upload` sends (make_plan). steps: one Step per certificate number, in the order of the
    documents; missing_skus: the passing SKUs (offer_id) that the account does not have."""
    steps: list[Step] = field(default_factory=list)
    missing_skus: list[str] = field(default_factory=list)   # passing SKUs not on the account


def passing_documents(result: ScanResult) -> list[OzonDocument]:
    """The papers --ozon-sheet lists (ozon_sheet.ozon_documents: verdict.valid_papers, not blocked,
    not expired, of a type Ozon takes), of SKUs whose own papers pass: no blocking finding of file or
    SKU scope. The account's KYC does not hold back a product's papers."""
    from ..codes import Scope

    passing = {s.sku for s in result.skus
               if not any(f.code.blocking and f.code.scope is not Scope.ACCOUNT for f in s.findings)}
    return [d for d in ozon_documents(result) if d.offer_id in passing]


def make_plan(docs: list[OzonDocument], ozon_sku_of: dict[str, int], existing: list[OzonCertificate]) -> Plan:
    """What to send, certificate by certificate (one number covering several SKUs is created once)."""
    plan = Plan()
    grouped: dict[str, list[OzonDocument]] = {}
    for d in docs:
        grouped.setdefault(number_key(d.number), []).append(d)
    on_account: dict[str, OzonCertificate] = {}
    for c in existing:
        if c.verdict != "declined":           # a declined upload is not reused: the corrected paper is created anew
            on_account.setdefault(number_key(c.number), c)
    for key, group in grouped.items():
        doc = group[0]
        skus = list(dict.fromkeys(d.offer_id for d in group))
        found = [s for s in skus if s in ozon_sku_of]
        plan.missing_skus.extend(s for s in skus if s not in ozon_sku_of)
        ozon = [ozon_sku_of[s] for s in found]
        if not ozon:
            plan.steps.append(Step("fail", doc.number, doc, skus, [], message=i18n.said("ozon.upload.not_on_account")))
            continue
        cert = on_account.get(key)
        if cert is not None:
            lacking = [s for s in ozon if s not in cert.ozon_skus]
            action = "bind" if lacking else "skip"
            plan.steps.append(Step(action, doc.number, doc, found, lacking, certificate_id=cert.certificate_id,
                                   message=i18n.said("ozon.upload.on_account", status=cert.status_code or "-")))
            continue
        try:
            params = create_params(doc, ozon, Path(doc.file).name, None)
        except ValueError as exc:
            plan.steps.append(Step("fail", doc.number, doc, found, ozon, message=exc.args[0] if exc.args else str(exc)))
            continue
        plan.steps.append(Step("create", doc.number, doc, found, ozon, params=params))
    return plan


def _real(files: dict[str, list[Path]], doc: OzonDocument) -> Path:
    """The real file behind `doc` (its shown path may be masked), among `files`
    (reading.discover.files_by_shown_path of the scanned folder); FileNotFoundError when it is gone
    or changed since the scan read it."""
    from ..reading.discover import real_file

    found = real_file(files, doc.file, doc.sha256)
    if found is None:
        raise FileNotFoundError(2, "gone or changed since the scan read it", doc.file)
    return found


def _file_facts(files: dict[str, list[Path]], doc: OzonDocument) -> tuple[int, str]:
    """(size in bytes, sha256) of the file behind `doc` for the record; (0, "") when it is gone. The
    file was found by that very hash (_real), so it is not read a second time."""
    try:
        return _real(files, doc).stat().st_size, doc.sha256
    except OSError:
        return 0, ""


def _request(step: Step) -> str:
    if step.action == "create" and step.params is not None:
        return json.dumps({"params": step.params}, ensure_ascii=False, sort_keys=True)
    if step.action == "bind":
        return json.dumps({"certificate_id": step.certificate_id, "skus": [str(s) for s in step.ozon_skus]})
    return ""


def write_plan(plan: Plan, files: dict[str, list[Path]], path: Path, ctx=None) -> None:
    """The plan (dry run) or its outcome as CSV: each request exactly as sent, files' bytes left out
    (their size and sha256 instead). `ctx` (report.ReportContext): the messages' language and the
    CSV separator; None: English and ","."""
    from ..report.context import context_of

    ctx = context_of(ctx)
    rows = []
    for s in plan.steps:
        size, digest = _file_facts(files, s.doc) if s.action == "create" else (0, "")
        method = {"create": CREATE, "bind": BIND}.get(s.action, "")
        rows.append([s.action, s.result, s.number, "; ".join(s.skus), "; ".join(str(x) for x in s.ozon_skus),
                     s.certificate_id or "", method, s.doc.file if s.action == "create" else "", size or "", digest,
                     _request(s), i18n.render(s.message, ctx.tr)])
    write_atomic(path, csv_text(UPLOAD_COLUMNS, rows, ctx.csv_delimiter, ctx.tr), encoding="utf-8-sig")


def apply_plan(plan: Plan, client: OzonClient, files: dict[str, list[Path]]) -> None:
    """Send the plan, each paper's bytes read from the real file behind it (`files`:
    reading.discover.files_by_shown_path of the scanned folder); each step gets its result. An OzonError of kind "auth" stops everything (every
    call would fail alike); any other failure is that certificate's and the next one goes on."""
    for step in plan.steps:
        if step.action == "skip":
            step.result = "skipped"
            continue
        if step.action == "fail":
            step.result = "failed"
            continue
        try:
            if step.action == "create":
                real = _real(files, step.doc)
                content = real.read_bytes()
                params = create_params(step.doc, step.ozon_skus, real.name, content)
                answer = client.post(CREATE, {"params": params})
                if answer.get("certificate_id") and str(answer.get("status", "COMPLETED")).upper() == "COMPLETED":
                    step.certificate_id = int(answer["certificate_id"])
                    step.result = "created"
                else:
                    bad = [p for p in answer.get("params") or [] if p.get("state") != "VALID"]
                    step.result = "refused"
                    step.message = "; ".join(f"{p.get('name')}: {p.get('error') or '-'}" for p in bad) or str(answer.get("status") or "-")
            else:
                client.post(BIND, {"certificate_id": step.certificate_id, "skus": [str(s) for s in step.ozon_skus]})
                step.result = "bound"
        except OzonError as exc:
            if exc.kind == "auth":
                raise
            step.result = "refused" if exc.kind == "refused" else "failed"
            step.message = exc.ozon_message or str(exc)
        except OSError as exc:
            step.result = "failed"
            step.message = i18n.said("ozon.upload.cannot_read", file=step.doc.file, problem=exc.strerror or str(exc))


def summary(plan: Plan) -> dict[str, list[Step]]:
    """The plan's steps by result: "created", "bound", "skipped", "refused" and "failed", each key there
    ([] when none); steps without a result (a dry run) are left out."""
    out: dict[str, list[Step]] = {k: [] for k in ("created", "bound", "skipped", "refused", "failed")}
    for s in plan.steps:
        if s.result in out:
            out[s.result].append(s)
    return out


__all__ = ["create_params", "passing_documents", "make_plan", "apply_plan", "write_plan", "summary", "Plan", "Step"]
