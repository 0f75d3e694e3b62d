"""The Seller API client against the stand-in: retries (429 honouring Retry-After, 5xx), the
refused key and missing rights as one line without the credentials, the headers sent."""

import time

import pytest

from checker.ozon.client import Credentials, OzonClient, OzonError
from helpers.ozon_standin import API_KEY, CLIENT_ID, StandIn, serve


@pytest.fixture
def standin():
    state = StandIn(products=[{"product_id": 1, "offer_id": "A-1", "sku": 11, "name": "x", "description_category_id": 2, "type_id": 3}])
    server, url = serve(state)
    yield state, url
    server.shutdown()
    server.server_close()


def client(url, key=API_KEY):
    return OzonClient(Credentials(CLIENT_ID, key), url, backoff=0.05)


def test_429_waits_what_retry_after_says(standin):
    state, url = standin
    state.faults["/v3/product/list"].append((429, {"Retry-After": "1"}))
    start = time.monotonic()
    with client(url) as c:
        answer = c.post("/v3/product/list", {"filter": {"visibility": "ALL"}, "last_id": "", "limit": 10})
    assert time.monotonic() - start >= 1.0
    assert answer["result"]["items"][0]["offer_id"] == "A-1"
    assert len(state.calls("/v3/product/list")) == 2


def test_500_then_200_and_five_5xx_give_up_in_one_line(standin):
    state, url = standin
    state.faults["/v3/product/info/list"].append((500, {}))
    with client(url) as c:
        assert c.post("/v3/product/info/list", {"product_id": ["1"]})["items"][0]["sku"] == 11
        state.faults["/v3/product/info/list"].extend([(502, {})] * 5)
        with pytest.raises(OzonError) as err:
            c.post("/v3/product/info/list", {"product_id": ["1"]})
    assert err.value.kind == "unavailable" and "after 5 tries (HTTP 502)" in str(err.value)
    assert "\n" not in str(err.value)


def test_headers_carry_the_credentials_and_errors_never_do(standin):
    state, url = standin
    with client(url) as c:
        c.post("/v1/product/certificate/list", {"page": 1, "page_size": 10})
    [request] = state.requests
    assert request.headers["Client-Id"] == CLIENT_ID and request.headers["Api-Key"] == API_KEY
    assert request.headers["Content-Type"] == "application/json"
    bad_key = "not-the-key-0000"
    with client(url, bad_key) as c, pytest.raises(OzonError) as err:
        c.post("/v3/product/list", {})
    assert err.value.kind == "auth" and str(err.value).startswith("Ozon refused the API key (HTTP 401)")
    assert bad_key not in str(err.value) and CLIENT_ID not in str(err.value)


def test_missing_rights_are_told_apart_from_a_wrong_key(standin):
    state, url = standin
    state.faults["/v2/product/certificate/create"].append((403, {}))
    with client(url) as c, pytest.raises(OzonError) as err:
        c.post("/v2/product/certificate/create", {"params": {}})
    assert err.value.kind == "rights" and "no right to call /v2/product/certificate/create" in str(err.value)


def test_missing_variables_are_named():
    with pytest.raises(OzonError) as err:
        Credentials.from_env({"OZON_CLIENT_ID": "1"})
    assert "OZON_API_KEY" in str(err.value) and "OZON_CLIENT_ID" not in str(err.value)


def test_an_error_message_never_echoes_the_key():
    creds = Credentials("123456", "secret-key-value")
    assert creds.redact("Ozon said: secret-key-value for 123456") == "Ozon said: *** for ***"


def test_calls_to_one_method_are_paced_under_ozon_limits(standin):
    from checker.ozon.client import READ_INTERVAL

    state, url = standin
    start = time.monotonic()
    with client(url) as c:
        for _ in range(4):
            c.post("/v1/product/certificate/list", {"page": 1, "page_size": 10})
    assert time.monotonic() - start >= 3 * READ_INTERVAL


def test_a_declined_upload_is_not_reused_but_a_pending_one_is():
    from datetime import date

    from checker.ozon.certificates import OzonCertificate
    from checker.ozon.upload import make_plan
    from checker.report.ozon_sheet import OzonDocument

    doc = OzonDocument(offer_id="A-1", certificate_type="CERTIFICATE_OF_CONFORMITY", accordance_type="EAEU",
                       certificate_country="RU", number="ЕАЭС RU С-CN.АЯ46.В.01234/23",
                       name="Сертификат соответствия ЕАЭС RU С-CN.АЯ46.В.01234/23", issue_date=date(2023, 3, 12),
                       expired_date=date(2028, 3, 11), product_type="UNKNOWN", regulations=(), file="A-1/RU_cert.pdf")
    declined = OzonCertificate(7, "ЕАЭС RU C-CN.АЯ46.В.01234/23", "", "", "", "declined", "declined", ozon_skus=(11,))
    [step] = make_plan([doc], {"A-1": 11}, [declined]).steps
    assert step.action == "create" and step.params["skus"] == ["11"]
    pending = OzonCertificate(8, "ЕАЭС RU С-CN.АЯ46.В.01234/23", "", "", "", "pending", "pending", ozon_skus=(11,))
    [step] = make_plan([doc], {"A-1": 11}, [declined, pending]).steps
    assert step.action == "skip" and step.certificate_id == 8
    [step] = make_plan([doc], {}, [pending]).steps
    assert step.action == "fail"


def test_create_params_carry_the_papers_ozon_codes():
    """The v2 create request takes certificate_type, accordance_type, certificate_country, name and
    product_type as the paper's OzonDocument gives them (rules/ozon.yaml, the same as --ozon-sheet);
    a type issued without an end date goes as {"infinite": true}; a paper whose dates were not read is not sent."""
    from dataclasses import replace
    from datetime import date

    from checker.ozon.upload import create_params
    from checker.report.ozon_sheet import INFINITE, OzonDocument

    doc = OzonDocument(offer_id="M-1", certificate_type="REGISTRATION_CERTIFICATE", accordance_type="UNKNOWN",
                       certificate_country="RU", number="РЗН 2025/25937", name="Регистрационное удостоверение РЗН 2025/25937",
                       issue_date=date(2025, 6, 2), expired_date=INFINITE, product_type="MEDICAL_PRODUCT", regulations=(),
                       file="M-1/RU_ru.pdf")
    params = create_params(doc, [501, 502], "RU_ru.pdf", b"%PDF-1.4")
    assert params["expired_date"] == {"infinite": True}
    assert (params["certificate_type"], params["accordance_type"], params["certificate_country"], params["product_type"]) == \
        ("REGISTRATION_CERTIFICATE", "UNKNOWN", "RU", "MEDICAL_PRODUCT")
    assert params["name"] == "Регистрационное удостоверение РЗН 2025/25937" and params["number"] == "РЗН 2025/25937"
    assert params["issue_date"] == "2025-06-02T00:00:00Z" and params["skus"] == ["501", "502"]
    assert params["files"] == [{"name": "RU_ru.pdf", "file_content": "JVBERi0xLjQ="}]
    with pytest.raises(ValueError):
        create_params(replace(doc, expired_date=None), [501], "RU_ru.pdf", None)
    with pytest.raises(ValueError):
        create_params(replace(doc, issue_date=None), [501], "RU_ru.pdf", None)
