"""The rule-file layer: one validation API with file:line errors, kinds as registries, rules that
never change after loading, one module for script tests and look-alike letters."""

import dataclasses
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from checker.analysis import markers as markers_module
from checker.analysis import scripts
from checker.analysis.markers import MARKER_KINDS, ExistenceMarker, MarkerRules, fold, marker_kind
from checker.analysis.mrz import normalise_line
from checker.analysis.numbers import READERS, FieldReader, reader
from checker.kyc import KycRules
from checker.kyc.conditions import CONDITIONS, Cond, condition, parse_condition
from checker.ozon.certificates import number_key
from checker.reading.discover import is_debris
from checker.rulefile import Field, RuleError, load_yaml, read_fields
from checker.rules import default_rules_dir, load_rules

RULES = default_rules_dir()


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the validation API ------------------------------------------------------------------------

SPEC = {"name": Field(str, nonempty=True), "size": Field(int, low=1, high=10),
        "colour": Field(str, required=False, default="red", choices=("red", "blue")),
        "tags": Field(list, required=False, default=[], items=str)}


@pytest.mark.parametrize("body,line,words", [
    ("entry:\n  name: a\n  size: 3\n  shape: round\n", 4, "thing: unknown field 'shape'"),
    ("entry:\n  size: 3\n", 2, "thing: missing key 'name'"),
    ("entry:\n  name: a\n  size: three\n", 3, "thing: 'size' must be int, got str"),
    ("entry:\n  name: a\n  size: 30\n", 3, "'size' must be from 1 to 10, got 30"),
    ("entry:\n  name: a\n  size: 3\n  colour: green\n", 4, "'colour': 'green' is not one of red, blue"),
    ("entry:\n  name: ' '\n  size: 3\n", 2, "'name' must not be empty"),
    ("entry:\n  name: a\n  size: true\n", 3, "'size' must be int, got bool"),
])
def test_read_fields_names_file_and_line(tmp_path, body, line, words):
    path = _write(tmp_path, body)
    with pytest.raises(RuleError) as err:
        read_fields(load_yaml(path)["entry"], SPEC, "thing")
    assert str(err.value).startswith(f"{path}:{line}: ") and words in str(err.value)


def test_read_fields_fills_defaults(tmp_path):
    values = read_fields(load_yaml(_write(tmp_path, "entry: {name: a, size: 2}\n"))["entry"], SPEC)
    assert values == {"name": "a", "size": 2, "colour": "red", "tags": []}


def test_an_unknown_top_level_key_of_any_rule_file_is_refused_at_its_line(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    path = folder / "limits.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines + ["expiring_whithin_days: 10"]) + "\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules(folder)
    assert str(err.value).startswith(f"{path}:{len(lines) + 1}: unknown top-level key 'expiring_whithin_days'")


# --- kinds are registries ----------------------------------------------------------------------

def test_a_new_marker_kind_is_one_class(tmp_path):
    @marker_kind
    @dataclass(frozen=True)
    class EveryMarker(ExistenceMarker):
        """Matched when every phrase occurs."""
        kind = "every"

        def matched(self, text):
            hits = self.sets[0].matched(text)
            return frozenset(t.language for t in hits) if len(hits) == len(self.sets[0].terms) else None

    try:
        path = _write(tmp_path, "markers:\n  seal:\n    kind: every\n    title: seal\n"
                                "    phrases: {en: [company seal, signature]}\n", "markers.yaml")
        rules = MarkerRules.load(path)
        assert rules.match("Company seal and signature") == {"seal": frozenset({"en"})}
        assert rules.match("Company seal only") == {}
    finally:
        del MARKER_KINDS["every"]
    with pytest.raises(RuleError, match=r"markers\.yaml:3: marker 'seal': unknown kind 'every' \(expected one of existence, "):
        MarkerRules.load(path)


def test_a_new_condition_kind_is_one_class(tmp_path):
    @condition
    @dataclass
    class PagesCond(Cond):
        """`pages: N`: the file has at least N pages (a test kind)."""
        kind = "pages"
        pages: int = 1

        @classmethod
        def parse(cls, value, node, what, parse):
            return cls(value)

    try:
        parsed = parse_condition({"all": [{"marker": "passport"}, {"pages": 2}]}, "requirement 'x'")
        assert [type(c).__name__ for c in parsed.children] == ["MarkerCond", "PagesCond"]
        assert parsed.children[1].pages == 2
    finally:
        del CONDITIONS["pages"]
    with pytest.raises(RuleError, match="unknown condition 'pages'"):
        parse_condition({"pages": 2}, "requirement 'x'")


def test_a_new_field_reader_is_one_class(rules):
    @reader
    class ReversedReader(FieldReader):
        """Characters read right to left (a test kind)."""
        name = "reversed"

        @staticmethod
        def read(compact, rules):
            return compact[::-1]

    try:
        assert rules.numbers.read("A B C", "reversed") == "CBA"
    finally:
        del READERS["reversed"]


# --- rules never change after loading ----------------------------------------------------------

def test_rules_are_frozen_and_lookups_do_not_write_into_them(rules):
    before = dict(vars(rules))
    assert rules.match_category("Powr banks").category.key == "power_bank"
    assert rules.match_category("Powr banks") is rules.match_category("Powr banks")    # memoised, not stored
    numbers_before = dict(vars(rules.numbers))
    rules.numbers.fold("ЕАЭС RU C-CN")
    assert vars(rules.numbers) == numbers_before
    assert vars(rules) == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.categories = {}


def test_checking_markers_returns_titles_and_changes_nothing():
    markers = MarkerRules.load(RULES / "markers.yaml")
    kyc = KycRules.load(RULES / "kyc.yaml")
    titles = kyc.check_markers(markers)
    assert titles["passport"] == markers.title("passport") and kyc.marker_titles == {}
    assert KycRules.load(RULES / "kyc.yaml", markers).marker_titles == titles


# --- scripts and look-alikes, stated once ------------------------------------------------------

def test_script_tests():
    assert scripts.is_han("中") and scripts.is_han("\U00020000") and not scripts.is_han("あ") and not scripts.is_han("")
    assert scripts.is_cjk_text("，") and scripts.is_cjk_text("。") and not scripts.is_cjk_text("a")
    assert scripts.is_cyrillic("Ж") and not scripts.is_cyrillic("Z")
    assert scripts.runs(scripts.LATIN).findall("Größe × 2, Ёж") == ["Größe"]


def test_every_look_alike_pair_is_a_confusable_pair():
    """Each pair prints alike: Unicode names the Cyrillic letter after the same Latin letter
    (CYRILLIC CAPITAL LETTER A ~ LATIN CAPITAL LETTER A), or confusables.txt lists it (Н~H, В~B...)."""
    confusables_txt = {"В": "B", "Н": "H", "К": "K", "М": "M", "Т": "T", "Х": "X", "У": "Y", "Р": "P", "С": "C",
                       "Ѕ": "S", "І": "I", "Ј": "J", "А": "A", "Е": "E", "О": "O"}
    for cyr, lat in zip(scripts.CYRILLIC_CAPITALS, scripts.LATIN_CAPITALS):
        assert confusables_txt[cyr] == lat, cyr
        assert unicodedata.name(cyr).startswith("CYRILLIC CAPITAL LETTER")
    for cyr, lat in zip(scripts.CYRILLIC_SMALL, scripts.LATIN_SMALL):
        assert confusables_txt[cyr.upper()] == lat.upper()


def test_the_tables_serve_every_reader():
    assert fold("НОТАРИУС") == fold("HOTAPИYC")                 # marker phrases as OCR mixes the scripts
    assert normalise_line("P<RUSІVANOV<<ІVAN") == "P<RUSIVANOV<<IVAN"   # an MRZ line with Cyrillic І
    assert number_key("ЕАЭС RU C-CN.АЯ46.В.06240/25") == number_key("ЕАЭС RU С-СN.АЯ46.В.06240/25")
    assert markers_module._LOOKALIKES is scripts.CYRILLIC_TO_LATIN_FOLDED


def test_debris_names_match_whatever_their_case_or_normal_form(rules):
    assert is_debris("THUMBS.DB", rules.debris_files) and is_debris("x.TMP", rules.debris_files)
    assert is_debris("__MACOSX", rules.debris_dirs) and not is_debris("RU_manual.pdf", rules.debris_files)
    assert is_debris(unicodedata.normalize("NFD", "~$Й.docx"), ("~$й.docx",))


# --- compiling numbers.yaml only when a scan needs it ----------------------------------------

def test_number_patterns_are_compiled_on_first_use_once_the_cache_knows_the_rules(tmp_path, rules):
    """A warm scan uses no number pattern: when the cache says these rule files loaded before,
    numbers.yaml is compiled on first use and finds what an eager compile finds; rule files the
    cache does not know (an edited numbers.yaml) are compiled, and refused with file:line, at once."""
    import pickle

    from checker.analysis.numbers import find_numbers
    from checker.app.setup import load_rules as load_for_scan
    from checker.cache import FactCache
    from checker.app.errors import InputError
    from checker.judging.file import analysis_key

    cache_dir = tmp_path / "cache"
    assert load_for_scan(None, None).numbers.compiled            # --no-cache: compiled now
    assert load_for_scan(None, cache_dir).numbers.compiled       # a cache that never loaded them
    FactCache(cache_dir).remember_rules(analysis_key(rules))
    again, said = FactCache(cache_dir), []
    again.db.set_trace_callback(said.append)
    again.remember_rules(analysis_key(rules))            # already recorded: a warm scan writes nothing
    again.close()
    assert said and not [sql for sql in said if "INSERT" in sql or "BEGIN" in sql], said
    deferred = load_for_scan(None, cache_dir)
    assert not deferred.numbers.compiled
    text = "Декларация о соответствии ЕАЭС N RU Д-CN.РА01.В.12345/24 действует до 01.02.2029"
    shipped = pickle.loads(pickle.dumps(deferred.numbers))   # as a worker receives it, with ReadingNeeds
    assert not shipped.compiled and find_numbers(text, shipped) == find_numbers(text, rules.numbers) != []
    assert find_numbers(text, deferred.numbers) == find_numbers(text, rules.numbers)
    assert deferred.numbers.compiled

    broken = tmp_path / "rules"
    shutil.copytree(RULES, broken)
    numbers = broken / "numbers.yaml"
    numbers.write_text(numbers.read_text(encoding="utf-8").replace("numero: ", "numero: '(' #", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"numbers\.yaml:\d+"):
        load_for_scan(broken, cache_dir)


def test_a_deferred_numbers_file_that_fails_mid_scan_is_an_input_error_not_a_traceback(tmp_path):
    """Should a cache wrongly vouch for a numbers.yaml (a forged or copied meta row), the compile
    on first use fails mid-scan: the scan stops as a rules error at load does (exit 2, file:line)."""
    import re
    import subprocess
    import sys

    from conftest import SAMPLES

    from checker.cache import FactCache
    from checker.judging.file import analysis_key

    broken = tmp_path / "rules"
    shutil.copytree(RULES, broken)
    numbers = broken / "numbers.yaml"
    numbers.write_text(numbers.read_text(encoding="utf-8").replace("numero: ", "numero: '(' #", 1), encoding="utf-8")
    deferred = load_rules(broken, defer_numbers=True)
    FactCache(tmp_path / "cache").remember_rules(analysis_key(deferred))   # the cache vouches for it
    batch = tmp_path / "batch"
    shutil.copytree(SAMPLES / "company" / "PB-6001", batch / "PB-6001")
    run = subprocess.run([sys.executable, "-m", "checker", "scan", str(batch), "--rules", str(broken),
                          "--cache-dir", str(tmp_path / "cache"), "--no-ocr", "-q", "--out", str(tmp_path / "out.csv")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and re.search(r"rules: .*numbers\.yaml:\d+", run.stderr), run.stderr


def test_a_rules_folders_message_with_a_placeholder_doccheck_does_not_fill_is_refused(tmp_path, run_cli):
    """A copied messages.yaml whose text asks for a {placeholder} the code never fills would have
    crashed mid-run when said; it is refused at load, naming file and line (exit 2)."""
    import re

    from conftest import SAMPLES

    from checker import i18n

    own = tmp_path / "rules"
    shutil.copytree(RULES, own)
    messages = own / "messages.yaml"
    text = messages.read_text(encoding="utf-8")
    start = text.index("\nwatch.watching_no_reports:")
    block = text[start:text.index("\nwatch.settling:")]
    messages.write_text(text.replace(block, block.replace("({mode})", "({modus})").replace("（{mode}）", "（{modus}）")),
                        encoding="utf-8")
    line = text[:start].count("\n") + 3    # the message's en line
    code, out, err = run_cli("scan", SAMPLES / "company", "--rules", own, "--no-ocr", "--no-reports", "-q")
    assert code == 2 and "Traceback" not in out + err
    assert re.search(rf"messages\.yaml:{line}: message 'watch\.watching_no_reports' uses {{modus}}", err), err
    # and a template that cannot be filled is said as it is, never raised mid-run
    tr = i18n.Translator("ru", i18n.Messages({"x": {"en": "a {b}", "ru": "а {c}", "zh": "甲 {c}"}}))
    assert tr.t("x", d=1) == "a {b}"
