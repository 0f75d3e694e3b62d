"""Conformity papers made at test time with fpdf2 and the DejaVu font: text PDFs, scans with and
without an OCR layer, layers that hide text (the text-layer and missing-page tests), and EAEU
declarations and Russian manuals laid out like the Decision 293 form's fields (the register and
fit tests). Every name and number here is invented."""

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


def _text_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page text PDF of ``lines`` (DejaVu 10 pt) at ``path``."""
    return pages_pdf(path, [lines])


def pages_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A text PDF at ``path`` with one page per list of lines (DejaVu 10 pt)."""
    pdf = FPDF()
    pdf.add_font("dejavu", "", str(DEJAVU))
    pdf.set_font("dejavu", size=10)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


# Both regulations a power bank's paper names (low voltage, EMC): it fits the category before and
# after power_bank's list in categories.yaml changes.
POWER_BANK_REGULATIONS = ("ТР ТС 004/2011 «О безопасности низковольтного оборудования»; "
                          "ТР ТС 020/2011 «Электромагнитная совместимость технических средств»")


def declaration(path: Path, *, number: str, product: str, regulations: str = POWER_BANK_REGULATIONS,
                until: str = "11.03.2029", registered: str = "12.03.2024") -> Path:
    """An EAEU declaration of conformity: applicant, product ("заявляет, что …"), regulations, dates, number."""
    return _text_pdf(path, [
        "ЕВРАЗИЙСКИЙ ЭКОНОМИЧЕСКИЙ СОЮЗ",
        "ДЕКЛАРАЦИЯ О СООТВЕТСТВИИ",
        "Заявитель Общество с ограниченной ответственностью «ТестИмпорт». Место нахождения: 109428, Россия, г. Москва, "
        "Рязанский проспект, дом 8А.",
        "в лице Генерального директора Иванова Ивана Ивановича",
        f"заявляет, что {product}",
        "Изготовитель «ШЭНЬЧЖЭНЬ ТЕСТ ЭЛЕКТРОНИКС КО., ЛТД.». Место нахождения: Китай, г. Шэньчжэнь.",
        "Код ТН ВЭД ЕАЭС 8507 60 000 0. Серийный выпуск",
        f"соответствует требованиям {regulations}",
        "Декларация о соответствии принята на основании протокола испытаний № 2403-101/ИЛ от 06.03.2024. Схема декларирования 1д.",
        f"Декларация о соответствии действительна с даты регистрации по {until} включительно",
        f"Регистрационный номер декларации о соответствии: {number}",
        f"Дата регистрации декларации о соответствии: {registered}",
    ])


def manual(path: Path) -> Path:
    """A Russian user manual of a power bank (Russian enough for the language check)."""
    text = ("Руководство по эксплуатации. Внешний аккумулятор предназначен для зарядки мобильных телефонов, "
            "планшетов и других устройств с питанием от порта USB. Перед первым использованием полностью "
            "зарядите аккумулятор. Не разбирайте устройство, не подвергайте его воздействию влаги и высоких "
            "температур. Храните в сухом месте при комнатной температуре. Срок службы три года. ")
    return _text_pdf(path, [text * 3])
