"""Cache keys are derived from the code (issue 11): the facts key covers the reading code and the
OCR engine, the analysis key the analysing code and the rule files, and neither covers the report
writers, the CLI or the commands. Edits are made in a copy of the package, never in the checkout."""

import shutil
from pathlib import Path

import pytest

from checker import cache_keys
from checker.cache import FactCache
from checker.cache_keys import ANALYSIS_ENTRIES, READING_ENTRIES, source_digest, source_set
from checker.models import ExtractSettings, FileFacts, FileKind, PageText
from checker.reading import engines

PACKAGE = cache_keys.PACKAGE
WRITERS = ["report/html.py", "report/csv_reports.py", "report/json_report.py", "report/terminal.py",
           "cli.py", "pipeline.py", "commands/watch/watcher.py", "commands/audit/run.py", "app/outcome.py", "app/setup.py"]


def names(entries, root=PACKAGE):
    return {p.relative_to(root).as_posix() for p in source_set(entries, root)}


def test_the_reading_set_holds_the_reading_code_and_the_engine_and_no_writer():
    reading = names(READING_ENTRIES)
    assert {"reading/extract.py", "reading/ocr.py", "reading/render.py", "reading/textlayer.py",
            "reading/visibility.py", "external/tesseract.py", "reading/engines/tesseract.py",
            "reading/engines/base.py", "analysis/language.py", "privacy.py"} <= reading
    assert not reading & set(WRITERS)
    assert not any(name.startswith(("report/", "commands/", "judging/")) for name in reading)


def test_the_analysis_set_holds_the_analysing_code_and_no_writer():
    analysis = names(ANALYSIS_ENTRIES)
    assert {"judging/file.py", "analysis/numbers/finders.py", "analysis/numbers/compiler.py", "analysis/doctypes.py", "analysis/language.py",
            "rules.py", "rulefile.py"} <= analysis
    assert not analysis & set(WRITERS)
    assert not any(name.startswith(("report/", "commands/")) for name in analysis)


@pytest.fixture
def package(tmp_path):
    """A copy of the checker package to edit."""
    copy = tmp_path / "checker"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def digests(root: Path) -> tuple[str, str]:
    return source_digest(READING_ENTRIES, root), source_digest(ANALYSIS_ENTRIES, root)


def edit(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_copy_has_the_checkout_digests(package):
    assert digests(package) == (cache_keys.reading_digest(), cache_keys.analysis_digest())


@pytest.mark.parametrize("writer", WRITERS)
def test_editing_a_writer_changes_neither_key(package, writer):
    before = digests(package)
    edit(package / writer, "# a CSS tweak: .finding { color: #a00 }")
    assert digests(package) == before


def test_editing_the_reading_code_changes_the_facts_key_only(package):
    reading, analysis = digests(package)
    edit(package / "reading" / "render.py", "RENDER_FIX = 1")
    after_render = digests(package)
    assert after_render[0] != reading and after_render[1] == analysis
    edit(package / "external" / "tesseract.py", "TESSERACT_FIX = 1")
    assert digests(package)[0] not in (reading, after_render[0])


def test_editing_the_analysing_code_changes_the_analysis_key_only(package):
    reading, analysis = digests(package)
    edit(package / "analysis" / "sheets.py", "SHEETS_FIX = 1")
    assert digests(package)[0] == reading and digests(package)[1] != analysis


def test_editing_the_number_finders_re_reads_too(package):
    """How far a paper is read and whether its number is read again depend on the number finders
    (reading/enough.py, reading/recheck.py): an edit to them changes both keys."""
    reading, analysis = digests(package)
    edit(package / "analysis" / "numbers" / "finders.py", "CONFORMITY_FIX = 1")
    assert digests(package)[0] != reading and digests(package)[1] != analysis


def test_a_module_reading_starts_to_import_is_covered_from_then_on(package):
    """The set is computed from the imports: no list to keep up to date."""
    assert "analysis/mrz.py" not in names(READING_ENTRIES, package)
    edit(package / "reading" / "ocr.py", "from ..analysis import mrz  # noqa")
    assert "analysis/mrz.py" in names(READING_ENTRIES, package)


def facts(settings: ExtractSettings) -> FileFacts:
    return FileFacts(sha256="cd" * 32, size=10, mime="application/pdf", kind=FileKind.SCANNED_PDF,
                     extractor=settings.key(), pages=[PageText(1, "ocr", "Сертификат соответствия")])


def test_cached_facts_are_not_served_to_other_reading_code(tmp_path):
    """What a user sees: after an upgrade that changed how pages are read, the files are read again."""
    settings = ExtractSettings(engine="tesseract 5.3.0 [chi_sim,eng,osd,rus]")
    FactCache(tmp_path, reading="old-code").put("/b/PB-1/RU_cert.pdf", 10, 1, facts(settings))
    assert FactCache(tmp_path, reading="old-code").get("cd" * 32, settings.key()) == facts(settings)
    assert FactCache(tmp_path, reading="new-code").get("cd" * 32, settings.key()) is None
    assert FactCache(tmp_path, reading="new-code").lookup("/b/PB-1/RU_cert.pdf", 10, 1, settings.key()) is None


class FakeEngine:
    """Another version of the OCR engine: only its probe is asked for here."""
    id = "tesseract"
    version = "5.4.1"

    def status(self, required_langs=None):
        return engines.EngineStatus(True, self.version, ("chi_sim", "eng", "osd", "rus"), name=self.id)


def test_a_different_engine_version_changes_the_facts_key(tmp_path, monkeypatch):
    monkeypatch.setitem(engines.ENGINES, "fake", f"{__name__}:FakeEngine")
    new_id = engines.engine_id(True, "fake")
    assert new_id == "tesseract 5.4.1 [chi_sim,eng,osd,rus]"
    old = ExtractSettings(engine="tesseract 5.3.0 [chi_sim,eng,osd,rus]")
    new = ExtractSettings(engine=new_id)
    assert cache_keys.facts_key(old.key()) != cache_keys.facts_key(new.key())
    FactCache(tmp_path).put("/b/PB-1/RU_cert.pdf", 10, 1, facts(old))
    assert FactCache(tmp_path).get("cd" * 32, old.key()) is not None
    assert FactCache(tmp_path).get("cd" * 32, new.key()) is None
    assert engines.engine_id(False, "fake") == ""   # OCR off: no engine in the key


def test_the_workspace_is_not_part_of_the_key():
    """Where OCR writes and how many pages at once never change what is read."""
    plain = ExtractSettings()
    busy = ExtractSettings(workspace=engines.OcrWorkspace(tmpdir="/tmp/x", slots_dir="/tmp/x/slots", slots=4))
    assert plain.key() == busy.key() and plain == busy and "workspace" not in plain.key()
