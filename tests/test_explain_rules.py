"""`doccheck explain CODE` and `doccheck rules [CATEGORY]`, in English, Russian and Chinese, as a new
user types them."""

import pytest

from checker import codes, i18n

LANGS = ("en", "ru", "zh")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("code", [c.code for c in codes.ALL_CODES])
def test_explain_every_code_in_every_language(run_cli, rules, code, lang):
    status, out, err = run_cli("explain", code, "--lang", lang)
    assert status == 0, err
    text = rules.reason_text(code, lang)
    assert out.startswith(f"{code}: {text.title}\n")
    assert text.why in out and text.fix in out
    assert i18n.t("explain.why", lang) in out and i18n.t("explain.fix", lang) in out
    blocking = i18n.t("explain.blocking.yes" if codes.BY_NAME[code].blocking else "explain.blocking.no", lang)
    assert blocking in out
    assert i18n.t(f"explain.scope.{codes.BY_NAME[code].scope.value}", lang) in out


@pytest.mark.parametrize("lang,words", [
    ("en", ["Blocks chat: yes", "Why Ozon cares:", "How to fix:", "EAEU"]),
    ("ru", ["Отключает чат: да", "Почему это важно для Ozon:", "Как исправить:", "ЕАЭС"]),
    ("zh", ["是否关闭聊天：是", "Ozon 为什么关注：", "如何修复：", "欧亚经济联盟"]),
])
def test_explain_no_certificate_reads_naturally(run_cli, lang, words):
    status, out, _ = run_cli("explain", "no_certificate", "--lang", lang)
    assert status == 0
    for word in words:
        assert word in out


def test_explain_forgives_case_and_dashes(run_cli):
    status, out, _ = run_cli("explain", "Certificate-Expired", "--lang", "en")
    assert status == 0 and out.startswith("certificate_expired: ")


@pytest.mark.parametrize("lang", LANGS)
def test_explain_unknown_code_is_one_line_listing_valid_codes(run_cli, lang):
    status, out, err = run_cli("explain", "no_such_code", "--lang", lang)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "no_such_code" in err
    for code in codes.ALL_CODES:
        assert code.code in err


def test_explain_without_code_lists_every_code(run_cli, rules):
    status, out, _ = run_cli("explain", "--lang", "zh")
    assert status == 0
    for code in codes.ALL_CODES:
        assert f"{code.code:<28} {rules.reason_text(code, 'zh').title}" in out


@pytest.mark.parametrize("lang,heading,need", [
    ("en", "Categories (restricted need a conformity document", "high-risk: certificate + Russian manual"),
    ("ru", "Категории (для ограниченных нужен документ о соответствии", "повышенный риск: сертификат + инструкция на русском"),
    ("zh", "类目（受限类目需要合格证明文件", "高风险：合格证明 + 俄语说明书"),
])
def test_rules_listing_in_every_language(run_cli, rules, lang, heading, need):
    status, out, _ = run_cli("rules", "--lang", lang)
    assert status == 0
    assert out.startswith(heading)
    assert need in out
    for key in rules.categories:                      # rule keys and codes stay as they are
        assert f"  {key}" in out
    for code in codes.ALL_CODES:
        assert rules.reason_text(code, lang).title in out and code.code in out


def test_rules_listing_in_english_keeps_its_layout(run_cli):
    _, out, _ = run_cli("rules", "--lang", "en")
    # a power bank works at 5-20 V DC: not ТР ТС 004/2011 (50-1000 V AC, 75-1500 V DC)
    assert "  power_bank                     high-risk: certificate + Russian manual  [ТР ТС 020/2011, ТР ЕАЭС 037/2016]" in out
    assert "                                 accepts: certificate_of_conformity, declaration" in out
    assert "  certificate_expiring         at risk      Conformity document expires soon" in out
    assert "  missing_ru_prefix            blocks chat  File name lacks the RU_ prefix" in out


@pytest.mark.parametrize("lang,name,need,regulation", [
    ("en", "Smartwatches (rule key: smartwatch)", "Restricted and high-risk.", "ТР ТС 020/2011 — Electromagnetic compatibility of technical equipment"),
    ("ru", "Смарт-часы (ключ правила: smartwatch)", "Ограниченная категория повышенного риска.", "ТР ТС 020/2011 — Электромагнитная совместимость технических средств"),
    ("zh", "智能手表 (规则键：smartwatch)", "受限且高风险类目。", "ТР ТС 020/2011 — 技术设备的电磁兼容性"),
])
def test_rules_category_by_any_alias_in_every_language(run_cli, lang, name, need, regulation):
    for alias in ("Смарт-часы", "smartwatch", "智能手表", "SMART WATCHES"):
        status, out, err = run_cli("rules", alias, "--lang", lang)
        assert status == 0, err
        lines = out.splitlines()
        assert lines[0] == name
        assert need in out and regulation in out
        assert "ТР ЕАЭС 037/2016" in out
        assert i18n.t("cat.files", lang) in out and i18n.t("cat.kyc", lang) in out


def test_rules_category_restricted_not_high_risk(run_cli):
    _, out, _ = run_cli("rules", "Игрушки", "--lang", "ru")
    assert out.splitlines()[0] == "Детские игрушки (ключ правила: children_toys)"
    assert "Инструкция не обязательна." in out
    assert "ТР ТС 008/2011 — О безопасности игрушек" in out


def test_rules_category_unrestricted(run_cli):
    status, out, _ = run_cli("rules", "Books", "--lang", "zh")
    assert status == 0
    assert out.splitlines()[0] == "图书 (规则键：books)"
    assert "非受限类目" in out and "ТР" not in out


def test_rules_category_without_regulations_says_so(run_cli):
    _, out, _ = run_cli("rules", "medical_device", "--lang", "en")
    assert i18n.t("cat.regulations.none", "en") in out


def test_rules_category_lists_accepted_types_and_its_source(run_cli):
    _, out, _ = run_cli("rules", "medical_device", "--lang", "en")
    assert "  registration_certificate — a medical device registration certificate (РУ)" in out
    assert "declaration" not in out.split("accepts:")[1].split("Files:")[0]
    assert "source: Federal Law 323-ФЗ" in out and "(read 2026-11-30)" in out
    _, out, _ = run_cli("rules", "БАД", "--lang", "ru")
    assert "  certificate_of_registration — свидетельство о государственной регистрации (СГР)" in out
    _, out, _ = run_cli("rules", "pyrotechnics", "--lang", "en")
    assert "ТР ТС 006/2011 — Safety of pyrotechnic products" in out


def test_every_category_has_a_source_and_restricted_ones_accept_ozon_types():
    from checker.analysis.doctypes import OZON_TYPES
    from checker.rules import load_rules

    for cat in load_rules().categories.values():
        source = dict(cat.source)
        assert source["text"] and source["read"], cat.key
        assert set(cat.accepts) <= set(OZON_TYPES), cat.key
        assert bool(cat.accepts) == cat.restricted or not cat.restricted, cat.key
        assert "refused_letter" not in cat.accepts, cat.key


@pytest.mark.parametrize("lang", LANGS)
def test_rules_unknown_category_suggests_close_names(run_cli, lang):
    status, out, err = run_cli("rules", "watches", "--lang", lang)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "smartwatch" in err.casefold() or "Smartwatch" in err
    status, _, err = run_cli("rules", "zzzzzz", "--lang", lang)
    assert status == 2 and "zzzzzz" in err


def test_bad_language_is_bad_usage(run_cli):
    status, _, err = run_cli("explain", "no_certificate", "--lang", "de")
    assert status == 2 and "de" in err
