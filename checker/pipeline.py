"""The scan, stage by stage: discover -> sniff/extract (workers) -> analyse -> judge files ->
map to SKUs and KYC -> judge SKUs. Returns one ScanResult; writers turn it into reports."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import codes
from .cache import FactCache, storable
from .discover import FoundFile, discover
from .executor import Limits, Outcome, Task, remove_stale_tempdirs, run_isolated
from .privacy import shown_path
from .progress import Progress
from .judge import analyse, analyse_text, analysis_key, judge_file, render_detail
from .kyc import evaluate_kyc_files
from .mapping import SkuMapper
from .models import ExtractSettings, FileAnalysis, FileFacts, FileKind, FileResult, Finding, Group, KycResult, ScanResult, ScanStats, SkuResult
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
    arriving: frozenset[str] = frozenset()   # watch: absolute paths still being written or synced (not read)
    # watch: facts the cache may not keep (KYC papers, see cache.storable), kept in this process's
    # memory from one re-check to the next, keyed like the cache's `seen` table. None: not kept.
    memory: dict[tuple[str, int, int, str], FileFacts] | None = None
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
    remove_stale_tempdirs()   # page images a run killed at once (kill -9) left behind
    found, skipped = discover(options.root, rules.debris_files, rules.debris_dirs)
    mapper = SkuMapper([r.sku for r in options.skus.rows] if options.skus else None)
    placed = [(f, *mapper.assign(f.parts)) for f in found]

    engine = _engine_id(options)
    cache = FactCache(options.cache_dir) if options.cache_dir else None
    per_group = {group: settings_for(group, options, engine) for group in Group}
    settings = [per_group[group] for _, group, _ in placed]
    facts_by_index: dict[int, FileFacts] = {}
    hits = 0
    tasks: list[Task] = []
    root = os.path.realpath(options.root)
    arriving = {i for i, (f, _, _) in enumerate(placed) if os.path.join(root, *f.parts) in options.arriving}
    for i, (f, _, _) in enumerate(placed):
        if i in arriving:
            facts_by_index[i] = FileFacts(sha256="", size=f.size, mime="", kind=FileKind.UNREADABLE,
                                          problem="", extractor=settings[i].key())
            continue
        remembered = options.memory.get((f.abspath, f.size, f.mtime_ns, settings[i].key())) if options.memory is not None else None
        if remembered is not None:
            facts_by_index[i] = remembered
            hits += 1
            continue
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
            f = placed[outcome.key][0]
            if cache is not None and outcome.facts is not None:
                # Stored as each file finishes: an interrupted scan keeps what it has read.
                cache.put(f.abspath, f.size, f.mtime_ns, outcome.facts)
            if options.memory is not None and outcome.facts is not None and outcome.facts.sha256 and not storable(outcome.facts):
                options.memory[(f.abspath, f.size, f.mtime_ns, outcome.facts.extractor)] = outcome.facts

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
        # Scans are often named after the passport or account they hold: every output shows such names
        # masked, wherever the file lies, and the rename suggestion is made from the masked name.
        path, name = shown_path(f.parts), shown_path(f.parts[-1:])
        facts = facts_by_index[i]
        text_analysis = cache.get_analysis(facts, analyser) if cache is not None else None
        if text_analysis is None:
            text_analysis = analyse_text(facts, rules)
            fresh.append((facts, text_analysis))
        result = FileResult(path=path, name=name, group=group, sku=sku, facts=facts)
        result.analysis = analyse(result, rules, text_analysis)
        if i in arriving:   # reported as the terminal says it, not judged: it is not read yet
            result.findings = [Finding(codes.FILE_STILL_ARRIVING,
                                       render_detail(rules, codes.FILE_STILL_ARRIVING, options.lang, file=path))]
            files.append(result)
            continue
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

    skus = _build_skus(options, files, rules)
    for sku in skus:
        judge_sku(sku, rules, kyc, options.today, options.lang)

    ocr_pages = sum(len(facts_by_index[t.key].ocr_pages) for t in tasks if not outcomes[t.key].cache_hit)
    stats = ScanStats(files=len(files), pages_ocr=ocr_pages, cache_hits=hits, seconds=round(time.monotonic() - started, 2))
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
