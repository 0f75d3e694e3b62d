"""The verdict core on results built in memory (no PDF, no tesseract): judge_file and judge_sku are
pure and language-free, the derived views say what the writers show, and only a writer, handed a
Translator and the rules in use, turns a verdict into words."""

import ast
import csv
import io
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from checker import codes, i18n
from checker.judging.file import judge_file
from checker.judging.sku import judge_sku, sku_details
from checker.judging.views import (kyc_state, papers_in_force, sku_certificates, sku_manuals, sku_valid_until,
                                   valid_papers)
from checker.models import (DocumentNumber, FileAnalysis, FileFacts, FileKind, FileResult, Finding, Group,
                            KycRequirement, KycResult, ScanResult, SkuResult)
from checker.phrases import finding_text
from checker.rules import default_rules_dir, load_rules
from conftest import REPO, SAMPLES, read_csv

TODAY = date(2026, 11, 26)
NUMBER = "ЕАЭС RU С-CN.АЯ46.В.01234/23"
CYRILLIC, HAN = re.compile("[а-яА-ЯёЁ]"), re.compile("[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def paper(path, role="conformity", numbers=(NUMBER,), valid_until=date(2028, 3, 11), language="ru", russian=True,
          mime="application/pdf", text="text", problem="", document_type="certificate_of_conformity"):
    """A SKU file as the pipeline leaves it before judging: facts read, text analysed, counted."""
    facts = FileFacts("x" * 64, 1000, mime, FileKind.TEXT_PDF, page_count=1, problem=problem)
    facts.__dict__["text"] = text     # FileFacts.text is joined from the pages once; here it is given
    analysis = FileAnalysis(numbers=[DocumentNumber(n, "eaeu", "certificate", True, status="well_formed") for n in numbers],
                            valid_until=valid_until, role=role, language=language, russian=russian,
                            russian_share=0.9 if russian else 0.0,
                            document_type=document_type if role == "conformity" else None)
    sku = path.split("/")[0]
    return FileResult(path, path.rsplit("/", 1)[-1], Group.SKU, sku, facts, analysis, counted=True)


def judged(f, rules):
    """The file as the pipeline leaves it after judging: its findings applied, counted unless blocked."""
    f.findings = judge_file(f, rules, TODAY)
    f.counted = not f.blocked
    return f


def snapshot(*results):
    return [repr(r) for r in results]


# --- judge_file -------------------------------------------------------------------------------------

def test_judge_file_is_pure_and_language_free(rules):
    f = paper("PB-1/RU_cert.pdf", valid_until=date(2026, 1, 10))
    before = snapshot(f)
    (finding,) = judge_file(f, rules, TODAY)
    assert snapshot(f) == before, "judge_file changed the file it judged"
    assert finding.code is codes.CERTIFICATE_EXPIRED
    assert dict(finding.args)["valid_until"] == "2026-01-10" and dict(finding.args)["number"] == NUMBER
    en, ru, zh = (finding_text(finding, i18n.Translator(lang), rules) for lang in ("en", "ru", "zh"))
    assert NUMBER in en and NUMBER in ru and NUMBER in zh
    assert CYRILLIC.search(ru.replace(NUMBER, "")) and HAN.search(zh) and not HAN.search(en)


def test_judge_file_names_the_prefix_and_the_unreadable(rules):
    found = judge_file(paper("PB-1/cert.pdf", problem="encrypted: needs a password"), rules, TODAY)
    assert [f.code for f in found] == [codes.MISSING_RU_PREFIX, codes.UNREADABLE_FILE]
    assert dict(found[0].args)["suggestion"] == "RU_cert.pdf"
    assert "RU_cert.pdf" in finding_text(found[0], "zh", rules)
    kyc = paper("KYC/passport.jpg")       # KYC files are judged by the checklist, not here
    kyc.group = Group.KYC
    assert judge_file(kyc, rules, TODAY) == []


def test_a_number_without_its_paper_is_invalid(rules):
    f = paper("PB-1/RU_cert.pdf", numbers=())
    (finding,) = judge_file(f, rules, TODAY)
    assert finding.code is codes.CERTIFICATE_NUMBER_INVALID
    assert "—" in finding_text(finding, "en", rules)


# --- judge_sku --------------------------------------------------------------------------------------

def test_judge_sku_returns_its_verdict_and_changes_nothing(rules):
    cert = judged(paper("PB-1/RU_cert.pdf"), rules)
    manual = judged(paper("PB-1/RU_manual.pdf", role="manual", numbers=(), valid_until=None, language="zh", russian=False), rules)
    sku = SkuResult("PB-1", "power_bank", "power_bank", files=[cert, manual])
    before = snapshot(sku, cert, manual)
    verdict = judge_sku(sku, rules, KycResult(False, "company"), TODAY)
    assert snapshot(sku, cert, manual) == before, "judge_sku changed what earlier stages produced"
    # a Chinese manual and no Russian one: the manual is set aside, and that one cause is one code
    # (no_ru_manual is not added beside it: docs/judging.md "one cause, one code")
    assert [f.code for f in verdict.set_aside["PB-1/RU_manual.pdf"]] == [codes.MANUAL_NOT_RUSSIAN]
    assert {f.code for f in verdict.findings} == {codes.MANUAL_NOT_RUSSIAN}
    assert verdict.status is codes.ChatStatus.DISABLED
    (foreign,) = verdict.set_aside["PB-1/RU_manual.pdf"]
    assert "Chinese" in finding_text(foreign, "en", rules) and "китайск" in finding_text(foreign, "ru", rules)


def test_a_sku_in_order(rules):
    cert = judged(paper("PB-1/RU_cert.pdf"), rules)
    manual = judged(paper("PB-1/RU_manual.pdf", role="manual", numbers=(), valid_until=None), rules)
    sku = SkuResult("PB-1", "power_bank", "power_bank", files=[cert, manual])
    verdict = judge_sku(sku, rules, KycResult(False, "company"), TODAY)
    assert verdict.findings == [] and verdict.status is codes.ChatStatus.OK and verdict.set_aside == {}
    sku.findings, sku.notes, sku.status = verdict.findings, verdict.notes, verdict.status
    assert sku_details(sku, "en", rules) == (f"Papers in order: conformity document {NUMBER} valid until 2028-03-11; "
                                             "manual PB-1/RU_manual.pdf.")


def test_wrong_paper_type_and_unknown_category_are_named_in_the_readers_words(rules):
    decl_only = next(c for c in rules.categories.values() if c.restricted and "certificate_of_conformity" not in c.accepts)
    cert = judged(paper("T-1/RU_cert.pdf"), rules)
    sku = SkuResult("T-1", decl_only.key, decl_only.key, files=[cert])
    verdict = judge_sku(sku, rules, KycResult(False, "company"), TODAY)
    assert codes.WRONG_DOCUMENT_TYPE in [f.code for f in verdict.findings]
    wrong = next(f for f in verdict.findings if f.code is codes.WRONG_DOCUMENT_TYPE)
    assert decl_only.name("ru") in finding_text(wrong, "ru", rules)
    assert decl_only.name("zh") in finding_text(wrong, "zh", rules)

    unknown = SkuResult("X-1", "Повербанки и зарядки", None, category_suggestions=("power_bank",))
    verdict = judge_sku(unknown, rules, KycResult(False, "company"), TODAY)
    assert [f.code for f in verdict.findings] == [codes.UNKNOWN_CATEGORY]
    assert "Повербанки и зарядки" in finding_text(verdict.findings[0], "zh", rules)
    (note,) = verdict.notes
    unknown.notes = verdict.notes
    unknown.findings = verdict.findings
    assert "Power banks" in sku_details(unknown, "en", rules) and "移动电源" in sku_details(unknown, "zh", rules)


def test_kyc_gap_lists_the_missing_requirements_in_the_readers_language(rules):
    kyc = KycResult(True, "company", ["KYC"], [KycRequirement("passport", "Passport of the legal representative", False),
                                              KycRequirement("company_registration", "Company registration", False)])
    verdict = judge_sku(SkuResult("PB-1", "power_bank", "power_bank"), rules, kyc, TODAY)
    gap = next(f for f in verdict.findings if f.code is codes.KYC_INCOMPLETE)
    assert "Passport of the legal representative; Company registration" in finding_text(gap, "en", rules)
    assert "；" in finding_text(gap, "zh", rules) and "法定代表人护照" in finding_text(gap, "zh", rules)


# --- the derived views ------------------------------------------------------------------------------

def test_derived_views(rules):
    old = judged(paper("PB-1/RU_old.pdf", numbers=("ЕАЭС RU С-CN.АЯ46.В.00001/20",), valid_until=date(2026, 1, 1)), rules)
    new = judged(paper("PB-1/RU_cert.pdf"), rules)
    manual = judged(paper("PB-1/RU_manual.pdf", role="manual", numbers=(), valid_until=None), rules)
    copy = judged(paper("PB-1/RU_cert (1).pdf"), rules)
    copy.copy_of, copy.counted = "PB-1/RU_cert.pdf", False
    sku = SkuResult("PB-1", "power_bank", "power_bank", files=[old, new, manual, copy])
    assert valid_papers(sku, rules) == [new]                  # the expired paper is blocked, so not counted
    assert papers_in_force(sku, rules, TODAY) == [new]
    assert sku_valid_until(sku) == date(2028, 3, 11)
    assert sku_manuals(sku) == [manual]
    assert sku_certificates(sku) == ["ЕАЭС RU С-CN.АЯ46.В.00001/20", NUMBER]     # the copy's number is not repeated
    assert kyc_state(KycResult(False, "company")) == "not_judged"
    assert kyc_state(KycResult(True, "company", ["KYC"], [KycRequirement("passport", "P", True)])) == "complete"
    assert kyc_state(KycResult(True, "company", ["KYC"], [KycRequirement("passport", "P", False)])) == "incomplete"


# --- translation without module state -------------------------------------------------------------

# the report's language, its translator or messages, the CSV separator (not, e.g., the OCR languages installed)
_LANGUAGE_NAMES = re.compile(r"(^|_)(lang|language|locale|translator|tr|messages|delimiter|current|active)(_|$)",
                             re.IGNORECASE)


def _module_state(path: Path) -> list[str]:
    """Module-level bindings (and `global` rebinding) of names that would hold a report's language,
    translator, messages in use or CSV separator, and every ContextVar."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "ContextVar":
            found.append(f"{path.name}:{node.lineno}: ContextVar")
        if isinstance(node, ast.Global):
            found += [f"{path.name}:{node.lineno}: global {n}" for n in node.names if _LANGUAGE_NAMES.search(n)]
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and _LANGUAGE_NAMES.search(name.id) and not name.id.isupper():
                    found.append(f"{path.name}:{node.lineno}: {name.id}")
    return found


def test_no_module_keeps_the_report_language_in_module_state():
    found = [hit for path in sorted((REPO / "checker").rglob("*.py")) for hit in _module_state(path)]
    assert found == []
    for name in ("set_lang", "use_lang", "current_lang", "install", "active"):
        assert not hasattr(i18n, name), f"checker.i18n.{name} is module language state"
    from checker.report import output

    assert not hasattr(output, "set_csv_delimiter")


def test_the_state_probe_finds_what_it_looks_for(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from contextvars import ContextVar\n_lang = 'en'\nx: ContextVar = ContextVar('d')\n"
                     "_active: object = None\nLANGS = ('en',)\n_languages = None\n"
                     "def f():\n    global _translator\n", encoding="utf-8")
    assert sorted(_module_state(probe)) == ["probe.py:2: _lang", "probe.py:3: ContextVar", "probe.py:4: _active",
                                            "probe.py:8: global _translator"]


def test_two_translators_in_one_process_need_no_set_up(rules):
    f = paper("PB-1/cert.pdf")
    (finding,) = judge_file(f, rules, TODAY)
    ru, en = i18n.Translator("ru", rules.messages), i18n.Translator("en", rules.messages)
    first, second = finding_text(finding, ru, rules), finding_text(finding, en, rules)
    assert CYRILLIC.search(first.replace("PB-1/cert.pdf", "")) and not CYRILLIC.search(second)
    assert finding_text(finding, ru, rules) == first        # nothing was left behind by the English one
    sku = SkuResult("PB-1", "power_bank", "power_bank", files=[f], findings=[finding])
    assert CYRILLIC.search(sku_details(sku, ru, rules)) and not CYRILLIC.search(sku_details(sku, en, rules))


def test_writers_render_ru_then_en_from_one_result(rules, tmp_path):
    from checker.report import report_context, write_all

    cert = judged(paper("PB-1/cert.pdf"), rules)
    sku = SkuResult("PB-1", "power_bank", "power_bank", files=[cert])
    verdict = judge_sku(sku, rules, KycResult(False, "company"), TODAY)
    sku.findings, sku.notes, sku.status = verdict.findings, verdict.notes, verdict.status
    result = ScanResult("root", TODAY, "company", [sku], [cert], KycResult(False, "company"), rules=rules)
    for lang in ("ru", "en"):
        out = {"--out": tmp_path / f"{lang}.csv", "--html": tmp_path / f"{lang}.html"}
        write_all(result, out, report_context(result, lang, ";"))
    ru_rows, en_rows = (list(csv.DictReader(io.StringIO((tmp_path / f"{lang}.csv").read_text(encoding="utf-8-sig")),
                                            delimiter=";")) for lang in ("ru", "en"))
    assert CYRILLIC.search(ru_rows[0]["details"].replace("PB-1/cert.pdf", ""))
    assert not CYRILLIC.search(en_rows[0]["details"])
    assert '<html lang="ru">' in (tmp_path / "ru.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in (tmp_path / "en.html").read_text(encoding="utf-8")


def test_the_kyc_checklist_csv_says_each_requirement_in_the_readers_language(rules, tmp_path):
    """--kyc-out --lang ru/zh: the title column is in the reader's language, as the note is."""
    from checker.report import report_context, write_all

    kyc = KycResult(True, "company", ["KYC"], [KycRequirement("passport", "Passport of the legal representative", False)])
    result = ScanResult("root", TODAY, "company", [], [], kyc, rules=rules)
    titles = {}
    for lang in ("en", "ru", "zh"):
        write_all(result, {"--kyc-out": tmp_path / f"{lang}.csv"}, report_context(result, lang, ","))
        (row,) = read_csv(tmp_path / f"{lang}.csv")
        titles[lang] = row["title"]
    assert titles == {"en": "Passport of the legal representative", "ru": "Паспорт законного представителя",
                      "zh": "法定代表人护照"}


# --- --rules DIR reaches every writer ---------------------------------------------------------------

def test_a_rules_folders_own_reason_wording_reaches_html_csv_and_terminal(run_cli, tmp_path):
    """doccheck scan … --rules DIR --html: the reason's title and detail are DIR's (the HTML writer
    used to reload the built-in rules by itself)."""
    rules_dir = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules_dir)
    reasons = rules_dir / "reasons.yaml"
    text = reasons.read_text(encoding="utf-8")
    text = text.replace("    title: File name lacks the RU_ prefix", "    title: Custom title from DIR", 1)
    text = text.replace('    detail: "{file} is not named RU_…, so Ozon ignores it: rename it to {suggestion}"',
                        '    detail: "Custom detail from DIR for {file} ({suggestion})"', 1)
    reasons.write_text(text, encoding="utf-8")
    batch = tmp_path / "batch"
    shutil.copytree(SAMPLES / "company" / "PB-1001", batch / "PB-1001")
    original = next(p for p in sorted((batch / "PB-1001").iterdir()) if p.name.startswith("RU_"))
    original.rename(original.with_name(original.name[3:]))        # one file without its RU_ prefix
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, stderr = run_cli("scan", batch, "--rules", rules_dir, "--no-ocr", "--lang", "en", "--color", "never",
                                   "--html", out / "r.html", "--out", out / "r.csv", "--no-cache")
    assert "Traceback" not in stdout + stderr, stderr
    assert (out / "r.html").is_file(), (code, stdout, stderr)
    html = (out / "r.html").read_text(encoding="utf-8")
    assert "Custom title from DIR" in html and "Custom detail from DIR" in html
    assert "File name lacks the RU_ prefix" not in html
    (row,) = [r for r in read_csv(out / "r.csv") if r["sku"] == "PB-1001"]
    assert "Custom detail from DIR" in row["details"]
    assert "Custom title from DIR" in stdout


# --- a paper that shows nothing -------------------------------------------------------------------

def _blank(path, role, pages, notes=()):
    """A paper reading tried: its pages read (PageText each) and nothing legible on them."""
    from checker.models import PageText

    f = paper(path, role=role, numbers=(), valid_until=None, text="", language=None, russian=False)
    f.facts.pages = [PageText(n, source, "", note=note) for n, source, note in pages]
    f.facts.notes = list(notes)
    return f


def test_a_blank_or_unrenderable_manual_cannot_count(rules):
    """A blank scan, or a PDF whose pages cannot be rendered, shows the moderator nothing: the manual
    is unreadable_file (the SKU disabled), not a Russian manual that was merely not read."""
    blank = judged(_blank("PB-1/RU_manual.pdf", "manual", [(1, "ocr", "")]), rules)
    assert [f.code for f in blank.findings] == [codes.UNREADABLE_FILE] and not blank.counted
    assert "no legible text on the 1 page(s) read" in finding_text(blank.findings[0], "en", rules)
    assert "нет читаемого текста" in finding_text(blank.findings[0], "ru", rules)
    broken = judged(_blank("PB-1/RU_manual.pdf", "manual", [(1, "none", "")],
                           notes=[i18n.said("read.render_failed", detail="not a readable PDF")]), rules)
    assert [f.code for f in broken.findings] == [codes.UNREADABLE_FILE]
    assert "could not be rendered for OCR: not a readable PDF" in finding_text(broken.findings[0], "en", rules)
    cert = judged(paper("PB-1/RU_cert.pdf"), rules)
    verdict = judge_sku(SkuResult("PB-1", "power_bank", "power_bank", files=[cert, blank]), rules,
                        KycResult(False, "company"), TODAY)
    assert verdict.status is codes.ChatStatus.DISABLED
    # one cause, one code: the unreadable manual explains the missing one
    assert codes.NO_RU_MANUAL not in {f.code for f in verdict.findings}


def test_a_manual_not_read_for_want_of_ocr_is_not_called_blank(rules):
    """--no-ocr: the pages were never read, so nothing is known against the manual (as before)."""
    unread = judged(_blank("PB-1/RU_manual.pdf", "manual", [(1, "none", i18n.said("read.ocr_off_page"))]), rules)
    assert unread.findings == [] and unread.counted
    junk = judged(_blank("PB-1/RU_manual.pdf", "manual",
                         [(1, "none", i18n.joined(i18n.said("read.layer_unreadable_no_ocr"), "x"))]), rules)
    assert junk.findings == []
    cert = judged(paper("PB-1/RU_cert.pdf"), rules)
    verdict = judge_sku(SkuResult("PB-1", "power_bank", "power_bank", files=[cert, unread]), rules,
                        KycResult(False, "company"), TODAY)
    assert verdict.status is codes.ChatStatus.OK
