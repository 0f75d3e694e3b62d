"""The OCR engine seam (issue 11): reading reaches tesseract only through the engine interface,
the page policy runs on any engine, the wrapper keeps no process-wide state, and the cluster
preflight refuses workers whose engine or reading code differ from what the cache key expects."""

import re
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from checker import cache_keys
from checker.process.cluster import ClusterError, check_workers
from checker.reading import engines
from checker.reading.engines.tesseract import TesseractEngine
from checker.reading.ocr import ocr_image, read_lines_again

PACKAGE = cache_keys.PACKAGE
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def test_only_the_engine_module_imports_the_tesseract_wrapper():
    importers = sorted(path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
                       if "checker.external.tesseract" in cache_keys.module_imports(PACKAGE, path))
    assert importers == ["reading/engines/tesseract.py"]


def test_no_module_outside_the_wrapper_imports_pytesseract():
    statement = re.compile(r"^[ \t]*(?:import|from)[ \t]+pytesseract\b", re.M)
    users = [path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
             if statement.search(path.read_text(encoding="utf-8"))]
    assert users == ["external/tesseract.py"]


def test_tesseract_is_an_ocr_engine_and_the_default():
    engine = engines.engine()
    assert isinstance(engine, TesseractEngine) and isinstance(engine, engines.OcrEngine)
    assert engine.id == "tesseract"
    assert engine.install_hint(["chi_sim"]) == "apt-get install tesseract-ocr-chi-sim"


@pytest.fixture(scope="module")
def page() -> Image.Image:
    font = ImageFont.truetype(FONT, 30)
    img = Image.new("L", (1300, 330), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(["СЕРТИФИКАТ СООТВЕТСТВИЯ", "№ ЕАЭС RU С-CN.АЯ46.В.01234/23",
                              "Срок действия с 20.06.2023 по 19.06.2028"]):
        draw.text((60, 60 + i * 70), line, font=font, fill=0)
    return img


class CountingEngine(TesseractEngine):
    """tesseract, counting the reads and remembering where each one wrote."""

    def __init__(self):
        self.reads, self.folders = [], []

    def recognise(self, image, langs, psm=3, timeout_s=60.0, *, dpi=None, workdir=None):
        self.reads.append(langs)
        self.folders.append(Path(workdir))
        return super().recognise(image, langs, psm, timeout_s, dpi=dpi, workdir=workdir)


@pytest.mark.ocr
def test_the_page_policy_runs_on_the_engine_it_is_given_and_writes_only_where_told(page, tmp_path):
    engine = CountingEngine()
    before = tempfile.tempdir
    result = ocr_image(page, engine=engine, tmpdir=str(tmp_path))
    assert "СООТВЕТСТВИЯ" in result.text and "01234/23" in result.text
    assert engine.reads == ["rus+eng"] and result.attempts == 1   # an upright page: one read
    assert engine.folders[0].parent == tmp_path and engine.folders[0].name.startswith("doccheck-ocr-")
    assert list(tmp_path.iterdir()) == []          # the page's private folder is gone
    assert tempfile.tempdir == before              # and nothing process-wide was rewritten


@pytest.mark.ocr
def test_a_number_s_lines_are_read_again_at_every_scale_in_one_engine_run(page, tmp_path):
    first = ocr_image(page, tmpdir=str(tmp_path))
    number_line = {(w.block, w.par, w.line) for w in first.words if "01234/23" in w.text}
    engine = CountingEngine()
    reads = read_lines_again(page, first.words, number_line, "rus+eng", (1.0, 1.5, 2.0), engine=engine,
                             tmpdir=str(tmp_path))
    assert engine.reads == ["rus+eng"]          # three scales, one run
    assert len(reads) == 3
    for words in reads:                          # each scale's read, in the page's own pixels
        again = [w for w in words if (w.block, w.par, w.line) in number_line]
        assert "01234/23" in " ".join(w.text for w in again)
        assert all(abs(w.top - 130) < 25 for w in again)
        assert [w.text for w in words if (w.block, w.par, w.line) not in number_line] == \
            [w.text for w in first.words if (w.block, w.par, w.line) not in number_line]


class FakeClient:
    """What check_workers asks of a distributed.Client: run a function on every worker."""

    def __init__(self, answers):
        self.answers = answers

    def run(self, func):
        return self.answers


def answer(engine="tesseract 5.3.0 [chi_sim,eng,osd,rus]", reading=None):
    return {"engine": engine, "message": "", "daemon": False,
            "reading": cache_keys.reading_digest() if reading is None else reading}


def test_workers_with_the_expected_engine_and_reading_code_pass():
    client = FakeClient({"tcp://a:1": answer(), "tcp://b:1": answer()})
    assert check_workers(client, "tesseract 5.3.0 [chi_sim,eng,osd,rus]", True) == "tesseract 5.3.0 [chi_sim,eng,osd,rus]"


def test_a_worker_with_another_engine_version_is_refused():
    client = FakeClient({"tcp://a:1": answer(), "tcp://b:1": answer("tesseract 5.4.1 [chi_sim,eng,osd,rus]")})
    with pytest.raises(ClusterError, match=r"tcp://b:1 has tesseract 5\.4\.1"):
        check_workers(client, "tesseract 5.3.0 [chi_sim,eng,osd,rus]", True)


def test_a_worker_with_other_reading_code_is_refused_even_without_ocr():
    client = FakeClient({"tcp://a:1": answer(), "tcp://b:1": answer(reading="0" * 32)})
    with pytest.raises(ClusterError, match="tcp://b:1 runs other doccheck reading code"):
        check_workers(client, "", False)
