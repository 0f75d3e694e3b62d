"""Small text-layer PDFs of EAEU declarations and Russian manuals, written with fpdf2 and the DejaVu
font (fictitious companies; the layout follows the Decision 293 declaration form's fields)."""

from __future__ import annotations

from pathlib import Path

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _pdf(path: Path, lines: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("dejavu", "", FONT)
    pdf.set_font("dejavu", size=10)
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
    return _pdf(path, [
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
    return _pdf(path, [text * 3])
