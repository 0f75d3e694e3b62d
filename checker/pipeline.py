"""The scan, stage by stage: discover -> sniff/extract (workers) -> analyse -> judge files ->
map to SKUs and KYC -> judge SKUs. Returns one ScanResult; writers turn it into reports."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .cache import FactCache
from .discover import FoundFile, discover
from .executor import Limits, Outcome, Task, run_isolated
from .privacy import redact
from .progress import Progress
from .judge import analyse, analyse_text, analysis_key, judge_file
from .kyc import evaluate_kyc_files
from .mapping import KYC_FOLDER, SkuMapper
from .models import ExtractSettings, FileAnalysis, FileFacts, FileKind, FileResult, Group, KycResult, ScanResult, ScanStats, SkuResult
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
    engine: str | None = None         # OCR engine id for the cache key; None: ask tesseract
    jobs: int = 1
    file_timeout: float = 300.0
    memory_mb: int = 2048
    lang: str = "en"
    cache_dir: Path | None = None     # None: no cache
    progress: bool = False            # a progress bar on stderr
    warnings: list[str] = field(default_factory=list)


def _engine_id(options: ScanOptions) -> str:
    if not options.ocr:
        return ""
    if options.engine is not None:
        return options.engine
    from .external.tesseract import tesseract_status

    return tesseract_status().engine_id


def settings_for(group: Group, options: ScanOptions, engine: str = "") -> ExtractSettings:
    limits = options.rules.limits
    return ExtractSettings(ocr=options.ocr, profile="kyc" if group is Group.KYC else "product", dpi=limits.ocr_dpi,
                           page_timeout=limits.ocr_page_timeout, pages_first=limits.pages_first,
                           pages_sample=limits.pages_sample, max_frames=limits.max_image_frames, engine=engine)


def _failed_facts(outcome: Outcome, found: FoundFile, settings: ExtractSettings) -> FileFacts:
    return FileFacts(sha256="", size=found.size, mime="", kind=FileKind.UNREADABLE, problem=outcome.error,
                     extractor=settings.key())


def scan(options: ScanOptions) -> ScanResult:
    started = time.monotonic()
    rules = options.rules
    found, skipped = discover(options.root, rules.debris_files, rules.debris_dirs)
    for entry in skipped:
        if any(part.casefold() == KYC_FOLDER for part in entry.path.split("/")[:-1]):
            entry.path = redact(entry.path)
    mapper = SkuMapper([r.sku for r in options.skus.rows] if options.skus else None)
    placed = [(f, *mapper.assign(f.parts)) for f in found]

    engine = _engine_id(options)
    cache = FactCache(options.cache_dir) if options.cache_dir else None
    per_group = {group: settings_for(group, options, engine) for group in Group}
    settings = [per_group[group] for _, group, _ in placed]
    facts_by_index: dict[int, FileFacts] = {}
    hits = 0
    tasks: list[Task] = []
    for i, (f, _, _) in enumerate(placed):
        if cache is not None:
            # Unchanged since last time (same path, size and mtime): not even re-hashed.
            cached = cache.lookup(f.abspath, f.size, f.mtime_ns, settings[i].key())
            if cached is not None:
                facts_by_index[i] = cached
                hits += 1
                continue
        tasks.append(Task(i, f.abspath, f.size, f.mtime_ns, settings[i], str(cache.directory) if cache else None))

    with Progress(len(placed), hits, enabled=options.progress) as progress:
        def done(outcome: Outcome) -> None:
            progress.update(outcome.facts)
            if cache is not None and outcome.facts is not None:
                # Stored as each file finishes: an interrupted scan keeps what it has read.
                f = placed[outcome.key][0]
                cache.put(f.abspath, f.size, f.mtime_ns, outcome.facts)

        outcomes = run_isolated(tasks, Limits(jobs=options.jobs, timeout_s=options.file_timeout,
                                              memory_mb=options.memory_mb), on_done=done)
    for task in tasks:
        outcome = outcomes[task.key]
        facts_by_index[task.key] = outcome.facts or _failed_facts(outcome, placed[task.key][0], task.settings)
        hits += outcome.cache_hit

    analyser = analysis_key(rules)
    fresh: list[tuple[FileFacts, FileAnalysis]] = []
    files: list[FileResult] = []
    for i, (f, group, sku) in enumerate(placed):
        path, name = f.relpath, f.name
        if group is Group.KYC:
            # KYC scans are often named after the passport or ID they hold: reports show such names masked.
            path, name = redact(path), redact(name)
        facts = facts_by_index[i]
        text_analysis = cache.get_analysis(facts, analyser) if cache is not None else None
        if text_analysis is None:
            text_analysis = analyse_text(facts, rules)
            fresh.append((facts, text_analysis))
        result = FileResult(path=path, name=name, group=group, sku=sku, facts=facts)
        result.analysis = analyse(result, rules, text_analysis)
        result.findings = judge_file(result, rules, options.today, options.lang)
        result.counted = result.group is Group.SKU and not result.blocked
        files.append(result)
    if cache is not None:
        cache.put_analyses(fresh, analyser)
        options.warnings.extend(cache.warnings)
        cache.close()

    kyc_files = [f for f in files if f.group is Group.KYC]
    kyc_folders = sorted({f.path.rsplit("/", 1)[0] for f in kyc_files})
    if kyc_files:
        kyc = KycResult(True, options.seller_type, kyc_folders,
                        evaluate_kyc_files(kyc_files, options.seller_type, options.today, rules))
    else:
        kyc = KycResult(False, options.seller_type)

    warnings = list(options.warnings)
    roots = kyc_roots(kyc_files)
    if len(roots) > 1:      # several batches merged into one folder by mistake, most likely
        from . import i18n

        warnings.append(i18n.t("warn.several_kyc", options.lang, count=len(roots), folders=", ".join(roots)))
    skus = _build_skus(options, files, rules)
    for sku in skus:
        judge_sku(sku, rules, kyc, options.today, options.lang)

    ocr_pages = sum(len(facts_by_index[t.key].ocr_pages) for t in tasks if not outcomes[t.key].cache_hit)
    stats = ScanStats(files=len(files), pages_ocr=ocr_pages, cache_hits=hits, seconds=round(time.monotonic() - started, 2))
    return ScanResult(str(options.root), options.today, options.seller_type, skus, files, kyc, skipped, stats,
                      warnings)


def kyc_roots(kyc_files: list[FileResult]) -> list[str]:
    """The distinct KYC folders (each path up to its first folder named KYC) the files sit in, sorted."""
    from .mapping import KYC_FOLDER

    roots = set()
    for f in kyc_files:
        parts = f.path.split("/")[:-1]
        cut = next((i for i, p in enumerate(parts) if p.casefold() == KYC_FOLDER), len(parts) - 1)
        roots.add("/".join(parts[:cut + 1]))
    return sorted(roots)


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
