"""OCR engine: checker.external.tesseract and checker.reading.ocr against the real tesseract binary.

Pages are drawn here with Pillow and the DejaVu / Noto CJK fonts. Tests that need tesseract are
skipped only when it is missing *and* CI is unset: in CI a missing tesseract is a failure.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from checker.external import tesseract as tess
from checker.external.tesseract import OcrTimeout, private_tempdir, tesseract_status
from checker.reading.ocr import is_real_word, lines_run_up, ocr_image, real_word_share
from checker.reading.render import load_image_frames, render_pdf_pages

IN_CI = bool(os.environ.get("CI"))
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None and not IN_CI,
    reason="tesseract not installed (with CI set this is a failure, not a skip)",
)

SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"  # face 2 = Noto Sans CJK SC

RUSSIAN = [
    "СЕРТИФИКАТ СООТВЕТСТВИЯ",
    "№ ЕАЭС RU С-CN.АЯ46.В.01234/23",
    "Срок действия с 20.06.2023 по 19.06.2028",
    "Заявитель: Общество с ограниченной",
    "ответственностью «Торговый дом Восток».",
    "Продукция: чайники электрические бытовые,",
    "соответствует требованиям ТР ТС 004/2011.",
]
ENGLISH = [
    "DECLARATION OF CONFORMITY",
    "Manufacturer: Shenzhen Bright Electronics Co., Ltd.",
    "We declare under our sole responsibility that the",
    "electric kettle, models KT-1720 and KT-1730, is in",
    "conformity with EN 60335-1:2012 and EN 55014-1:2017.",
]
CHINESE = [
    "营业执照",
    "统一社会信用代码 91440300MA5ABCDE12",
    "名称 深圳市光明电子有限公司",
    "类型 有限责任公司",
    "住所 深圳市龙华区民治街道",
    "成立日期 2018年03月15日",
]


def _font(path: str, size: int, index: int = 0) -> ImageFont.FreeTypeFont:
    if not Path(path).exists():
        if IN_CI:
            pytest.fail(f"font missing: {path}")
        pytest.skip(f"font missing: {path}")
    return ImageFont.truetype(path, size, index=index)


def draw_page(lines: list[str], font: ImageFont.FreeTypeFont, width: int = 1300) -> Image.Image:
    """About 10 pt text at 220 dpi: small enough to keep each tesseract run well under a second."""
    step = int(font.size * 1.6)
    img = Image.new("L", (width, 140 + step * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((60, 60 + i * step), line, font=font, fill=0)
    return img


@pytest.fixture(scope="module")
def russian_page() -> Image.Image:
    return draw_page(RUSSIAN, _font(SERIF, 30))


@pytest.fixture(scope="module")
def english_page() -> Image.Image:
    return draw_page(ENGLISH, _font(SANS, 30))


@pytest.fixture(scope="module")
def chinese_page() -> Image.Image:
    return draw_page(CHINESE, _font(CJK, 30, index=2))


def assert_russian_read(text: str, *, lossless: bool = True) -> None:
    """Key words present. After JPEG (photo, Pillow's PDF writer) rus+eng may read the all-caps
    ЕАЭС as Latin "EASC", and С-CN is read С-СМ even losslessly: downstream matching of
    certificate numbers has to fold Latin/Cyrillic look-alikes - so only the digits are exact."""
    flat = " ".join(text.split())
    keys = ["СЕРТИФИКАТ", "СООТВЕТСТВИЯ", "01234/23", "20.06.2023", "19.06.2028", "Восток"]
    if lossless:
        keys.append("ЕАЭС")
    for key in keys:
        assert key in flat, f"{key!r} not in OCR text: {flat!r}"
    assert re.search(r"RU [СC]-[СC]\S*\.[АA][ЯR]46\.[ВB]\.01234/23", flat), flat


# --------------------------------------------------------------------------- no tesseract needed


def test_private_tempdir_is_private_and_removed_after_exception(tmp_path):
    """Page images live in a 0700 folder removed on exit, an exception included; the process-wide
    temporary folder (tempfile.tempdir) is never rewritten (issue 11: the wrapper is stateless)."""
    before = tempfile.gettempdir()
    with pytest.raises(RuntimeError, match="boom"):
        with private_tempdir(tmp_path) as path:
            assert path.is_dir() and path.parent == tmp_path
            assert stat.S_IMODE(path.stat().st_mode) == 0o700
            assert tempfile.gettempdir() == before
            (path / "tess_input.TIFF").write_bytes(b"passport scan")
            raise RuntimeError("boom")
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_private_tempdirs_nest_and_each_exit_removes_its_own(tmp_path):
    with private_tempdir(tmp_path) as outer:
        with private_tempdir(outer) as inner:
            assert inner.parent == outer
        assert not inner.exists() and outer.exists()  # the inner exit must not pull the folder from under the outer user
    assert not outer.exists()


@needs_tesseract
def test_a_run_writes_only_inside_the_folder_it_is_given(russian_page, tmp_path, monkeypatch):
    """tesseract's page image and output go into a private folder inside `workdir`, and tesseract
    is started with that folder as TMPDIR; nothing is left afterwards."""
    import subprocess

    seen = []
    real_run = subprocess.run

    def spy(command, *args, **kwargs):
        if "TMPDIR" in (kwargs.get("env") or {}):   # a read, not the version probe
            folder = Path(kwargs["env"]["TMPDIR"])
            seen.append((folder, sorted(p.name for p in folder.iterdir()), command[1]))
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(tess.subprocess, "run", spy)
    rec = tess.recognise(russian_page, "rus+eng", timeout_s=30, workdir=tmp_path)
    assert "СООТВЕТСТВИЯ" in rec.text
    [(folder, files, image)] = seen
    assert folder.parent == tmp_path and files == ["tess_input.TIFF"] and image.startswith(str(folder))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("version,ok", [("5.3.0", True), ("4.1.1", True), ("4.00.00alpha", True),
                                        ("3.05.02", False), ("3.5.2", False), ("garbage", False)])
def test_version_gate(version, ok):
    refusal = tess.version_refusal(version)
    assert (refusal is None) == ok
    if not ok:
        assert "too old" in refusal and "4.0" in refusal


def test_omp_thread_limit_is_set():
    assert os.environ.get("OMP_THREAD_LIMIT")


@pytest.mark.parametrize("word", ["Сертификат", "соответствия", "ЕАЭС", "01234/23", "20.06.2023", "RA.RU.11АЯ46",
                                  "KT-1720", "в", "营业执照", "«Восток».", "Ltd."])
def test_real_words(word):
    assert is_real_word(word)


@pytest.mark.parametrize("word", ["ztT3d29VSVN", "aNd", "—", "|", "Rmrtk", "Ж", "аbс"])  # last: Cyrillic а + Latin bc
def test_not_real_words(word):
    assert not is_real_word(word)


def test_real_word_share():
    assert real_word_share(["Срок", "действия", "|", "ztT3d"]) == 0.5
    assert real_word_share([]) == 0.0


# --------------------------------------------------------------------------- tesseract


@needs_tesseract
def test_tesseract_status_reports_version_and_languages():
    status = tesseract_status()
    assert status.available, status.message
    assert tuple(int(p) for p in re.findall(r"\d+", status.version)[:1]) >= (4,)
    assert {"rus", "eng", "chi_sim", "osd"} <= set(status.languages), status.message
    assert status.ok and not status.missing_langs


@needs_tesseract
def test_tesseract_status_names_package_for_missing_language():
    status = tesseract_status(("rus", "xxx", "chi_sim_vert_fake"))
    assert status.available
    assert status.missing_langs == ("xxx", "chi_sim_vert_fake")
    assert not status.ok
    assert "tesseract-ocr-xxx" in status.message
    assert "tesseract-ocr-chi-sim-vert-fake" in status.message
    assert tess.lang_package("chi_sim") == "tesseract-ocr-chi-sim"


@needs_tesseract
def test_upright_russian_costs_one_run(russian_page):
    page = ocr_image(russian_page)
    assert_russian_read(page.text)
    assert page.attempts == 1  # benchmark: an upright page is exactly one tesseract run
    assert page.rotation == 0 and page.langs == "rus+eng" and page.script == "Cyrillic"
    assert page.mean_confidence > 80 and not page.timed_out and page.error is None


@needs_tesseract
def test_recognise_gives_words_confidences_and_lines(russian_page):
    rec = tess.recognise(russian_page, "rus+eng", timeout_s=30)
    assert rec.langs == "rus+eng" and rec.psm == 3
    assert len(rec.words) >= 25
    assert all(0 <= w.conf <= 100 for w in rec.words)
    assert rec.mean_confidence == pytest.approx(sum(w.conf for w in rec.words) / len(rec.words), abs=0.01)
    lines = [l for l in rec.text.splitlines() if l.strip()]
    assert lines[0] == "СЕРТИФИКАТ СООТВЕТСТВИЯ"
    assert len(lines) == len(RUSSIAN)


@needs_tesseract
@pytest.mark.parametrize("turned", [90, 180])
def test_turned_page_is_detected_and_read(russian_page, turned):
    # PIL turns counter-clockwise; the page must be turned back clockwise by the same amount
    page = ocr_image(russian_page.rotate(turned, expand=True))
    assert page.rotation == turned
    assert_russian_read(page.text)
    assert page.mean_confidence > 80
    # turned by 90 its lines run up the page: OSD first, then one read; upside down they do not:
    # a read at 0, OSD, the read at 180
    assert page.attempts == (2 if turned == 90 else 3)


def test_lines_running_up_the_page_are_seen_before_any_read(russian_page):
    assert not lines_run_up(russian_page)
    assert lines_run_up(russian_page.rotate(90, expand=True))
    assert lines_run_up(russian_page.rotate(270, expand=True))
    assert not lines_run_up(russian_page.rotate(180, expand=True))
    assert not lines_run_up(Image.new("L", (800, 600), 255))   # blank: nothing to go on


@needs_tesseract
def test_orientation_reports_rotation_and_script(english_page):
    o = tess.orientation(english_page.rotate(90, expand=True), timeout_s=30)
    assert o is not None
    assert o.rotate == 90
    assert o.script == "Latin"
    assert tess.orientation(Image.new("L", (800, 600), 255), timeout_s=30) is None  # nothing to go on


@needs_tesseract
def test_english_page(english_page):
    page = ocr_image(english_page)
    assert "DECLARATION OF CONFORMITY" in page.text
    assert "KT-1720" in page.text
    assert page.attempts == 1


@needs_tesseract
@pytest.mark.parametrize("profile", ["kyc", "product"])
def test_chinese_read_with_chi_sim(chinese_page, profile):
    page = ocr_image(chinese_page, profile=profile)
    assert "chi_sim" in page.langs
    assert page.script == "Han"
    assert "营业执照" in page.text
    assert "统一社会信用代码" in page.text
    assert "91440300MA5ABCDE12" in page.text
    assert page.mean_confidence > 80


@needs_tesseract
def test_kyc_turned_chinese(chinese_page):
    page = ocr_image(chinese_page.rotate(180), profile="kyc")
    assert page.rotation == 180
    assert "营业执照" in page.text


@needs_tesseract
def test_tiny_timeout_gives_timed_out_page(russian_page):
    page = ocr_image(russian_page, timeout_s=0.01)
    assert page.timed_out
    assert page.error is None
    assert page.text == ""
    with pytest.raises(OcrTimeout):
        tess.recognise(russian_page, "rus+eng", timeout_s=0.01)


@needs_tesseract
def test_blank_page_is_one_cheap_run():
    page = ocr_image(Image.new("L", (1240, 1754), 255))
    assert page.text == "" and page.attempts == 1 and page.error is None and not page.timed_out


@needs_tesseract
def test_bad_language_is_an_error_not_a_crash(russian_page):
    with pytest.raises(tess.OcrFailed):
        tess.recognise(russian_page, "xxx", timeout_s=30)


@needs_tesseract
def test_scanned_pdf_end_to_end(russian_page, english_page):
    """render -> OCR: an image-only PDF (Pillow's PDF writer) read page by page."""
    buf = io.BytesIO()
    blank = Image.new("L", russian_page.size, 255)
    russian_page.save(buf, "PDF", save_all=True, append_images=[blank, english_page], resolution=220)
    pages = dict(render_pdf_pages(buf.getvalue(), [0, 2], dpi=220))
    assert sorted(pages) == [0, 2]
    assert_russian_read(ocr_image(pages[0]).text, lossless=False)
    assert "DECLARATION OF CONFORMITY" in ocr_image(pages[2]).text


@needs_tesseract
def test_exif_rotated_photo_end_to_end(russian_page):
    stored = russian_page.transpose(Image.Transpose.ROTATE_270)  # sensor data turned clockwise
    exif = Image.Exif()
    exif[0x0112] = 8  # "turn 90 deg counter-clockwise to view"
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=90, exif=exif.tobytes())
    [frame] = load_image_frames(buf.getvalue())
    page = ocr_image(frame)
    assert page.rotation == 0 and page.attempts == 1  # upright after loading: no OSD needed
    assert_russian_read(page.text, lossless=False)
