"""Reading only what a person can read: a junk text layer is OCR'd instead of trusted (issue 13),
and text nobody can see never counts (issue 14, item 3). End-to-end runs use the cache (the
default) and are repeated warm, so what the cache serves is checked too."""

from pathlib import Path

import pypdf
import pytest
from fpdf.enums import TextMode

from checker.reading.extract import extract_facts
from checker.models import ExtractSettings
from checker.reading.textlayer import LayerLimits, document_script, readable, score_layer
from conftest import SAMPLES, read_csv
from helpers.papers import TODAY, Paper, certificate_lines, page_image, picture_image, scan, sku_folder

REPO = Path(__file__).resolve().parents[1]
CASES = next((p for p in (REPO.parent / "shared" / "cases", Path("/work/shared/cases")) if p.is_dir()),
             REPO.parent / "shared" / "cases")
JUNK = CASES / "junk-text-layer"
LIMITS = LayerLimits()


def _layer(path: Path, page: int = 0) -> str:
    return pypdf.PdfReader(path).pages[page].extract_text()


# --- scoring a layer ---------------------------------------------------------------------------

def test_real_layers_read_as_text():
    for path in (SAMPLES / "company" / "PB-1001" / "RU_PB-1001_certificate.pdf",
                 SAMPLES / "company" / "PB-1001" / "RU_PB-1001_manual.pdf",
                 SAMPLES / "company" / "TOY-3004" / "RU_TOY-3004_manual.pdf"):
        score = score_layer(_layer(path))
        assert readable(score, LIMITS), (path.name, score)


@pytest.mark.skipif(not JUNK.is_dir(), reason="../shared/cases not present beside the checkout")
def test_the_junk_case_layer_does_not_read_as_text():
    layer = _layer(JUNK / "PB-3101" / "RU_declaration.pdf")
    assert sum(ch.isalpha() for ch in layer) > 1000   # plenty of letters: the old letter count trusted it
    score = score_layer(layer)
    assert not readable(score, LIMITS)
    assert score.word_share < LIMITS.min_word_share


def test_mojibake_and_private_use_layers_fail():
    text = _layer(SAMPLES / "company" / "PB-1001" / "RU_PB-1001_certificate.pdf")
    glyph_codes = text.encode("cp1251", "replace").decode("latin-1")      # a font without a Unicode map
    utf8_as_cp1251 = text.encode("utf-8").decode("cp1251", "replace")
    private_use = "".join(chr(0xE000 + ord(c) % 200) if c.isalpha() else c for c in text) + " Серия RU бланк " * 3
    for junk in (glyph_codes, utf8_as_cp1251, private_use):
        assert not readable(score_layer(junk), LIMITS), junk[:60]
    assert score_layer(glyph_codes).ngram_share < LIMITS.min_ngram_share   # one script per word, but no language's n-grams


def test_a_page_in_another_script_needs_clean_words():
    russian = score_layer(_layer(SAMPLES / "company" / "PB-1001" / "RU_PB-1001_certificate.pdf"))
    english = score_layer("The power bank is certified to the listed standards; see the appendix for the test report. " * 5)
    doubtful = score_layer("Tpe coмpaнy ltd pоwеr bаnk tеsт rеpоrт аppеndix lisт sтаndаrds оf thе " * 4)
    script = document_script([russian, russian, english], LIMITS)
    assert script == "cyrillic"
    assert readable(english, LIMITS, script)          # a clean English appendix to a Russian certificate
    assert not readable(doubtful, LIMITS, "latin" if doubtful.script == "cyrillic" else "cyrillic")


@pytest.mark.ocr
@pytest.mark.skipif(not JUNK.is_dir(), reason="../shared/cases not present beside the checkout")
def test_junk_layer_page_is_ocrd_and_its_junk_not_used():
    facts = extract_facts((JUNK / "PB-3101" / "RU_declaration.pdf").read_bytes(), ExtractSettings())
    page = facts.pages[0]
    assert page.source == "ocr"
    assert page.note.startswith("text layer unreadable, OCR'd")
    assert "ДЕКЛАРАЦИЯ" in facts.text.upper()
    assert not any(ch in facts.text for ch in "‡†€≈")   # the layer's signature characters


@pytest.mark.ocr
def test_junk_layer_with_ocr_off_is_not_read():
    text = _layer(SAMPLES / "company" / "PB-1001" / "RU_PB-1001_certificate.pdf")
    junk = text.encode("cp1251", "replace").decode("latin-1")
    paper = Paper()
    paper.add_page()
    paper.set_font("helvetica", size=9)
    for i, line in enumerate(junk.splitlines()[:30]):
        paper.text(15, 20 + i * 6, line.encode("latin-1", "replace").decode("latin-1"))
    facts = extract_facts(bytes(paper.output()), ExtractSettings(ocr=False))
    assert facts.pages[0].source == "none" and facts.pages[0].text == ""
    assert facts.pages[0].note == "text layer unreadable, not read (OCR off)"


# --- the junk-text-layer case, end to end --------------------------------------------------------

@pytest.fixture(scope="module")
def junk_runs(tmp_path_factory):
    if not JUNK.is_dir():
        pytest.skip("../shared/cases not present beside the checkout")
    out = tmp_path_factory.mktemp("junk")
    runs = []
    for run, lang in (("cold", "en"), ("warm", "en"), ("warm-ru", "ru")):
        folder = out / run
        folder.mkdir()
        output = scan(JUNK, "--skus", JUNK / "skus.csv", "--today", TODAY, "--out", folder / "r.csv",
                       "--files-out", folder / "f.csv", "--cache-dir", out / "cache", "--lang", lang, "--html", folder / "r.html", "-q")
        runs.append((output, read_csv(folder / "r.csv"), {r["path"]: r for r in read_csv(folder / "f.csv")},
                     (folder / "r.html").read_text(encoding="utf-8")))
    return runs


@pytest.mark.ocr
def test_junk_case_declaration_page_is_ocrd_with_the_reason_noted(junk_runs):
    for _, _, files, _ in junk_runs[:2]:   # cold, then served from the cache
        row = files["PB-3101/RU_declaration.pdf"]
        assert row["kind"] == "scanned_pdf" and row["text_pages"] == "0" and row["ocr_pages"].startswith("p1 ")
        assert row["ocr_pages"].endswith(" 200 dpi")   # read as the scan stores it (issue 18), not upsampled
        assert "page 1: text layer unreadable, OCR'd" in row["notes"]
        assert row["language"] == "ru" and "ТР ТС 004/2011" in row["regulations"]
        assert row["valid_until"] == "2030-05-13"   # read from the image: the layer has no date at all
    assert "0 cache hits" in junk_runs[0][0] and "3 cache hits" in junk_runs[1][0]
    assert "text layer unreadable, OCR&#x27;d" in junk_runs[0][3] or "text layer unreadable, OCR'd" in junk_runs[0][3]
    assert "текстовый слой нечитаем, страница распознана (OCR)" in junk_runs[2][3]   # the report a person reads, in Russian


# OCR splits the number as `ЕАЭС N RU` / blank line / `Д-СМ.РАОЗ.В.2 7514/25` and reads the N mark as М:
# the number comes out exactly as the paper prints it, every repair structural, and the SKU is ok.
# Read at the scan's 200 dpi, the page gives `ЕАЭС М ВУ`; its lines read again on their own give RU
# (reading/recheck.py): the number must be the same as when the page was upsampled to 300 dpi.
@pytest.mark.ocr
def test_junk_case_is_ok_with_the_declarations_full_number(junk_runs):
    for _, report, _, _ in junk_runs[:2]:
        row = report[0]
        assert row["chat_status"] == "ok", row
        assert row["certificates"] == "ЕАЭС N RU Д-CN.РА03.В.27514/25"


# --- hidden text ---------------------------------------------------------------------------------

VALID_A = certificate_lines("ЕАЭС RU С-CN.АЯ46.В.01234/23", "12.03.2023", "11.03.2028")
EXPIRED_B = certificate_lines("ЕАЭС RU С-CN.АЯ46.В.05678/21", "01.02.2021", "31.01.2024")


def _paper(*steps) -> Paper:
    paper = Paper()
    paper.add_page()
    for step in steps:
        step(paper)
    return paper


HIDDEN = {
    # SKU: (what the page is made of, expected status, certificate the report shows or None)
    "HID-1": (_paper(lambda p: p.lines(EXPIRED_B), lambda p: p.lines(VALID_A, top=120, mode=TextMode.INVISIBLE)),
              "disabled", "ЕАЭС RU С-CN.АЯ46.В.05678/21"),
    "HID-2": (_paper(lambda p: p.lines(EXPIRED_B), lambda p: p.lines(VALID_A, top=120, colour=(255, 255, 255))),
              "disabled", "ЕАЭС RU С-CN.АЯ46.В.05678/21"),
    "HID-3": (_paper(lambda p: p.picture(page_image(EXPIRED_B)), lambda p: p.lines(VALID_A, mode=TextMode.INVISIBLE)),
              "disabled", "ЕАЭС RU С-CN.АЯ46.В.05678/21"),
    "HID-4": (_paper(lambda p: p.picture(picture_image()), lambda p: p.lines(VALID_A, mode=TextMode.INVISIBLE)),
              "disabled", None),
    "HID-5": (_paper(lambda p: p.lines(VALID_A, top=120), lambda p: p.picture(picture_image())), "disabled", None),
    "HID-6": (_paper(lambda p: p.picture(page_image(VALID_A)), lambda p: p.lines(VALID_A, mode=TextMode.INVISIBLE)),
              "ok", "ЕАЭС RU С-CN.АЯ46.В.01234/23"),
}


@pytest.fixture(scope="module")
def hidden_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("hidden")
    papers = root / "papers"
    for sku, (paper, _, _) in HIDDEN.items():
        sku_folder(papers, sku, paper)
    (papers / "skus.csv").write_text("sku,category\n" + "".join(f"{s},power_bank\n" for s in HIDDEN), encoding="utf-8")
    runs = []
    for run in ("cold", "warm"):
        out = root / run
        out.mkdir()
        scan(papers, "--skus", papers / "skus.csv", "--today", TODAY, "--out", out / "r.csv",
              "--files-out", out / "f.csv", "--cache-dir", root / "cache", "-q")
        runs.append(({r["sku"]: r for r in read_csv(out / "r.csv")}, {r["path"]: r for r in read_csv(out / "f.csv")}))
    return runs


@pytest.mark.ocr
@pytest.mark.parametrize("sku", list(HIDDEN))
def test_only_visible_text_counts(hidden_runs, sku):
    _, status, certificate = HIDDEN[sku]
    for report, files in hidden_runs:
        row = report[sku]
        assert row["chat_status"] == status, row
        assert "01234" not in row["certificates"] or certificate and "01234" in certificate, row
        if certificate:
            assert row["certificates"] == certificate
        if certificate and "05678" in certificate:
            assert "certificate_expired" in row["reasons"]
        notes = files[f"{sku}/RU_certificate.pdf"]["notes"]
        if sku in ("HID-1", "HID-2"):
            assert "text nobody can see ignored" in notes
        elif sku in ("HID-3", "HID-4", "HID-5"):
            assert "the text layer over the page image disagrees with it, so the page is judged from the image" in notes
        else:   # a scanner's faithful layer: checked, trusted, nothing to say
            assert notes == "" and files[f"{sku}/RU_certificate.pdf"]["kind"] == "text_pdf"


@pytest.mark.skipif(not JUNK.is_dir(), reason="../shared/cases not present beside the checkout")
def test_preflight_knows_a_junk_layer_needs_ocr(rules):
    """Without tesseract, the scan is refused up front for the junk case: its declaration needs OCR."""
    from checker.reading.preflight import _needs_ocr

    assert _needs_ocr(JUNK, rules) == "PB-3101/RU_declaration.pdf"


@pytest.mark.ocr
def test_a_faithful_scanner_layer_is_checked_on_its_fact_lines_only(monkeypatch):
    """The cost of the check: a layer that agrees with its image is verified by OCR of the lines
    holding its dates and number, never of the whole page; one that disagrees gets the page OCR'd."""
    import checker.reading.ocr

    heights = []
    real = checker.reading.ocr.ocr_image

    def counting(image, **kwargs):
        heights.append(image.height)
        return real(image, **kwargs)

    monkeypatch.setattr(checker.reading.ocr, "ocr_image", counting)
    faithful = _paper(lambda p: p.picture(page_image(VALID_A)), lambda p: p.lines(VALID_A, mode=TextMode.INVISIBLE))
    facts = extract_facts(bytes(faithful.output()), ExtractSettings())
    assert facts.pages[0].source == "text" and "01234/23" in facts.text
    assert len(heights) == 1 and heights[0] < 600   # two lines at 300 dpi, not a 3,508-pixel page
    heights.clear()
    lying = _paper(lambda p: p.picture(page_image(EXPIRED_B)), lambda p: p.lines(VALID_A, mode=TextMode.INVISIBLE))
    facts = extract_facts(bytes(lying.output()), ExtractSettings())
    assert facts.pages[0].source == "ocr" and "05678/21" in facts.text and "01234" not in facts.text
    assert max(heights) >= 1754   # the whole page (A4 as the scan stores it, 150 dpi), not a strip


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_every_reading_note_of_this_stage_is_translated(lang):
    """Cached facts hold read.* message ids and arguments; every report a person reads shows them
    in its language, also two joined on one page."""
    from checker.reading import extract
    from checker import i18n

    notes = [i18n.said(extract.LAYER_UNREADABLE), i18n.said(extract.LAYER_UNREADABLE_NO_OCR), i18n.said(extract.LAYER_DISAGREES),
             i18n.said(extract.LAYER_UNCHECKED), i18n.said(extract.HIDDEN_TEXT, chars=333)]
    for note in notes + [i18n.joined(*notes[-2:])]:
        shown = i18n.render(note, lang)
        assert shown != note and not any(word in shown for word in ("layer", "image", "characters")), shown
