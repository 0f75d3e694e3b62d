"""Conformity numbers, validity dates, regulations and titles read from dirty PDF/OCR text."""

from __future__ import annotations

import random
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.analysis.numbers import NumberRules, Validity, document_title, find_numbers, find_regulations, find_validity
from checker.rulefile import RuleError

RULES_PATH = Path(__file__).parents[1] / "rules" / "numbers.yaml"


@pytest.fixture(scope="module")
def rules() -> NumberRules:
    return NumberRules.load(RULES_PATH)


def only(text: str, rules: NumberRules):
    numbers = find_numbers(text, rules)
    assert len(numbers) == 1, numbers
    return numbers[0]


# -- every scheme and member state -----------------------------------------------------------------

@pytest.mark.parametrize("text, official, scheme, doc_type, state", [
    ("ЕАЭС RU С-CN.АЯ46.В.01234/23", "ЕАЭС RU С-CN.АЯ46.В.01234/23", "eaeu", "certificate", "RU"),
    ("ЕАЭС N RU Д-CN.РА01.В.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24", "eaeu", "declaration", "RU"),
    ("ЕАЭС N RU Д-TR.РА01.А.44855/19", "ЕАЭС N RU Д-TR.РА01.А.44855/19", "eaeu", "declaration", "RU"),
    ("ЕАЭС BY/112 02.01. ТР018 010.02 00276", "ЕАЭС BY/112 02.01. ТР018 010.02 00276", "eaeu", "certificate", "BY"),
    ("ЕАЭС BY/112 11.01. ТР004 003 01234", "ЕАЭС BY/112 11.01. ТР004 003 01234", "eaeu", "declaration", "BY"),
    ("ЕАЭС KZ 7500533.01.01.06080", "ЕАЭС KZ 7500533.01.01.06080", "eaeu", "certificate", "KZ"),
    ("ЕАЭС KG417/039.RU.02.06810", "ЕАЭС KG417/039.RU.02.06810", "eaeu", "certificate", "KG"),
    ("ЕАЭС KG417/013.Д.0002575", "ЕАЭС KG417/013.Д.0002575", "eaeu", "declaration", "KG"),
    ("ЕАЭС AM-008/S.A-0175-2018", "ЕАЭС AM-008/S.A-0175-2018", "eaeu", "certificate", "AM"),
    ("ТС RU С-CN.АЯ46.В.01234", "ТС RU С-CN.АЯ46.В.01234", "customs_union", "certificate", "RU"),
    ("ТС N RU Д-CN.АЯ46.В.12345", "ТС N RU Д-CN.АЯ46.В.12345", "customs_union", "declaration", "RU"),
    ("ТС N RU Д-RU.АГ39.В.03156/14", "ТС N RU Д-RU.АГ39.В.03156/14", "customs_union", "declaration", "RU"),
    ("ТС N RU Д-RU.АЕ67.В01835", "ТС N RU Д-RU.АЕ67.В01835", "customs_union", "declaration", "RU"),
    ("ТС BY/112 02.01. 002 00671", "ТС BY/112 02.01. 002 00671", "customs_union", "certificate", "BY"),
    ("RU С-CN.АЯ46.В.01234", "RU С-CN.АЯ46.В.01234", "ru_technical_regulation", "certificate", "RU"),
    ("RU Д-CN.АЯ46.В.01234/24", "RU Д-CN.АЯ46.В.01234/24", "ru_technical_regulation", "declaration", "RU"),
    ("РОСС CN.АЯ46.В12345", "РОСС CN.АЯ46.В12345", "gost_r", "certificate", "RU"),
    ("РОСС CN.АЯ46.Н12345", "РОСС CN.АЯ46.Н12345", "voluntary", "certificate", "RU"),
    ("РОСС RU.АИ86.Д00320", "РОСС RU.АИ86.Д00320", "gost_r", "declaration", "RU"),
    ("РОСС RU Д-CN.РА01.В.12345/24", "РОСС RU Д-CN.РА01.В.12345/24", "gost_r", "declaration", "RU"),
    ("РОСС RU С-RU.НВ34.В.00690/26", "РОСС RU С-RU.НВ34.В.00690/26", "gost_r", "certificate", "RU"),
])
def test_each_scheme_and_member_state(rules, text, official, scheme, doc_type, state):
    n = only(f"Номер документа: {text}, выдан органом по сертификации.", rules)
    assert (n.official, n.scheme, n.doc_type, n.registered_in) == (official, scheme, doc_type, state)
    assert n.well_formed and n.problem is None
    assert n.raw == text


def test_kazakh_number_takes_its_type_from_the_title(rules):
    text = "ДЕКЛАРАЦИЯ О СООТВЕТСТВИИ\nЗаявитель ТОО «Ромашка»\nЕАЭС KZ 7500361.13.12.01234"
    n = only(text, rules)
    assert (n.official, n.doc_type) == ("ЕАЭС KZ 7500361.13.12.01234", "declaration")


# -- look-alikes and OCR damage --------------------------------------------------------------------

@pytest.mark.parametrize("text, official", [
    ("EAЭC N RU Д-CN.PA01.B.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),           # Latin typed
    ("EA3C N RU Д-CN.PA01.B.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),           # OCR: Э read as 3
    ("EAC RU C-CN.АЯ46.B.01234/23", "ЕАЭС RU С-CN.АЯ46.В.01234/23"),                  # the EAC mark as prefix
    ("ЕАЭС N RU Д- CN. РА01 .В. 12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),        # stray spaces
    ("ЕАЭС № RU Д–CN.РА01.В.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),            # № and en dash
    ("ЕАЭС No RU Д—CN.РА01.В.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),           # No and em dash
    ("ЕАЭС N RU Д‑CN.РА01.В.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),            # non-breaking hyphen
    ("ЕАЭС N RU Д−CN.РА01.В.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),            # minus sign
    ("ЕАЭС RU Д-CN.РА01.В.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),              # the N left out
    ("ЕАЭС N RU Д-СМ.РА01.В.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),            # OCR: CN as Cyrillic СМ
    ("ЕАЭС N RU Д-СN.РА01.В.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),            # OCR: Cyrillic С
    ("ЕАЭС N РU Д-CN.РА01.В.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),            # OCR: RU as РU
    ("ЕАЭС N ВU Д-CN.РА01.В.12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),            # OCR: RU as ВU
    ("ЕАЭС N RU Д-CN.PA0I.B.I234O/24", "ЕАЭС N RU Д-CN.РА01.В.12340/24"),            # O and I in digits
    ("ЕАЭС N RU Д-CN.РА01.В.\n12345/24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),          # line break inside
    ("ЕАЭС N\nRU Д-CN.РА01.В.12345/\n24", "ЕАЭС N RU Д-CN.РА01.В.12345/24"),
    ("ЕАЭС RU C-CN.HB26.B.04260/24", "ЕАЭС RU С-CN.НВ26.В.04260/24"),                # Latin C for С
    ("TC RU C-CN.AB29.A.05694", "ТС RU С-CN.АВ29.А.05694"),
    ("POCC CN.AЯ46.H12345", "РОСС CN.АЯ46.Н12345"),
    ("РОСС.NL.ФМ09.Д00778", "РОСС NL.ФМ09.Д00778"),                                  # dot after РОСС
    ("РОСС RU.АИ 86.Д00384", "РОСС RU.АИ86.Д00384"),                                  # space in body code
    ("POCC RU Д-RU.PA01.B.17254/23", "РОСС RU Д-RU.РА01.В.17254/23"),
    ("ЕАЭС BУ/112 11.01. TP037 118.01 12594", "ЕАЭС BY/112 11.01. ТР037 118.01 12594"),
    ("ЕАЭС BY / 112 O2.01.ТР018 010 .02 00276", "ЕАЭС BY/112 02.01. ТР018 010.02 00276"),
    ("ЕАЭС KZ.7500533.O1.01.06080", "ЕАЭС KZ 7500533.01.01.06080"),
    ("ЕАЭС КG 417/039.ru.02.06810", "ЕАЭС KG417/039.RU.02.06810"),
    ("ЕАЭС KG417/18.д.0000338", "ЕАЭС KG417/18.Д.0000338"),
])
def test_lookalikes_and_ocr_variants_give_the_official_form(rules, text, official):
    n = only(f"Сведения о документе: {text} ", rules)
    assert n.official == official
    assert n.well_formed, n.problem


def test_declaration_number_keeps_n_but_certificate_gets_none(rules):
    assert only("№ ЕАЭС N RU С-CN.АЯ46.В.01234/23", rules).official == "ЕАЭС RU С-CN.АЯ46.В.01234/23"
    assert only("ТС RU Д-CN.АЯ46.В.12345", rules).official == "ТС N RU Д-CN.АЯ46.В.12345"
    assert only("РОСС RU Д-CN.РА01.В.12345/24", rules).official == "РОСС RU Д-CN.РА01.В.12345/24"


def test_missing_dot_is_restored_unless_the_number_is_an_early_customs_union_one(rules):
    assert only("ЕАЭС N RU Д-CN.РА01.В12345/24", rules).official == "ЕАЭС N RU Д-CN.РА01.В.12345/24"
    assert only("ТС N RU Д-RU.АЕ67.В01835", rules).official == "ТС N RU Д-RU.АЕ67.В01835"


# -- malformed candidates --------------------------------------------------------------------------

@pytest.mark.parametrize("text, official, problem", [
    ("ЕАЭС RU С-CN.АЯ46.В.1234/23", "ЕАЭС RU С-CN.АЯ46.В.1234/23", "serial number '1234' does not have 5 digits"),
    ("ЕАЭС N RU Д-CN.РА01.В.123456/24", "ЕАЭС N RU Д-CN.РА01.В.123456/24", "serial number '123456' does not have 5 digits"),
    ("ЕАЭС RU С-CN.В.01234/23", "ЕАЭС RU С-CN.В.01234/23", "accreditation body code is missing"),
    ("ЕАЭС RU С-CN.АЯ4.В.01234/23", "ЕАЭС RU С-CN.АЯ4.В.01234/23", "accreditation body code 'АЯ4' is not 2 Cyrillic letters and 2 digits"),
    ("ЕАЭС RU С-CN.AJ46.В.01234/23", "ЕАЭС RU С-CN.АJ46.В.01234/23", "accreditation body code 'АJ46' is not 2 Cyrillic letters and 2 digits"),
    ("ЕАЭС RU С-CN.АЯ46.01234/23", "ЕАЭС RU С-CN.АЯ46.01234/23", "series letter is missing"),
    ("ЕАЭС RU Х-CN.АЯ46.В.01234/23", "ЕАЭС RU Х-CN.АЯ46.В.01234/23", "'Х' where С (certificate) or Д (declaration) belongs"),
    ("ЕАЭС RU -CN.АЯ46.В.01234/23", "ЕАЭС RU -CN.АЯ46.В.01234/23", "no С/Д letter after the registering state"),
    ("ЕАЭС RU С-QQ.АЯ46.В.01234/23", "ЕАЭС RU С-QQ.АЯ46.В.01234/23", "unknown applicant country code 'QQ'"),
    ("ЕАЭС RU С-CHN.АЯ46.В.01234/23", "ЕАЭС RU С-CHN.АЯ46.В.01234/23", "unknown applicant country code 'CHN'"),
    ("ЕАЭС FR С-CN.АЯ46.В.01234/23", "ЕАЭС FR С-CN.АЯ46.В.01234/23", "registering state 'FR' does not issue numbers in this layout"),
    ("ЕАЭС RU С-CN.АЯ46.В.01234/2023", "ЕАЭС RU С-CN.АЯ46.В.01234/2023", "year suffix '/2023' does not have 2 digits"),
    ("RU С-CN.АЯ46.В.1234", "RU С-CN.АЯ46.В.1234", "serial number '1234' does not have 5 digits"),
    ("РОСС CN.АЯ46.Н1234", "РОСС CN.АЯ46.Н1234", "serial number '1234' does not have 5 digits"),
    ("РОСС CN.Н12345", "РОСС CN.Н12345", "accreditation body code is missing"),
    ("ЕАЭС BY/113 11.01. ТР004 003 01234", "ЕАЭС BY/113 11.01. ТР004 003 01234", "Belarus register code '113' is not 112"),
    ("ЕАЭС KZ 750036.01.01.01234", "ЕАЭС KZ 750036.01.01.01234", "body code '750036' does not have 7 digits"),
    ("ЕАЭС KG417/013.Д.257", "ЕАЭС KG417/013.Д.257", "serial number '257' does not have 7 digits"),
])
def test_malformed_numbers_are_reported_with_their_problem(rules, text, official, problem):
    n = only(f"Документ: {text} ", rules)
    assert not n.well_formed
    assert (n.official, n.problem) == (official, problem)


def test_several_problems_are_all_named(rules):
    n = only("ЕАЭС RU Х-QQ.АЯ46.В.1234/23", rules)
    assert n.problem == ("'Х' where С (certificate) or Д (declaration) belongs; "
                         "unknown applicant country code 'QQ'; serial number '1234' does not have 5 digits")


def test_unrecognised_number_after_the_title_is_reported(rules):
    text = "СЕРТИФИКАТ СООТВЕТСТВИЯ\n№ RU/CN-АЯ46-В-0123\nСрок действия с 01.02.2023 по 31.01.2028"
    n = only(text, rules)
    assert (n.official, n.doc_type, n.well_formed) == ("RU/CN-АЯ46-В-0123", "certificate", False)
    assert n.problem == "does not match any known registration number layout"
    assert n.position == text.index("RU/CN")


def test_number_after_the_title_without_prefix_is_read_in_its_layout(rules):
    n = only("ДЕКЛАРАЦИЯ О СООТВЕТСТВИИ N BY/112 11.01. ТР037 118.01 12594", rules)
    # no ЕАЭС printed, none supplied: a Belarusian national number
    assert (n.official, n.scheme, n.doc_type, n.well_formed) == ("BY/112 11.01. ТР037 118.01 12594", "national", "declaration", True)
    n = only("Регистрационный номер декларации о соответствии: RU Д-CN.РА01.В.1234/24", rules)
    assert (n.scheme, n.well_formed, n.problem) == ("ru_technical_regulation", False, "serial number '1234' does not have 5 digits")


# -- things that are not numbers ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Орган по сертификации ООО «Тест», аттестат аккредитации RA.RU.11АЯ46, дата 01.02.2016",
    "Орган по сертификации, рег. № РОСС RU.0001.11АЯ46",
    "СЕРТИФИКАТ СООТВЕТСТВИЯ № РОСС RU.0001.11АЯ46",
    "Система добровольной сертификации РОСС RU.В1156.04ИБН0",
    "Продукция соответствует требованиям ТР ТС 004/2011 и ТР ЕАЭС 037/2016",
    "ТАМОЖЕННЫЙ СОЮЗ СЕРТИФИКАТ СООТВЕТСТВИЯ Серия RU № 0123456",
    "СЕРТИФИКАТ СООТВЕТСТВИЯ № 0654321",
    "Сделано в РОССИИ. ТС-2000, модель AB С-12. Паспорт изделия № 5.",
    "Руководство по эксплуатации. Гарантийный талон. Дата продажи 12.03.2023",
])
def test_things_that_are_not_numbers_are_ignored(rules, text):
    assert find_numbers(text, rules) == []


def test_body_accreditation_ids_beside_a_number_do_not_show_up(rules):
    text = ("СЕРТИФИКАТ СООТВЕТСТВИЯ № ЕАЭС RU С-CN.АЯ46.В.01234/23\n"
            "ОРГАН ПО СЕРТИФИКАЦИИ ... аттестат аккредитации RA.RU.11АЯ46 (ранее РОСС RU.0001.11АЯ46)")
    assert [n.official for n in find_numbers(text, rules)] == ["ЕАЭС RU С-CN.АЯ46.В.01234/23"]


# -- several numbers in one text ---------------------------------------------------------------------

def test_numbers_are_deduplicated_in_order_with_positions(rules):
    text = ("ЕАЭС N RU Д-CN.РА01.В.12345/24 ... см. также ТС RU С-CN.АЯ46.В.01234\n"
            "Приложение к декларации EAЭC N RU Д-CN.PA01.B.12345/24 и RU Д-CN.РА01.В.12345/24")
    numbers = find_numbers(text, rules)
    assert [n.official for n in numbers] == ["ЕАЭС N RU Д-CN.РА01.В.12345/24", "ТС RU С-CN.АЯ46.В.01234"]
    assert [n.position for n in numbers] == [0, text.index("ТС RU")]


def test_bare_number_alone_stays_a_russian_technical_regulation_number(rules):
    numbers = find_numbers("RU С-RU.НЕ06.В.02103/24 и ЕАЭС RU С-CN.АЯ46.В.01234/23", rules)
    assert [(n.official, n.scheme) for n in numbers] == [
        ("RU С-RU.НЕ06.В.02103/24", "ru_technical_regulation"), ("ЕАЭС RU С-CN.АЯ46.В.01234/23", "eaeu")]


# -- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("СРОК ДЕЙСТВИЯ С 12.03.2023 ПО 11.03.2028 ВКЛЮЧИТЕЛЬНО", Validity(date(2023, 3, 12), date(2028, 3, 11), None)),
    ("Срок действия с 12.03.2023г. по 11.03.2028г.", Validity(date(2023, 3, 12), date(2028, 3, 11), None)),
    ("Срок действия с 12 марта 2023 г. по 11 марта 2028 г.", Validity(date(2023, 3, 12), date(2028, 3, 11), None)),
    ("Срок действия с «1» сентября 2023 года по «31» августа 2028 года", Validity(date(2023, 9, 1), date(2028, 8, 31), None)),
    ("Срок действия с 2023-03-12 по 2028-03-11", Validity(date(2023, 3, 12), date(2028, 3, 11), None)),
    ("СРОК ДЕЙСТВИЯ С 12. 03.2023 ПО 11 .03. 2028", Validity(date(2023, 3, 12), date(2028, 3, 11), None)),
    ("CPOK ДEЙCTBИЯ C 12.O3.2023 ПO 11.03.2O28", Validity(date(2023, 3, 12), date(2028, 3, 11), None)),
    ("СРОК ДЕЙСТВИЯ С\n12.03.2023\nПО\n11.03.2028", Validity(date(2023, 3, 12), date(2028, 3, 11), None)),
    ("Декларация о соответствии действительна с даты регистрации по 11.03.2029 включительно\n"
     "Дата регистрации декларации о соответствии: 12.03.2024",
     Validity(date(2024, 3, 12), date(2029, 3, 11), date(2024, 3, 12))),
    ("Дата регистрации декларации о соответствии 12.03.2024", Validity(None, None, date(2024, 3, 12))),
    ("Руководство по эксплуатации. Дата продажи 12.03.2023", Validity(None, None, None)),
])
def test_validity_wordings(rules, text, expected):
    assert find_validity(text, rules) == expected


def test_impossible_date_is_not_taken(rules):
    v = find_validity("Срок действия с 12.03.2023 по 31.02.2028. Срок действия до 28.02.2028", rules)
    assert (v.valid_from, v.valid_until) == (date(2023, 3, 12), date(2028, 2, 28))


def test_earliest_wording_wins(rules):
    text = ("СРОК ДЕЙСТВИЯ С 01.02.2023 ПО 31.01.2028 ВКЛЮЧИТЕЛЬНО\n"
            "Приложение ... предыдущий сертификат, срок действия с 01.02.2018 по 31.01.2023")
    assert find_validity(text, rules) == Validity(date(2023, 2, 1), date(2028, 1, 31), None)


# -- regulations and titles ----------------------------------------------------------------------------

def test_regulations_are_normalised_and_deduplicated(rules):
    text = ("Соответствует требованиям ТР ТС 004/2011 «О безопасности низковольтного оборудования», "
            "TP TC 020/2011, ТР ЕАЭС 037/2016; tr ts: тр тс 004/2011; OCR: TP EAЭC O37/2O16, ТР ТС 010 / 2011")
    assert find_regulations(text, rules) == ["ТР ТС 004/2011", "ТР ТС 020/2011", "ТР ЕАЭС 037/2016", "ТР ТС 010/2011"]


def test_no_regulations_in_plain_text(rules):
    assert find_regulations("ГОСТ 12.2.007.0-75, ТУ 1234-001-12345678-2010, ТРТ 4/20", rules) == []


@pytest.mark.parametrize("text, title", [
    ("ЕВРАЗИЙСКИЙ ЭКОНОМИЧЕСКИЙ СОЮЗ\nДЕКЛАРАЦИЯ О СООТВЕТСТВИИ\nЗаявитель ...", "declaration"),
    ("EAC\nCEPTИФИKAT COOTBETCTBИЯ\n№ ЕАЭС RU С-CN.АЯ46.В.01234/23", "certificate"),
    ("Декларация о соответствии принята на основании протокола", "declaration"),
    ("В описании упомянут сертификат соответствия.\nДЕКЛАРАЦИЯ О СООТВЕТСТВИИ", "declaration"),
    ("Руководство по эксплуатации электрочайника", None),
])
def test_document_title(rules, text, title):
    assert document_title(text, rules) == title


def test_whole_declaration(rules):
    text = """ЕВРАЗИЙСКИЙ ЭКОНОМИЧЕСКИЙ СОЮЗ
ДЕКЛАРАЦИЯ О СООТВЕТСТВИИ
Заявитель ООО "ТОРГ", ОГРН 1234567890123
Изготовитель Ningbo Example Co., Ltd. Китай
Продукция Чайник электрический, модель KT-1
соответствует требованиям TP TC 004/2011 "О безопасности низковольтного оборудования", ТР ТС 020/2011
Декларация о соответствии принята на основании протокола испытаний № 123/24 от 01.03.2024
Декларация о соответствии действительна с даты регистрации по 11.03.2029 включительно
М.П. Иванов И.И.
Регистрационный номер декларации о соответствии: EAЭC N RU Д-CN.PA01.B.12345/24
Дата регистрации декларации о соответствии: 12.03.2024"""
    n = only(text, rules)
    assert (n.official, n.doc_type, n.well_formed) == ("ЕАЭС N RU Д-CN.РА01.В.12345/24", "declaration", True)
    assert find_validity(text, rules) == Validity(date(2024, 3, 12), date(2029, 3, 11), date(2024, 3, 12))
    assert find_regulations(text, rules) == ["ТР ТС 004/2011", "ТР ТС 020/2011"]
    assert document_title(text, rules) == "declaration"


# -- speed on garbage ----------------------------------------------------------------------------------

def test_a_megabyte_of_adversarial_text_returns_promptly(rules):
    rng = random.Random(7)
    pieces = ["ЕАЭС ", "N ", "RU ", "Д-", "CN.", "РА01.", "В.", "1", "0", "O", "/", ".", " ", "\n", "ТС ", "РОСС ",
              "СРОК ДЕЙСТВИЯ С ", "12.", "03.", "ТР ТС ", "СЕРТИФИКАТ СООТВЕТСТВИЯ № ", "BY/112 ", "KZ ", "KG417/"]
    texts = ["".join(rng.choice(pieces) for _ in range(250_000))[:1_000_000],
             ("ЕАЭС N RU Д-CN.РА01.В." * 50_000)[:1_000_000],
             "ЕАЭС" + " " * 1_000_000,
             ("СРОК ДЕЙСТВИЯ С 12.03." * 60_000)[:1_000_000],
             ("ТР ТС 0" * 150_000)[:1_000_000]]
    for text in texts:
        started = time.perf_counter()
        find_numbers(text, rules)
        find_validity(text, rules)
        find_regulations(text, rules)
        document_title(text, rules)
        # about a second each on a quiet machine; backtracking blow-ups take minutes, so 10 s is no flake
        assert time.perf_counter() - started < 10, "catastrophic backtracking?"


# -- property: mangled well-formed numbers read back to the same official form ---------------------------

CYR_TO_LAT = {"А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
              "Х": "X", "У": "Y"}
LAT_TO_CYR = {v: k for k, v in CYR_TO_LAT.items()}
BODY_LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ"
# Every ISO code but CM and PY: written in Cyrillic they read "СМ"/"РУ", which OCR makes of CN/RU.
COUNTRIES = [c for c in RULES_PATH.read_text(encoding="utf-8").split("countries: >-")[1].split("\n\n")[0].split()
             if c not in ("CM", "PY")]
GAPS = ["", "", " ", "  ", "\n", " \n "]
SPACES = [" ", "  ", "\n", " \n "]
DASHES = ["-", "‐", "‑", "–", "—", "−"]

digit = st.sampled_from("0123456789")


def digits(n: int):
    return st.text(digit, min_size=n, max_size=n)


@st.composite
def numbers(draw):
    """(official form, tokens): tokens are (kind, text); kind says how the text may be mangled."""
    layout = draw(st.sampled_from(["eaeu", "tc", "tc_early", "bare", "gost_new", "gost_old", "by", "kz", "kg_c", "kg_d"]))
    kind = draw(st.sampled_from("СД"))
    country = draw(st.sampled_from(COUNTRIES))
    body = draw(st.text(st.sampled_from(BODY_LETTERS), min_size=2, max_size=2)) + draw(digits(2))
    series = draw(st.sampled_from(BODY_LETTERS))
    serial, year = draw(digits(5)), draw(digits(2))
    mark = [("numero", "N"), ("space", " ")] if kind == "Д" else []

    def ru_tail(with_year: bool, dot: bool = True):
        tokens = [("state", "RU"), ("space", " "), ("cyr", kind), ("dash", "-"), ("lat", country), ("sep", "."),
                  ("body", body), ("sep", "."), ("cyr", series)]
        tokens += [("sep", "."), ("dig", serial)] if dot else [("dig", serial)]
        tokens += [("sep", "/"), ("dig", year)] if with_year else []
        return tokens

    if layout in ("eaeu", "tc", "tc_early"):
        prefix = "ЕАЭС" if layout == "eaeu" else "ТС"
        tokens = [("cyr", prefix), ("space", " ")] + mark + ru_tail(layout != "tc_early", dot=layout != "tc_early")
    elif layout == "bare":
        tokens = ru_tail(draw(st.booleans()))
    elif layout == "gost_new":
        tokens = [("cyr", "РОСС"), ("space", " ")] + ru_tail(True)
    elif layout == "gost_old":
        tokens = [("cyr", "РОСС"), ("space", " "), ("lat", country), ("sep", "."), ("body", body), ("sep", "."),
                  ("cyr", series), ("dig", serial)]
    elif layout == "by":
        code, sub = draw(st.sampled_from(["02", "11"])), draw(digits(2))
        reg = draw(st.one_of(st.none(), digits(3)))
        body3 = draw(digits(3)) + draw(st.sampled_from(["", "." + draw(digits(2))]))
        tokens = [("cyr", "ЕАЭС"), ("space", " "), ("lat", "BY"), ("sep", "/"), ("dig", "112"), ("space", " "),
                  ("dig", code), ("sep", "."), ("dig", sub), ("sep", ". ")]
        tokens += [("cyr", "ТР"), ("dig", reg), ("space", " ")] if reg else []
        tokens += [("dig", body3), ("space", " "), ("dig", serial)]
    elif layout == "kz":
        tokens = [("cyr", "ЕАЭС"), ("space", " "), ("lat", "KZ"), ("space", " "), ("dig", draw(digits(7))), ("sep", "."),
                  ("dig", draw(digits(2))), ("sep", "."), ("dig", draw(digits(2))), ("sep", "."), ("dig", serial)]
    elif layout == "kg_c":
        tokens = [("cyr", "ЕАЭС"), ("space", " "), ("lat", "KG"), ("dig", "417"), ("sep", "/"), ("dig", draw(digits(3))),
                  ("sep", "."), ("lat", country), ("sep", "."), ("dig", draw(digits(2))), ("sep", "."), ("dig", serial)]
    else:
        tokens = [("cyr", "ЕАЭС"), ("space", " "), ("lat", "KG"), ("dig", "417"), ("sep", "/"), ("dig", draw(digits(3))),
                  ("sep", "."), ("cyr", "Д"), ("sep", "."), ("dig", draw(digits(7)))]
    official = "".join(text for _, text in tokens)
    return official, tokens


@st.composite
def mangled(draw):
    official, tokens = draw(numbers())
    out = []
    for i, (kind, text) in enumerate(tokens):
        if kind == "space" and i and tokens[i - 1][0] == "numero" and not out[-1]:
            continue                  # N left out: one gap, not two
        if kind == "cyr":
            text = "".join(CYR_TO_LAT[c] if c in CYR_TO_LAT and draw(st.booleans()) else c for c in text)
        elif kind == "lat":
            text = "".join(LAT_TO_CYR[c] if c in LAT_TO_CYR and draw(st.booleans()) else c for c in text)
        elif kind == "state":
            text = draw(st.sampled_from(["RU", "РU", "ВU"]))
        elif kind == "body":
            text = ("".join(CYR_TO_LAT.get(c, c) if draw(st.booleans()) else c for c in text[:2])
                    + "".join(draw(st.sampled_from("0OО")) if c == "0" else c for c in text[2:]))
        elif kind == "dig":
            text = "".join(draw(st.sampled_from("0OО")) if c == "0" else c for c in text)
        elif kind == "numero":
            text = draw(st.sampled_from(["N", "№", "No", ""]))
        elif kind == "space":
            text = draw(st.sampled_from(SPACES))
        elif kind == "dash":
            text = draw(st.sampled_from(GAPS)) + draw(st.sampled_from(DASHES)) + draw(st.sampled_from(GAPS))
        elif kind == "sep":
            text = draw(st.sampled_from(GAPS)) + text + draw(st.sampled_from(GAPS))
        out.append(text)
    return official, "".join(out)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled())
def test_mangled_well_formed_numbers_read_back_to_their_official_form(rules, case):
    official, text = case
    found = find_numbers(f"Регистрационный номер: {text} выдан 01.02.2024", rules)
    assert [(n.official, n.well_formed) for n in found] == [(official, True)]


# -- broken rule files name file and line ------------------------------------------------------------------

def _line_of(text: str, needle: str, after: str = "") -> int:
    start = text.index(after) if after else 0
    return text[:text.index(needle, start)].count("\n") + 1


@pytest.mark.parametrize("old, new, needle, after, message", [
    ("(?P<serial>{DIG}(?:[ ]?{DIG}){0,7})\n      (?: {_} / {_} (?P<year>", "(?P<serial>{DIG}(?:[ ]?{DIG}){0,7}\n      (?: {_} / {_} (?P<year>",
     "pattern:", "  ru:", "pattern does not compile"),
    ("срок \\s* действия \\s* (?:по|до)", "срок \\s* действия {SOON} (?:по|до)",
     "pattern: 'срок \\s* действия {SOON}", "", "unknown placeholder {SOON}"),
    ("country_codes: {СМ: CN,", "country_codes: {CM: CN,", "country_codes:", "", "must contain a Cyrillic letter"),
    ("      dot: {read: text, required: false}\n", "      dot: {read: text, required: false}\n      color: {read: text}\n",
     "color:", "", "field 'color' has no (?P<color>...) group"),
    ("layouts: [ru, voluntary_system, gost_old]", "layouts: [ru, voluntary_system, gost_older]", "layouts: [ru, voluntary_system, gost_older]", "", "no layout named 'gost_older'"),
    ("  - scheme: ru_technical_regulation", "  - scheme: ru_national", "scheme: ru_national", "", "unknown scheme 'ru_national'"),
])
def test_broken_rules_raise_rule_error_naming_file_and_line(tmp_path, old, new, needle, after, message):
    original = RULES_PATH.read_text(encoding="utf-8")
    assert old in original
    broken = original.replace(old, new, 1)
    path = tmp_path / "numbers.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        NumberRules.load(path)
    assert str(caught.value).startswith(f"{path}:{_line_of(broken, needle, after)}: ")
    assert message in str(caught.value)


# -- real register shapes (issue 12), each with where it was seen -------------------------------------

# (text as printed, official form, scheme, doc_type, registering state, source). Numbers of the
# issue's list are quoted there from public register records; "GitHub" ones were found again in
# public code (search of public repositories, 2026-11-30); the rest from the docstring of
# checker/conformity.py.
REGISTER_SHAPES = [
    ("РЗН 2025/25937", "РЗН 2025/25937", "medical_registration", "certificate", "RU",
     "Roszdravnadzor register form since 2012; issue 12 (invented serial of the real shape)"),
    ("ФСЗ 2010/08840", "ФСЗ 2010/08840", "medical_registration", "certificate", "RU",
     "GitHub: medical-shop sites list 'Набор оториноларингологический РУ № ФСЗ 2010/08840'"),
    ("ФСР 2010/08183", "ФСР 2010/08183", "medical_registration", "certificate", "RU", "issue 12; GitHub has 'РУ № ФСР 2011/10719'"),
    ("RU.77.01.34.001.Е.008072.06.11", "RU.77.01.34.001.Е.008072.06.11", "state_registration", "certificate", "RU",
     "issue 12: СГР of the EEC unified register, Cyrillic Е before 2012"),
    ("RU.77.99.11.003.R.004558.12.21", "RU.77.99.11.003.R.004558.12.21", "state_registration", "certificate", "RU", "issue 12"),
    ("KZ.16.01.98.003.R.000098.03.23", "KZ.16.01.98.003.R.000098.03.23", "state_registration", "certificate", "KZ", "issue 12"),
    ("BY.70.06.01.001.R.002680.11.24", "BY.70.06.01.001.R.002680.11.24", "state_registration", "certificate", "BY", "issue 12"),
    ("KG.11.01.09.012.R.006517.10.25", "KG.11.01.09.012.R.006517.10.25", "state_registration", "certificate", "KG", "issue 12"),
    ("AM.01.11.01.003.R.000577.10.24", "AM.01.11.01.003.R.000577.10.24", "state_registration", "certificate", "AM", "issue 12"),
    ("РОСС CN.АЯ58.Н06475", "РОСС CN.АЯ58.Н06475", "voluntary", "certificate", "RU", "issue 12: GOST R series Н (voluntary)"),
    ("РОСС RU.32001.04ИБФ1.ОСП28.85590", "РОСС RU.32001.04ИБФ1.ОСП28.85590", "voluntary", "certificate", "RU",
     "issue 12: a voluntary certification system's register number"),
    ("РОСС RU.33163.OC01.00631", "РОСС RU.33163.OC01.00631", "voluntary", "certificate", "RU", "issue 12 (dropped as 'no number' before)"),
    ("РОСС CN.ФМ08 Д27703", "РОСС CN.ФМ08.Д27703", "gost_r", "declaration", "RU", "issue 12: a space printed instead of the dot"),
    ("ЕАЭС Д BY/112 11.01. ТР005 085.01 00276", "ЕАЭС Д BY/112 11.01. ТР005 085.01 00276", "eaeu", "declaration", "BY",
     "issue 12: Belarusian declaration with its Д letter"),
    ("EAC RU C-CN.AB29.A.05694", "ТС RU С-CN.АВ29.А.05694", "customs_union", "certificate", "RU",
     "issue 12: a Customs Union number after the EAC mark keeps its ТС form"),
    ("ЕАЭС N RU Д-TR.РА01.А.44855/19", "ЕАЭС N RU Д-TR.РА01.А.44855/19", "eaeu", "declaration", "RU",
     "GitHub: pub.fsa.gov.ru lookup scripts (module docstring)"),
    ("ЕАЭС BY/112 02.01. ТР018 010.02 00276", "ЕАЭС BY/112 02.01. ТР018 010.02 00276", "eaeu", "certificate", "BY",
     "GitHub: Bostich2/cert-parser EEC register fixture (module docstring)"),
    ("ЕАЭС KG417/039.RU.02.06810", "ЕАЭС KG417/039.RU.02.06810", "eaeu", "certificate", "KG", "GitHub: swis.trade.kg parser tests"),
    ("РОСС RU.АИ86.Д00320", "РОСС RU.АИ86.Д00320", "gost_r", "declaration", "RU", "GitHub: pharmacy invoice parser tests"),
]


@pytest.mark.parametrize("text, official, scheme, doc_type, state, source", REGISTER_SHAPES,
                         ids=[r[0] for r in REGISTER_SHAPES])
def test_real_register_shapes(rules, text, official, scheme, doc_type, state, source):
    n = only(f"Документ № {text} выдан 01.02.2024.", rules)
    assert (n.official, n.scheme, n.doc_type, n.registered_in, n.well_formed) == (official, scheme, doc_type, state, True), source


@pytest.mark.parametrize("text, official", [
    ("СЕРТИФИКАТ СООТВЕТСТВИЯ № BY/112 02.01. 033 00123", "BY/112 02.01. 033 00123"),
    ("ДЕКЛАРАЦИЯ О СООТВЕТСТВИИ № KZ.7500361.07.03.00123", "KZ 7500361.07.03.00123"),
])
def test_a_national_number_gets_no_invented_prefix(rules, text, official):
    n = only(text, rules)
    assert (n.official, n.scheme) == (official, "national")
    assert "ЕАЭС" not in n.official


def test_an_ocr_number_split_across_a_blank_line_and_inside_a_digit_group_is_joined(rules):
    """The junk-text-layer declaration as tesseract reads it from its image (issue 13)."""
    n = only("ЕАЭС N RU\n\nД-СМ.РАОЗ.В.2 7514/25", rules)
    assert (n.official, n.well_formed) == ("ЕАЭС N RU Д-CN.РА03.В.27514/25", True)
    assert "joined across a line break" in n.repairs and "serial '2 7514' joined" in n.repairs


@pytest.mark.parametrize("mark", ["М", "И", "Н", "M", "H"])
def test_an_n_mark_read_as_a_letter_is_repaired_not_taken_for_a_country(rules, mark):
    n = only(f"ЕАЭС {mark} RU Д-CN.РА11.В.13293/25", rules)
    assert (n.official, n.scheme, n.well_formed) == ("ЕАЭС N RU Д-CN.РА11.В.13293/25", "eaeu", True)
    assert n.repairs[0] == f"N mark read as '{mark}'"
