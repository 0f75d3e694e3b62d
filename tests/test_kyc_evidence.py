"""Evidence rules that require proof: zones, printed fields, holders, payment periods, credit codes,
and every "could not read" being a miss, never a pass."""

from datetime import date

import pytest

from checker import i18n
from checker.kyc import payment_periods, printed_fields, read_date, uscc_check_char, uscc_checks
from checker.kyc.notes import render_note
from checker.privacy import personal_ids, redact
from test_kyc import (APOSTILLE, COMPANY_SET, INDIVIDUAL_SET, LICENCE_RU, PASSPORT, PASSPORT_NUMBER, SOCIAL_EN, SOCIAL_RU,
                      TODAY, assert_private, icao_digit, kyc, markers, mrv, run, td3)  # noqa: F401 (fixtures)

VISA_NUMBER = "281234567"


def mrv_b(number: str, nationality: str, birth: str, expiry: str, issuer: str = "RUS") -> str:
    """An MRV-B visa zone: two lines of 36 characters (ICAO 9303 Part 7)."""
    body = number + icao_digit(number) + nationality + birth + icao_digit(birth) + "M" + expiry + icao_digit(expiry)
    return f"V<{issuer}ZHANG<<WEI".ljust(36, "<") + "\n" + body.ljust(36, "<")


def visa_page(zone: str = "", name: str = "ZHANG WEI", birth: str = "15.03.1985", number: str = PASSPORT_NUMBER) -> str:
    """A Russian visa sticker as OCR reads it: labels in a row, values on the line under them."""
    text = ("ВИЗА / VISA РОССИЙСКАЯ ФЕДЕРАЦИЯ\nКРАТНОСТЬ / ENTRIES ОДНОКРАТНАЯ\n"
            "ДЕЙСТВИТЕЛЬНА С / VALID FROM 01.05.2025 ДО / UNTIL 30.07.2025\n"
            f"ФАМИЛИЯ, ИМЯ / SURNAME, GIVEN NAMES\nЧЖАН ВЭЙ / {name}\n"
            f"ДАТА РОЖДЕНИЯ / DATE OF BIRTH ПОЛ / SEX ПАСПОРТ / PASSPORT\n{birth} M {number}\n"
            "ЦЕЛЬ ПОЕЗДКИ / PURPOSE КОММЕРЧЕСКАЯ / BUSINESS\n")
    return text + zone


# --- visas: MRV-A and MRV-B, the holder matched on every readable datum --------------------------

@pytest.mark.parametrize("zone", [mrv(VISA_NUMBER, "CHN", "850315", "250730"), mrv_b(VISA_NUMBER, "CHN", "850315", "250730")],
                         ids=["MRV-A", "MRV-B"])
def test_visa_of_the_passports_holder_is_met(zone, markers, kyc):
    reqs, evidence = run({**COMPANY_SET, "KYC/RU_visa.jpg": visa_page(zone)}, "company", markers, kyc)
    [visa] = evidence["KYC/RU_visa.jpg"].mrz
    assert (visa.doc_type, visa.issuer, visa.valid) == ("visa", "RUS", True)
    assert visa.format == ("MRV-B" if len(zone.splitlines()[0]) == 36 else "MRV-A")
    assert reqs["visa_page"].met, reqs["visa_page"].note
    assert_private(reqs, evidence)


def test_visa_with_its_zone_cut_off_is_matched_by_its_printed_data(markers, kyc):
    reqs, evidence = run({**COMPANY_SET, "KYC/RU_visa.jpg": visa_page()}, "company", markers, kyc)
    assert evidence["KYC/RU_visa.jpg"].mrz == []
    assert reqs["visa_page"].met, reqs["visa_page"].note


def test_visa_of_another_holder_with_its_zone_cut_off_is_refused(markers, kyc):
    stranger = visa_page(name="LIU YANG", birth="02.11.1990", number="E55512345")
    reqs, evidence = run({**COMPANY_SET, "KYC/RU_visa.jpg": stranger}, "company", markers, kyc)
    r = reqs["visa_page"]
    assert not r.met
    assert ("KYC/RU_visa.jpg (read: Russian visa): the visa belongs to someone else than the passport in "
            "KYC/RU_passport.jpg (name, birth date and passport number differ)") in r.note
    assert "E55512345" not in r.note
    assert_private(reqs, evidence)


def test_one_readable_datum_that_disagrees_refuses_the_visa(markers, kyc):
    # same name and passport number, but another birth date in the visa's zone and print
    other = visa_page(mrv(VISA_NUMBER, "CHN", "860315", "250730"), birth="15.03.1986")
    reqs, _ = run({**COMPANY_SET, "KYC/RU_visa.jpg": other}, "company", markers, kyc)
    assert not reqs["visa_page"].met
    assert "(birth date differ)" in reqs["visa_page"].note


def test_visa_whose_holder_cannot_be_read_is_not_met(markers, kyc):
    bare = "ВИЗА / VISA РОССИЙСКАЯ ФЕДЕРАЦИЯ\nКРАТНОСТЬ ОДНОКРАТНАЯ ЦЕЛЬ ПОЕЗДКИ КОММЕРЧЕСКАЯ\n"
    reqs, _ = run({**COMPANY_SET, "KYC/RU_visa.jpg": bare}, "company", markers, kyc)
    assert not reqs["visa_page"].met
    assert ("not met: could not read the visa holder's name, birth date or passport number to match the passport "
            "in KYC/RU_passport.jpg") in reqs["visa_page"].note


def test_visa_without_an_accepted_passport_is_not_met(markers, kyc):
    files = {k: v for k, v in COMPANY_SET.items() if k != "KYC/RU_passport.jpg"}
    reqs, _ = run(files, "company", markers, kyc)
    assert not reqs["passport"].met and not reqs["visa_page"].met
    assert "no accepted passport to match the visa's holder against" in reqs["visa_page"].note


def test_visa_whose_issuing_state_cannot_be_read(markers, kyc):
    zone = mrv(VISA_NUMBER, "CHN", "850315", "250730").splitlines()[1]    # line 1 lost: issuer unknown
    no_labels = "VISA\n" + zone
    reqs, evidence = run({**COMPANY_SET, "KYC/RU_visa.jpg": no_labels}, "company", markers, kyc)
    [visa] = evidence["KYC/RU_visa.jpg"].mrz
    assert visa.doc_type == "visa" and visa.issuer == ""
    assert not reqs["visa_page"].met
    assert "could not read the state that issued the visa (needs RUS)" in reqs["visa_page"].note


# --- passports: the zone is the proof, printed fields support it ---------------------------------

def test_zone_whose_check_digits_fail_is_no_passport_even_with_its_labels(markers, kyc):
    line1, line2 = td3(PASSPORT_NUMBER, "CHN", "850315", "330520").splitlines()
    smudged = PASSPORT.replace(line2, line2[:15] + str((int(line2[15]) + 1) % 10) + line2[16:])   # birth date misread
    reqs, evidence = run({**COMPANY_SET, "KYC/RU_passport.jpg": smudged}, "company", markers, kyc)
    r = reqs["passport"]
    assert not r.met
    assert ("KYC/RU_passport.jpg (read: passport): the passport's machine-readable zone (number ******432) fails "
            "its check digits (birth date, composite)") in r.note
    assert_private(reqs, evidence)


def test_passport_labels_without_a_zone_are_not_the_passport(markers, kyc):
    no_zone = PASSPORT.split("\n" + td3(PASSPORT_NUMBER, "CHN", "850315", "330520"))[0]
    reqs, _ = run({**COMPANY_SET, "KYC/RU_passport.jpg": no_zone}, "company", markers, kyc)
    r = reqs["passport"]
    assert not r.met                  # printed 20 MAY 2033 is not expired, but there is no zone to prove it
    assert "could not read the passport's machine-readable zone" in r.note
    assert "expiry" not in r.note


def test_printed_expiry_in_the_past_fails_without_a_zone(markers, kyc):
    no_zone = PASSPORT.split("\n" + td3(PASSPORT_NUMBER, "CHN", "850315", "330520"))[0].replace("20 MAY 2033", "08 MAR 2025")
    reqs, _ = run({**COMPANY_SET, "KYC/RU_passport.jpg": no_zone}, "company", markers, kyc)
    assert "the passport's printed expiry date 2025-03-08 has passed" in reqs["passport"].note


def test_printed_number_confirms_a_smudged_zone_number(markers, kyc):
    # OCR read the 'E' of E98765432 as '£' (a filler once normalised): the printed number, whose
    # check digit holds in the zone, confirms it
    zone = td3(PASSPORT_NUMBER, "CHN", "850315", "330520")
    smudged = PASSPORT.replace(zone, zone.replace("\n" + PASSPORT_NUMBER, "\n£" + PASSPORT_NUMBER[1:]))
    reqs, evidence = run({**COMPANY_SET, "KYC/RU_passport.jpg": smudged}, "company", markers, kyc)
    [passport] = evidence["KYC/RU_passport.jpg"].mrz
    assert passport.number_from_print and passport.valid
    assert reqs["passport"].met
    # without the printed number the zone proves nothing
    bare = smudged.replace(f"护照号/Passport No. {PASSPORT_NUMBER}", "")
    reqs, _ = run({**COMPANY_SET, "KYC/RU_passport.jpg": bare}, "company", markers, kyc)
    assert not reqs["passport"].met


def test_expiry_unreadable_anywhere_is_not_met(markers, kyc):
    from checker.kyc.conditions import UnexpiredCond, _Ctx, _File
    from checker.kyc.evidence import KycEvidence
    f = _File("KYC/p.jpg", "p.jpg", KycEvidence())
    cond = UnexpiredCond("passport")
    ctx = _Ctx(TODAY, lambda key: key, {})
    assert not cond.test(f, ctx)
    assert str(cond.explain(f, ctx)) == "not met: could not read the passport's expiry date"


@pytest.mark.parametrize("text, expected", [
    ("有效期至/Date of expiry 08 MAR 2025", date(2025, 3, 8)),
    ("有效期至 /Date of expiry 签发机关/Authority\n\n19 6 月 /JUN 2029", date(2029, 6, 19)),
    ("Дата окончания срока действия 31.08.2031", date(2031, 8, 31)),
    ("有效期至 2030年05月20日", date(2030, 5, 20)),
])
def test_printed_expiry_forms(text, expected):
    assert printed_fields(text).expiry == (expected,)
    assert read_date(text) == expected


# --- social insurance: recency by the months paid for -------------------------------------------

@pytest.mark.parametrize("written, month", [
    ("缴费年月 2025-05", (2025, 5)),
    ("费款所属期 2025.05", (2025, 5)),
    ("Период 05.2025", (2025, 5)),
    ("period 05/2025", (2025, 5)),
    ("缴费年月 2025年5月", (2025, 5)),
    ("缴费月份 2025年05月", (2025, 5)),
    ("период: май 2025", (2025, 5)),
    ("Period: May 2025", (2025, 5)),
    ("period: Jan. 2025", (2025, 1)),
    ("缴费年月 202505", (2025, 5)),
])
def test_each_period_format_is_read(written, month):
    assert payment_periods(written, TODAY) == {month}


@pytest.mark.parametrize("written, months", [
    ("January–June 2023", {(2023, m) for m in range(1, 7)}),
    ("2023年1-6月", {(2023, m) for m in range(1, 7)}),
    ("费款所属期 202301-202303", {(2023, 1), (2023, 2), (2023, 3)}),
    ("缴费期间 2023.01-2023.03", {(2023, 1), (2023, 2), (2023, 3)}),
    ("period 11.2022 - 01.2023", {(2022, 11), (2022, 12), (2023, 1)}),
])
def test_period_ranges(written, months):
    assert payment_periods(written, TODAY) == months


@pytest.mark.parametrize("not_a_period", ["Дата печати / Print date: 20.11.2024", "打印日期：2025年06月05日", "issued 2025-06-05",
                                          "Paid on 5 June 2025", "invoice 202505"])
def test_print_dates_and_bare_numbers_are_not_periods(not_a_period):
    assert payment_periods(not_a_period, TODAY) == set()


def test_a_record_printed_today_for_old_months_is_not_recent(markers, kyc):
    files = {**INDIVIDUAL_SET,
             "KYC/RU_social_insurance_ru.pdf": SOCIAL_RU.replace("2025", "2023") + "\nДата печати 15.06.2025",
             "KYC/RU_social_insurance_en.pdf": SOCIAL_EN.replace("2025", "2023") + "\nPrint date 2025-06-15"}
    del files["KYC/社保.pdf"]
    reqs, _ = run(files, "individual", markers, kyc)
    assert not reqs["social_insurance"].met
    assert "the latest month the payments are for is 2023-05" in reqs["social_insurance"].note


def test_a_record_whose_months_cannot_be_read_is_not_recent(markers, kyc):
    files = {**INDIVIDUAL_SET,
             "KYC/RU_social_insurance_ru.pdf": "Справка об уплате взносов на социальное страхование. Уплачено полностью.",
             "KYC/RU_social_insurance_en.pdf": "Certificate of social insurance contributions. Paid in full."}
    del files["KYC/社保.pdf"]
    reqs, _ = run(files, "individual", markers, kyc)
    assert not reqs["social_insurance"].met
    assert "not met: could not read the months the payments are for" in reqs["social_insurance"].note


def test_an_owners_social_insurance_record_is_not_the_business_licence(markers, kyc):
    record = ("杭州市社会保险个人参保证明\n姓名 李娜\n参保身份 个体工商户（灵活就业人员）\n经营者 李娜\n"
              "统一社会信用代码 91440300MA5G8ABC1X\n缴费月份 2025年05月\n公证书 兹证明 公证员 王芳 杭州市西湖公证处\n"
              "Перевод с китайского языка на русский язык выполнен переводчиком.")
    files = {k: v for k, v in COMPANY_SET.items() if k != "KYC/RU_licence_translation.pdf"}
    files["KYC/RU_social_insurance.pdf"] = record
    reqs, evidence = run(files, "company", markers, kyc)
    assert "business_licence" not in evidence["KYC/RU_social_insurance.pdf"].markers
    assert not reqs["business_licence"].met


# --- unified social credit code (GB 32100-2015) --------------------------------------------------

@pytest.mark.parametrize("code", ["91440300MA5G2K7Q3C", "92330106MA2H8N4C6T", "91440300MA5FQ2K71M"])
def test_uscc_check_character(code):
    # weights 3^(i-1) mod 31 written out: 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(charset.index(c) * w for c, w in zip(code[:17], weights))
    assert charset[(31 - total % 31) % 31] == code[17] == uscc_check_char(code[:17])


def test_uscc_read_after_its_label_in_three_languages():
    text = ("统一社会信用代码 91440300MA5G2K7Q3C\nЕдиный код социального кредита: 9144 0300 MA5G 2K7Q 3C\n"
            "Unified Social Credit Code: 91440300MA5FQ2K713")
    checks = uscc_checks(text)
    assert [(c.code, c.ok, c.expected) for c in checks] == [("91440300MA5G2K7Q3C", True, "C"),
                                                            ("91440300MA5FQ2K713", False, "M")]


def test_wrong_check_character_fails_the_licence_and_names_the_expected_one(markers, kyc):
    wrong = LICENCE_RU.replace("91440300MA5G8ABC1X", "91440300MA5G8ABC12")
    reqs, _ = run({**COMPANY_SET, "KYC/RU_licence_translation.pdf": wrong}, "company", markers, kyc)
    r = reqs["business_licence"]
    assert not r.met
    assert "unified social credit code 91440300MA5G8ABC12: its check character should be X, not 2" in r.note


def test_licence_without_a_readable_code_is_not_met(markers, kyc):
    unread = LICENCE_RU.replace("91440300MA5G8ABC1X", "")
    reqs, _ = run({**COMPANY_SET, "KYC/RU_licence_translation.pdf": unread}, "company", markers, kyc)
    assert not reqs["business_licence"].met
    assert "not met: could not read the unified social credit code" in reqs["business_licence"].note


# --- consular legalisation in the words consulates use ----------------------------------------

@pytest.mark.parametrize("text", [
    "ГЕНЕРАЛЬНОЕ КОНСУЛЬСТВО РОССИЙСКОЙ ФЕДЕРАЦИИ В ШАНХАЕ\nНастоящим удостоверяется подлинность подписи г-на Ван Лэя "
    "и печати Канцелярии иностранных дел г. Шанхай.\nЗарегистрировано в реестре за № 812\nКонсул И.И. Петров",
    "ПОСОЛЬСТВО РОССИЙСКОЙ ФЕДЕРАЦИИ В КНР\nЛЕГАЛИЗАЦИЯ\nПодпись и печать удостоверены.\nКонсул",
    "中华人民共和国外交部领事司\n兹证明前面的广东省外事办公室的印章和签字属实。",
    "Consulate General of the Russian Federation in Guangzhou\nThis is to certify the authenticity of the signature "
    "and seal of the Foreign Affairs Office of Guangdong.\nConsul",
], ids=["ru-consulate", "ru-embassy-stamp", "zh-mfa", "en-consulate"])
def test_consular_legalisation_wordings(text, markers, kyc):
    reqs, evidence = run({**COMPANY_SET, "KYC/RU_apostille.pdf": text}, "company", markers, kyc)
    assert "consular_legalisation" in evidence["KYC/RU_apostille.pdf"].markers
    assert reqs["legalisation"].met


def test_a_notary_certification_is_no_consular_legalisation(markers):
    from checker.kyc import analyse_kyc_text
    ev = analyse_kyc_text(LICENCE_RU, 0.9, ["ru"], markers, today=TODAY)
    assert "consular_legalisation" not in ev.markers and "notarisation" in ev.markers
    assert "consular_legalisation" not in analyse_kyc_text(APOSTILLE, 0.0, ["en"], markers, today=TODAY).markers
    consultant = "Консультант банка Петрова. Настоящим удостоверяется подлинность подписи клиента."
    assert "consular_legalisation" not in analyse_kyc_text(consultant, 0.9, ["ru"], markers, today=TODAY).markers


# --- notes in the reader's language; masking --------------------------------------------------

def test_notes_are_message_ids_rendered_in_each_language(markers, kyc):
    files = {k: v for k, v in COMPANY_SET.items() if k != "KYC/RU_visa.jpg"}
    reqs, _ = run(files, "company", markers, kyc)
    r = reqs["visa_page"]
    assert render_note(r.note_msg, "en") == r.note
    assert render_note(r.note_msg, "ru") == "не найдена страница с визой: паспорт найден в KYC/RU_passport.jpg, но страницы с российской визой нет"
    assert render_note(r.note_msg, "zh") == "未找到签证页：在 KYC/RU_passport.jpg 中找到了护照，但没有俄罗斯签证页"
    assert i18n.kyc_note(r, "zh") == render_note(r.note_msg, "zh")


def test_rendered_notes_stay_masked(markers, kyc):
    files = {k: v for k, v in COMPANY_SET.items() if k != "KYC/RU_passport.jpg"}
    files[f"KYC/passport_{PASSPORT_NUMBER}.jpg"] = ""
    reqs, _ = run(files, "company", markers, kyc)
    for lang in ("en", "ru", "zh"):
        assert PASSPORT_NUMBER not in render_note(reqs["passport"].note_msg, lang)


def test_apostille_number_is_not_a_passport_number():
    text = "APOSTILLE\n8. 编号 / No. / за №: 26AP00318752\n护照号/Passport No. E12345678"
    assert personal_ids(text) == ["passport ******678"]
    assert "26AP00318752" in redact(text) and "E12345678" not in redact(text)


def test_a_custom_requirement_without_translations_shows_its_own_note(markers, tmp_path):
    from checker.kyc import KycRules, evaluate_kyc
    path = tmp_path / "kyc.yaml"
    path.write_text("profiles:\n  company:\n    title: Company\n    requirements:\n      - key: tax_paper\n"
                    "        title: Tax registration\n        title_ru: Налоговая регистрация\n"
                    "        note: no tax registration paper found\n        evidence: {marker: apostille}\n", encoding="utf-8")
    rules = KycRules.load(path, markers)
    [req] = evaluate_kyc([], {}, "company", TODAY, rules)
    assert not req.met
    assert render_note(req.note_msg, "ru") == render_note(req.note_msg, "en") == "no tax registration paper found"


def test_uscc_condition_is_validated_on_load(markers, tmp_path):
    from checker.kyc import KycRules
    from checker.rulefile import RuleError
    path = tmp_path / "kyc.yaml"
    path.write_text("profiles:\n  company:\n    title: Company\n    requirements:\n      - key: licence\n"
                    "        title: Licence\n        title_ru: Лицензия\n        note: none\n        evidence:\n"
                    "          uscc: yes\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        KycRules.load(path, markers)
    assert str(err.value).startswith(f"{path}:10: ") and "'uscc' takes only the value 'valid'" in str(err.value)


def test_a_wholly_unreadable_zone_number_is_not_filled_in_from_the_print():
    from checker.analysis.mrz import find_zones
    line1, line2 = td3(PASSPORT_NUMBER, "CHN", "850315", "330520").splitlines()
    blurred = line1 + "\n" + "<<<" + line2[3:]          # three characters of the number lost
    zones = find_zones(f"Passport No. {PASSPORT_NUMBER}\n{blurred}")
    assert zones and not zones[0].number_from_print and "number" in zones[0].failed


def test_the_passport_number_in_a_visa_zone_is_matched(markers, kyc):
    # a Russian visa's optional data names the passport: another number there refuses the visa
    def zone(passport):
        line1, line2 = mrv(VISA_NUMBER, "CHN", "850315", "250730").splitlines()
        return line1 + "\n" + (line2[:28] + passport).ljust(44, "<")
    same = "ВИЗА VISA\nКРАТНОСТЬ ОДНОКРАТНАЯ\n" + zone(PASSPORT_NUMBER)
    reqs, _ = run({**COMPANY_SET, "KYC/RU_visa.jpg": same}, "company", markers, kyc)
    assert reqs["visa_page"].met, reqs["visa_page"].note
    other = "ВИЗА VISA\nКРАТНОСТЬ ОДНОКРАТНАЯ\n" + zone("E55512345")
    reqs, _ = run({**COMPANY_SET, "KYC/RU_visa.jpg": other}, "company", markers, kyc)
    assert not reqs["visa_page"].met
    assert "(passport number differ)" in reqs["visa_page"].note
