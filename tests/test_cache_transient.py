"""A page whose OCR hit its time limit (a busy machine) is reported, never remembered: the next
run reads it again instead of repeating the time-out from the cache. Found when a loaded test
machine made one page time out and every later warm run kept saying so."""

from checker.cache import FactCache
from checker.models import ExtractSettings, FileFacts, FileKind, PageText


def facts(timed_out: bool) -> FileFacts:
    page = PageText(1, "ocr", "" if timed_out else "СЕРТИФИКАТ СООТВЕТСТВИЯ", 0.0 if timed_out else 91.0,
                    note="OCR timed out after 60 s" if timed_out else "", timed_out=timed_out)
    return FileFacts(sha256="ab" * 32, size=10, mime="application/pdf", kind=FileKind.SCANNED_PDF, page_count=1,
                     pages=[page], extractor=ExtractSettings().key())


def test_facts_with_a_timed_out_page_are_not_cached_and_the_next_run_reads_again(tmp_path):
    cache = FactCache(tmp_path / "cache")
    slow = facts(timed_out=True)
    assert slow.transient
    cache.put("/batch/RU_cert.pdf", 10, 1, slow)
    assert cache.lookup("/batch/RU_cert.pdf", 10, 1, slow.extractor) is None
    assert cache.get(slow.sha256, slow.extractor) is None

    read = facts(timed_out=False)
    assert not read.transient
    cache.put("/batch/RU_cert.pdf", 10, 1, read)
    again = cache.lookup("/batch/RU_cert.pdf", 10, 1, read.extractor)
    assert again is not None and again.pages[0].text == "СЕРТИФИКАТ СООТВЕТСТВИЯ" and not again.transient
