"""The machine-readable report (--json): the whole ScanResult as one JSON document.

Stable for programs: every object's fields are listed in schema/doccheck-report.schema.json
(JSON Schema 2020-12, objects closed), and `format_version` says which layout this is. A new
optional field raises the minor version; renaming, removing or retyping a field raises the major
one. Dates are ISO 8601 (YYYY-MM-DD), reason codes and statuses are their strings.

Left out on purpose: the text read from each page, since it may hold personal numbers in full
(the masked ids the analysis found are included instead).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import Any

from .. import __version__
from ..codes import ChatStatus
from ..models import FileResult, Finding, Group, ScanResult, SkuResult
from ..names import display_name, safe_text
from ..judging.paper_checks import register_note
from ..judging.sku import sku_details
from ..judging.views import kyc_state, sku_certificates, sku_manuals, sku_valid_until
from ..phrases import finding_text, say
from .context import ReportContext, context_of
from .output import write_atomic

FORMAT_VERSION = "1.1"   # 1.1: register (summary and per file), new reason codes, document types, number evidence,
                         # sku name/brand/category_*/notes, file copy, kyc not_read (all optional additions)
SCHEMA_NAME = "doccheck-report.schema.json"


def clean(text: object) -> str:
    """A string every report may hold (see names.safe_text): undecodable file-name bytes become
    \\xNN, control and invisible format characters (bidi overrides) visible escapes."""
    return safe_text(text)


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _finding(f: Finding, ctx: ReportContext) -> dict[str, Any]:
    return {"code": f.code.code, "blocking": f.code.blocking, "scope": f.code.scope.value,
            "detail": clean(finding_text(f, ctx.tr, ctx.rules))}


def _group_label(f: FileResult) -> str:
    return f.sku if f.group is Group.SKU and f.sku else ("KYC" if f.group is Group.KYC else "unmapped")


def file_dict(f: FileResult, ctx: ReportContext) -> dict[str, Any]:
    """One file as the schema's file object; the register lines in ctx's language."""
    facts, analysis = f.facts, f.analysis
    confidences = [p.ocr_confidence for p in facts.ocr_pages if p.ocr_confidence is not None]
    return {
        "path": clean(f.path),
        "name": clean(display_name(f.name)),
        "group": f.group.value,
        "sku": clean(f.sku) if f.group is Group.SKU and f.sku else None,
        "assigned_to": clean(_group_label(f)),   # the SKU, "KYC" or "unmapped", as the files CSV says
        "role": analysis.role,
        "counted": f.counted,
        "codes": [c.code for c in f.codes],
        "findings": [_finding(x, ctx) for x in f.findings],
        "copy": ({"tool": f.copy_tool, "original_name": clean(f.copy_name), "of": clean(f.copy_of) if f.copy_of else None}
                 if f.copy_tool else None),
        "facts": {
            "sha256": facts.sha256,
            "size": facts.size,
            "mime": facts.mime,
            "kind": facts.kind.value,
            "page_count": facts.page_count,
            "pages_read": facts.pages_read,
            "text_pages": sum(1 for p in facts.pages if p.source == "text"),
            "ocr_pages": len(facts.ocr_pages),
            "ocr_confidence": round(sum(confidences) / len(confidences), 1) if confidences else None,
            "problem": clean(facts.problem),
            "notes": [clean(n) for n in facts.notes],
            "extractor": facts.extractor,
            # Page text is left out on purpose (it may hold personal numbers in full); its length is kept.
            "pages": [{"number": p.number, "source": p.source, "chars": len(p.text),
                       "ocr_confidence": p.ocr_confidence, "rotation": p.rotation, "ocr_langs": p.ocr_langs,
                       "dpi": p.dpi, "note": clean(p.note)} for p in facts.pages],
        },
        "analysis": {
            "language": analysis.language,
            "russian_share": round(analysis.russian_share, 4),
            "title": analysis.title,
            "document_type": analysis.document_type,
            "paper": analysis.paper,
            "type_evidence": clean(analysis.type_evidence),
            "numbers": [{"official": clean(n.official), "scheme": n.scheme, "doc_type": n.doc_type,
                         "well_formed": n.well_formed, "problem": clean(n.problem) if n.problem else None,
                         "status": n.status, "source": n.source, "confidence": n.confidence,
                         "repairs": [clean(r) for r in n.repairs]}
                        for n in analysis.numbers],
            "valid_from": _date(analysis.valid_from),
            "valid_until": _date(analysis.valid_until),
            "registered": _date(analysis.registered),
            "regulations": list(analysis.regulations),
            "markers": list(analysis.markers),
            "masked_ids": [clean(m) for m in analysis.masked_ids],
        },
        # --register only (else empty): what the EAEU register said about each of the file's numbers
        "register": [{**c.to_dict(), "number": clean(c.number), "text": clean(register_note(f, c, ctx.tr))} for c in f.register],
    }


def sku_dict(s: SkuResult, ctx: ReportContext) -> dict[str, Any]:
    """One SKU as the schema's sku object; its details in ctx's language."""
    return {
        "sku": clean(s.sku),
        "category_input": clean(s.category_input),
        "category": s.category,
        "chat_status": s.status.value,
        "codes": [c.code for c in s.codes],
        "reasons": [_finding(f, ctx) for f in s.findings],
        "certificates": [clean(c) for c in sku_certificates(s)],
        "valid_until": _date(sku_valid_until(s)),
        "manuals": [clean(m.path) for m in sku_manuals(s)],
        "files": [clean(f.path) for f in s.files],
        "details": clean(sku_details(s, ctx.tr, ctx.rules)),
        "row": {clean(k): clean(v) for k, v in s.row.items()},
        "name": clean(s.name),
        "brand": clean(s.brand),
        "category_source": s.category_source,
        "category_match": s.category_match,
        "category_score": s.category_score,
        "category_suggestions": list(s.category_suggestions),
        "notes": [clean(say(n, ctx.tr, ctx.rules)) for n in s.notes],
    }


_STREAMED = {"skus": "\ue000doccheck:skus\ue000", "files": "\ue000doccheck:files\ue000"}   # placeholders json_chunks fills


def report_dict(result: ScanResult, generated_at: datetime | None = None, streamed: bool = False,
                ctx: ReportContext | None = None) -> dict[str, Any]:
    """The report as one dict (words in ctx's language; without a context, English). With
    `streamed`, "skus" and "files" are placeholders that json_chunks() replaces by the items, made
    one at a time."""
    ctx = context_of(ctx, result)
    counts = {s.value: sum(1 for k in result.skus if k.status is s) for s in ChatStatus}
    when = (generated_at or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    kyc = result.kyc
    return {
        "format_version": FORMAT_VERSION,
        "generator": {"name": "doccheck", "version": __version__},
        "generated_at": when.isoformat().replace("+00:00", "Z"),
        "root": clean(result.root),
        "today": result.today.isoformat(),
        "seller_type": result.seller_type,
        "summary": {
            "skus": len(result.skus),
            "ok": counts["ok"],
            "at_risk": counts["at_risk"],
            "disabled": counts["disabled"],
            "files": len(result.files),
            "skipped": len(result.skipped),
            "kyc": kyc_state(result.kyc),
            # null without --register; numbers are distinct numbers, checked = found + not_found
            "register": None if result.register is None else {
                "numbers": result.register.numbers, "checked": result.register.checked, "found": result.register.found,
                "not_found": result.register.not_found, "not_checked": result.register.not_checked},
        },
        "skus": _STREAMED["skus"] if streamed else [sku_dict(s, ctx) for s in result.skus],
        "files": _STREAMED["files"] if streamed else [file_dict(f, ctx) for f in result.files],
        "kyc": {
            "judged": kyc.judged,
            "complete": kyc.complete,
            "profile": kyc.profile,
            "folders": [clean(x) for x in kyc.folders],
            "requirements": [{"key": r.key, "title": clean(r.title), "met": r.met,
                              "evidence": [clean(e) for e in r.evidence], "note": clean(r.note)}
                             for r in kyc.requirements],
            "not_read": [clean(p) for p in kyc.not_read],
        },
        "skipped": [{"path": clean(s.path), "reason": clean(s.reason)} for s in result.skipped],
        "stats": {"files": result.stats.files, "pages_ocr": result.stats.pages_ocr,
                  "cache_hits": result.stats.cache_hits, "seconds": result.stats.seconds},
        "warnings": [clean(say(w, ctx.tr, ctx.rules)) for w in result.warnings],
    }


def json_chunks(result: ScanResult, ctx: ReportContext | None = None) -> Iterator[str]:
    """The JSON report (the same document as json.dumps(report_dict(result), indent=2)) in pieces:
    the SKUs and files are made and written one at a time, so memory holds one of them, not the report."""
    ctx = context_of(ctx, result)
    text = json.dumps(report_dict(result, streamed=True, ctx=ctx), ensure_ascii=False, indent=2) + "\n"
    items = {"skus": (sku_dict(s, ctx) for s in result.skus), "files": (file_dict(f, ctx) for f in result.files)}
    for key, marker in _STREAMED.items():
        head, text = text.split(json.dumps(marker, ensure_ascii=False), 1)
        yield head
        yield from _array(items[key], "  ")
    yield text


def _array(items: Iterable[dict[str, Any]], indent: str) -> Iterator[str]:
    inner = indent + "  "
    first = True
    for item in items:
        body = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n" + inner)
        yield ("[\n" if first else ",\n") + inner + body
        first = False
    yield "[]" if first else "\n" + indent + "]"


def json_text(result: ScanResult, ctx: ReportContext | None = None) -> str:
    """The whole JSON report as one string."""
    return "".join(json_chunks(result, ctx))


def write_json(result: ScanResult, path: Path, ctx: ReportContext | None = None, lang: str | None = None) -> None:
    """The JSON report (--json), streamed to `path` ("-": standard output)."""
    write_atomic(path, json_chunks(result, context_of(ctx, result, lang)), encoding="utf-8")
