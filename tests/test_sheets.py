"""Missing pages: a paper that states its sheet count or an appendix and holds fewer pages is
`document_incomplete` (issue 13). Papers are generated at test time; the scan is OCR'd for real."""

import pytest

from checker.rulefile import RuleError, load_yaml
from checker.analysis.sheets import SheetRules
from conftest import read_csv
from helpers.papers import TODAY, Paper, certificate_lines, page_image, scan, sku_folder

VALID = ("ЕАЭС RU С-CN.АЯ46.В.01234/23", "12.03.2023", "11.03.2028")


@pytest.mark.parametrize("text,stated", [
    ("Приложение (бланк № 0123456) на 2 листах", 3),
    ("ДОПОЛНИТЕЛЬНАЯ ИНФОРМАЦИЯ Приложение к сертификату\nна одном листе", 2),
    ("Приложение на 1 (одном) листе", 2),
    ("Лист 1 из 2", 2), ("ЛИСТ 1/3", 3), ("Лист 1 Листов 4", 4),
    ("Страница 1 из 5", 5), ("стр. 2 из 3", 3), ("Page 1 of 2", 2), ("Sheet 1 of 3", 3),
    ("第1页 共2页", 2), ("共 3 页", 3),
    ("Серия RU № 0412345, протокол № 2303-117/ИЛ от 09.03.2023", None),   # numbers that are not counts
    ("Page 1 of 9999", None),                                           # a misread, not a length
])
def test_statements_of_length(rules, text, stated):
    assert rules.sheets.stated_pages(text) == stated


def test_a_bad_statement_pattern_is_refused_with_its_line(rules, tmp_path):
    source = (rules.directory / "sheets.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "sheets.yaml"
    broken.write_text(source.replace("(?P<total>\\d{1,3})\\b'\n  - name: sheets_total", "(\\d{1,3})\\b'\n  - name: sheets_total"),
                      encoding="utf-8")
    with pytest.raises(RuleError) as error:
        SheetRules.from_data(load_yaml(broken))
    assert "sheets.yaml" in str(error.value) and "named group 'total'" in str(error.value)


def _certificate(pages: int, *extra: str) -> Paper:
    paper = Paper()
    for number in range(1, pages + 1):
        paper.add_page()
        paper.lines(certificate_lines(*VALID, *extra) if number == 1 else [f"Лист {number} из 2", "Продолжение."])
    return paper


def _scanned(*extra: str) -> Paper:
    paper = Paper()
    paper.add_page()
    paper.picture(page_image(certificate_lines(*VALID, *extra)))
    return paper


PAPERS = {
    "SHEET-1": (lambda: _certificate(1, "Лист 1 из 2"), "disabled"),
    "SHEET-2": (lambda: _certificate(2, "Лист 1 из 2"), "ok"),
    "SHEET-3": (lambda: _certificate(1, "Приложение (бланк № 0123456) на 1 листе"), "disabled"),
    "SHEET-4": (lambda: _certificate(2, "Приложение (бланк № 0123456) на 1 листе"), "ok"),
    "SHEET-5": (lambda: _scanned("Лист 1 из 2"), "disabled"),
}


@pytest.mark.ocr
def test_a_two_sheet_certificate_with_one_page_is_incomplete(tmp_path):
    papers = tmp_path / "papers"
    for sku, (make, _) in PAPERS.items():
        sku_folder(papers, sku, make())
    (papers / "skus.csv").write_text("sku,category\n" + "".join(f"{s},power_bank\n" for s in PAPERS), encoding="utf-8")
    for run in ("cold", "warm"):   # the cache on, and what it serves
        scan(papers, "--skus", papers / "skus.csv", "--today", TODAY, "--out", tmp_path / f"{run}.csv",
              "--files-out", tmp_path / f"{run}-files.csv", "--cache-dir", tmp_path / "cache", "-q")
        report = {r["sku"]: r for r in read_csv(tmp_path / f"{run}.csv")}
        for sku, (_, status) in PAPERS.items():
            row = report[sku]
            assert row["chat_status"] == status, row
            assert ("document_incomplete" in row["reasons"]) == (status == "disabled"), row
            assert row["reasons"] in ("", "document_incomplete"), row
        assert "says it has 2 sheets but holds 1 page(s)" in report["SHEET-1"]["details"]
        assert "says it has 2 sheets but holds 1 page(s)" in report["SHEET-3"]["details"]
