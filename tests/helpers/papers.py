"""Conformity papers made at test time (fpdf2, the [samples] extra): text PDFs, scans with and
without an OCR layer, layers that hide text. Every name and number here is invented."""

from __future__ import annotations

import shutil
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image, ImageDraw, ImageFont

TODAY = "2026-11-26"   # the date the generated papers are judged on
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SAMPLES = Path(__file__).resolve().parents[2] / "sample_docs"
MANUAL = SAMPLES / "company" / "PB-1001" / "RU_PB-1001_manual.pdf"


def certificate_lines(number: str, start: str, end: str, *extra: str) -> list[str]:
    """The lines of an EAEU certificate of conformity for a power bank (dates as DD.MM.YYYY)."""
    return ["ЕВРАЗИЙСКИЙ ЭКОНОМИЧЕСКИЙ СОЮЗ", "СЕРТИФИКАТ СООТВЕТСТВИЯ", f"№ {number}",
            "ЗАЯВИТЕЛЬ Общество с ограниченной ответственностью «Пример Импорт», Москва.",
            "ПРОДУКЦИЯ Аккумуляторы портативные литий-полимерные, модель PB-77.",
            "СООТВЕТСТВУЕТ ТРЕБОВАНИЯМ ТР ТС 004/2011; ТР ТС 020/2011",
            f"СРОК ДЕЙСТВИЯ С {start} ПО {end} ВКЛЮЧИТЕЛЬНО", *extra]


class Paper(FPDF):
    def __init__(self):
        super().__init__(format="A4")
        self.add_font("dejavu", "", str(DEJAVU))
        self.set_font("dejavu", size=11)
        self.set_auto_page_break(False)

    def lines(self, lines: list[str], top: float = 20, mode: TextMode = TextMode.FILL,
              colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.text_mode = mode
        self.set_text_color(*colour)
        for i, line in enumerate(lines):
            self.text(15, top + i * 7, line)
        self.text_mode = TextMode.FILL
        self.set_text_color(0, 0, 0)

    def picture(self, image: Image.Image) -> None:
        self.image(image, x=0, y=0, w=self.w, h=self.h)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.output(str(path))
        return path


def page_image(lines: list[str], top: float = 20, width: int = 1240, height: int = 1754) -> Image.Image:
    """An A4 page at 150 dpi with `lines` printed where Paper.lines(lines, top) puts them (11 pt,
    7 mm apart, from 15 mm left): a clean scan, which a scanner's OCR layer would lie over exactly."""
    mm = width / 210
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), round(11 / 72 * 25.4 * mm))
    for i, line in enumerate(lines):
        draw.text((15 * mm, (top + i * 7) * mm), line, fill=0, font=font, anchor="ls")
    return image


def picture_image(width: int = 1240, height: int = 1754) -> Image.Image:
    """A page-sized picture with no writing on it (shapes, as a product photo would be)."""
    image = Image.new("RGB", (width, height), (230, 236, 240))
    draw = ImageDraw.Draw(image)
    for i in range(12):
        draw.ellipse((60 + i * 80, 200 + i * 90, 400 + i * 60, 600 + i * 80), fill=(40 + i * 15, 90, 160 - i * 8))
    return image


def sku_folder(root: Path, sku: str, certificate: Paper, category: str = "power_bank") -> Path:
    """root/skus.csv naming one SKU, its certificate as RU_certificate.pdf and a Russian manual."""
    folder = root / sku
    certificate.save(folder / "RU_certificate.pdf")
    shutil.copyfile(MANUAL, folder / "RU_manual.pdf")
    (root / "skus.csv").write_text(f"sku,category\n{sku},{category}\n", encoding="utf-8")
    return root


def scan(*args) -> str:
    """Run `doccheck scan ARGS` in-process, as the installed command does; its output."""
    from click.testing import CliRunner

    from checker.cli import main
    from conftest import _Entry

    result = CliRunner().invoke(_Entry(main), ["scan", *map(str, args)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.output
