"""The measurements behind rules/limits.yaml `text_layer` (docs/reading.md), and the cost of the checks.

    PYTHONPATH=. python tools/measure_text_layers.py [--cost] [FOLDER...]

Default folders: sample_docs/ and ../shared/corpus/real-pdfs/ (text PDFs), plus the junk case
../shared/cases/junk-text-layer/ and three made-up junk layers (a Russian certificate's text as glyph
codes read as Latin-1, UTF-8 read as cp1251, glyphs in the private-use area).

Prints each page's measures (word share, n-gram share, odd-character share) sorted by word share,
then the worst real page and the best junk page on each measure. With --cost, times the checks this
adds to reading a text PDF (scoring every read page's layer; sorting visible from hidden text where
the content could hide some) against the whole per-file extraction (extract_facts, OCR off: a text
PDF needs none), best of 3 runs each, in CPU time (the machine may be busy: wall time would measure
the neighbours), and prints the share.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from checker.reading.extract import TEXT_LAYER_MIN_LETTERS, extract_facts, pages_to_read  # noqa: E402
from checker.models import ExtractSettings, FileKind  # noqa: E402
from checker.reading.sniff import open_pdf  # noqa: E402
from checker.reading.textlayer import LayerLimits, document_script, readable, score_layer  # noqa: E402
from checker.reading.visibility import may_hide_text, page_visibility  # noqa: E402

SHARED = next((p for p in (REPO.parent / "shared", Path("/work/shared")) if p.is_dir()), REPO.parent / "shared")
JUNK_CASE = SHARED / "cases" / "junk-text-layer" / "PB-3101" / "RU_declaration.pdf"
CERTIFICATE = REPO / "sample_docs" / "company" / "PB-1001" / "RU_PB-1001_certificate.pdf"


def layers(path: Path, settings: ExtractSettings):
    """(page number, text layer) of the pages extraction reads."""
    structure = open_pdf(path.read_bytes())
    if structure.problem:
        return
    for index in pages_to_read(structure.page_count, settings.pages_first, settings.pages_sample):
        try:
            page = structure.reader.pages[index]
            yield index, page.extract_text() or "", page.get_contents()
        except Exception:
            continue


def made_up_junk() -> dict[str, str]:
    text = next(layers(CERTIFICATE, ExtractSettings()))[1]
    return {"glyph codes as Latin-1": text.encode("cp1251", "replace").decode("latin-1"),
            "UTF-8 read as cp1251": text.encode("utf-8").decode("cp1251", "replace"),
            "private-use glyphs": "".join(chr(0xE000 + ord(c) % 200) if c.isalpha() else c for c in text)}


def measure(folders: list[Path]) -> None:
    settings = ExtractSettings()
    real, junk = [], []
    for folder in folders:
        for path in sorted(folder.rglob("*.pdf")):
            for index, text, _ in layers(path, settings):
                if sum(ch.isalpha() for ch in text) >= TEXT_LAYER_MIN_LETTERS:
                    real.append((f"{path.relative_to(folder.parent)} p{index + 1}", score_layer(text)))
    if JUNK_CASE.is_file():
        junk += [(f"junk-text-layer p{i + 1}", score_layer(t)) for i, t, _ in layers(JUNK_CASE, settings)]
    junk += [(name, score_layer(text)) for name, text in made_up_junk().items()]
    limits = LayerLimits()
    for name, score in sorted(real, key=lambda r: r[1].word_share) + junk:
        verdict = "reads" if readable(score, limits) else "FAILS"
        print(f"{verdict}  {score.as_text():70s}  {name}")
    print(f"\n{len(real)} real pages; the worst real page on each measure, then each junk layer's value:")
    for measure_name, worst in (("word_share", min), ("ngram_share", min), ("odd_share", max)):
        values = [getattr(s, measure_name) for _, s in real]
        junk_values = ", ".join(f"{name} {getattr(s, measure_name):.3f}" for name, s in junk)
        print(f"  {measure_name:12s} real {worst(values):.3f}   junk: {junk_values}")


def cost(folders: list[Path], rounds: int = 3) -> None:
    settings = ExtractSettings(ocr=False)
    files = []
    for folder in folders:
        for path in sorted(folder.rglob("*.pdf")):
            data = path.read_bytes()
            if extract_facts(data, settings).kind is FileKind.TEXT_PDF:
                files.append((path, data))
    pages = {path: list(layers(path, settings)) for path, _ in files}
    score_layer("warm up: load langdetect's profiles once, as every worker does at start")
    whole = check = visibility = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _, data in files:
            extract_facts(data, settings)
        whole = min(whole, time.process_time() - started)
        started = time.process_time()
        for path, _ in files:
            scores = [score_layer(text) for _, text, _ in pages[path]]
            script = document_script(scores, settings.text_layer)
            [readable(s, settings.text_layer, script) for s in scores]
        check = min(check, time.process_time() - started)
        started = time.process_time()
        for path, data in files:
            pdf = None
            for index, _, content in pages[path]:
                hints = may_hide_text(content.get_data() if content is not None else b"")
                if hints:
                    import pypdfium2 as pdfium

                    pdf = pdf or pdfium.PdfDocument(data)
                    page_visibility(pdf, index, hints)
        visibility = min(visibility, time.process_time() - started)
    n_pages = sum(len(p) for p in pages.values())
    print(f"{len(files)} text PDFs, {n_pages} pages read; CPU time, best of {rounds}:")
    print(f"  whole extraction (extract_facts, OCR off)  {whole * 1000:8.1f} ms")
    print(f"  text-layer check (score, script, verdict)  {check * 1000:8.1f} ms  = {check / whole:.2%} of it")
    print(f"  visible-text sorting (where it could hide)  {visibility * 1000:8.1f} ms  = {visibility / whole:.2%} of it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--cost", action="store_true", help="time the checks against the whole extraction")
    args = parser.parse_args()
    folders = args.folders or [REPO / "sample_docs", SHARED / "corpus" / "real-pdfs"]
    (cost if args.cost else measure)([f for f in folders if f.is_dir()])


if __name__ == "__main__":
    main()
