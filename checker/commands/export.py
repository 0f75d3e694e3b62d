"""`doccheck export FOLDER --to OUT`: an upload-ready copy of a batch for sellers who upload through
Ozon's web form. Per SKU, only the papers that count, named as Ozon needs them (`RU_` prefix, copy
markers dropped as rules/copies.yaml recognises them, names safe on every system), copied byte for
byte (sha256 checked), plus a README.txt checklist in the run's language. OUT must not exist or be empty; FOLDER is never written."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .. import codes, i18n
from ..judging.copies import CopyRules
from ..models import FileResult, ScanResult, SkuResult
from ..paths import is_inside
from ..report.output import write_atomic
from ..judging.sku import sku_details

MAX_NAME = 120
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
    """One SKU's folder in OUT: which files were copied under which names."""
    sku: str
    files: list[tuple[str, str]]    # (source path relative to FOLDER, name in OUT/<sku>/)


def check_out(out: Path, folder: Path, tr: i18n.Translator | None = None) -> None:
    """ExportError (in `tr`'s language) when OUT is inside FOLDER, holds it, or is not a new or empty folder."""
    tr = tr or i18n.Translator()
    if is_inside(out, folder):
        raise ExportError(tr.t("export.out_inside", out=str(out), folder=str(folder)))
    if is_inside(folder, out):
        raise ExportError(tr.t("export.folder_inside", out=str(out), folder=str(folder)))
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(tr.t("export.out_not_empty", out=str(out)))


def _copy_checked(source: Path, target: Path, tr: i18n.Translator) -> None:
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    shutil.copyfile(source, target)
    os.chmod(target, 0o640)
    if hashlib.sha256(target.read_bytes()).hexdigest() != digest:
        target.unlink(missing_ok=True)
        raise ExportError(tr.t("export.hash_mismatch", file=str(source)))


def export(result: ScanResult, folder: Path, out: Path, tr: i18n.Translator) -> list[Exported]:
    """Write OUT/<sku>/ with the papers that count and README.txt (in `tr`'s language), for every
    SKU of the scan. ExportError when OUT cannot be used or a copy does not match its source."""
    check_out(out, folder, tr)
    out.mkdir(parents=True, exist_ok=True)
    done: list[Exported] = []
    used_folders: set[str] = set()
    for sku in result.skus:
        name = safe_folder(sku.sku)
        while name.casefold() in used_folders:
            name += "_"
        used_folders.add(name.casefold())
        target = out / name
        target.mkdir()
        used: set[str] = {"readme.txt"}
        files: list[tuple[str, str]] = []
        for f in papers_that_count(sku):
            new = upload_name(f.name, result.rules.copies)
            stem, dot, ext = new.rpartition(".") if "." in new else (new, "", "")
            n = 2
            while new.casefold() in used:
                new = f"{stem} ({n}){dot}{ext}"
                n += 1
            used.add(new.casefold())
            _copy_checked(folder / f.path, target / new, tr)
            files.append((f.path, new))
        write_atomic(target / "README.txt", readme(sku, files, tr, result.rules))
        done.append(Exported(sku.sku, files))
    return done


def readme(sku: SkuResult, files: list[tuple[str, str]], tr: i18n.Translator, rules=None) -> str:
    """The checklist of one SKU, in `tr`'s language: what to upload where, and what is still
    missing; `rules` the rules in use (None: the built-in ones)."""
    t = tr.t
    lines = [t("export.readme.title", sku=sku.sku), "", t("export.readme.where"), ""]
    by_path = {f.path: f for f in sku.files}
    if files:
        lines.append(t("export.readme.upload"))
        for source, name in files:
            f = by_path[source]
            role = t("export.role.conformity") if f.analysis.role == "conformity" else t("export.role.manual")
            numbers = ", ".join(n.official for n in f.analysis.numbers if n.well_formed)
            lines.append(f"  [ ] {name} — {role}" + (f" {numbers}" if numbers else "")
                         + (f" ({t('export.readme.until', date=f.analysis.valid_until.isoformat())})" if f.analysis.valid_until else ""))
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
    """`doccheck export FOLDER --to OUT`: check OUT, scan FOLDER as `scan` does (its reports
    included), then write the upload-ready copy; InputError (one line, exit 2) when OUT cannot be used."""
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
    request = prepare_scan(folder, params)
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
    click.echo(tr.t("export.done", files=sum(len(d.files) for d in done), skus=len(done), out=str(to)))
