"""The KYC checklist: per-file evidence from text, then the company / individual profiles."""

from dataclasses import asdict
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from checker.kyc import (KycRules, account_key_ok, analyse_kyc_text, evaluate_kyc, evaluate_kyc_files, payment_periods,
                         find_bank_checks)
from checker.analysis.markers import MarkerRules
from checker.models import FileFacts, FileKind, FileResult, Group, PageText
from checker.rulefile import RuleError
from helpers.texts import NOTARISED_TRANSLATION

RULES = Path(__file__).resolve().parents[1] / "rules"
TODAY = date(2025, 6, 20)


@pytest.fixture(scope="module")
def markers() -> MarkerRules:
    return MarkerRules.load(RULES / "markers.yaml")


@pytest.fixture(scope="module")
def kyc(markers) -> KycRules:
    return KycRules.load(RULES / "kyc.yaml", markers)


# --- check digits written out independently of checker/ ---------------------------------------

def icao_digit(field: str) -> str:
    value = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}, "<": 0}
    return str(sum(value[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


def td3(number: str, nationality: str, birth: str, expiry: str, surname: str = "ZHANG", given: str = "WEI") -> str:
    personal = "MGLBNFOHLJPLA<"
    body = (number + icao_digit(number) + nationality + birth + icao_digit(birth) + "M" + expiry + icao_digit(expiry)
            + personal + icao_digit(personal))
    line1 = f"PO{nationality}{surname}<<{given}".ljust(44, "<")
    return line1 + "\n" + body + icao_digit(body[0:10] + body[13:20] + body[21:43])


def mrv(number: str, nationality: str, birth: str, expiry: str, issuer: str = "RUS") -> str:
    body = number + icao_digit(number) + nationality + birth + icao_digit(birth) + "M" + expiry + icao_digit(expiry)
    return f"V<{issuer}ZHANG<<WEI".ljust(44, "<") + "\n" + body.ljust(44, "<")


def with_key(account: str, bik: str, rkc: bool = False) -> str:
    """Fill the 9th digit (the control key) of a 20-digit account the way the Bank of Russia does:
    3 x (sum of the low digits of products with weights 7,1,3) mod 10, with the key taken as 0."""
    prefix = "0" + bik[4:6] if rkc else bik[-3:]
    digits = prefix + account[:8] + "0" + account[9:]
    low_sum = sum((int(d) * (7, 1, 3)[i % 3]) % 10 for i, d in enumerate(digits))
    key = (low_sum % 10) * 3 % 10
    return account[:8] + str(key) + account[9:]


PASSPORT_NUMBER = "E98765432"
ACCOUNT = with_key("40802810000000012345", "044525974")
BAD_ACCOUNT = ACCOUNT[:8] + str((int(ACCOUNT[8]) + 1) % 10) + ACCOUNT[9:]

LICENCE_RU = NOTARISED_TRANSLATION

LICENCE_ZH = """营 业 执 照
统一社会信用代码 91440300MA5G8ABC1X
名 称 深圳市华星电子有限公司
法定代表人 张伟
经营范围 电子产品的研发与销售
注册资本 人民币壹佰万元整
成立日期 2018年03月12日
公 证 书
(2025)深证字第12345号
兹证明前面的《营业执照》副本复印件与原件相符。
深圳公证处 公证员 李明"""

PASSPORT = f"""中华人民共和国 PEOPLE'S REPUBLIC OF CHINA
护照 PASSPORT
类型/Type P 国家码/Country Code CHN 护照号/Passport No. {PASSPORT_NUMBER}
姓/Surname ZHANG 名/Given names WEI
出生地点/Place of birth 广东 GUANGDONG 签发机关/Authority 国家移民管理局
有效期至/Date of expiry 20 MAY 2033
{td3(PASSPORT_NUMBER, "CHN", "850315", "330520")}"""

VISA = f"""РОССИЙСКАЯ ФЕДЕРАЦИЯ RUSSIAN FEDERATION ВИЗА VISA
КОЛ-ВО ВЪЕЗДОВ NO.OF ENTRIES ОДНОКРАТНАЯ ДЕЙСТВИТЕЛЬНА С 01.05.2025 ДО 30.07.2025
ФАМИЛИЯ ZHANG ИМЯ WEI ПАСПОРТ {PASSPORT_NUMBER} ЦЕЛЬ ПОЕЗДКИ КОММЕРЧЕСКАЯ
{mrv("281234567", "CHN", "850315", "250730")}"""

APOSTILLE = """APOSTILLE
(Convention de La Haye du 5 octobre 1961)
1. Country: People's Republic of China
2. This public document has been signed by Li Ming, acting in the capacity of Notary"""

SOCIAL_ZH = """深圳市社会保险参保缴费证明（个人）
姓名：张伟 社会保障号码：44030019850315123X
参保险种：养老保险 医疗保险
2025年03月 已缴费 2025年04月 已缴费 2025年05月 已缴费
打印日期：2025年06月05日"""

SOCIAL_RU = """Справка об уплате взносов на социальное страхование (перевод с китайского языка)
ФИО: Чжан Вэй
03.2025 уплачено; 04.2025 уплачено; 05.2025 уплачено"""

SOCIAL_EN = """Certificate of Social Insurance Contributions (translation)
Name: Zhang Wei. Paid: March 2025, April 2025, May 2025"""

BANK = f"""АО «ТБанк»
СПРАВКА об открытии счета
Настоящим подтверждаем, что индивидуальному предпринимателю Чжан Вэй открыт расчетный счет
№ {ACCOUNT} в российских рублях.
Реквизиты банка: БИК 044525974, к/с 30101810145250000974, ИНН 7710140679.
Дата: 10.06.2025"""


def make_file(path: str, text: str) -> FileResult:
    pages = [PageText(1, "ocr" if path.endswith(".jpg") else "text", text)] if text else []
    facts = FileFacts(sha256="0" * 64, size=len(text.encode()) or 1, mime="application/pdf", kind=FileKind.TEXT_PDF, pages=pages)
    return FileResult(path=path, name=path.rsplit("/", 1)[-1], group=Group.KYC, sku=None, facts=facts)


def share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum("\u0400" <= c <= "\u04ff" for c in letters) / len(letters) if letters else 0.0


def run(files: dict[str, str], profile: str, markers, kyc, today=TODAY):
    results = [make_file(p, t) for p, t in files.items()]
    evidence = {f.path: analyse_kyc_text(f.facts.text, share(f.facts.text), [], markers, today=today)
                for f in results if f.facts.text.strip()}
    reqs = evaluate_kyc(results, evidence, profile, today, kyc)
    return {r.key: r for r in reqs}, evidence


COMPANY_SET = {
    "KYC/RU_licence_translation.pdf": LICENCE_RU,
    "KYC/RU_passport.jpg": PASSPORT,
    "KYC/RU_visa.jpg": VISA,
    "KYC/RU_apostille.pdf": APOSTILLE,
}
INDIVIDUAL_SET = {
    **COMPANY_SET,
    "KYC/社保.pdf": SOCIAL_ZH,
    "KYC/RU_social_insurance_ru.pdf": SOCIAL_RU,
    "KYC/RU_social_insurance_en.pdf": SOCIAL_EN,
    "KYC/RU_bank.pdf": BANK,
}


def assert_private(reqs, evidence):
    shown = " ".join(r.note + " ".join(r.evidence) for r in reqs.values())
    shown += " ".join(str(e.to_dict()) + repr(e) for e in evidence.values())
    for secret in (PASSPORT_NUMBER, ACCOUNT, BAD_ACCOUNT, "44030019850315123X", "281234567"):
        assert secret not in shown


# --- profiles ----------------------------------------------------------------------------------

def test_company_complete(markers, kyc):
    reqs, evidence = run(COMPANY_SET, "company", markers, kyc)
    assert list(reqs) == ["business_licence", "passport", "visa_page", "legalisation"]
    assert all(r.met for r in reqs.values()), {k: r.note for k, r in reqs.items()}
    assert reqs["business_licence"].evidence == ["KYC/RU_licence_translation.pdf"]
    assert reqs["passport"].evidence == ["KYC/RU_passport.jpg"]
    assert reqs["visa_page"].evidence == ["KYC/RU_visa.jpg"]
    assert reqs["legalisation"].evidence == ["KYC/RU_apostille.pdf"]
    assert all(r.note == "" for r in reqs.values())
    assert_private(reqs, evidence)


def test_individual_complete_with_bilingual_proof_across_files(markers, kyc):
    reqs, evidence = run(INDIVIDUAL_SET, "individual", markers, kyc)
    assert list(reqs) == ["business_licence", "passport", "visa_page", "legalisation", "social_insurance", "bank_account"]
    assert all(r.met for r in reqs.values()), {k: r.note for k, r in reqs.items()}
    # Russian from one file, English from another; the Chinese-only original adds no language needed
    assert reqs["social_insurance"].evidence == ["KYC/RU_social_insurance_ru.pdf", "KYC/RU_social_insurance_en.pdf"]
    assert reqs["bank_account"].evidence == ["KYC/RU_bank.pdf"]
    assert_private(reqs, evidence)


def test_individual_with_only_the_company_papers(markers, kyc):
    reqs, _ = run(COMPANY_SET, "ип", markers, kyc)     # the Russian name of the profile works too
    assert [k for k, r in reqs.items() if not r.met] == ["social_insurance", "bank_account"]
    assert reqs["social_insurance"].note == "no proof of social insurance payments found"
    assert reqs["bank_account"].note.startswith("no certificate of a Russian bank account found")


def test_social_insurance_only_in_chinese(markers, kyc):
    files = {**INDIVIDUAL_SET}
    del files["KYC/RU_social_insurance_ru.pdf"], files["KYC/RU_social_insurance_en.pdf"]
    reqs, _ = run(files, "individual", markers, kyc)
    r = reqs["social_insurance"]
    assert not r.met and r.evidence == []
    assert r.note == "social insurance proof found only in Chinese (KYC/社保.pdf); needs Russian and English"


def test_social_insurance_in_one_bilingual_file(markers, kyc):
    files = {**INDIVIDUAL_SET}
    del files["KYC/RU_social_insurance_ru.pdf"], files["KYC/RU_social_insurance_en.pdf"]
    files["KYC/RU_social_insurance.pdf"] = SOCIAL_RU + "\n\n" + SOCIAL_EN
    reqs, _ = run(files, "individual", markers, kyc)
    assert reqs["social_insurance"].met and reqs["social_insurance"].evidence == ["KYC/RU_social_insurance.pdf"]


def test_social_insurance_russian_without_english(markers, kyc):
    files = {**INDIVIDUAL_SET}
    del files["KYC/RU_social_insurance_en.pdf"]
    reqs, _ = run(files, "individual", markers, kyc)
    assert not reqs["social_insurance"].met
    assert "found only in Russian and Chinese" in reqs["social_insurance"].note
    assert reqs["social_insurance"].note.endswith("needs Russian and English")


def test_stale_social_insurance_proof(markers, kyc):
    files = {**INDIVIDUAL_SET}
    for path in ("KYC/社保.pdf", "KYC/RU_social_insurance_ru.pdf", "KYC/RU_social_insurance_en.pdf"):
        files[path] = files[path].replace("2025", "2023")
    reqs, _ = run(files, "individual", markers, kyc)
    r = reqs["social_insurance"]
    assert not r.met
    assert ("KYC/RU_social_insurance_ru.pdf (read: social insurance proof, Russian translation): the latest month the payments are for "
            "is 2023-05; they must cover the last 3 months") in r.note


def test_bank_control_digit_mismatch(markers, kyc):
    files = {**INDIVIDUAL_SET, "KYC/RU_bank.pdf": BANK.replace(ACCOUNT, BAD_ACCOUNT)}
    reqs, evidence = run(files, "individual", markers, kyc)
    r = reqs["bank_account"]
    assert not r.met
    assert r.note == (f"KYC/RU_bank.pdf (read: bank account certificate): bank account {'*' * 17}{BAD_ACCOUNT[-3:]}: "
                      "control digit does not match BIK 044525974")
    assert_private(reqs, evidence)


def test_bank_certificate_without_bik(markers, kyc):
    files = {**INDIVIDUAL_SET, "KYC/RU_bank.pdf": BANK.replace("БИК 044525974, ", "")}
    reqs, _ = run(files, "individual", markers, kyc)
    assert not reqs["bank_account"].met
    assert "no BIK (9 digits starting 04) found with it" in reqs["bank_account"].note


def test_no_visa_page_names_the_passport_found(markers, kyc):
    files = {k: v for k, v in COMPANY_SET.items() if k != "KYC/RU_visa.jpg"}
    reqs, _ = run(files, "company", markers, kyc)
    assert not reqs["visa_page"].met
    assert reqs["visa_page"].note == "no visa page found: a passport was found in KYC/RU_passport.jpg but no page with a Russian visa"


def test_visa_of_someone_else(markers, kyc):
    stranger = VISA.replace(mrv("281234567", "CHN", "850315", "250730"), mrv("281234567", "CHN", "900101", "250730"))
    reqs, _ = run({**COMPANY_SET, "KYC/RU_visa.jpg": stranger}, "company", markers, kyc)
    assert not reqs["visa_page"].met
    assert "someone else than the passport in KYC/RU_passport.jpg" in reqs["visa_page"].note


def test_a_visa_issued_by_another_state_is_not_the_russian_visa(markers, kyc):
    schengen = "SCHENGEN VISA\n" + mrv("281234567", "CHN", "850315", "250730", issuer="D<<")
    reqs, _ = run({**COMPANY_SET, "KYC/RU_visa.jpg": schengen}, "company", markers, kyc)
    assert not reqs["visa_page"].met
    assert "KYC/RU_visa.jpg: the visa was issued by D, not RUS" in reqs["visa_page"].note


def test_expired_passport(markers, kyc):
    expired = PASSPORT.replace(td3(PASSPORT_NUMBER, "CHN", "850315", "330520"), td3(PASSPORT_NUMBER, "CHN", "850315", "240520"))
    reqs, evidence = run({**COMPANY_SET, "KYC/RU_passport.jpg": expired}, "company", markers, kyc)
    r = reqs["passport"]
    assert not r.met
    assert r.note == "KYC/RU_passport.jpg (read: passport): the passport (number ******432) expired on 2024-05-20"
    assert_private(reqs, evidence)


def test_mrz_with_a_misread_number_and_no_labels(markers, kyc):
    line1, line2 = td3(PASSPORT_NUMBER, "CHN", "850315", "330520").splitlines()
    smudged = line1 + "\n" + line2[:4] + "3" + line2[5:]        # one digit of the number misread
    reqs, evidence = run({**COMPANY_SET, "KYC/RU_passport.jpg": smudged}, "company", markers, kyc)
    r = reqs["passport"]
    assert not r.met
    assert r.note.startswith("KYC/RU_passport.jpg: the passport's machine-readable zone (number ******432)"
                             " fails its check digits (number, composite)")
    assert_private(reqs, evidence)


def test_mrz_with_only_the_optional_field_misread_still_counts(markers, kyc):
    # real tesseract output of a passport photo: the personal-number field garbled ('J' -> 'I', an
    # extra 'I'), so its check and the composite fail, while number, birth date and expiry hold
    line1, line2 = td3(PASSPORT_NUMBER, "CHN", "850315", "330520").splitlines()
    ocr = "POCHNZHANG<<WE [ecceecececeecececcececcecccc<\n" + line2[:27] + " " + line2[27] + "I" + line2[28:].replace("J", "I")
    reqs, evidence = run({**COMPANY_SET, "KYC/RU_passport.jpg": ocr}, "company", markers, kyc)
    [zone] = evidence["KYC/RU_passport.jpg"].mrz
    assert "composite" in zone.failed and zone.core_valid
    assert reqs["passport"].met


def test_chinese_licence_with_chinese_notary_but_no_translation(markers, kyc):
    reqs, _ = run({**COMPANY_SET, "KYC/RU_licence_translation.pdf": LICENCE_ZH}, "company", markers, kyc)
    r = reqs["business_licence"]
    assert not r.met
    assert r.note == ("KYC/RU_licence_translation.pdf (read: business licence, notary certification): "
                      "business licence only in Chinese; needs Russian")


def test_translation_without_notary(markers, kyc):
    bare = LICENCE_RU.split("Город Москва")[0]
    reqs, _ = run({**COMPANY_SET, "KYC/RU_licence_translation.pdf": bare}, "company", markers, kyc)
    assert not reqs["business_licence"].met
    assert reqs["business_licence"].note == ("KYC/RU_licence_translation.pdf (read: business licence, Russian translation): "
                                             "no notary certification")


def test_consular_legalisation_instead_of_apostille(markers, kyc):
    legalised = "Консульская легализация\nКонсульский отдел Посольства Российской Федерации в КНР\n领事认证"
    reqs, _ = run({**COMPANY_SET, "KYC/RU_apostille.pdf": legalised}, "company", markers, kyc)
    assert reqs["legalisation"].met


def test_a_file_name_is_no_proof(markers, kyc):
    # named like a passport, shows a licence; and a passport photo OCR could not read at all
    files = {**COMPANY_SET, "KYC/RU_passport.jpg": LICENCE_ZH, "KYC/护照.jpg": ""}
    reqs, _ = run(files, "company", markers, kyc)
    r = reqs["passport"]
    assert not r.met
    assert r.note.startswith("no passport scan found")
    assert "KYC/RU_passport.jpg is named like it, but its content does not show it" in r.note
    assert "KYC/护照.jpg is named like it but no text could be read from it" in r.note


def test_profile_names(kyc):
    assert kyc.profile("individual").name == "individual" and kyc.profile("个体户").name == "individual"
    assert kyc.profile("Company").name == "company"
    with pytest.raises(ValueError, match="unknown KYC profile"):
        kyc.profile("partnership")
    assert kyc.titles_ru("company")["visa_page"] == "Страница паспорта с российской визой"


def test_pipeline_entry_records_markers_on_the_files(markers, kyc):
    rules = SimpleNamespace(markers=markers, kyc=kyc, limits=SimpleNamespace(russian_min_share=0.35))
    files = [make_file(p, t) for p, t in COMPANY_SET.items()]
    for f in files:
        f.analysis.russian_share = share(f.facts.text)
    reqs = evaluate_kyc_files(files, "company", TODAY, rules)
    assert all(r.met for r in reqs)
    passport = next(f for f in files if f.path == "KYC/RU_passport.jpg")
    assert "passport" in passport.analysis.markers
    assert passport.analysis.masked_ids[0] == "passport ******432"
    assert PASSPORT_NUMBER not in str(asdict(passport.analysis))


# --- bank account control digit --------------------------------------------------------------

def test_account_key_positives():
    assert account_key_ok("40702810900000002851", "044030827")
    assert account_key_ok(ACCOUNT, "044525974")
    # Bank of Russia N 515, example 1: correspondent account in the RKC with BIK 049805000
    assert account_key_ok("30101810800000000746", "049805000")
    # an account opened in an RKC (BIK ending 000/001/002): conditional number '0' + BIK digits 5-6
    rkc_account = with_key("40102810000000010001", "044525000", rkc=True)
    assert account_key_ok(rkc_account, "044525000")
    assert with_key("40102810000000010001", "044525000") != rkc_account   # the rule changes the key here


def test_account_key_negatives():
    good = "40702810900000002851"
    for i in range(20):
        wrong = good[:i] + str((int(good[i]) + 1) % 10) + good[i + 1:]
        assert not account_key_ok(wrong, "044030827"), i
    assert not account_key_ok(good, "044525974")          # another bank's BIK
    assert not account_key_ok(good[:-1], "044030827")     # 19 digits
    assert not account_key_ok(good, "04403082")           # 8-digit BIK


def test_bank_checks_read_ocr_noise():
    text = f"р/с {ACCOUNT[:5]} {ACCOUNT[5:8]} {ACCOUNT[8]} {ACCOUNT[9:13]} {ACCOUNT[13:]}\nБИK: O44525974".replace("0", "O", 1)
    [check] = find_bank_checks(text)
    assert check.ok and check.bik == "044525974" and check.account_masked == "*" * 17 + ACCOUNT[-3:]


def test_correspondent_account_is_not_the_clients():
    assert find_bank_checks("к/с 30101810145250000974 БИК 044525974") == []


# --- months ----------------------------------------------------------------------------------

def test_payment_periods_in_a_sentence_skip_full_dates():
    # 01.02.2025 and 15.07.2025 are days (print, issue, payment dates), not the months paid for
    text = "Период: март 2025 – May 2025; 2025年04月; 01.02.2025; 2025-01; выдано 15.07.2025"
    assert payment_periods(text, TODAY) == {(2025, 3), (2025, 4), (2025, 5), (2025, 1)}


# --- kyc.yaml validation -----------------------------------------------------------------------

GOOD = """profiles:
  company:
    title: Company
    requirements:
      - key: passport
        title: Passport
        title_ru: Паспорт
        note: no passport
        evidence:
          any:
            - mrz: passport
            - marker: passport
"""


@pytest.mark.parametrize("broken, line, words", [
    (GOOD.replace("- mrz: passport", "- mrz: driving_licence"), 11, "'mrz' must be one of passport, visa"),
    (GOOD.replace("- mrz: passport", "- fingerprint: yes"), 11, "unknown condition 'fingerprint'"),
    (GOOD.replace("- marker: passport", "- marker: passport\n              languages: [de]"), 13, "must list languages"),
    (GOOD.replace("- mrz: passport", "- mrz: passport\n              languages: [ru]"), 12, "'languages' does not go with 'mrz'"),
    (GOOD.replace("        note: no passport\n", ""), 5, "'note' must be a non-empty text"),
    (GOOD.replace("    title: Company\n", "    title: Company\n    extends: sole\n"), 4, "extends unknown profile 'sole'"),
    (GOOD.replace("          any:", "          every:"), 10, "unknown condition 'every'"),
    (GOOD + "  individual:\n    title: I\n    extends: company\n    requirements:\n      - key: visa\n        title: V\n"
            "        title_ru: В\n        note: n\n        evidence: {same_holder_as: bank}\n", 21, "not an earlier requirement"),
])
def test_broken_kyc_yaml_names_file_and_line(tmp_path, broken, line, words):
    path = tmp_path / "kyc.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RuleError) as err:
        KycRules.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message


def test_unknown_marker_is_caught_against_markers_yaml(tmp_path, markers):
    path = tmp_path / "kyc.yaml"
    path.write_text(GOOD.replace("- marker: passport", "- marker: pasport"), encoding="utf-8")
    rules = KycRules.load(path)                     # fine on its own...
    with pytest.raises(RuleError) as err:           # ...not against the markers it will be used with
        rules.check_markers(markers)
    assert str(err.value).startswith(f"{path}:12: ") and "unknown marker 'pasport'" in str(err.value)


def test_extends_cycle(tmp_path):
    text = GOOD.replace("    title: Company\n", "    title: Company\n    extends: other\n") + \
        "  other:\n    title: O\n    extends: company\n"
    path = tmp_path / "kyc.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match="extends itself"):
        KycRules.load(path)


def test_notes_mask_a_passport_number_used_as_a_file_name(markers, kyc):
    files = {k: v for k, v in COMPANY_SET.items() if k != "KYC/RU_passport.jpg"}
    files[f"KYC/passport_{PASSPORT_NUMBER}.jpg"] = ""          # a photo OCR could not read
    reqs, _ = run(files, "company", markers, kyc)
    note = reqs["passport"].note
    assert not reqs["passport"].met
    assert PASSPORT_NUMBER not in note and "******432.jpg is named like it" in note


def test_ocr_noisy_visa_photo(markers, kyc):
    line1, line2 = mrv("281234567", "CHN", "850315", "250730").splitlines()
    noisy = ("PОССИЙСКАЯ ФEДЕРАЦИЯ BИЗА VlSA\nKОЛ-ВО BЪЕЗДОВ ОДНОКPАТНАЯ\n"
             + line1.replace("<<<<", "KK«", 2) + "\n" + line2[:12] + " " + line2[12:].replace("<", "K", 3))
    reqs, _ = run({**COMPANY_SET, "KYC/RU_visa.jpg": noisy}, "company", markers, kyc)
    assert reqs["visa_page"].met, reqs["visa_page"].note


def test_a_notarised_paper_that_is_no_licence_does_not_count(markers, kyc):
    files = {k: v for k, v in COMPANY_SET.items() if k != "KYC/RU_licence_translation.pdf"}
    files["KYC/RU_passport_translation.pdf"] = (
        "Перевод с китайского языка на русский язык. Паспорт гражданина КНР.\n"
        "Я, Петров Сергей Николаевич, нотариус города Москвы, свидетельствую подлинность подписи переводчика.\n"
        "Зарегистрировано в реестре: № 77/123-н/77-2025-1-457")
    reqs, _ = run(files, "company", markers, kyc)
    assert not reqs["business_licence"].met
    assert reqs["business_licence"].note == "no notarised Russian translation of the business licence found"
