"""Every message a person reads exists in English, Russian and Chinese with the same placeholders;
the language reaches the terminal, the details column and the footer; codes and columns never change."""

import re
import shutil
import string
from datetime import date

import click
import pytest
import yaml

from checker import codes, i18n
from checker.models import FileAnalysis, FileFacts, FileKind, FileResult, Group, KycRequirement, KycResult, ScanResult, ScanStats, SkuResult
from checker.rulefile import RuleError
from checker.rules import default_rules_dir, load_rules
from conftest import REPO, SAMPLES, read_csv

RULES = default_rules_dir()
LANGS = ("en", "ru", "zh")


def fields(template: str) -> set[str]:
    return {f.split("!")[0].split(":")[0] for _, f, _, _ in string.Formatter().parse(template) if f is not None}


def load_plain(name):
    """The YAML as plain data, read independently of the loader under test."""
    return yaml.safe_load((RULES / name).read_text(encoding="utf-8"))


# --- the data files ---------------------------------------------------------------------------------

def test_every_message_has_all_three_languages_with_the_same_placeholders():
    messages = load_plain("messages.yaml")
    assert len(messages) > 100
    for msg_id, texts in messages.items():
        assert set(texts) == set(LANGS), f"{msg_id}: has {sorted(texts)}"
        for lang in LANGS:
            assert isinstance(texts[lang], str) and texts[lang].strip(), f"{msg_id}.{lang} is empty"
            assert fields(texts[lang]) == fields(texts["en"]), f"{msg_id}.{lang}: placeholders differ from en"


def test_every_reason_code_has_all_three_languages_with_the_same_placeholders():
    reasons = load_plain("reasons.yaml")
    assert set(reasons) == {c.code for c in codes.ALL_CODES}
    for code, spec in reasons.items():
        for lang in LANGS:
            assert lang in spec, f"{code} has no {lang}"
            for key in ("title", "why", "fix", "detail"):
                assert isinstance(spec[lang].get(key), str) and spec[lang][key].strip(), f"{code}.{lang}.{key}"
                assert fields(spec[lang][key]) == fields(spec["en"][key]), f"{code}.{lang}.{key}: placeholders differ"


def test_categories_and_regulations_are_named_in_all_three_languages(rules):
    for cat in rules.categories.values():
        assert {lang for lang, _ in cat.names} == set(LANGS), cat.key
        assert cat.name("zh") != cat.key
    cited = {reg for cat in rules.categories.values() for reg in cat.regulations}
    for reg in cited:
        assert set(rules.regulation_titles.get(reg, {})) == set(LANGS), f"{reg} has no title in every language"


def test_chinese_and_russian_texts_are_in_their_scripts():
    """A copy-pasted English text in the ru or zh slot is a missing translation."""
    cyrillic, han = re.compile("[а-яА-ЯёЁ]"), re.compile("[\u4e00-\u9fff]")
    for msg_id, texts in load_plain("messages.yaml").items():
        if texts["en"] == texts["ru"] == texts["zh"]:
            continue                       # marks that read the same everywhere ("{client}: {warning}")
        if msg_id.startswith("type.") or msg_id in ("audit.col.kyc", "audit.col.skus"):
            continue
        assert cyrillic.search(texts["ru"]) or texts["ru"] == texts["en"], f"{msg_id}.ru"
        words = re.sub(r"\{\w+\}|[\s:：、；]", "", texts["zh"])     # "{client}：{warning}" has no words to translate
        assert han.search(texts["zh"]) or not words, f"{msg_id}.zh is not Chinese"
    for code, spec in load_plain("reasons.yaml").items():
        for key in ("title", "why", "fix", "detail"):
            assert cyrillic.search(spec["ru"][key]), f"{code}.ru.{key}"
            assert han.search(spec["zh"][key]), f"{code}.zh.{key}"


def test_every_message_id_the_code_names_exists():
    messages = i18n.builtin_messages()
    literal = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""")
    used = set()
    for path in list((REPO / "checker").rglob("*.py")):
        used |= set(literal.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 40
    missing = sorted(m for m in used if m not in messages)
    assert not missing, f"message ids used in checker/ but missing from messages.yaml: {missing}"
    # ids built at run time
    rules = load_rules()
    ozon = rules.ozon
    built = [f"ozon.doc.{v}" for v in ozon.certificate_type.values()]
    built += [f"ozon.acc.{v}" for v in {*ozon.accordance_by_type.values(), *ozon.accordance_by_scheme.values(), ozon.accordance_default}]
    built += [f"explain.scope.{s.value}" for s in codes.Scope]
    built += [f"kyc.profile.{p}" for p in rules.kyc.profiles]
    built += [f"kyc.req.{r.key}" for p in rules.kyc.profiles.values() for r in p.requirements]
    built += [f"type.{mime}" for mime in rules.type_names]
    built += [f"language.{code}" for code in ("ru", "en", "zh", "unknown")]
    built += [f"audit.col.{c}" for c in ("client", "skus", "ok", "at_risk", "disabled", "kyc", "files", "time")]
    built += [f"term.status.{s.value}" for s in codes.ChatStatus] + list(i18n.CHAT_SETTINGS)
    from checker.models import FileKind

    built += [f"html.status.{s.value}" for s in codes.ChatStatus] + [f"html.kind.{k.value}" for k in FileKind]
    built += [f"html.role.{r}" for r in ("conformity", "manual", "kyc", "other")]
    built += [f"html.doc_type.{d}" for d in ("certificate", "declaration")]
    built += [f"html.scheme.{s}" for s in ("eaeu", "customs_union", "ru_technical_regulation", "gost_r")]
    built += [f"html.filter.{f}" for f in ("all", "disabled", "at_risk", "ok")]
    assert [b for b in built if b not in messages] == []


def test_kyc_titles_match_kyc_yaml(rules):
    for profile in rules.kyc.profiles.values():
        for req in profile.requirements:
            assert i18n.t(f"kyc.req.{req.key}", "en") == req.title
            assert i18n.t(f"kyc.req.{req.key}", "ru") == req.title_ru


def test_english_type_names_match_file_types_yaml(rules):
    for mime, name in rules.type_names.items():
        assert i18n.t(f"type.{mime}", "en") == name


# --- the loader refuses a missing translation --------------------------------------------------------

def _rules_copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _refused(tmp_path, name: str, old: str, new: str, match: str) -> None:
    """A copy of the rules with one text of `name` changed is refused with an error matching `match`."""
    rules_dir = _rules_copy(tmp_path)
    path = rules_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleError, match=match):
        load_rules(rules_dir)


def test_loader_refuses_a_message_without_chinese(tmp_path):
    _refused(tmp_path, "messages.yaml", "  zh: 正常\n", "",
             r"messages.yaml:\d+: message 'term.status.ok' has no zh text")


def test_loader_refuses_a_message_whose_placeholders_differ(tmp_path):
    _refused(tmp_path, "messages.yaml", 'ru: "Отчёты: {paths}"', 'ru: "Отчёты: {path}"', "term.reports.*'ru' uses")


def test_loader_refuses_a_reason_without_russian(tmp_path):
    data = (RULES / "reasons.yaml").read_text(encoding="utf-8")
    start = data.index("  ru:\n    title: Файл не открывается")
    _refused(tmp_path, "reasons.yaml", data[start:data.index("  zh:", start)], "",
             "reasons.yaml:\\d+: reason 'unreadable_file' has no 'ru' texts")


def test_loader_refuses_a_reason_detail_with_other_placeholders(tmp_path):
    _refused(tmp_path, "reasons.yaml", "{file}：{number} 已于 {valid_until} 过期", "{file}：{numero} 已于 {valid_until} 过期",
             "certificate_expired' detail: 'zh' uses")


def test_a_rules_folder_without_messages_uses_the_builtin_ones(tmp_path):
    rules_dir = _rules_copy(tmp_path)
    (rules_dir / "messages.yaml").unlink()
    assert load_rules(rules_dir).messages.text("term.status.ok", "zh") == "正常"


# --- the language reaches what a person reads ------------------------------------------------------

def test_default_language_comes_from_the_locale(monkeypatch):
    from checker.cli import default_lang

    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert default_lang() == "ru"
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert default_lang() == "zh"
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")        # not one of ours: the next setting decides
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert default_lang() == "ru"
    import locale

    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setattr(locale, "getlocale", lambda *a: (None, None))
    assert default_lang() == "en"


def _result(sku_files=(), findings=(), kyc=None):
    sku = SkuResult("PB-1", "power_bank", "power_bank", files=list(sku_files), findings=list(findings))
    return ScanResult("root", date(2026, 11, 26), "company", [sku], list(sku_files),
                      kyc or KycResult(False, "company"), stats=ScanStats(files=1, seconds=1.25))


def _conformity_file():
    f = FileResult("PB-1/RU_cert.pdf", "RU_cert.pdf", Group.SKU, "PB-1", FileFacts("x", 1, "application/pdf", FileKind.TEXT_PDF))
    from checker.models import DocumentNumber

    f.analysis = FileAnalysis(numbers=[DocumentNumber("ЕАЭС RU С-CN.АЯ46.В.01234/23", "eaeu", "certificate", True)],
                              valid_until=date(2028, 3, 11), role="conformity")
    f.counted = True
    return f


@pytest.mark.parametrize("lang,expected", [
    ("en", "Papers in order: conformity document ЕАЭС RU С-CN.АЯ46.В.01234/23 valid until 2028-03-11."),
    ("ru", "Документы в порядке: документ о соответствии ЕАЭС RU С-CN.АЯ46.В.01234/23, действует до 2028-03-11."),
    ("zh", "资料齐全：合格证明文件 ЕАЭС RU С-CN.АЯ46.В.01234/23，有效期至 2028-03-11。"),
])
def test_details_column_speaks_the_language(lang, expected):
    from checker.judging.sku import sku_details

    result = _result([_conformity_file()])
    assert sku_details(result.skus[0], lang) == expected
    assert sku_details(result.skus[0], i18n.Translator(lang)) == expected        # a Translator as well as a code


@pytest.mark.parametrize("lang,words", [
    ("en", ["DISABLED", "1 SKUs: 0 ok, 0 at risk, 1 disabled", "KYC (company, KYC): INCOMPLETE", "[ ] Passport of the legal representative"]),
    ("ru", ["ОТКЛЮЧЁН", "SKU: 1 — 0 ок, 0 под угрозой, 1 отключено", "KYC (юрлицо, KYC): НЕПОЛНЫЙ", "[ ] Паспорт законного представителя"]),
    ("zh", ["已关闭", "1 个 SKU：0 个正常，0 个有风险，1 个聊天已关闭", "KYC 审核（公司，KYC）：不齐全", "[ ] 法定代表人护照"]),
])
def test_terminal_summary_and_footer_speak_the_language(lang, words):
    from checker.report.terminal import print_chat_settings, print_summary

    kyc = KycResult(True, "company", ["KYC"], [KycRequirement("passport", "Passport of the legal representative", False)])
    result = _result(findings=[])
    result.kyc = kyc
    result.skus[0].status = codes.ChatStatus.DISABLED
    result.skus[0].findings = []
    lines = []
    print_summary(result, echo=lambda text="", **kw: lines.append(text), colour=False, lang=lang)
    print_chat_settings(echo=lambda text="", **kw: lines.append(text), colour=False, lang=lang)
    out = click.unstyle("\n".join(lines))
    for word in words:
        assert word in out
    heading, settings = i18n.chat_settings(lang)
    assert heading in out and len(settings) == 4
    assert all(f"[ ] {s}" in out for s in settings)


def test_cjk_labels_keep_the_columns_aligned():
    assert i18n.width("已关闭") == 6 and i18n.pad("已关闭", 8) == "已关闭  "
    assert i18n.width("ОТКЛЮЧЁН") == 8


def test_translated_message_falls_back_to_english_on_a_bad_value():
    assert i18n.t("term.reports", "zh", paths="a, b") == "报告：a, b"
    assert i18n.t("kyc.req.no_such_requirement", "zh", default="Own title") == "Own title"
    with pytest.raises(KeyError):
        i18n.t("no.such.message")


def _small_batch(tmp_path):
    root = tmp_path / "batch"
    for sku in ("PB-1001", "PB-1002", "TOY-3001"):
        shutil.copytree(SAMPLES / "company" / sku, root / sku)
    lines = (SAMPLES / "company" / "skus_utf8.csv").read_text(encoding="utf-8-sig").splitlines()
    (tmp_path / "skus.csv").write_text("\n".join([lines[0]] + [l for l in lines[1:] if l.split(",")[0] in ("PB-1001", "PB-1002", "TOY-3001")]) + "\n",
                                       encoding="utf-8")
    return root


@pytest.mark.parametrize("lang,status,detail,footer", [
    ("ru", "ОТКЛЮЧЁН", "истёк 2025-05-14", "Сообщения от покупателей разрешены"),
    ("zh", "已关闭", "已于 2025-05-14 过期", "已允许买家发送消息"),
    ("en", "DISABLED", "expired on 2025-05-14", "Messages from buyers allowed"),
])
def test_scan_in_each_language_end_to_end(run_cli, tmp_path, lang, status, detail, footer):
    import csv

    root = _small_batch(tmp_path)
    code, out, err = run_cli("scan", root, "--skus", tmp_path / "skus.csv", "--today", "2026-11-26", "--no-ocr", "--no-cache",
                             "--jobs", "1", "--out", tmp_path / "r.csv", "--lang", lang)
    assert code == 1, err
    assert status in out and footer in out
    assert out.rstrip().endswith(i18n.t("footer.working_hours", lang))     # printed once, at the end
    assert out.count(footer) == 1
    rows = {r["sku"]: r for r in read_csv(tmp_path / "r.csv")}
    assert list(next(iter(rows.values())))[:10] == ["sku", "category", "category_rule", "chat_status", "reasons",
                                                     "certificates", "valid_until", "manual", "files", "details"]
    assert rows["PB-1002"]["reasons"] == "certificate_expired" and rows["PB-1002"]["chat_status"] == "disabled"
    assert detail in rows["PB-1002"]["details"]
    assert rows["PB-1001"]["details"] == _in_order(lang)


def _in_order(lang):
    return i18n.t("details.in_order", lang, parts="; ".join([
        i18n.t("details.conformity_until", lang, numbers="ЕАЭС RU С-CN.АЯ46.В.01234/23", date="2028-03-11"),
        i18n.t("details.manual", lang, files="PB-1001/RU_PB-1001_manual.pdf")]))


def test_quiet_scan_has_no_footer(run_cli, tmp_path):
    root = _small_batch(tmp_path)
    code, out, _ = run_cli("scan", root, "--skus", tmp_path / "skus.csv", "--today", "2026-11-26", "--no-ocr", "--no-cache",
                           "--jobs", "1", "--out", tmp_path / "r.csv", "--lang", "zh", "-q")
    assert code == 1
    assert "卖家后台" not in out and "[ ]" not in out


# --- what reading found, in the reader's language ----------------------------------------------

SCRIPT = {"ru": re.compile("[а-яА-ЯёЁ]"), "zh": re.compile("[\u4e00-\u9fff]")}


def _number_texts() -> list[str]:
    """Every problem and missing text the built-in numbers.yaml writes, plus the parser's defaults."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("problem", "missing") and isinstance(value, str):
                    found.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(load_plain("numbers.yaml"))
    return sorted(found) + ["dot is missing", "dot '{value}' is wrong"]


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_every_number_problem_is_translated(lang):
    from checker.analysis.numbers.problems import problem

    texts = _number_texts()
    assert len(texts) > 20
    for text in texts:
        written = problem(text, "Q7")
        shown = i18n.render(written, lang)
        assert written == text.format(value="Q7")   # its English is numbers.yaml's text
        assert shown != written and SCRIPT[lang].search(shown), f"{written!r} is not translated into {lang}"
        if "{value}" in text:
            assert "Q7" in shown
    two = i18n.joined(problem("series letter is missing"), problem("serial number '{value}' does not have 5 digits", "12"))
    assert two == "series letter is missing; serial number '12' does not have 5 digits"
    assert i18n.render(two, lang).count("12") == 1 and "series" not in i18n.render(two, lang)


def blank_pdf(pages: int, password: str | None = None) -> bytes:
    """A PDF of `pages` blank A4 pages, encrypted with `password` when given."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _files_that_read_badly(tmp_path):
    from checker.process.executor import read_file_bytes

    pdf = blank_pdf

    from checker.reading.extract import extract_facts
    from checker.models import ExtractSettings

    settings = ExtractSettings(ocr=False, pages_first=1, pages_sample=0)
    texts = []
    for data in (b"", pdf(3)[:200], pdf(1, "secret"), pdf(3), b"%PDF-1.7\n" + b"\x00" * 400 + b"\n%%EOF\n"):
        facts = extract_facts(data, settings)
        texts += [facts.problem, *facts.notes, *(p.note for p in facts.pages)]
    small = tmp_path / "f.pdf"
    small.write_bytes(pdf(1))
    st = small.stat()
    texts.append(read_file_bytes(str(tmp_path / "gone.pdf"), 1, 1, 2**20)[1])
    texts.append(read_file_bytes(str(small), st.st_size, st.st_mtime_ns, 10)[1])
    texts.append(read_file_bytes(str(small), st.st_size + 1, st.st_mtime_ns, 2**20)[1])
    return [t for t in texts if t]


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_what_reading_a_file_found_is_said_in_the_language(lang, tmp_path):
    texts = _files_that_read_badly(tmp_path)
    for needle in ("empty", "truncated", "password", "read 1 of 3 pages", "OCR off", "cannot open", "too large", "changed"):
        assert any(needle in t for t in texts), f"no {needle!r} text was produced: {texts}"
    for text in texts:
        shown = i18n.render(text, lang)
        assert shown != text and SCRIPT[lang].search(shown), f"{text!r} is not translated into {lang}"
    assert i18n.render(texts[0], "en") == texts[0]
    assert i18n.render("an exception's own words", lang) == "an exception's own words"


def test_unreadable_file_detail_is_all_chinese(run_cli, tmp_path):
    batch = tmp_path / "batch" / "PB-1"
    batch.mkdir(parents=True)
    (batch / "RU_PB-1_certificate.pdf").write_bytes(b"")
    code, _, _ = run_cli("scan", tmp_path / "batch", "--lang", "zh", "--no-cache", "--out", tmp_path / "r.csv")
    row = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "文件为空（0 字节）" in row and "the file is empty" not in row


def test_details_show_names_as_written_and_the_category_in_the_language(run_cli, tmp_path):
    """The first word of the details is capitalised only when it is the template's own word: a file
    named qpdf_case_PB-1.pdf stays so. A category given by its rule key is named in --lang."""
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "qpdf_case_PB-1.pdf").write_bytes(b"")   # loose, mapped by the SKU word in its name
    (tmp_path / "skus.csv").write_text("sku,category\nPB-1,power_bank\n", encoding="utf-8")
    for lang, category in (("en", "Power banks"), ("zh", "移动电源"), ("ru", "Внешние аккумуляторы")):
        out = tmp_path / f"{lang}.csv"
        run_cli("scan", tmp_path / "batch", "--skus", tmp_path / "skus.csv", "--lang", lang, "--no-cache", "--out", out)
        details = read_csv(out)[0]["details"]
        assert f"{category}" in details and "power_bank" not in details, details
        if lang != "ru":   # ru's template starts "имя файла …"
            assert details.startswith("qpdf_case_PB-1.pdf"), details


# --- what reading found is kept as message ids, in memory and in the facts cache ----------------

def test_cached_facts_hold_message_ids_and_say_them_in_every_language(tmp_path):
    """The cached facts hold no language: a report in any language says the same notes."""
    import json
    import sqlite3

    from checker.cache import FactCache
    from checker.models import ExtractSettings
    from checker.reading.extract import extract_facts

    settings = ExtractSettings(ocr=False, pages_first=1, pages_sample=0)
    locked, sampled = extract_facts(blank_pdf(1, "secret"), settings), extract_facts(blank_pdf(3), settings)
    assert locked.problem == "password-protected PDF"          # its English, as before
    assert sampled.notes == ["read 1 of 3 pages"] and sampled.pages[0].note == "scanned page not read (OCR off)"
    cache = FactCache(tmp_path / "cache")
    for name, facts in (("locked.pdf", locked), ("sampled.pdf", sampled)):
        cache.put(str(tmp_path / name), facts.size, 1, facts)
    from checker.cache import row_json

    rows = [json.loads(row_json(r[0])) for r in sqlite3.connect(tmp_path / "cache" / "facts.sqlite3").execute("SELECT data FROM facts")]
    stored = json.dumps(rows, ensure_ascii=False)
    assert '"id": "read.password"' in stored and '"id": "read.pages_read"' in stored
    assert not any(words in stored for words in ("password-protected", "of 3 pages", "not read"))   # no English sentence at rest
    for facts in (locked, sampled):
        again = FactCache(tmp_path / "cache").get(facts.sha256, facts.extractor)
        assert again is not None
        for lang in i18n.LANGS:
            said = [i18n.render(t, lang) for t in (again.problem, *again.notes, *(p.note for p in again.pages))]
            assert said == [i18n.render(t, lang) for t in (facts.problem, *facts.notes, *(p.note for p in facts.pages))]
    assert i18n.render(FactCache(tmp_path / "cache").get(locked.sha256, locked.extractor).problem, "ru") == "PDF защищён паролем"


def test_two_notes_on_one_page_and_a_custom_number_text():
    import json

    from checker.analysis.numbers.problems import AS_WRITTEN, problem

    two = i18n.joined(i18n.said("read.layer_unchecked"), "", i18n.said("read.hidden_text", chars=12))
    assert isinstance(two, i18n.SaidParts) and two == i18n.render(two, "en")
    assert i18n.from_data(json.loads(json.dumps(i18n.to_data(two)))).render("zh") == i18n.render(two, "zh")
    assert "；" not in i18n.render(two, "zh") and i18n.render(two, "zh").count("; ") == 1
    custom = problem("Seriennummer '{value}' hat nicht 5 Ziffern", "12")   # a custom numbers.yaml's own words
    assert custom.message.id == AS_WRITTEN
    assert [i18n.render(custom, lang) for lang in i18n.LANGS] == ["Seriennummer '12' hat nicht 5 Ziffern"] * 3
    assert i18n.render(i18n.from_data(i18n.to_data(custom)), "ru") == "Seriennummer '12' hat nicht 5 Ziffern"
