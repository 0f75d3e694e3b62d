"""The scan, stage by stage: discover -> sniff/extract (workers) -> analyse -> judge files ->
map to SKUs and KYC -> judge SKUs. Returns one ScanResult; writers turn it into reports."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .discover import FoundFile, discover
from .executor import Limits, Outcome, Task, run_isolated
from .extract import ExtractSettings
from .judge import analyse, judge_file
from .kyc import evaluate_kyc_files
from .mapping import SkuMapper
from .models import FileFacts, FileKind, FileResult, Group, KycResult, ScanResult, ScanStats, SkuResult
from .rules import Rules
from .skus import SkuList
from .verdict import judge_sku


@dataclass
class ScanOptions:
    root: Path
    rules: Rules
    today: date
    skus: SkuList | None = None
    seller_type: str = "company"
    ocr: bool = True
    jobs: int = 1
    file_timeout: float = 300.0
    memory_mb: int = 2048
    lang: str = "en"
    on_file_done: Callable[[FileResult], None] | None = None
    warnings: list[str] = field(default_factory=list)


def settings_for(group: Group, options: ScanOptions) -> ExtractSettings:
    limits = options.rules.limits
    return ExtractSettings(ocr=options.ocr, profile="kyc" if group is Group.KYC else "product", dpi=limits.ocr_dpi,
                           page_timeout=limits.ocr_page_timeout, pages_first=limits.pages_first,
                           pages_sample=limits.pages_sample, max_frames=limits.max_image_frames)


def _failed_facts(outcome: Outcome, found: FoundFile, settings: ExtractSettings) -> FileFacts:
    return FileFacts(sha256="", size=found.size, mime="", kind=FileKind.UNREADABLE, problem=outcome.error,
                     extractor=settings.key())


def scan(options: ScanOptions) -> ScanResult:
    started = time.monotonic()
    rules = options.rules
    found, skipped = discover(options.root, rules.debris_files, rules.debris_dirs)
    mapper = SkuMapper([r.sku for r in options.skus.rows] if options.skus else None)
    placed = [(f, *mapper.assign(f.parts)) for f in found]

    tasks = [Task(i, f.abspath, f.size, f.mtime_ns, settings_for(group, options)) for i, (f, group, _) in enumerate(placed)]
    outcomes = run_isolated(tasks, Limits(jobs=options.jobs, timeout_s=options.file_timeout, memory_mb=options.memory_mb))

    files: list[FileResult] = []
    for task, (f, group, sku) in zip(tasks, placed):
        outcome = outcomes[task.key]
        facts = outcome.facts or _failed_facts(outcome, f, task.settings)
        result = FileResult(path=f.relpath, name=f.name, group=group, sku=sku, facts=facts)
        result.analysis = analyse(result, rules)
        result.findings = judge_file(result, rules, options.today, options.lang)
        result.counted = result.group is Group.SKU and not result.blocked
        files.append(result)
        if options.on_file_done:
            options.on_file_done(result)

    kyc_files = [f for f in files if f.group is Group.KYC]
    kyc_folders = sorted({f.path.rsplit("/", 1)[0] for f in kyc_files})
    if kyc_files:
        kyc = KycResult(True, options.seller_type, kyc_folders,
                        evaluate_kyc_files(kyc_files, options.seller_type, options.today, rules))
    else:
        kyc = KycResult(False, options.seller_type)

    skus = _build_skus(options, files, rules)
    for sku in skus:
        judge_sku(sku, rules, kyc, options.today, options.lang)

    stats = ScanStats(files=len(files), pages_ocr=sum(len(f.facts.ocr_pages) for f in files),
                      seconds=round(time.monotonic() - started, 2))
    return ScanResult(str(options.root), options.today, options.seller_type, skus, files, kyc, skipped, stats,
                      list(options.warnings))


def _build_skus(options: ScanOptions, files: list[FileResult], rules: Rules) -> list[SkuResult]:
    skus: dict[str, SkuResult] = {}
    if options.skus:
        for row in options.skus.rows:
            category = rules.category_for(row.category) if row.category else None
            skus[row.sku] = SkuResult(row.sku, row.category, category.key if category else None, row.row)
    for f in files:
        if f.group is Group.SKU and f.sku is not None:
            if f.sku not in skus:
                skus[f.sku] = SkuResult(f.sku)
            skus[f.sku].files.append(f)
    return list(skus.values())
