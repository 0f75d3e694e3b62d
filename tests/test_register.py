"""The EAEU register lookup (--register eaeu) against a local stand-in started on 127.0.0.1, and
whether the paper fits the product (certificate_mismatch, certificate_product_mismatch).

No test touches the internet: every request goes to the stand-in (tests/helpers/register_standin.py),
which records it so the tests can assert exactly what was sent: the path, the $filter with the
number in official form, and nothing else."""

import json
import socket
import sys
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest

from checker.phrases import finding_text

sys.path.insert(0, str(Path(__file__).parent))
from conftest import read_csv  # noqa: E402
from helpers.papers import declaration, manual  # noqa: E402
from helpers.register_standin import StandIn  # noqa: E402

from checker.cache import FactCache  # noqa: E402
from checker.register.eaeu import EaeuRegister, filter_expression  # noqa: E402
from checker.register.lookup import RegisterSettings, check_numbers  # noqa: E402

TODAY = "2026-11-26"
N1 = "ЕАЭС N RU Д-CN.РА01.В.10001/24"


@pytest.fixture
def standin():
    server = StandIn().start()
    yield server
    server.stop()


def expected_query(number: str) -> str:
    """What the contract says goes on the wire, written out independently of the client."""
    value = "docId eq '" + number.replace("'", "''") + "'"
    return "$filter=" + quote(value, safe="") + "&$top=5"


def client(standin, **kw) -> EaeuRegister:
    kw.setdefault("backoff", 0.01)
    return EaeuRegister(standin.url, **kw)


# -- the client: requests and answers ---------------------------------------------------------------

def test_in_force_record_and_the_exact_request(standin):
    standin.found(N1)
    with client(standin) as register:
        answer = register.lookup_many([N1])[N1]
    assert answer.state == "found"
    assert answer.record.status_code == "01"
    assert answer.record.start == date(2025, 5, 30) and answer.record.validity == date(2029, 5, 29)
    assert answer.record.country == "RU"
    [request] = standin.requests
    assert request.method == "GET"
    assert request.path == "/odata/conformityDocDetailsType"     # the portal's spelling
    assert request.raw_query == expected_query(N1)
    assert request.params == {"$filter": [f"docId eq '{N1}'"], "$top": ["5"]}
    assert request.headers["accept"] == "application/json"
    assert request.body == b"" and "cookie" not in request.headers


def test_standin_accepts_both_spellings_of_the_entity_set(standin):
    import httpx

    standin.found(N1)
    for entity in ("conformityDocDetailsType", "ConformityDocDetailsType"):
        response = httpx.get(f"{standin.url}/{entity}?{expected_query(N1)}", headers={"Accept": "application/json"})
        assert response.status_code == 200 and response.json()["value"][0]["docId"] == N1
    assert httpx.get(f"{standin.url}/Other?{expected_query(N1)}").status_code == 404


def test_not_found(standin):
    standin.not_found(N1)
    with client(standin) as register:
        assert register.lookup(N1).state == "not_found"


@pytest.mark.parametrize("code", ["02", "03", "99"])
def test_suspended_terminated_or_unknown_status_is_not_in_force(standin, rules, code):
    standin.found(N1, status=code)
    checks = check_numbers([N1], RegisterSettings(url=standin.url, backoff=0.01), rules.register)
    assert checks[N1].state == "found" and checks[N1].status_code == code and checks[N1].in_force is False


def test_slow_answer_times_out_after_three_tries(standin):
    standin.steps(N1, ("slow", 1.5, ("json", {"value": []})))
    with client(standin, timeout=0.3) as register:
        answer = register.lookup(N1)
    assert (answer.state, answer.why, answer.detail) == ("not_checked", "timeout", "0.3")
    assert len(standin.requests) == 3


def test_500_then_200_is_retried(standin):
    from helpers.register_standin import record

    standin.steps(N1, ("status", 500), ("json", {"value": [record(N1)]}))
    with client(standin) as register:
        assert register.lookup(N1).state == "found"
    assert len(standin.requests) == 2


def test_4xx_and_malformed_json_are_not_checked_and_not_retried(standin):
    bad_json, bad_shape, gone = N1, N1.replace("10001", "10002"), N1.replace("10001", "10003")
    standin.steps(bad_json, ("raw", b'{"value": [{"docId": '))
    standin.steps(bad_shape, ("json", {"value": "nothing"}))
    standin.steps(gone, ("status", 404))
    with client(standin) as register:
        answers = register.lookup_many([bad_json, bad_shape, gone])
    assert answers[bad_json].state == answers[bad_shape].state == answers[gone].state == "not_checked"
    assert answers[bad_json].why == answers[bad_shape].why == "malformed"
    assert (answers[gone].why, answers[gone].detail) == ("http", "404")
    assert len(standin.requests) == 3


def test_circuit_breaker_opens_after_five_failures_in_a_row(standin):
    numbers = [N1.replace("10001", f"1000{i}") for i in range(1, 8)]
    for n in numbers:
        standin.steps(n, ("status", 503))
    with client(standin, max_concurrent=1) as register:
        answers = register.lookup_many(numbers)
    assert [answers[n].why for n in numbers] == ["http"] * 5 + ["breaker"] * 2
    assert len(standin.requests) == 5 * 3      # the last two numbers were never sent


def test_a_success_resets_the_failure_count(standin):
    numbers = [N1.replace("10001", f"1000{i}") for i in range(1, 8)]
    for n in numbers:
        standin.steps(n, ("status", 500))
    standin.found(numbers[3])
    with client(standin, max_concurrent=1, attempts=1) as register:
        answers = register.lookup_many(numbers)
    assert [answers[n].state for n in numbers] == ["not_checked"] * 3 + ["found"] + ["not_checked"] * 3
    assert all(answers[n].why == "http" for n in numbers if n != numbers[3])


def test_unreachable_register_is_not_checked(standin):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]       # closed again: nothing listens there
    with EaeuRegister(f"http://127.0.0.1:{port}/odata", backoff=0.01) as register:
        answer = register.lookup(N1)
    assert (answer.state, answer.why) == ("not_checked", "connection")


def test_number_with_a_quote_is_doubled_and_encoded(standin):
    odd = "ЕАЭС KG417/039.RU.02.0'6810"
    standin.found(odd)
    with client(standin) as register:
        assert register.lookup(odd).state == "found"
    [request] = standin.requests
    assert filter_expression(odd) == "docId eq 'ЕАЭС KG417/039.RU.02.0''6810'"
    assert request.raw_query == expected_query(odd) and "%27%27" in request.raw_query
    assert request.number == odd


def test_at_most_four_requests_at_once(standin):
    numbers = [N1.replace("10001", f"100{i:02d}") for i in range(10)]
    for n in numbers:
        standin.steps(n, ("slow", 0.2, ("json", {"value": []})))
    with client(standin) as register:
        register.lookup_many(numbers)
    assert len(standin.requests) == 10
    assert standin.max_inflight == 4


# -- the cache --------------------------------------------------------------------------------------

def test_answers_are_cached_and_not_checked_never(standin, rules, tmp_path):
    other = N1.replace("10001", "10002")
    standin.found(N1)
    standin.steps(other, ("status", 503))
    settings = RegisterSettings(url=standin.url, backoff=0.01)
    cache = FactCache(tmp_path / "cache")
    first = check_numbers([N1, other], settings, rules.register, cache)
    assert (first[N1].state, first[other].state) == ("found", "not_checked")
    sent = len(standin.requests)
    second = check_numbers([N1, other], settings, rules.register, cache)
    assert second[N1] == first[N1]                         # from the cache, dates and all
    assert [r.number for r in standin.requests[sent:]] == [other] * 3   # only the not-checked one is asked again
    sent = len(standin.requests)
    check_numbers([N1], RegisterSettings(url=standin.url, max_age_hours=0, backoff=0.01), rules.register, cache)
    assert [r.number for r in standin.requests[sent:]] == [N1]          # too old for max-age 0: asked again
    cache.close()


# -- end to end: papers, verdicts, reports -----------------------------------------------------------

VOLTEX = "Аккумуляторы портативные литий-полимерные (внешние зарядные устройства, «power bank»), торговая марка «VOLTEX», модель {model}, 10000 мА·ч"
CASES = {
    # sku: (register behaviour, paper's product, regulations)
    "PB-OK": ("found", None, None),
    "PB-NF": ("not_found", None, None),
    "PB-SUS": ("02", None, None),
    "PB-TERM": ("03", None, None),
    "PB-EARLY": ("early", None, None),
    "PB-RETRY": ("500-then-ok", None, None),
    "PB-BAD": ("malformed", None, None),
    "PB-TOY": ("found", "Игрушки мягконабивные: мягкая игрушка «Панда Бао», высота 30 см, торговая марка «HAPPY TOYS», артикул TOY-3001",
               "ТР ТС 008/2011 «О безопасности игрушек»"),
    "PB-BRAND": ("found", "Аккумуляторы портативные (power bank), торговая марка «ZENTRO», модель ZP-500, 5000 мА·ч", None),
}
EXPECTED = {
    "PB-OK": ("ok", set()),
    "PB-NF": ("disabled", {"certificate_not_in_register"}),
    "PB-SUS": ("disabled", {"certificate_revoked"}),
    "PB-TERM": ("disabled", {"certificate_revoked"}),
    "PB-EARLY": ("disabled", {"certificate_expired"}),
    "PB-RETRY": ("ok", set()),
    "PB-BAD": ("ok", set()),
    "PB-TOY": ("disabled", {"certificate_mismatch"}),
    "PB-BRAND": ("at_risk", {"certificate_product_mismatch"}),
}


def number_of(index: int) -> str:
    return f"ЕАЭС N RU Д-CN.РА01.В.{20000 + index}/24"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("register-batch")
    rows = ["sku;category;name;brand"]
    for i, (sku, (_, product, regs)) in enumerate(CASES.items()):
        model = f"{sku}"
        declaration(root / sku / f"RU_{sku}_declaration.pdf", number=number_of(i),
                    product=product or VOLTEX.format(model=model),
                    **({"regulations": regs} if regs else {}))
        manual(root / sku / f"RU_{sku}_manual.pdf")
        rows.append(f"{sku};power_bank;Внешний аккумулятор VOLTEX {model} 10000 мАч;VOLTEX")
    (root / "skus.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    skus = root.parent / f"{root.name}-skus.csv"
    (root / "skus.csv").replace(skus)
    return root, skus


def configure(standin):
    from helpers.register_standin import record

    for i, (sku, (behaviour, _, _)) in enumerate(CASES.items()):
        n = number_of(i)
        if behaviour == "found":
            standin.found(n, start="2024-03-12T00:00:00+03:00")      # the paper's registration date
        elif behaviour == "not_found":
            standin.not_found(n)
        elif behaviour in ("02", "03"):
            standin.found(n, status=behaviour)
        elif behaviour == "early":    # the register ends it before the paper does (paper: 2029-03-11)
            standin.found(n, until="2026-06-30T00:00:00+03:00")
        elif behaviour == "500-then-ok":
            standin.steps(n, ("status", 500), ("json", {"value": [record(n)]}))
        elif behaviour == "malformed":
            standin.steps(n, ("raw", b"<html>Service Unavailable</html>"))


def scan_cli(run_cli, batch, out: Path, *extra):
    root, skus = batch
    code, stdout, stderr = run_cli("scan", root, "--skus", skus, "--today", TODAY, "--jobs", "1",
                                   "--out", out / "report.csv", "--files-out", out / "files.csv",
                                   "--json", out / "report.json", "--html", out / "report.html",
                                   "--cache-dir", out.parent / "cache", *extra)
    assert "Traceback" not in stdout + stderr
    return code, stdout, {r["sku"]: r for r in read_csv(out / "report.csv")}, read_csv(out / "files.csv")


def test_end_to_end_with_the_register(run_cli, batch, standin, tmp_path):
    configure(standin)
    out = tmp_path / "cold"
    out.mkdir()
    code, stdout, skus, files = scan_cli(run_cli, batch, out, "--register", "eaeu", "--register-url", standin.url)
    assert code == 1
    for sku, (status, reasons) in EXPECTED.items():
        got = skus[sku]
        assert (got["chat_status"], set(filter(None, got["reasons"].split(";")))) == (status, reasons), sku
    assert "the paper and the register disagree" in skus["PB-EARLY"]["details"]
    assert "2026-06-30" in skus["PB-EARLY"]["details"]
    assert "ТР ТС 008/2011" in skus["PB-TOY"]["details"] and "ТР ТС 020/2011" in skus["PB-TOY"]["details"]
    assert "ZENTRO" in skus["PB-BRAND"]["details"] and "VOLTEX" in skus["PB-BRAND"]["details"]
    assert "status code 02" in skus["PB-SUS"]["details"] and "suspended" in skus["PB-SUS"]["details"]
    by_path = {f["path"]: f for f in files}
    assert by_path["PB-BAD/RU_PB-BAD_declaration.pdf"]["register"].startswith(f"{number_of(6)}: register: not checked (malformed answer")
    assert by_path["PB-OK/RU_PB-OK_declaration.pdf"]["register"] == f"{number_of(0)}: register: in force (01)"
    assert by_path["PB-NF/RU_PB-NF_declaration.pdf"]["register"] == f"{number_of(1)}: register: not found"
    # a different start date is a note, not a finding
    assert by_path["PB-RETRY/RU_PB-RETRY_declaration.pdf"]["register"] == (
        f"{number_of(5)}: register: in force (01); start date 2024-03-12 on the paper, 2025-05-30 in the register")
    assert "EAEU register: 9 numbers — 8 checked (7 found, 1 not found), 1 not checked" in stdout

    # Only the numbers left the machine: one GET per number (two for the retried one), nothing else.
    numbers = {number_of(i) for i in range(len(CASES))}
    assert sorted(r.number for r in standin.requests) == sorted(list(numbers) + [number_of(5)])
    secrets = ["VOLTEX", "ZENTRO", "PB-", "declaration", "manual", "Иванов", str(batch[0])]
    for r in standin.requests:
        assert r.method == "GET" and r.body == b"" and r.path == "/odata/conformityDocDetailsType"
        assert r.raw_query == expected_query(r.number)
        assert set(r.headers) <= {"host", "accept", "accept-encoding", "connection", "user-agent"}
        assert not any(s in v for s in secrets for v in r.headers.values())

    # The JSON report says the same, and fits its schema.
    import jsonschema

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    schema = json.loads((Path(__file__).parents[1] / "schema" / "doccheck-report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["summary"]["register"] == {"numbers": 9, "checked": 8, "found": 7, "not_found": 1, "not_checked": 1}
    bad = next(f for f in report["files"] if f["path"] == "PB-BAD/RU_PB-BAD_declaration.pdf")
    assert bad["register"][0]["state"] == "not_checked" and bad["register"][0]["why"] == "malformed"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "register: not checked (malformed answer" in html and "EAEU register: 9 numbers" in html

    # Warm re-scan (cache on, the default): no request at all, the same verdicts; the not-checked
    # number is the only one asked again.
    sent = len(standin.requests)
    warm = tmp_path / "warm"
    warm.mkdir()
    code, stdout, again, _ = scan_cli(run_cli, batch, warm, "--register", "eaeu", "--register-url", standin.url)
    assert [r.number for r in standin.requests[sent:]] == [number_of(6)]
    assert {s: (r["chat_status"], r["reasons"]) for s, r in again.items()} == {s: (r["chat_status"], r["reasons"]) for s, r in skus.items()}


def test_without_register_no_request_and_the_fit_checks_still_apply(run_cli, batch, standin, tmp_path, monkeypatch):
    connects = []
    real_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: (connects.append(addr), real_connect(self, addr))[1])
    code, stdout, skus, files = scan_cli(run_cli, batch, tmp_path)
    assert connects == [] and standin.requests == []
    assert "EAEU register" not in stdout
    assert all(f["register"] == "" for f in files)
    assert (skus["PB-TOY"]["chat_status"], skus["PB-TOY"]["reasons"]) == ("disabled", "certificate_mismatch")
    assert (skus["PB-BRAND"]["chat_status"], skus["PB-BRAND"]["reasons"]) == ("at_risk", "certificate_product_mismatch")
    assert {skus[s]["chat_status"] for s in ("PB-OK", "PB-NF", "PB-SUS", "PB-EARLY")} == {"ok"}


def test_failing_register_never_fails_a_scan_or_changes_a_verdict(batch, standin, rules, tmp_path):
    """Slow answers past the time-out, then a run of 5xx opening the breaker: every number is
    "not checked" and every verdict is what it is without the register."""
    from checker.pipeline import ScanOptions, scan
    from checker.mapping.skus import read_sku_csv

    root, skus_csv = batch
    for i in range(len(CASES)):
        standin.steps(number_of(i), ("slow", 1.0, ("status", 503)) if i < 2 else ("status", 503))

    def run(register):
        return scan(ScanOptions(root=root, rules=rules, today=date.fromisoformat(TODAY), skus=read_sku_csv(skus_csv),
                                ocr=False, cache_dir=tmp_path / "cache", register=register))

    result = run(RegisterSettings(url=standin.url, timeout=0.3, backoff=0.01))
    plain = run(None)
    assert result.register.not_checked == 9 and result.register.checked == 0
    assert {s.sku: s.status for s in result.skus} == {s.sku: s.status for s in plain.skus}
    whys = {c.why for f in result.files for c in f.register}
    assert "breaker" in whys and whys <= {"timeout", "http", "breaker"}
    assert len(standin.requests) < 9 * 3          # the breaker spared the rest


def test_audit_asks_the_register_for_each_client(run_cli, batch, standin, tmp_path):
    import shutil

    configure(standin)
    root, skus = batch
    client = tmp_path / "clients" / "acme"
    shutil.copytree(root / "PB-NF", client / "PB-NF")
    shutil.copytree(root / "PB-OK", client / "PB-OK")
    (client / "skus.csv").write_text("sku;category\nPB-NF;power_bank\nPB-OK;power_bank\n", encoding="utf-8")
    code, stdout, stderr = run_cli("audit", tmp_path / "clients", "--out-dir", tmp_path / "out", "--today", TODAY, "--jobs", "1",
                                   "--cache-dir", tmp_path / "cache", "--register", "eaeu", "--register-url", standin.url)
    assert "Traceback" not in stdout + stderr
    assert sorted(r.number for r in standin.requests) == sorted([number_of(0), number_of(1)])
    reports = list((tmp_path / "out" / "acme").rglob("*.csv"))
    text = "\n".join(p.read_text(encoding="utf-8-sig") for p in reports)
    assert "certificate_not_in_register" in text


@pytest.mark.parametrize("args, message", [
    (["--register-url", "http://127.0.0.1:9/odata"], "--register-url needs --register eaeu"),
    (["--register", "eaeu", "--register-url", "ftp://example.org/odata"], "expected an http(s) URL"),
    (["--register", "fsa"], "Invalid value for '--register'"),
])
def test_bad_register_options_are_one_line_and_exit_2(run_cli, batch, tmp_path, args, message):
    root, skus = batch
    code, stdout, stderr = run_cli("scan", root, "--skus", skus, "--out", tmp_path / "r.csv", "--no-cache", *args)
    assert code == 2 and message in stderr and len(stderr.strip().splitlines()) == 1


def test_register_end_date_wins_and_says_so(rules):
    """In force in the register, but ending sooner than the paper says: the register's date decides
    expiring/expired, replacing the paper's finding; a later register date changes nothing."""
    from checker.models import DocumentNumber, FileAnalysis, FileFacts, FileKind, FileResult, Finding, Group, RegisterCheck
    from checker.judging.paper_checks import register_findings
    from checker import codes

    today = date(2026, 11, 26)
    facts = FileFacts(sha256="0" * 64, size=1, mime="application/pdf", kind=FileKind.TEXT_PDF)
    paper = FileResult("PB-1/RU_decl.pdf", "RU_decl.pdf", Group.SKU, "PB-1", facts, FileAnalysis(
        numbers=[DocumentNumber(N1, "eaeu", "declaration", True)], valid_until=date(2026, 12, 1), role="conformity"),
        findings=[Finding(codes.CERTIFICATE_EXPIRING, "paper's own")])

    def findings_with(until):
        check = RegisterCheck(N1, "found", status_code="01", in_force=True, valid_until=until)
        found, mine = register_findings(paper, {N1: check}, rules, today)
        assert mine == [check] and finding_text(paper.findings[0], "en") == "paper's own"     # the input is left as it was
        return [(f.code.code, finding_text(f, "en")) for f in found]

    [(code, detail)] = findings_with(date(2026, 11, 30))
    assert code == "certificate_expiring" and "2026-11-30" in detail and "in 4 days" in detail
    assert "the paper and the register disagree: valid until 2026-12-01 on the paper, 2026-11-30 in the register" in detail
    [(code, detail)] = findings_with(date(2026, 11, 1))
    assert code == "certificate_expired" and "2026-11-01" in detail
    assert findings_with(date(2029, 1, 1)) == [("certificate_expiring", "paper's own")]
