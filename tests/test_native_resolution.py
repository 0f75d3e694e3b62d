"""The resolution a scanned page is OCR'd at (issue 18): the scan's own, within the floor words need
(NATIVE_MIN_DPI, 150: see checker/reading/render.py) and the settings' cap; the files report shows
it per page. A 200-dpi scan is read at 200 dpi, a 100-dpi one brought up to the floor; a doubtful
registration number is read again from its own lines (reading/recheck.py)."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from PIL import Image, ImageDraw

from checker.reading.render import NATIVE_MIN_DPI, ocr_dpi, page_image_dpi, render_pdf_pages
from conftest import read_csv
from test_ocr import RUSSIAN, SERIF, _font, draw_page


def _scan_pdf(dpi: int, width_in: float = 8.27, height_in: float = 11.69) -> bytes:
    """An image-only A4 page stored at ``dpi`` (what an office scanner writes)."""
    img = Image.new("L", (round(width_in * dpi), round(height_in * dpi)), 255)
    ImageDraw.Draw(img).rectangle((dpi, dpi, 2 * dpi, 2 * dpi), fill=0)
    buf = io.BytesIO()
    img.save(buf, "PDF", resolution=dpi)
    return buf.getvalue()


@pytest.mark.parametrize("stored, read", [(200, 200), (100, NATIVE_MIN_DPI), (150, 150), (300, 300), (600, 300)])
def test_scan_is_rendered_at_its_own_resolution_within_floor_and_cap(stored, read):
    import pypdfium2 as pdfium

    data = _scan_pdf(stored)
    pdf = pdfium.PdfDocument(data)
    try:
        assert page_image_dpi(pdf[0]) == pytest.approx(stored, rel=0.01)
    finally:
        pdf.close()
    [(index, image)] = list(render_pdf_pages(data, [0], dpi=300))
    assert image.info["dpi"] == (read, read)
    assert image.size[0] == pytest.approx(8.27 * read, abs=2)


def test_page_without_a_page_image_is_rendered_at_the_settings_dpi():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)        # vector only: no scan to take a resolution from
    buf = io.BytesIO()
    writer.write(buf)
    [(_, image)] = list(render_pdf_pages(buf.getvalue(), [0], dpi=300))
    assert image.info["dpi"] == (300, 300)
    assert ocr_dpi(None, 300) == 300


def test_logo_on_a_page_is_not_taken_for_the_scan():
    import pypdfium2 as pdfium

    page = Image.new("L", (1654, 2339), 255)   # 200 dpi A4 ...
    buf = io.BytesIO()
    page.crop((0, 0, 400, 300)).save(buf, "PDF", resolution=200)   # ... only a 2x1.5 inch corner of it
    pdf = pdfium.PdfDocument(buf.getvalue())
    try:
        assert page_image_dpi(pdf[0]) == pytest.approx(200, rel=0.01)   # the image is the whole (small) page
    finally:
        pdf.close()


def _certificate_scan(dpi: int) -> bytes:
    """A certificate page (10 pt serif) as an office scanner stores it at ``dpi``."""
    page = draw_page(RUSSIAN, _font(SERIF, round(10 / 72 * dpi)), width=round(7.5 * dpi))
    buf = io.BytesIO()
    page.save(buf, "PDF", resolution=dpi)
    return buf.getvalue()


def test_floor_and_cap():
    assert NATIVE_MIN_DPI == 150
    assert ocr_dpi(100, 300) == 150 and ocr_dpi(200, 300) == 200 and ocr_dpi(600, 300) == 300 and ocr_dpi(450, 600) == 450


@pytest.mark.ocr
def test_files_report_shows_the_dpi_each_page_was_read_at(tmp_path):
    root = tmp_path / "papers"
    for sku, dpi in (("KT-1", 400), ("KT-2", 100), ("KT-3", 200)):
        (root / sku).mkdir(parents=True)
        (root / sku / "RU_certificate.pdf").write_bytes(_certificate_scan(dpi))
    out = tmp_path / "out"
    out.mkdir()
    # The default path: with the cache.
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--today", "2026-11-26",
                           "--cache-dir", str(tmp_path / "cache"), "--out", str(out / "r.csv"), "--files-out", str(out / "f.csv")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    files = {r["sku"]: r for r in read_csv(out / "f.csv")}
    assert files["KT-1"]["ocr_pages"].endswith(" 300 dpi")                  # a 400-dpi scan is read at the cap
    assert files["KT-2"]["ocr_pages"].endswith(f" {NATIVE_MIN_DPI} dpi")   # a 100-dpi scan is brought up to the floor
    assert files["KT-3"]["ocr_pages"].endswith(" 200 dpi")                  # a 200-dpi scan is read as stored


@pytest.mark.ocr
def test_a_200_dpi_batch_gives_the_numbers_and_verdicts_of_a_300_dpi_one(tmp_path):
    """Issue 18: the same papers scanned at 200 dpi (read at 200) and at 300 dpi give the same
    numbers, dates, regulations and verdicts; only the dpi in the files report differs."""
    from helpers.papers import certificate_lines, page_image

    papers = {
        "PB-1": certificate_lines("ЕАЭС RU С-CN.АЯ46.В.01234/23", "12.03.2023", "11.03.2028"),
        "PB-2": ["ЕВРАЗИЙСКИЙ ЭКОНОМИЧЕСКИЙ СОЮЗ", "ДЕКЛАРАЦИЯ О СООТВЕТСТВИИ",
                 "заявляет, что Аккумуляторы портативные литий-ионные, модель PB-77",
                 "соответствует требованиям ТР ТС 004/2011; ТР ТС 020/2011",
                 "Декларация о соответствии действительна с даты регистрации по 11.03.2029 включительно",
                 "Регистрационный номер декларации о соответствии: ЕАЭС N RU Д-CN.РА01.В.12345/24",
                 "Дата регистрации декларации о соответствии: 12.03.2024"],
    }
    reports = {}
    for dpi in (200, 300):
        root = tmp_path / f"at{dpi}"
        for sku, lines in papers.items():
            (root / sku).mkdir(parents=True)
            image = page_image(lines, width=round(8.27 * dpi), height=round(11.69 * dpi))
            image.save(root / sku / "RU_certificate.pdf", "PDF", resolution=dpi)
        (root / "skus.csv").write_text("sku,category\nPB-1,power_bank\nPB-2,power_bank\n", encoding="utf-8")
        out = tmp_path / f"out{dpi}"
        out.mkdir()
        proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--today", "2026-11-26", "-q",
                               "--cache-dir", str(tmp_path / "cache"), "--out", str(out / "r.csv"),
                               "--files-out", str(out / "f.csv")], capture_output=True, text=True, timeout=600)
        assert proc.returncode in (0, 1), proc.stderr
        files = {r["sku"]: r for r in read_csv(out / "f.csv") if r["sku"] in papers}
        assert all(r["ocr_pages"].endswith(f" {dpi} dpi") for r in files.values())   # read as stored
        # the numbers as read, without OCR's confidence in them (that differs with the pixels)
        reports[dpi] = ({sku: (re.sub(r"; OCR confidence \d+", "", r["numbers"]), r["valid_from"], r["valid_until"], r["regulations"], r["document_type"])
                         for sku, r in files.items()},
                        {r["sku"]: (r["chat_status"], r["reasons"], r["certificates"]) for r in read_csv(out / "r.csv")})
    assert reports[200] == reports[300]
    assert reports[300][1]["PB-1"][2] == "ЕАЭС RU С-CN.АЯ46.В.01234/23"
    assert reports[300][1]["PB-2"][2] == "ЕАЭС N RU Д-CN.РА01.В.12345/24"
