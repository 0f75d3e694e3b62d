"""Does the paper fit the product? The cases the rapidfuzz thresholds of rules/fit.yaml were tuned
on: a change of threshold that breaks one of these is a change of behaviour sellers will notice."""

import pytest

from checker.judging.fit import fits_product, product_description

PB_CERT = """ЗАЯВИТЕЛЬ «ШЭНЬЧЖЭНЬ ЛУНТЭН ЭЛЕКТРОНИКС КО., ЛТД.» (SHENZHEN LONGTENG ELECTRONICS CO., LTD.).
ИЗГОТОВИТЕЛЬ «ШЭНЬЧЖЭНЬ ЛУНТЭН ЭЛЕКТРОНИКС КО., ЛТД.». Место нахождения: Китай, г. Шэньчжэнь.
ПРОДУКЦИЯ  Аккумуляторы портативные литий-полимерные (внешние зарядные устройства,
«power bank»), торговая марка «VOLTEX», модель PB-1001, номинальная ёмкость 10000 мА·ч (37
Вт·ч). Продукция изготовлена в соответствии с Директивой 2014/35/EU. Серийный выпуск.
КОД ТН ВЭД ЕАЭС  8507 60 000 0
СООТВЕТСТВУЕТ ТРЕБОВАНИЯМ  ТР ТС 004/2011"""

TOY_DECL = """Заявитель Общество с ограниченной ответственностью «ТоргИмпорт Плюс».
заявляет, что  Игрушки мягконабивные, не предназначенные для детей до 3 лет: мягкая
игрушка «Панда Бао», высота 30 см, торговая марка «HAPPY TOYS», артикул TOY-3001.
Изготовитель  «ШАНЬТОУ ХЭППИ ТОЙЗ КО., ЛТД.» (SHANTOU HAPPY TOYS CO., LTD.)."""


def test_description_is_the_product_field_only(rules):
    cert = product_description(PB_CERT, rules.fit)
    assert cert.startswith("Аккумуляторы портативные") and cert.endswith("10000 мА·ч (37 Вт·ч).")
    assert "LONGTENG" not in cert and "8507" not in cert
    decl = product_description(TOY_DECL, rules.fit)
    assert decl.startswith("Игрушки мягконабивные") and decl.endswith("артикул TOY-3001.")
    assert "SHANTOU" not in decl      # the manufacturer's name is not the product's brand
    assert product_description("Руководство по эксплуатации. Внешний аккумулятор VOLTEX.", rules.fit) is None


SMARTWATCH = "Часы наручные электронные «смарт-часы» с функцией беспроводной связи Bluetooth, модель FIT S2"
CASES = [
    # (description, brand, name, fits) - why
    (PB_CERT, "VOLTEX", "Внешний аккумулятор VOLTEX 10000 мАч", True),        # brand named
    (PB_CERT, "voltex", "", True),                                             # case does not matter
    (PB_CERT, "ZENTRO", "Внешний аккумулятор ZENTRO 10000 мАч", False),       # another brand's paper
    (PB_CERT, "VOLTEC", "", False),                                            # one letter off a 6-letter brand (83): another brand
    (PB_CERT.replace("VOLTEX", "V0LTEXX"), "VOLTEXX", "", True),              # OCR misread one letter of 7 (86)
    (TOY_DECL, "HAPPY TOYS", "Мягкая игрушка Панда Бао", True),                # a brand of two words
    (TOY_DECL, "SHANTOU", "Мягкая игрушка Панда Бао 30 см", False),            # the manufacturer's name is outside the product field
    (SMARTWATCH, "", "Смарт-часы HUAYAO FIT S2", True),                        # no brand on the paper: type and model shared
    (SMARTWATCH, "", "Смарт-часы HUAYAO FIT S3", False),                       # same type, another model
    (PB_CERT, "", "Чайник электрический PB-1001", False),                      # same model number, another type
    (PB_CERT, "", "Аккумулятор внешний PB1001", True),                         # inflection ("аккумуляторы") and a model without its hyphen
    (PB_CERT, "", "Внешний аккумулятор", None),                                # a type alone: nothing distinctive, not judged
    (PB_CERT, "", "Внешний аккумулятор 10000 мАч", None),                      # a capacity is no model: not judged either
    (PB_CERT, "", "Внешний аккумулятор VOLTEX 10000 мАч", True),               # no brand column: the brand written in the name
    (PB_CERT, "", "Внешний аккумулятор ZENTRO 10000 мАч", False),              # ... and another brand's name does not fit
    (PB_CERT, "", "Внешний аккумулятор USB 10000 мАч", None),                  # USB is no brand (3 letters): not judged
]


@pytest.mark.parametrize("description, brand, name, fits", CASES)
def test_tuning_cases(rules, description, brand, name, fits):
    text = product_description(description, rules.fit) or description
    assert fits_product(text, brand, name, rules.fit) is fits


def test_nothing_to_compare_is_not_judged(rules):
    assert fits_product(PB_CERT, "", "", rules.fit) is None


def test_sku_list_columns_by_alias(rules):
    assert rules.fit.product_of({"sku": "A", "Бренд": "VOLTEX", "Наименование товара": "Внешний аккумулятор"}) == ("VOLTEX", "Внешний аккумулятор")
    assert rules.fit.product_of({"sku": "A", "品牌": "小米", "商品名称": "移动电源"}) == ("小米", "移动电源")
    assert rules.fit.product_of({"sku": "A", "category": "power_bank"}) == ("", "")


def test_fit_rules_are_validated_with_file_and_line(tmp_path, rules):
    import shutil

    from checker.rulefile import RuleError
    from checker.rules import load_rules

    folder = tmp_path / "rules"
    shutil.copytree(rules.directory, folder)
    text = (folder / "fit.yaml").read_text(encoding="utf-8")
    (folder / "fit.yaml").write_text(text.replace("brand_min_score: 85", "brand_min_score: 120"), encoding="utf-8")
    with pytest.raises(RuleError, match=r"fit\.yaml:\d+: 'brand_min_score' must be a rapidfuzz score"):
        load_rules(folder)
    (folder / "fit.yaml").write_text(text, encoding="utf-8")
    reg = (folder / "register.yaml").read_text(encoding="utf-8")
    (folder / "register.yaml").write_text(reg.replace("in_force: true", "in_force: false"), encoding="utf-8")
    with pytest.raises(RuleError, match=r"register\.yaml:\d+: no status code is in_force"):
        load_rules(folder)


def _paper(path, regulations, text=""):
    from checker.models import DocumentNumber, FileAnalysis, FileFacts, FileKind, FileResult, Group, PageText

    facts = FileFacts(sha256="0" * 64, size=1, mime="application/pdf", kind=FileKind.TEXT_PDF,
                      pages=[PageText(1, "text", text)])
    analysis = FileAnalysis(numbers=[DocumentNumber("ЕАЭС N RU Д-CN.РА01.В.12345/24", "eaeu", "declaration", True)],
                            regulations=list(regulations), role="conformity")
    return FileResult(path=path, name=path.rsplit("/", 1)[-1], group=Group.SKU, sku="PB-1", facts=facts,
                      analysis=analysis, counted=True)


@pytest.mark.parametrize("papers, flagged", [
    ([("toy.pdf", ["ТР ТС 008/2011"])], {"toy.pdf"}),                                   # only a toy paper
    ([("toy.pdf", ["ТР ТС 008/2011"]), ("pb.pdf", ["ТР ТС 020/2011"])], set()),          # one fitting paper is enough
    ([("toy.pdf", ["ТР ТС 008/2011"]), ("blurred.pdf", [])], set()),                     # unreadable regulations: not flagged
    ([("pb.pdf", ["ТР ТС 004/2011", "ТР ТС 020/2011"])], set()),
])
def test_certificate_mismatch_needs_every_readable_paper_to_miss(rules, papers, flagged):
    from checker.models import SkuResult
    from checker.judging.paper_checks import judge_fit

    files = [_paper(p, regs) for p, regs in papers]
    sku = SkuResult("PB-1", "power_bank", "power_bank", {"sku": "PB-1"}, files)
    fit = judge_fit(sku, rules.categories["power_bank"], files, rules, "Power banks")
    assert {f.path for f in files if id(f) in fit.misfits} == flagged
    assert [x.code.code for x in fit.findings] == ["certificate_mismatch"] * len(flagged)
