"""KYC evidence markers from rules/markers.yaml, on clean and OCR-noisy text."""

from pathlib import Path

import pytest

from checker.analysis.markers import MarkerRules, find_markers, match_markers
from checker.rulefile import RuleError
from helpers.texts import NOTARISED_TRANSLATION

RULES = Path(__file__).resolve().parents[1] / "rules" / "markers.yaml"


@pytest.fixture(scope="module")
def markers() -> MarkerRules:
    return MarkerRules.load(RULES)




# The same page as tesseract rus+eng returns it from a phone photo: Latin look-alikes in
# Cyrillic words, words broken apart and run together, ё, a hyphenated line break.
NOISY_TRANSLATION = """ПEРEВОД с китайскoго языка на русскuй
БИЗНЕС -ЛИЦЕНЗИЯ
Еди ный код социальнoго кредита 91440300MA5G8ABC1X
Устав ный капитал: 1 000 000 юаней
Я, Петров С.Н., HOTAPИYC города Москвы, свидетельствую подлин-
ность подписи переводчика. Зарегистрировано в ре естре N° 77/123-н/77-2025-1-456"""

CHINESE_LICENCE_OCR = """营 业 执 照
统一社会信用代码 91440300MA5G8ABC1X
名 称 深圳市华星电子有限公司
类 型 有限责任公司
法定代表人 张伟
经营范围 电子产品的研发与销售
注册资本 人民币壹佰万元整
成立日期 2018年03月12日
登记机关 深圳市市场监督管理局"""

CHINESE_NOTARIAL_CERTIFICATE = """公 证 书
(2025)深证字第12345号
兹证明前面的深圳市华星电子有限公司《营业执照》副本复印件与原件相符。
中华人民共和国广东省深圳市深圳公证处
公证员 李明
NOTARIAL CERTIFICATE
This is to certify that the photocopy of the Business License is in conformity with the original.
Shenzhen Notary Public Office, Notary: Li Ming"""

CHINESE_PASSPORT_OCR = """中华人民共和国
PEOPLE'S REPUBLIC OF CHINA
护照 PASSPORT
类型/Type 国家码/Country Code 护照号/Passport No.
P CHN E98765432
姓/Surname 张 ZHANG  名/Given names 伟 WEI
出生地点/Place of birth 广东 GUANGDONG 签发日期/Date of issue 21 MAY 2023
签发机关/Authority 国家移民管理局 National Immigration Administration 有效期至/Date of expiry 20 MAY 2033"""

RUSSIAN_VISA_OCR = """РОССИЙСКАЯ ФЕДЕРАЦИЯ RUSSIAN FEDERATION ВИЗА VISA
КАТЕГОРИЯ ОБЫКНОВЕННАЯ ВИД ДЕЛОВАЯ КОЛ-ВО ВЪЕЗДОВ NO.OF ENTRIES ОДНОКРАТНАЯ
ДЕЙСТВИТЕЛЬНА С 01.05.2025 ДО 30.07.2025
ФАМИЛИЯ ZHANG ИМЯ WEI ДАТА РОЖДЕНИЯ 15.03.1985 ПОЛ M
ПАСПОРТ E98765432 ЦЕЛЬ ПОЕЗДКИ КОММЕРЧЕСКАЯ ПРИГЛАШАЮЩАЯ ОРГАНИЗАЦИЯ ООО РОМАШКА"""

APOSTILLE = """APOSTILLE
(Convention de La Haye du 5 octobre 1961)
1. Country: People's Republic of China
2. This public document has been signed by Li Ming
3. acting in the capacity of Notary"""


def test_keys_the_kyc_checklist_needs_exist(markers):
    required = {"business_licence", "translation_ru", "notarisation", "passport", "visa", "apostille",
                "consular_legalisation", "social_insurance", "bank_account_certificate"}
    assert required <= set(markers.keys())


def test_russian_notarised_translation(markers):
    found = match_markers(NOTARISED_TRANSLATION, markers)
    assert {"business_licence", "translation_ru", "notarisation"} <= set(found)
    assert "ru" in found["business_licence"]
    assert "passport" not in found and "visa" not in found


def test_ocr_noisy_translation_still_reads(markers):
    found = match_markers(NOISY_TRANSLATION, markers)
    assert {"business_licence", "translation_ru", "notarisation"} <= set(found)
    assert found["business_licence"] == {"ru"}


def test_chinese_licence_is_only_chinese(markers):
    found = match_markers(CHINESE_LICENCE_OCR, markers)
    assert found == {"business_licence": frozenset({"zh"})}


def test_chinese_notarial_certificate_is_a_notarisation(markers):
    found = match_markers(CHINESE_NOTARIAL_CERTIFICATE, markers)
    assert "notarisation" in found and {"zh", "en"} <= found["notarisation"]


def test_notary_word_alone_is_not_a_notarisation(markers):
    assert "notarisation" not in find_markers("Документ можно заверить у нотариуса по месту жительства.", markers)


def test_passport_data_page_and_visa_page_are_told_apart(markers):
    passport = find_markers(CHINESE_PASSPORT_OCR, markers)
    visa = match_markers(RUSSIAN_VISA_OCR, markers)
    assert "passport" in passport and "visa" not in passport
    assert "visa" in visa and "ru" in visa["visa"]
    assert "passport" not in visa      # a visa names the passport, but has none of the data-page labels


def test_apostille_and_its_convention(markers):
    found = match_markers(APOSTILLE, markers)
    assert set(found) == {"apostille"} and {"en", "fr"} <= found["apostille"]
    assert find_markers("附加证明书\n海牙公约", markers) == ["apostille"]
    assert find_markers("Консульская легализация. Консульский отдел Посольства России в КНР", markers) == ["consular_legalisation"]
    assert find_markers("领事认证", markers) == ["consular_legalisation"]


def test_words_match_whole_not_inside_other_words(markers):
    # "visa" inside "advisable", "бик" inside "бикини", "апостиль" needs its own word start
    assert find_markers("It is advisable to check the visas-free list. Купальник бикини.", markers) == []


def test_social_insurance_languages(markers):
    assert match_markers("社会保险参保缴费证明", markers)["social_insurance"] == {"zh"}
    assert match_markers("Справка об уплате взносов на социальное страхование", markers)["social_insurance"] == {"ru"}
    assert match_markers("Certificate of Social Insurance Contributions", markers)["social_insurance"] == {"en"}


def test_find_markers_is_sorted_and_empty_for_no_text(markers):
    keys = find_markers(NOTARISED_TRANSLATION + "\n" + APOSTILLE, markers)
    assert keys == sorted(keys)
    assert find_markers("", markers) == [] and find_markers("   \n", markers) == []


# --- validation ------------------------------------------------------------------------------

GOOD = """markers:
  apostille:
    kind: existence
    title: apostille
    phrases:
      en: [apostille]
"""


def _load(tmp_path, text):
    path = tmp_path / "markers.yaml"
    path.write_text(text, encoding="utf-8")
    return MarkerRules.load(path), path


@pytest.mark.parametrize("broken, line, words", [
    (GOOD.replace("kind: existence", "kind: existance"), 3, "unknown kind 'existance'"),
    (GOOD.replace("en: [apostille]", "en: []"), 6, "non-empty list"),
    (GOOD.replace("    phrases:\n      en: [apostille]\n", "    patterns:\n      en: ['apostil(le']\n"), 6, "bad regular expression"),
    (GOOD.replace("en: [apostille]", "de: [apostille]"), 6, "unknown language 'de'"),
    (GOOD.replace("    title: apostille\n", "    title: apostille\n    min: 2\n"), 5, "unknown field 'min'"),
    (GOOD.replace("en: [apostille]", "en: [ap]"), 6, "too short"),
    (GOOD.replace("    phrases:\n      en: [apostille]\n", "    patterns:\n      en: ['x*']\n"), 6, "matches empty text"),
    (GOOD + "  notarisation:\n    kind: conditional\n    title: notary\n    first:\n      phrases: {ru: [нотариус]}\n",
     8, "needs 'second'"),
    (GOOD + "  labels:\n    kind: occurrence\n    min: 3\n    title: x\n    phrases: {en: [surname, given names]}\n",
     9, "min 3 is more than its 2"),
    (GOOD.replace("    title: apostille\n", "    title: apostille\n    source: ''\n"), 5, "'source' must be a non-empty text"),
    (GOOD.replace("    title: apostille\n", "    title: apostille\n    unless: [x]\n"), 5, "'unless' needs phrases"),
    (GOOD.replace("    title: apostille\n", "    title: apostille\n    unless:\n      words: {en: [xyz]}\n"), 6,
     "unknown field 'words' in 'unless'"),
])
def test_broken_rule_file_names_file_and_line(tmp_path, broken, line, words):
    with pytest.raises(RuleError) as err:
        _load(tmp_path, broken)
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'markers.yaml'}:{line}: "), message
    assert words in message


def test_the_good_file_loads(tmp_path):
    rules, _ = _load(tmp_path, GOOD)
    assert find_markers("APOSTILLE", rules) == ["apostille"]


def test_yaml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(RuleError) as err:
        _load(tmp_path, GOOD + "  bad: [unclosed\n")
    assert str(err.value).startswith(f"{tmp_path / 'markers.yaml'}:")


def test_from_data_accepts_plain_dicts():
    rules = MarkerRules.from_data({"markers": {"visa": {"kind": "occurrence", "min": 2, "title": "visa",
                                                        "phrases": {"ru": ["виза", "кол-во въездов"]}}}})
    assert find_markers("ВИЗА ... КОЛ-ВО ВЪЕЗДОВ 1", rules) == ["visa"]
    assert find_markers("ВИЗА", rules) == []
    with pytest.raises(RuleError, match="unknown kind"):
        MarkerRules.from_data({"markers": {"visa": {"kind": "substitution", "title": "v", "phrases": {"ru": ["виза"]}}}})


def test_unless_words_of_another_paper_rule_the_marker_out(tmp_path):
    text = GOOD.replace("    title: apostille\n", "    title: apostille\n    source: Hague Convention of 5 October 1961, art. 4\n"
                        "    unless:\n      phrases: {en: [table of contents]}\n")
    rules, _ = _load(tmp_path, text)
    assert rules.markers["apostille"].source.startswith("Hague Convention")
    assert find_markers("APOSTILLE", rules) == ["apostille"]
    assert find_markers("Table of contents: 1. Apostille", rules) == []


def test_every_shipped_marker_names_the_source_of_its_wording():
    from pathlib import Path
    rules = MarkerRules.load(Path(__file__).resolve().parents[1] / "rules" / "markers.yaml")
    assert "154-FZ" in rules.markers["consular_legalisation"].source
    assert "GB 32100-2015" in rules.markers["business_licence"].source
    assert all(marker.source for marker in rules.markers.values()), [k for k, m in rules.markers.items() if not m.source]
