"""Personal numbers never leave doccheck whole: mask(), redact()."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.privacy import cn_resident_id_valid, mask, personal_ids, redact


def cn_id_check(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def windows(value: str, size: int = 9) -> list[str]:
    return [value[i:i + size] for i in range(len(value) - size + 1)]


def test_mask_keeps_only_the_last_three():
    assert mask("E98765432") == "******432"
    assert mask("E98765432", keep=0) == "*********"
    assert mask("12") == "**"          # too short to show any of it
    assert mask("40802810500000012345") == "*****************345"   # all but the last 3, accounts too


def test_cn_resident_id_check_character():
    assert cn_resident_id_valid("11010519491231002X")   # GB 11643 specimen
    assert not cn_resident_id_valid("110105194912310021")


def test_redact_masks_the_ids_in_a_real_looking_paper():
    text = ("Паспорт гражданина КНР № E98765432, выдан 01.06.2023\n"
            "身份证号码：44030019850315123X\n"
            "Расчетный счет 40802810500000012345, БИК 044525974\n"
            "р/с 40802 810 5 0000 0012345\n"
            "СНИЛС 112-233-445 95\n"
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n"
            "Сертификат ЕАЭС RU С-CN.АБ12.В.01234/24 действителен до 15.01.2029")
    out = redact(text)
    for secret in ("E98765432", "44030019850315123X", "40802810500000012345", "40802 810 5 0000 0012345",
                   "112-233-445", "ERIKSSON", "L898902C3"):
        assert secret not in out
    # what is not personal stays readable: the bank's BIK, the certificate number, dates
    assert "БИК 044525974" in out
    assert "RU С-CN.АБ12.В.01234/24" in out and "15.01.2029" in out
    assert "******432" in out


def test_redact_masks_mrz_lines_read_with_ocr_noise():
    noisy = "PKUTOERIKSSONKKANNAKMARIAKKKKKKKKKKKKKKKKKKK\nL898902C36UTO7408122F1204159ZE184226B« «<10"
    out = redact(noisy)
    assert "ERIKSSON" not in out and "L898902C3" not in out and "7408122" not in out


def test_redact_masks_an_mrz_as_tesseract_returns_it():
    # real chi_sim+eng output of a passport photo
    ocr = ("护照 PASSPORT\n"
           "POCHNZHANG<<WE [ecceecececeecececcececcecccc<\n"
           "E987654324CHN8503150M330520 1IMGLBNFOHLIPLA<36\n"
           "This public document has been signed by Li Ming acting in the capacity of Notary\n")
    out = redact(ocr)
    assert "ZHANG" not in out and "E98765432" not in out and "8503150" not in out
    assert "This public document has been signed by Li Ming acting in the capacity of Notary" in out


def test_label_anchored_numbers_are_masked():
    out = redact("Passport No.: PA1234567\nНомер паспорта 4512345678")
    assert "PA1234567" not in out and "4512345678" not in out


def test_personal_ids_are_listed_masked():
    ids = personal_ids("счет 40802810500000012345\n身份证 44030019850315123X")
    assert ids == ["account *****************345", "resident id ***************23X"]


def _cn_ids():
    return st.from_regex(r"\A[1-6][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}\Z", fullmatch=True).map(
        lambda s: s + cn_id_check(s))


def _accounts():
    return st.from_regex(r"\A40[78][0-9]{17}\Z", fullmatch=True)


def _grouped_accounts():
    return _accounts().map(lambda a: f"{a[:5]} {a[5:8]} {a[8]} {a[9:13]} {a[13:]}")


def _cn_passports():
    return st.from_regex(r"\A(E[0-9]{8}|E[A-Z][0-9]{7}|G[0-9]{8})\Z", fullmatch=True)


# surrounding text without digits (a digit next to an id would make it a different, longer number)
_FILLER = st.text(alphabet=string.ascii_letters + "абвгдежзийклмнопрстуфхцчшщэюяАБВГДЕЖЗ营业执照护照号码 .,:;()/-\n", max_size=40)
_SEPARATORS = st.sampled_from(["", " ", "\n", ": ", " № ", "：", " No. ", "\t"])


@settings(max_examples=300, deadline=None)
@given(before=_FILLER, after=_FILLER, sep1=_SEPARATORS, sep2=_SEPARATORS,
       pid=st.one_of(_cn_ids(), _accounts(), _grouped_accounts(), _cn_passports()))
def test_no_nine_character_run_of_an_id_survives(before, after, sep1, sep2, pid):
    out = redact(before + sep1 + pid + sep2 + after)
    digits_only = pid.replace(" ", "")
    for window in windows(pid) + windows(digits_only):
        if window not in before + after:   # the filler may spell a letter run by chance
            assert window not in out


@settings(max_examples=100, deadline=None)
@given(surname=st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=12),
       number=st.from_regex(r"\A[EG][0-9]{8}\Z", fullmatch=True), before=_FILLER)
def test_no_run_of_an_mrz_survives(surname, number, before):
    line1 = f"POCHN{surname}<<WEI".ljust(44, "<")[:44]
    line2 = f"{number}0CHN8503155M3305207MGLBNFOHLJPLA<12"
    out = redact(f"{before}\n{line1}\n{line2}\n")
    for window in windows(line1) + windows(line2):
        if set(window) != {"<"} and window not in before:   # the filler may spell it by chance
            assert window not in out


_NEAR_IDS = st.text(alphabet="0123456789 .-№/_EGDSPXxLabcпасортНОМЕРsnilСНИЛСidnoIDNOſİK<\n", max_size=60)


@settings(max_examples=400, deadline=None)
@given(text=_NEAR_IDS, sample=st.sampled_from(["", "passport ", "PASSPORT ", "Паспорт № ", "СНИЛС ", "ID No. ", "İd no ", "paſsport ", "身份证 "]))
def test_the_quick_pre_check_never_skips_a_text_a_detector_would_mask(text, sample):
    """redact() skips its detectors on a text without six digits in a row, 3+3 digits around a
    separator or an id label (most file names); no detector may find anything in such a text."""
    from checker import privacy

    text = sample + text
    if privacy._may_hold_id(text):
        return
    detectors = (privacy._LONG_DIGITS, privacy._CN_RESIDENT_ID, privacy._GROUPED_ACCOUNT, privacy._CN_PASSPORT,
                 privacy._RU_PASSPORT, privacy._SNILS, privacy._INN12, privacy._ID_LABEL)
    assert not any(d.search(text) for d in detectors)


def test_file_names_without_personal_numbers_are_shown_as_they_are():
    from checker.privacy import shown_path

    assert shown_path(("PB-50072", "RU_PB-50072_certificate.pdf")) == "PB-50072/RU_PB-50072_certificate.pdf"
    assert shown_path(("KYC", "passport_E98765432.jpg")) == "KYC/passport_******432.jpg"
    assert shown_path(("KYC", "41 06 123456", "scan.pdf")) == "KYC/*********456/scan.pdf"


_ASCII_NAMES = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), min_size=0, max_size=60)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(_ASCII_NAMES, _NEAR_IDS, st.sampled_from([
    "P<CHNZHANG<<WEI<<<<<<<<<<<<<<<<<<<<<<<<<<<<", "E123456780CHN8503155M3305207<<<<<<<<<<<<<<06",
    "scans/P<CHNZHANG<<WEI<<<<<<<<<<<<<<<<<<<<<<<<<<<<.jpg", "KYC/passport_E98765432.jpg"])))
def test_redacts_shortcut_for_plain_names_masks_what_the_detectors_would(text):
    """The MRZ finder answers a one-line ASCII text with a lower-case letter (no MRZ line has one)
    without looking at its lines: what looking line by line gives; and redact() leaves a text
    unchanged exactly when no detector finds anything in it."""
    from checker import privacy

    by_line, pos = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if privacy._looks_like_mrz(body):
            by_line.append((pos + len(body) - len(body.lstrip()), pos + len(body.rstrip()), "mrz"))
        pos += len(line)
    assert privacy._mrz_line_spans(text) == by_line
    spans = privacy._merge(privacy._find_spans(text))
    assert (redact(text) == text) == (not spans) or not text
