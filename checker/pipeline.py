"""The scan, stage by stage: discover -> sniff/extract (workers) -> analyse -> judge files ->
map to SKUs and KYC -> judge SKUs. Returns one ScanResult; writers turn it into reports."""

from __future__ import annotations

import dataclasses

import hashlib
import os
import time
from typing import TYPE_CHECKING
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import codes
from .cache import FactCache, KycEntry, storable
from .reading.discover import FoundFile, discover
from .process import collector
from .process.executor import Limits, Outcome, Task, remove_stale_tempdirs, run_isolated
from .privacy import shown_path
from .process.progress import Progress
from .judging.file import analyse, analyse_text, analysis_key, judge_file
from .kyc import evaluate_kyc_files, file_evidence
from .judging.copies import find_copies
from .mapping.assign import SkuMapper
from .models import (ExtractSettings, FileAnalysis, FileFacts, FileKind, FileResult, Finding, Group, KycResult,
                     RegisterSummary, ScanResult, ScanStats, SkuResult)
from .rules import Rules
from .mapping.skus import SkuList, SkuRow
from .judging.sku import judge_sku

if TYPE_CHECKING:   # the register's client (httpx) is imported only when --register is given
    from .kyc import KycEvidence
    from .register.lookup import RegisterSettings


@dataclass
class ScanOptions:
    """What one scan is asked to do (built by app.setup.build_scan_options). root: the folder to scan;
    rules: the rules in use; today: the date papers are judged against; skus: the SKU list (None: each
    folder holding files is a SKU); seller_type: the kyc.yaml profile; ocr: False for --no-ocr (scans
    are not read); jobs: worker processes; file_timeout: seconds one file may take; memory_mb: memory
    cap per worker, MB; lang: the progress bar's language; the rest as commented. `warnings` are
    carried into ScanResult.warnings."""
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
    cluster: object | None = None     # a connected distributed.Client (--scheduler): files are read there
    shared_fs: bool = False           # cluster workers see the files at the same paths: send paths, not bytes
    register: "RegisterSettings | None" = None   # --register eaeu; None: no network request at all
    arriving: frozenset[str] = frozenset()   # watch: absolute paths still being written or synced (not read)
    # watch: facts the cache may not keep (KYC papers, see cache.storable), kept in this process's
    # memory from one re-check to the next, keyed like the cache's `seen` table. None: not kept.
    memory: dict[tuple[str, int, int, str], FileFacts] | None = None
    warnings: list[str] = field(default_factory=list)


def _engine_id(options: ScanOptions) -> str:
    if options.ocr and options.engine is not None:
        return options.engine
    from .reading.engines import engine_id

    return engine_id(options.ocr)


def settings_for(group: Group, options: ScanOptions, engine: str = "") -> ExtractSettings:
    """The reading settings of a file in `group`: the rules' limits (dpi, page time-out, pages read,
    frames, text layer); profile "kyc" for KYC papers, read whole, "product" for the others, read as
    far as the rules' ReadingNeeds require. `engine`: the OCR engine's id, part of the cache key."""
    limits = options.rules.limits
    return ExtractSettings(ocr=options.ocr, profile="kyc" if group is Group.KYC else "product", dpi=limits.ocr_dpi,
                           page_timeout=limits.ocr_page_timeout, pages_first=limits.pages_first,
                           pages_sample=limits.pages_sample, max_frames=limits.max_image_frames, engine=engine,
                           text_layer=limits.text_layer,
                           # how far a product paper is read (KYC papers are read whole: reading/enough.py)
                           needs=None if group is Group.KYC else options.rules.reading_needs)


def _failed_facts(outcome: Outcome, found: FoundFile, settings: ExtractSettings) -> FileFacts:
    return FileFacts(sha256="", size=found.size, mime="", kind=FileKind.UNREADABLE, problem=outcome.error,
                     extractor=settings.key())


def scan(options: ScanOptions) -> ScanResult:
    """Scans options.root stage by stage (see the module docstring) and returns its ScanResult. Files
    are read in worker processes (or on options.cluster), or taken from the cache when it has them;
    the cache is closed before returning. A file that cannot be read is a finding, never an
    exception; RuleError when numbers.yaml's deferred patterns do not compile (only when a file is
    to be read). Python's cyclic garbage collector is paused meanwhile (process/collector.py)."""
    with collector.paused():
        return _scan(options)


def _scan(options: ScanOptions) -> ScanResult:
    started = time.monotonic()
    rules = options.rules
    remove_stale_tempdirs()   # page images a run killed at once (kill -9) left behind
    found, skipped = discover(options.root, rules.debris_files, rules.debris_dirs)
    mapper = SkuMapper([r.sku for r in options.skus.rows] if options.skus else None)
    placed = [(f, *mapper.assign(f.parts)) for f in found]
    # Copies by sync tools and people: among a SKU's files only (KYC names are personal, and masked).
    sku_indexes = [i for i, (_, group, _) in enumerate(placed) if group is Group.SKU]
    copies = {sku_indexes[k]: copy for k, copy in find_copies((placed[i][0].parts for i in sku_indexes), rules.copies).items()}

    engine = _engine_id(options)
    cache = FactCache(options.cache_dir) if options.cache_dir else None
    per_group = {group: settings_for(group, options, engine) for group in Group}
    settings = [per_group[group] for _, group, _ in placed]
    facts_by_index: dict[int, FileFacts] = {}
    analyser = analysis_key(rules)
    # KYC papers judged from what the cache keeps of them (their evidence, never their text).
    kyc_cached: dict[int, KycEntry] = {}
    hits = 0
    tasks: list[Task] = []
    root = os.path.realpath(options.root)
    arriving = {i for i, (f, _, _) in enumerate(placed) if os.path.join(root, *f.parts) in options.arriving}
    unchecked: list[int] = []   # product papers the cache may hold by path, size and mtime: asked in one query
    for i, (f, group, _) in enumerate(placed):
        if i in arriving:
            facts_by_index[i] = FileFacts(sha256="", size=f.size, mime="", kind=FileKind.UNREADABLE,
                                          problem="", extractor=settings[i].key())
            continue
        remembered = options.memory.get((f.abspath, f.size, f.mtime_ns, settings[i].key())) if options.memory is not None else None
        if remembered is not None:
            facts_by_index[i] = remembered
            hits += 1
            continue
        if cache is not None and group is Group.KYC:
            entry = _cached_kyc(cache, f, settings[i].key(), analyser)
            if entry is not None:
                facts_by_index[i], kyc_cached[i] = entry.facts, entry
                hits += 1
                continue
        elif cache is not None:
            unchecked.append(i)
            continue
        tasks.append(Task(i, f.abspath, f.size, f.mtime_ns, settings[i], str(cache.directory) if cache else None))
    if unchecked:
        # Unchanged since last time (same path, size and mtime): not even re-hashed.
        found = cache.lookup_many([(placed[i][0].abspath, placed[i][0].size, placed[i][0].mtime_ns, settings[i].key())
                                   for i in unchecked])
        for k, i in enumerate(unchecked):
            f = placed[i][0]
            if k in found:
                facts_by_index[i] = found[k]
                hits += 1
            else:
                tasks.append(Task(i, f.abspath, f.size, f.mtime_ns, settings[i], str(cache.directory)))

    # Largest files first: scans and photos (the slow ones) start while small text PDFs wait to fill
    # the gaps at the end, so no worker sits idle behind one long file (the order changes no result).
    tasks.sort(key=lambda task: task.size, reverse=True)
    if tasks:
        # Files to read: numbers.yaml's patterns (compiled on first use when the cache knows the rule
        # files, app.setup.load_rules) are compiled here, so a failure stops the scan as a rules
        # error rather than as every file's reader crashing.
        rules.numbers.check()
    with Progress(len(placed), hits, enabled=options.progress, lang=options.lang) as progress:
        def done(outcome: Outcome) -> None:
            progress.update(outcome.facts)
            f = placed[outcome.key][0]
            if cache is not None and outcome.facts is not None:
                # Stored as each file finishes: an interrupted scan keeps what it has read.
                cache.put(f.abspath, f.size, f.mtime_ns, outcome.facts)
            if options.memory is not None and outcome.facts is not None and outcome.facts.sha256 and not storable(outcome.facts):
                options.memory[(f.abspath, f.size, f.mtime_ns, outcome.facts.extractor)] = outcome.facts

        limits = Limits(jobs=options.jobs, timeout_s=options.file_timeout, memory_mb=options.memory_mb)
        if options.cluster is not None and tasks:
            from .process.cluster import run_on_cluster

            outcomes = run_on_cluster(tasks, limits, options.cluster, shared_fs=options.shared_fs,
                                      cached=cache.get if cache is not None else None, on_done=done)
        else:
            outcomes = run_isolated(tasks, limits, on_done=done)
    for task in tasks:
        outcome = outcomes[task.key]
        facts_by_index[task.key] = outcome.facts or _failed_facts(outcome, placed[task.key][0], task.settings)
        hits += outcome.cache_hit

    fresh: list[tuple[FileFacts, FileAnalysis]] = []
    text_analyses: dict[int, FileAnalysis] = {}
    files: list[FileResult] = []
    asked = [i for i in range(len(placed)) if i not in kyc_cached]
    stored = {asked[k]: a for k, a in cache.get_analyses([facts_by_index[i] for i in asked], analyser).items()} \
        if cache is not None else {}
    for i, (f, group, sku) in enumerate(placed):
        # Scans are often named after the passport or account they hold: every output shows such names
        # masked, wherever the file lies, and the rename suggestion is made from the masked name.
        path, name = shown_path(f.parts), shown_path(f.parts[-1:])
        facts = facts_by_index[i]
        text_analysis = kyc_cached[i].analysis if i in kyc_cached else stored.get(i)
        if text_analysis is None:
            text_analysis = analyse_text(facts, rules)
            fresh.append((facts, text_analysis))
        text_analyses[i] = text_analysis
        result = FileResult(path=path, name=name, group=group, sku=sku, facts=facts)
        copy = copies.get(i)
        if copy is not None:
            original = sku_indexes[copy.original] if copy.original is not None else None
            result.copy_tool, result.copy_name = copy.tool, copy.original_name
            result.copy_of = placed[original][0].relpath if original is not None else None
        result.analysis = analyse(result, rules, text_analysis)
        if i in arriving:   # reported as the terminal says it, not judged: it is not read yet
            result.findings = [Finding.of(codes.FILE_STILL_ARRIVING, file=path)]
            files.append(result)
            continue
        # A copy beside its original is set aside: listed, not judged, not counted.
        result.findings = [] if result.copy_of else judge_file(result, rules, options.today)
        result.counted = result.group is Group.SKU and not result.blocked and not result.copy_of
        files.append(result)
    kyc_evidence = _kyc_evidence(placed, files, text_analyses, kyc_cached, cache, rules, analyser)
    register = None
    if options.register is not None:
        register = _ask_register(options, files, cache)
    cache_warnings: list[str] = []     # collected, not appended to the caller's options
    if cache is not None:
        cache.put_analyses(fresh, analyser)
        if rules.numbers.compiled:   # these rule files loaded whole: the next scan may defer compiling them
            cache.remember_rules(analyser)
        cache_warnings = list(cache.warnings)
        cache.close()

    kyc_files = [f for f in files if f.group is Group.KYC]
    kyc_folders = sorted({f.path.rsplit("/", 1)[0] for f in kyc_files})
    if kyc_files:
        requirements = evaluate_kyc_files(kyc_files, options.seller_type, options.today, rules, kyc_evidence)
        kyc = KycResult(True, options.seller_type, kyc_folders, requirements)
        not_read = [f.path for f in kyc_files if f.facts.unread_pages and not f.facts.problem]
        if not options.ocr and not_read and not kyc.complete:
            # --no-ocr: scans left unread prove nothing either way; KYC is not judged, not incomplete.
            kyc = KycResult(False, options.seller_type, kyc_folders, requirements, not_read)
    else:
        kyc = KycResult(False, options.seller_type)

    warnings = list(options.warnings) + cache_warnings
    roots = kyc_roots(kyc_files)
    if len(roots) > 1:      # several batches merged into one folder by mistake, most likely
        from . import i18n

        warnings.append(i18n.said("warn.several_kyc", count=len(roots), folders=", ".join(roots)))
    skus = _build_skus(options, files, rules)
    for sku in skus:   # the verdicts are pure; applied here
        verdict = judge_sku(sku, rules, kyc, options.today)
        for f in sku.files:
            if f.path in verdict.set_aside:
                f.findings, f.counted = f.findings + verdict.set_aside[f.path], False
        sku.findings, sku.notes, sku.status = verdict.findings, verdict.notes, verdict.status

    ocr_pages = sum(len(facts_by_index[t.key].ocr_pages) for t in tasks if not outcomes[t.key].cache_hit)
    stats = ScanStats(files=len(files), pages_ocr=ocr_pages, cache_hits=hits, seconds=round(time.monotonic() - started, 2))
    return ScanResult(str(options.root), options.today, options.seller_type, skus, files, kyc, skipped, stats,
                      warnings, register, rules=rules)


def _cached_kyc(cache: FactCache, f: FoundFile, extractor: str, analyser: str) -> "KycEntry | None":
    """What the cache keeps of a KYC paper, its evidence decoded (KycEvidence): by path, size and
    mtime; else (touched, copied or moved) by its content hash, made here (a KYC folder holds a
    few small scans, and hashing costs far less than reading them again). None: the paper is read
    (also when a stored row does not decode)."""
    entry = _decoded(cache.lookup_kyc(f.abspath, f.size, f.mtime_ns, extractor, analyser))
    if entry is not None or not cache.has_kyc():
        return entry
    digest = hashlib.sha256()
    try:
        with open(f.abspath, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    entry = _decoded(cache.get_kyc(digest.hexdigest(), extractor, analyser))
    if entry is not None:
        cache.remember_path(f.abspath, f.size, f.mtime_ns, entry.facts.sha256)
    return entry


def _decoded(entry: "KycEntry | None") -> "KycEntry | None":
    """The cache's row with its stored evidence (JSON) turned back into KycEvidence; None when it
    does not decode (the cache is reading code and does not know the KYC evidence's shape)."""
    if entry is None or entry.evidence is None:
        return entry
    from .kyc import KycEvidence

    try:
        return dataclasses.replace(entry, evidence=KycEvidence.from_cache(entry.evidence))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _kyc_evidence(placed: list, files: list[FileResult], text_analyses: dict[int, FileAnalysis],
                  kyc_cached: "dict[int, KycEntry]", cache: FactCache | None, rules: Rules,
                  analyser: str) -> dict[str, "KycEvidence | None"]:
    """Each KYC file's evidence by FileResult.path: the cache's, or read from the text just read
    (identity hashes under the cache's holder key, so the two match) and then stored in the cache
    without the text (FactCache.put_kyc), so the next scan judges the paper without reading it."""
    key = cache.holder_key if cache is not None else None
    evidence: dict[str, KycEvidence | None] = {}
    to_store = []
    for i, ((f, group, _), result) in enumerate(zip(placed, files)):
        if group is not Group.KYC:
            continue
        if i in kyc_cached:
            evidence[result.path] = kyc_cached[i].evidence
            continue
        evidence[result.path] = ev = file_evidence(result, rules, key)
        if result.facts.sha256:
            to_store.append((f.abspath, f.size, f.mtime_ns, result.facts, text_analyses[i], ev))
    if cache is not None and to_store:
        cache.put_kyc(to_store, analyser)
    return evidence


def _ask_register(options: ScanOptions, files: list[FileResult], cache: FactCache | None) -> RegisterSummary:
    """--register: look the papers' numbers up (cache first), add the register's findings to each
    file and say how many numbers were checked. Never raises for the register's sake."""
    from .judging.paper_checks import register_findings
    from .register.lookup import check_numbers, numbers_to_check

    rules = options.rules
    numbers = numbers_to_check(files, rules.register)
    checks = check_numbers(numbers, options.register, rules.register, cache)
    for result in files:
        result.findings, result.register = register_findings(result, checks, rules, options.today)
        result.counted = result.group is Group.SKU and not result.blocked
    states = [c.state for c in checks.values()]
    return RegisterSummary(len(checks), states.count("found"), states.count("not_found"), states.count("not_checked"))


def kyc_roots(kyc_files: list[FileResult]) -> list[str]:
    """The distinct KYC folders (each path up to its first folder named KYC) the files sit in, sorted."""
    from .mapping.assign import is_kyc_folder

    roots = set()
    for f in kyc_files:
        parts = f.path.split("/")[:-1]
        cut = next((i for i, p in enumerate(parts) if is_kyc_folder(p)), len(parts) - 1)
        roots.add("/".join(parts[:cut + 1]))
    return sorted(roots)


def _build_skus(options: ScanOptions, files: list[FileResult], rules: Rules) -> list[SkuResult]:
    skus: dict[str, SkuResult] = {}
    if options.skus:
        for row in options.skus.rows:
            skus[row.sku] = sku_from_row(row, rules)
    for f in files:
        if f.group is Group.SKU and f.sku is not None:
            if f.sku not in skus:
                skus[f.sku] = SkuResult(f.sku)
            skus[f.sku].files.append(f)
    return list(skus.values())


def sku_from_row(row: SkuRow, rules: Rules) -> SkuResult:
    """A SKU list row as the SKU to judge: its category read as sellers write it, or, with no
    category given, inferred from the product's name (category_source "inferred")."""
    if row.category:
        match, source = rules.match_category(row.category), "column"
    elif row.name:
        match = rules.infer_category(row.name)
        source = "inferred" if match.category else ""
    else:
        match, source = rules.match_category(""), ""
    return SkuResult(row.sku, row.category, match.category.key if match.category else None, row.row,
                     name=row.name, brand=row.brand, category_source=source, category_match=match.how,
                     category_score=match.score if match.how == "close" else None,
                     category_suggestions=match.suggestions)
