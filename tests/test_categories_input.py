"""Categories as sellers write them (issue 13): folded, plural, Ozon paths, typos read as the nearest
category, and "did you mean …?" below the threshold. These are the cases categories.yaml's
`matching` thresholds were tuned on."""

import shutil

import pytest

from checker.rulefile import RuleError
from checker.rules import load_rules


@pytest.mark.parametrize("written,key,how", [
    ("home_appliance", "household_appliance", "name"),
    ("Power bank", "power_bank", "name"),
    ("POWER-BANKS", "power_bank", "name"),
    ("Детская игрушка", "children_toys", "name"),            # singular of Детские игрушки
    ("Смарт часы", "smartwatch", "name"),
    ("Электроника/Внешние аккумуляторы", "power_bank", "path"),
    ("Электроника > Смарт-часы и фитнес-браслеты > Смарт-часы", "smartwatch", "path"),
    ("Бытовая техника > Чайники", "household_appliance", "path"),   # an unknown leaf: its parent
    ("Powr banks", "power_bank", "close"),
    ("smartwach", "smartwatch", "close"),
    ("Household appliences", "household_appliance", "close"),
    ("Furnture", "furniture", "close"),
])
def test_categories_as_sellers_write_them_resolve(rules, written, key, how):
    match = rules.match_category(written)
    assert match.category is not None and (match.category.key, match.how) == (key, how)
    if how == "close":
        assert rules.category_matching.accept <= match.score < 100


@pytest.mark.parametrize("written,suggested", [
    ("Watches", "smartwatch"), ("Toyz", "children_toys"), ("Phones", "electronics"),
])
def test_below_the_threshold_unknown_with_the_nearest_named(rules, written, suggested):
    match = rules.match_category(written)
    assert match.category is None and match.suggestions[0] == suggested


@pytest.mark.parametrize("written", ["Power tools", "Кабели", "zzzz"])
def test_far_names_are_neither_read_nor_suggested(rules, written):
    match = rules.match_category(written)
    assert match.category is None and match.suggestions == ()


def test_category_inferred_from_an_ozon_product_name(rules):
    assert rules.infer_category("Внешний аккумулятор TESTBRAND 10000 мАч").category.key == "power_bank"
    assert rules.infer_category("Смарт-часы TESTBRAND Fit 2").category.key == "smartwatch"
    assert rules.infer_category("TESTBRAND 10000").category is None


def test_matching_thresholds_are_validated_with_file_and_line(tmp_path):
    from checker.rules import default_rules_dir

    rules_dir = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules_dir)
    path = rules_dir / "categories.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  suggest: 65\n", "  suggest: 95\n"), encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(rules_dir)
    line = next(n for n, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if l.startswith("  suggest:"))
    assert f"categories.yaml:{line}" in str(caught.value) and "must not be above accept" in str(caught.value)


SKUS = ("sku,category\nHA-1,home_appliance\nPB-1,Powr banks\nPB-2,Электроника/Внешние аккумуляторы\n"
        "W-1,Watches\n")


@pytest.mark.parametrize("lang,read_as,did_you_mean", [
    ("en", "read as Power banks", "did you mean Smartwatches?"),
    ("ru", "прочитана как «Внешние аккумуляторы»", "Смарт-часы"),
    ("zh", "按“移动电源”处理", "智能手表"),
])
def test_end_to_end_read_as_and_did_you_mean(run_cli, tmp_path, lang, read_as, did_you_mean):
    from conftest import read_csv

    (tmp_path / "papers" / "W-1").mkdir(parents=True)
    (tmp_path / "skus.csv").write_text(SKUS, encoding="utf-8")
    args = ("scan", tmp_path / "papers", "--skus", tmp_path / "skus.csv", "--today", "2026-11-26", "--no-ocr",
            "--cache-dir", tmp_path / "cache", "--lang", lang, "--out", tmp_path / "r.csv", "--html", tmp_path / "r.html")
    code, out, _ = run_cli(*args)
    rows = {r["sku"]: r for r in read_csv(tmp_path / "r.csv")}
    assert rows["HA-1"]["category_rule"] == "household_appliance" and rows["PB-2"]["category_rule"] == "power_bank"
    assert rows["PB-1"]["category_rule"] == "power_bank" and read_as in rows["PB-1"]["details"]
    assert "no_certificate" in rows["PB-1"]["reasons"]          # judged as a power bank: disabled, as Ozon would
    assert rows["W-1"]["category_rule"] == "" and "unknown_category" in rows["W-1"]["reasons"]
    assert did_you_mean.casefold() in rows["W-1"]["details"].casefold()
    assert did_you_mean.casefold() in out.casefold() and read_as in out      # the terminal says it too
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert did_you_mean.casefold() in html.casefold() and read_as in html
