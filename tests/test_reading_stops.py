"""Read what the verdict needs, then stop (issue 18; checker/reading/enough.py): a conformity paper
page by page until its type, number, dates and regulations are on the pages read; another paper
after the page that names it; a manual until its language is settled; a page never read is never
OCR'd; KYC papers are read whole. The files report says which pages were read and why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from checker.reading.enough import STOP_LANGUAGE, STOP_PAPER, STOP_TYPE, ReadingPlan
from checker.reading.extract import pages_to_read
from checker.rules import load_rules
from conftest import read_csv
from helpers.papers import TODAY, Paper, page_image, pages_pdf

REPO = Path(__file__).resolve().parents[1]
NUMBER = "ЕАЭС N RU Д-CN.РА01.В.12345/24"
FORM = ["ЕВРАЗИЙСКИЙ ЭКОНОМИЧЕСКИЙ СОЮЗ", "ДЕКЛАРАЦИЯ О СООТВЕТСТВИИ",
        "Заявитель Общество с ограниченной ответственностью «ТестИмпорт», Москва.",
        "заявляет, что Аккумуляторы портативные литий-ионные, модель PB-77",
        "соответствует требованиям ТР ТС 004/2011; ТР ТС 020/2011",
        "Декларация о соответствии действительна с даты регистрации по 11.03.2029 включительно",
        f"Регистрационный номер декларации о соответствии: {NUMBER}",
        "Дата регистрации декларации о соответствии: 12.03.2024"]
ANNEX = ["ПРИЛОЖЕНИЕ К ДЕКЛАРАЦИИ О СООТВЕТСТВИИ", "Перечень моделей: PB-77, PB-78, PB-79",
         "Сведения о протоколах испытаний: протокол № 2403-101/ИЛ от 06.03.2024"]
RUSSIAN = ("Руководство по эксплуатации. Внешний аккумулятор предназначен для зарядки мобильных "
           "телефонов и планшетов через порт USB. Перед первым использованием полностью зарядите "
           "аккумулятор. Не разбирайте устройство и не оставляйте его под прямыми солнечными лучами.")
CHINESE = ("使用说明书。本移动电源用于为手机和平板电脑充电。首次使用前请充满电。请勿拆卸本产品，"
           "请勿将其放置在阳光直射或潮湿的地方。充电时请使用原装数据线，并远离儿童。") * 2


@pytest.fixture(scope="module")
def rules():
    return load_rules(None)


def plan_for(rules, page_count: int, profile_needs: bool = True) -> ReadingPlan:
    limits = rules.limits
    return ReadingPlan(pages_to_read(page_count, limits.pages_first, limits.pages_sample), limits.pages_first,
                       rules.reading_needs if profile_needs else None)


def read_all(plan: ReadingPlan, pages: list[str]) -> list[int]:
    while (index := plan.next_page()) is not None:
        plan.read(index, pages[index])
    return [i + 1 for i in plan.done]


# --- the decision, on texts (no PDF, no OCR) ------------------------------------------------------

def test_a_form_with_its_facts_on_page_one_is_read_in_one_page(rules):
    plan = plan_for(rules, 3)
    assert read_all(plan, ["\n".join(FORM), "\n".join(ANNEX), "\n".join(ANNEX)]) == [1]
    assert plan.stopped == STOP_PAPER


def test_a_form_whose_dates_are_on_page_two_is_read_to_page_two(rules):
    plan = plan_for(rules, 3)
    assert read_all(plan, ["\n".join(FORM[:5] + FORM[6:7]), "\n".join([FORM[5], FORM[7]]), "\n".join(ANNEX)]) == [1, 2]
    assert plan.stopped == STOP_PAPER


def test_a_form_that_never_gives_its_dates_is_read_to_the_last_first_page(rules):
    plan = plan_for(rules, 12)
    pages = ["\n".join(FORM[:5])] + ["\n".join(ANNEX)] * 11
    assert read_all(plan, pages) == [1, 2, 3]   # the first pages only: a form's facts are not in its annex
    assert plan.stopped == ""


def test_a_test_report_is_read_in_one_page(rules):
    plan = plan_for(rules, 4)
    assert read_all(plan, ["ПРОТОКОЛ ИСПЫТАНИЙ № 2403-101/ИЛ от 06.03.2024"] + ["\n".join(ANNEX)] * 3) == [1]
    assert plan.stopped == STOP_TYPE


def test_a_russian_manual_is_read_on_page_one_and_a_sample_from_the_rest(rules):
    plan = plan_for(rules, 10)
    assert read_all(plan, [RUSSIAN] * 10) == [1, 6]
    assert plan.stopped == STOP_LANGUAGE


def test_a_manual_with_a_chinese_page_is_read_through_every_page_that_may_be_read(rules):
    plan = plan_for(rules, 10)
    pages = [RUSSIAN] * 10
    pages[5] = CHINESE
    assert sorted(read_all(plan, pages)) == [1, 2, 3, 6, 8]   # as before issue 18: first 3 and 2 samples
    assert plan.stopped == ""


def test_a_two_page_manual_reads_both_pages(rules):
    assert read_all(plan_for(rules, 2), [RUSSIAN, RUSSIAN]) == [1, 2]


def test_without_needs_every_page_that_may_be_read_is_read(rules):
    """KYC papers (no ReadingNeeds): their stamps and visa pages may be on any page."""
    plan = plan_for(rules, 10, profile_needs=False)
    assert sorted(read_all(plan, [RUSSIAN] * 10)) == [1, 2, 3, 6, 8]


# --- through the command, cache on and off --------------------------------------------------------

def _scan(root: Path, out: Path, *extra: str) -> dict[str, dict]:
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--today", TODAY, "-q", "--jobs", "1",
                           "--out", str(out / "r.csv"), "--files-out", str(out / "f.csv"), *extra],
                          capture_output=True, text=True, timeout=900, cwd=REPO)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return {Path(r["path"]).name: r for r in read_csv(out / "f.csv")}


@pytest.mark.parametrize("cache", ["on", "off"])
def test_files_report_says_which_pages_were_read_and_why(tmp_path, cache):
    root = tmp_path / "batch"
    pages_pdf(root / "PB-1" / "RU_PB-1_declaration.pdf", [FORM, ANNEX, ANNEX])
    pages_pdf(root / "PB-1" / "RU_PB-1_manual.pdf", [[RUSSIAN]] * 10)
    pages_pdf(root / "PB-2" / "RU_PB-2_certificate.pdf", [["ПРОТОКОЛ ИСПЫТАНИЙ № 2403-101/ИЛ от 06.03.2024"], ANNEX, ANNEX])
    (root / "skus.csv").write_text("sku,category\nPB-1,power_bank\nPB-2,power_bank\n", encoding="utf-8")
    extra = ("--cache-dir", str(tmp_path / "cache")) if cache == "on" else ("--no-cache",)
    for run in ("cold", "warm") if cache == "on" else ("cold",):
        files = _scan(root, tmp_path / run, *extra)
        declaration, manual, report = (files[n] for n in ("RU_PB-1_declaration.pdf", "RU_PB-1_manual.pdf",
                                                          "RU_PB-2_certificate.pdf"))
        assert (declaration["page_count"], declaration["pages_read"]) == ("3", "1")
        assert "pages read: 1 of 3; the paper's type, number, dates and regulations are on them" in declaration["notes"]
        assert declaration["numbers"].startswith("ЕАЭС N RU Д-CN.РА01.В.12345/24")
        assert declaration["valid_until"] == "2029-03-11"
        assert (manual["page_count"], manual["pages_read"]) == ("10", "2")
        assert "pages read: 1, 6 of 10; their language is settled (Russian)" in manual["notes"]
        assert manual["language"] == "ru"
        assert (report["page_count"], report["pages_read"], report["type_evidence"]) == ("3", "1", "title:ПРОТОКОЛ ИСПЫТАНИЙ")
        assert "the first page says what the paper is" in report["notes"]


@pytest.mark.ocr
def test_a_page_never_read_is_never_ocrd(tmp_path):
    """A scanned two-page declaration whose first page holds the form: only page 1 is OCR'd."""
    root = tmp_path / "batch"
    paper = Paper()
    for lines in (FORM, ANNEX):
        paper.add_page()
        paper.picture(page_image(lines))
    paper.save(root / "PB-1" / "RU_PB-1_declaration.pdf")
    (root / "skus.csv").write_text("sku,category\nPB-1,power_bank\n", encoding="utf-8")
    files = _scan(root, tmp_path / "out", "--cache-dir", str(tmp_path / "cache"))
    row = files["RU_PB-1_declaration.pdf"]
    assert row["kind"] == "scanned_pdf" and row["page_count"] == "2" and row["pages_read"] == "1"
    assert row["ocr_pages"].startswith("p1 ") and "p2" not in row["ocr_pages"]
    assert row["valid_until"] == "2029-03-11"
