"""`doccheck export FOLDER --to OUT`: an upload-ready copy of a batch for sellers who upload through
Ozon's web form. Per SKU, only the papers that count, named as Ozon needs them (`RU_` prefix, copy
markers dropped as rules/copies.yaml recognises them, names safe on every system), copied byte for
byte (sha256 checked), plus a README.txt checklist in the run's language. OUT must not exist or be empty; FOLDER is never written."""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .. import codes, i18n
from ..judging.copies import CopyRules
from ..models import FileResult, ScanResult, SkuResult
from ..names import valid_unicode
from ..paths import is_inside
from ..privacy import shown_path
from ..reading.discover import file_sha256, files_by_shown_path, real_file
from ..report.output import write_atomic
from ..judging.sku import sku_details

MAX_NAME = 120
README = "README.txt"    # the one checklist, at OUT's top: a scan of OUT leaves a file there unmapped
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}

class ExportError(Exception):
    """OUT cannot be used (not empty, inside FOLDER, not writable) or a copy did not match; one line."""


def upload_name(name: str, copies: CopyRules) -> str:
    """The name Ozon needs: RU_ prefix (capitals), the copy markers of sync tools and file managers
    dropped (`copies`: the loaded rules/copies.yaml, as the scan recognises copies), safe on Windows,
    macOS and Linux (no <>:"/\\|?* or control characters, no trailing dot or space, NFC, at most 120
    characters)."""
    name = unicodedata.normalize("NFC", name)
    copy = copies.parse(name)
    if copy is not None:
        name = copy.original
    stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    stem = re.sub(r"^ru_", "", stem, flags=re.I)
    stem = _UNSAFE.sub("_", stem).strip(" .") or "document"
    ext = _UNSAFE.sub("", ext).lower()
    name = f"RU_{stem}" + (f".{ext}" if ext else "")
    if len(name) > MAX_NAME:
        keep = MAX_NAME - (len(ext) + 1 if ext else 0)
        name = name[:keep].rstrip(" .") + (f".{ext}" if ext else "")
    if name.split(".")[0].casefold() in _RESERVED:
        name = "_" + name
    return name


def safe_folder(name: str) -> str:
    """A SKU as a folder name safe on every system (at most MAX_NAME characters)."""
    return (_UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" .") or "sku")[:MAX_NAME]


def papers_that_count(sku: SkuResult) -> list[FileResult]:
    """The SKU's conformity papers and manuals that count, and those whose only blocking problem is
    the missing RU_ prefix (the copy gets it, so it counts there)."""
    out = []
    for f in sku.files:
        if f.analysis.role not in ("conformity", "manual"):
            continue
        blocking = {c for c in f.codes if c.blocking}
        if (f.counted and not blocking) or blocking == {codes.MISSING_RU_PREFIX}:
            out.append(f)
    return out


@dataclass
class Exported:
    """One SKU's folder in OUT: which files were copied under which names, and which were left out
    because their content is identical to a file copied there."""
    sku: str
    files: list[tuple[str, str]]    # (source path relative to FOLDER, name in OUT/<folder>/)
    folder: str = ""                # its folder's name in OUT (the SKU made safe on every system)
    same: list[tuple[str, str]] = field(default_factory=list)   # (source path, name in OUT/<folder>/ of the identical paper)


def check_out(out: Path, folder: Path, tr: i18n.Translator | None = None) -> None:
    """ExportError (in `tr`'s language) when OUT is inside FOLDER, holds it, or is not a new or empty folder."""
    tr = tr or i18n.Translator()
    if is_inside(out, folder):
        raise ExportError(tr.t("export.out_inside", out=str(out), folder=str(folder)))
    if is_inside(folder, out):
        raise ExportError(tr.t("export.folder_inside", out=str(out), folder=str(folder)))
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(tr.t("export.out_not_empty", out=str(out)))


def _copy_checked(source: Path, target: Path, digest: str, tr: i18n.Translator, shown: str) -> None:
    """Copy `source` to `target` and check the copy's sha256 against `digest` (the source's);
    `shown`: the source as messages name it (personal numbers masked)."""
    shutil.copyfile(source, target)
    os.chmod(target, 0o640)
    if file_sha256(target) != digest:
        target.unlink(missing_ok=True)
        raise ExportError(tr.t("export.hash_mismatch", file=shown))


def _source_of(f: FileResult, sources: dict[str, list[Path]], tr: i18n.Translator) -> Path:
    """The real file behind `f` (reading.discover.real_file); ExportError when it is gone or changed
    since the scan read it."""
    source = real_file(sources, f.path, f.facts.sha256)
    if source is None:
        raise ExportError(tr.t("export.source_changed", file=f.path))
    return source


def _free_name(name: str, used: set[str], copies: CopyRules) -> str:
    """`name`, or when a file of that name (any case) is already in the folder `name_2`, `name_3`…:
    never `name (2)`, which rules/copies.yaml reads as a copy, so a scan of OUT would set it aside."""
    if name.casefold() not in used:
        return name
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    n = 2
    while True:
        tail = f"_{n}{dot}{ext}"
        candidate = stem[:MAX_NAME - len(tail)].rstrip(" .") + tail
        if candidate.casefold() not in used and copies.parse(candidate) is None:
            return candidate
        n += 1


def _as_they_are_first(papers: list[FileResult]) -> list[FileResult]:
    """Papers that count under their own name before those that need the RU_ prefix (stable): of
    two identical files, the one already named right gives the exported name."""
    return sorted(papers, key=lambda f: any(c.blocking for c in f.codes))


def export(result: ScanResult, folder: Path, out: Path, tr: i18n.Translator) -> list[Exported]:
    """Write OUT/<sku>/ with the papers that count, for every SKU of the scan, and OUT/README.txt
    (in `tr`'s language). A paper whose content (sha256) is identical to one already copied into the
    SKU's folder is not copied again; Exported.same says which. ExportError when OUT cannot be used
    or a copy does not match its source."""
    check_out(out, folder, tr)
    sources = files_by_shown_path(folder, result.rules.debris_files, result.rules.debris_dirs)
    out.mkdir(parents=True, exist_ok=True)
    done: list[Exported] = []
    used_folders: set[str] = {README.casefold()}
    for sku in result.skus:
        name = safe_folder(sku.sku)
        while name.casefold() in used_folders:
            name += "_"
        used_folders.add(name.casefold())
        target = out / name
        target.mkdir()
        used: set[str] = set()
        by_digest: dict[str, str] = {}      # sha256 -> name in OUT/<folder>/
        exported = Exported(sku.sku, [], name)
        for f in _as_they_are_first(papers_that_count(sku)):
            source = _source_of(f, sources, tr)
            digest = f.facts.sha256
            if digest in by_digest:
                exported.same.append((f.path, by_digest[digest]))
                continue
            new = _free_name(upload_name(valid_unicode(source.name), result.rules.copies), used, result.rules.copies)
            used.add(new.casefold())
            _copy_checked(source, target / new, digest, tr, f.path)
            by_digest[digest] = new
            exported.files.append((f.path, shown_path((new,))))
        done.append(exported)
    sections = [readme(sku, d.files, tr, result.rules, same=d.same, folder=d.folder) for sku, d in zip(result.skus, done)]
    head = [tr.t("export.readme.top", skus=len(done), files=sum(len(d.files) for d in done)), "",
            tr.t("export.readme.where"), tr.t("export.readme.layout", readme=README), ""]
    write_atomic(out / README, "\n".join(head) + "\n" + "\n".join(sections))
    return done


def readme(sku: SkuResult, files: list[tuple[str, str]], tr: i18n.Translator, rules=None,
           same: list[tuple[str, str]] = (), folder: str | None = None) -> str:
    """One SKU's part of OUT/README.txt, in `tr`'s language: its folder in OUT, what to upload, the
    source files that were the same paper (`same`: (source path, exported name)), and what is still
    missing; `rules` the rules in use (None: the built-in ones)."""
    t = tr.t
    lines = [t("export.readme.title", sku=sku.sku), t("export.readme.folder", folder=f"{folder or safe_folder(sku.sku)}/"), ""]
    by_path = {f.path: f for f in sku.files}
    if files:
        lines.append(t("export.readme.upload"))
        for source, name in files:
            f = by_path[source]
            role = t("export.role.conformity") if f.analysis.role == "conformity" else t("export.role.manual")
            numbers = ", ".join(n.official for n in f.analysis.numbers if n.well_formed)
            lines.append(f"  [ ] {name} — {role}" + (f" {numbers}" if numbers else "")
                         + (f" ({t('export.readme.until', date=f.analysis.valid_until.isoformat())})" if f.analysis.valid_until else ""))
            twins = [path for path, as_name in same if as_name == name]
            if twins:
                lines.append("      " + t("export.readme.same", files=", ".join([source, *twins])))
    else:
        lines.append(t("export.readme.nothing"))
    lines.append("")
    blocking = [f for f in sku.findings if f.code.blocking]
    if blocking:
        lines.append(t("export.readme.missing"))
        lines.append("  " + sku_details(sku, tr, rules))
    else:
        lines.append(t("export.readme.complete"))
    return "\n".join(lines) + "\n"


def run_export(folder: Path, to: Path, params: dict) -> None:
    """`doccheck export FOLDER --to OUT`: check OUT, scan FOLDER as `scan` does, then write the
    upload-ready copy; InputError (one line, exit 2) when OUT cannot be used. Reports only when one
    is asked for (--out, --json, …): scan's default doccheck-report.csv is not written."""
    import click

    from ..app.errors import InputError
    from ..app.language import translator
    from ..app.outcome import write_reports_or_fail
    from ..app.setup import prepare_scan
    from ..pipeline import scan

    try:
        check_out(to, folder, translator(params.get("lang")))
    except ExportError as exc:
        raise InputError(str(exc)) from None
    request = prepare_scan(folder, params, default_report=False)   # no report unless asked for
    result = scan(request.options)
    ctx = request.context(result)
    tr = ctx.tr
    write_reports_or_fail(result, request.outputs, ctx)
    try:
        done = export(result, folder, to, tr)
    except ExportError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"cannot write {to}: {exc.strerror or exc}") from None
    click.echo(tr.t("export.done", files=sum(len(d.files) for d in done), skus=len(done), out=str(to),
                    readme=str(to / README)))
    same = [(d, path, name) for d in done for path, name in d.same]
    if same:
        if not params.get("quiet"):
            for d, path, name in same:
                click.echo("  " + tr.t("export.same_file", file=path, name=f"{d.folder}/{name}"))
        click.echo(tr.t("export.done_same", count=len(same), readme=README))
