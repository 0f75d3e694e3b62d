"""The reports written for sample_docs/ stay byte-identical across refactors.

tests/golden/ holds the CSV, files, KYC, JSON, HTML and Ozon-sheet reports of both sample
batches in en, ru and zh, written before the issue-11 restructuring. A change to a report
is a change a user sees: regenerate deliberately with

    .venv/bin/python tests/test_golden_reports.py --update

and say why in the commit. Each batch is read once (real OCR) into a shared cache; the other
two languages are warm runs, so the test costs one cold scan per batch. The runs come from
conftest's session fixture `sample_reports`, which test_samples_e2e also reads: the English run
of each batch is the cold one and serves both tests.
"""

import re
import sys
from pathlib import Path

import pytest

from helpers.samples import BATCHES, LANGS, REPO, REPORTS, SAMPLES, write_reports

GOLDEN = REPO / "tests" / "golden"


_STAMPS = [(re.compile(rb'"generated_at": "[^"]*"'), b'"generated_at": "<when>"'),
           (re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d UTC"), b"<when> UTC"),
           (re.compile(rb'"stats": \{[^}]*\}'), b'"stats": "<this run>"')]


def normalised(data: bytes) -> bytes:
    """The report with what legitimately differs between runs replaced: the time it was written,
    the run's own statistics (seconds, cache hits, pages OCR'd: a warm run reads nothing) and
    the absolute path of the scanned folder (the checkout's location)."""
    for pattern, stand_in in _STAMPS:
        data = pattern.sub(stand_in, data)
    root = str(SAMPLES).encode()
    return data.replace(root, b"<samples>").replace(root.replace(b"/", b"\\/"), b"<samples>")


def golden_cases():
    return [(batch, lang) for batch in BATCHES for lang in LANGS]


@pytest.mark.ocr
@pytest.mark.parametrize("batch,lang", golden_cases())
def test_reports_are_byte_identical_to_the_golden_copy(batch, lang, sample_reports):
    run = sample_reports(batch, lang)
    proc = run.proc
    assert "Traceback" not in proc.stderr + proc.stdout
    for name in REPORTS:
        expected = (GOLDEN / batch / lang / name).read_bytes()
        actual = normalised((run.out / name).read_bytes())
        assert actual == expected, f"{batch}/{lang}/{name} differs from tests/golden (regenerate only on purpose)"


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: test_golden_reports.py --update")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for batch, lang in golden_cases():
            target = GOLDEN / batch / lang
            proc = write_reports(batch, lang, target, Path(tmp) / "cache")
            for name in REPORTS:
                (target / name).write_bytes(normalised((target / name).read_bytes()))
            print(batch, lang, proc.returncode, proc.stderr.strip().splitlines()[-1:] if proc.stderr else "")
