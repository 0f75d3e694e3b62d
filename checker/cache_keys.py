"""Cache keys derived from the code, never remembered by hand (issue 11).

Two things are cached (checker/cache.py), each valid only for the code that made it:

* **facts** (what reading a file found: type, pages, text, OCR words) are keyed by the file's
  content hash plus :func:`facts_key`: the settings' description (``ExtractSettings.key()``: DPI,
  page limits, the OCR engine's id, version and language data...) plus :func:`reading_digest`, a
  hash of the source of every module reading runs;
* **text analyses** (language, numbers, dates: ``judging.file.analyse_text``) are keyed by the
  facts' key plus :func:`analysis_key`: a hash of the rule files as read plus
  :func:`analysis_digest`, the source of every module the analysis runs.

"Every module it runs" is computed, not listed: the ``checker`` modules reachable by ``import``
statements (module level and inside functions) from the stage's entry modules, plus every
package ``__init__`` on their way. So a module reading starts to use is covered the day it is
imported, and a module it does not import (the report writers, the CLI, the commands) never
throws a cached entry away. ``python -m checker.cache_keys`` lists both sets.

Entry modules:

* reading: ``checker.reading.extract`` (the per-file task), ``checker.process.executor`` (the
  worker that masks and cleans the facts before they leave it: ``finished_facts``) and every
  module in ``checker/reading/engines/`` (engines are imported by name, which an import walk
  cannot see);
* analysis: ``checker.judging.file`` (``analyse_text``).

Each digest is computed once per process (about 10 ms of CPU) from the files on disk.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
NAME = "checker"

READING_ENTRIES: tuple[str, ...] = ("checker.reading.extract", "checker.process.executor", "checker.reading.engines.*")
ANALYSIS_ENTRIES: tuple[str, ...] = ("checker.judging.file",)


def _sources(root: Path) -> dict[str, Path]:
    """Every ``.py`` file under ``root`` by its path relative to ``root`` (``reading/ocr.py``):
    one walk of the folder instead of a stat per candidate module."""
    found: dict[str, Path] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                path = Path(folder, name)
                found[path.relative_to(root).as_posix()] = path
    return found


def _module_file(root: Path, module: str, sources: dict[str, Path] | None = None) -> Path | None:
    """The source file of ``module`` (``checker.reading.ocr``) under ``root`` (the package folder);
    ``sources``: ``_sources(root)`` when the caller has it."""
    parts = module.split(".")
    if parts[0] != NAME:
        return None
    base = "/".join(parts[1:])
    sources = _sources(root) if sources is None else sources
    return sources.get(f"{base}.py") or sources.get(f"{base}/__init__.py" if base else "__init__.py")


def _module_name(root: Path, path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = [NAME, *rel.parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# An import statement at the start of a line (module level or indented inside a function);
# ``from x import (a, b)`` may span lines. A regex, not ast.parse: parsing every module cost ~300 ms
# of CPU per scan, the regex ~10 ms. A line in a docstring that looks like an import can only add a
# file to a set (a needless re-read after editing it), never leave one out.
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(?P<source>\.+[\w.]*|\w[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n]*)"
                     r"|import[ \t]+(?P<modules>[^\n]*))", re.M)


def _names(text: str) -> list[str]:
    """``a, b as c`` or ``(a,\n b)`` -> ["a", "b"]; comments dropped."""
    text = re.sub(r"#[^\n]*", "", text).strip("() \t\n")
    return [part.split()[0] for part in text.replace("\n", " ").split(",") if part.strip()]


def module_imports(root: Path, path: Path, text: str | None = None,
                   sources: dict[str, Path] | None = None) -> set[str]:
    """Names of the ``checker`` modules ``path`` imports anywhere in its body (relative imports
    resolved; ``from . import x`` counts x when x is a module). ``text``: the file's text and
    ``sources``: ``_sources(root)``, when the caller has read them already."""
    module = _module_name(root, path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    sources = _sources(root) if sources is None else sources
    found: set[str] = set()
    for match in _IMPORT.finditer(path.read_text(encoding="utf-8") if text is None else text):
        if match["modules"] is not None:
            found.update(name for name in _names(match["modules"]) if name.split(".")[0] == NAME)
            continue
        source = match["source"]
        level = len(source) - len(source.lstrip("."))
        if level:
            base = package.split(".")
            base = base[: len(base) - (level - 1)]
            target = ".".join(base + ([source[level:]] if source[level:] else []))
        else:
            target = source
        if target.split(".")[0] != NAME:
            continue
        found.add(target)
        found.update(f"{target}.{name}" for name in _names(match["names"]) if _module_file(root, f"{target}.{name}", sources))
    return found


def _entries(root: Path, entries: Iterable[str], sources: dict[str, Path]) -> list[str]:
    out: list[str] = []
    for entry in entries:
        if entry.endswith(".*"):
            folder = _module_file(root, entry[:-2], sources)
            assert folder is not None, entry
            out += sorted(_module_name(root, p) for p in folder.parent.glob("*.py"))
        else:
            out.append(entry)
    return out


def _source_texts(entries: Iterable[str], root: Path) -> dict[Path, bytes]:
    """``source_set``'s files with their bytes: the folder walked once, each file read once."""
    sources = _sources(root)
    texts: dict[Path, bytes] = {}
    todo = _entries(root, entries, sources)
    while todo:
        module = todo.pop()
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):   # importing a.b.c runs a/__init__ and a/b/__init__ first
            path = _module_file(root, ".".join(parts[:depth]), sources)
            if path is None or path in texts:
                continue
            texts[path] = path.read_bytes()
            todo.extend(module_imports(root, path, texts[path].decode("utf-8"), sources))
    return texts


def source_set(entries: Iterable[str], root: Path = PACKAGE) -> list[Path]:
    """The source files a stage runs: ``entries`` (module names; ``pkg.*`` is every module of a
    package) and every ``checker`` module reachable from them by import statements, with the
    ``__init__.py`` of every package on the way. Sorted; paths under ``root``."""
    return sorted(_source_texts(entries, root))


def source_digest(entries: Iterable[str], root: Path = PACKAGE) -> str:
    """SHA-256 (hex, 32 characters) over the relative names and bytes of ``source_set(entries)``."""
    digest = hashlib.sha256()
    texts = _source_texts(entries, root)
    for path in sorted(texts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + texts[path] + b"\0")
    return digest.hexdigest()[:32]


@functools.cache
def reading_digest() -> str:
    """Digest of the reading code (see the module docstring); once per process."""
    return source_digest(READING_ENTRIES)


@functools.cache
def analysis_digest() -> str:
    """Digest of the text-analysis code (see the module docstring); once per process."""
    return source_digest(ANALYSIS_ENTRIES)


def facts_key(extractor: str, reading: str | None = None) -> str:
    """The key cached facts are stored under: ``ExtractSettings.key()`` (settings and OCR engine)
    plus the reading code's digest (``reading``; None: this checkout's), e.g.
    ``"v4:dpi=300,engine=tesseract 5.3.0 [...],...#3f0c..."``."""
    return f"{extractor}#{reading_digest() if reading is None else reading}"


def analysis_key(rules_digest: str) -> str:
    """The key cached text analyses are valid for: the rule files as read (``Rules.digest``) and
    the analysis code's digest; 32 hex characters."""
    return hashlib.sha256(f"{rules_digest}\0{analysis_digest()}".encode()).hexdigest()[:32]


if __name__ == "__main__":
    for title, entries in (("facts (reading)", READING_ENTRIES), ("text analysis", ANALYSIS_ENTRIES)):
        print(f"{title}:")
        for source in source_set(entries):
            print("  " + source.relative_to(PACKAGE.parent).as_posix())
